"""Header rows whose text wraps get a height, so LibreOffice shows the whole header instead of drawing its second
line over the first row of numbers (it does not fit rows to wrapped text as Excel does); and, seen through
LibreOffice, the Summary's charts have their bars."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from tests.cli_runner import cli
from xlseg.plan.row_heights import header_heights, lines_needed, wrapped_lines, wrapped_points
from xlseg.plan.write_plan import Block, SheetPlan, Style

DATA = Path(__file__).parent / "data"


def test_lines_needed():
    assert lines_needed("Recency", 10) == 1
    assert lines_needed("Mean recency (days)", 18) == 2  # LibreOffice wraps it at this width
    assert lines_needed("Expected Spend per Purchase", 16) == 3
    assert lines_needed("Line one\nline two", 40) == 2
    assert lines_needed("", 10) == 1
    # full-width characters count twice; text without spaces breaks anywhere
    assert lines_needed("预测购买次数", 16) == 1
    assert lines_needed("预测购买次数预测购买次数", 16) == 2
    assert lines_needed("x" * 100, 11) == 12  # 115 bold characters' width, 10 a line
    assert lines_needed("x" * 100, 11, bold=False) == 10


def test_header_heights_measure_only_short_wrapped_ranges():
    sp = SheetPlan("t", "T")
    sp.blocks.append(Block(1, 1, [["Customer ID", "Expected Spend per Purchase"], ["a", "b"]]))
    sp.blocks.append(Block(5, 1, [["long text " * 20], ["more long text " * 20], ["x"], ["y"]]))
    sp.styles.append(Style("A1:B1", bold=True, wrap=True))
    sp.styles.append(Style("A5:A8", wrap=True))  # four rows: data (Excel fits those rows as it opens the file)
    sp.widths = {"A": 13, "B": 16}
    assert header_heights(sp) == {1: 45.0}
    sp.styles[0] = Style("A1:B1", bold=True)  # not wrapped: no height
    assert header_heights(sp) == {}


def test_wrapped_lines_counts_as_lines_needed():
    """A band at once gives what lines_needed gives text by text (body font): spaces, empty words, words longer
    than a line, Chinese (two a character), line breaks; sliced, chunked, large and dictionary arrays."""
    import random

    import pyarrow as pa

    rng = random.Random(5)
    words = ["R", "5:", "last", "purchase", "32", "days", "ago", "(<=", "34).", "Segment", "Champions:", "",
             "预测购买次数", "客户", "x" * 70, "(>=", "12,585.46).", "流失预警" * 12]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    texts += ["", " ", "  a", "a  ", " a b ", "x" * 59, "x" * 60, "x" * 118, "x" * 119, "a\nb c d", "客" * 40]
    for width in (60, 28, 8.43, 1):
        want = np.array([lines_needed(x, width, bold=False) for x in texts])
        assert (wrapped_lines(pa.array(texts), width) == want).all(), width
        assert (wrapped_lines(texts, width) == want).all(), width
    arr = pa.array(texts * 2)[1000:4000]
    want = np.array([lines_needed(x, 30, bold=False) for x in (texts * 2)[1000:4000]])
    assert (wrapped_lines(arr, 30) == want).all()
    assert (wrapped_lines(pa.chunked_array([arr[:10], arr[10:]]), 30) == want).all()
    assert (wrapped_lines(arr.cast(pa.large_string()), 30) == want).all()
    assert (wrapped_lines(arr.dictionary_encode(), 30) == want).all()
    # what is not text takes a line; an accented letter counts 1.5 (generous, never fewer lines)
    assert wrapped_lines(["a b", None, 3.0, "x" * 200], 20).tolist() == [1, 1, 1, 11]
    assert wrapped_lines(pa.array([1.5, 2.0]), 5).tolist() == [1, 1] and len(wrapped_lines([], 9)) == 0
    assert wrapped_lines(["é" * 80], 60).tolist() == [3] and lines_needed("é" * 80, 60, bold=False) == 2


def test_wrapped_lines_at_widths_that_are_not_whole():
    """Widths counted in whole hundredths: a word broken over lines at a width such as 8.43 (no <col>) or 3.3
    leaves at most a line, so the fill always moves on (float sums made a line start before its first word: the
    writer looped for ever on 'x' * 743 + ' a' at 8.43), and the vectorised count is never below lines_needed."""
    import random

    cases = [("x" * 743 + " a", 8.43), ("x" * 2231 + " a", 8.43), ("x" * 46 + " a", 3.3), ("x" * 31 + " x", 4.3),
             ("x" * 46 + " xxxx", 6.1), ("x" * 30 + " xx " + "x" * 23, 4.3)]
    for text, width in cases:
        assert wrapped_lines([text], width).tolist() == [lines_needed(text, width, bold=False)], (len(text), width)
    assert lines_needed("x" * 743 + " a", 8.43, bold=False) == 101
    rng = random.Random(5)
    texts = [" ".join("x" * rng.randint(0, 60) for _ in range(rng.randint(1, 5))) for _ in range(4000)]
    for width in (3.3, 4.3, 6.1, 8.43, 10.71, 13.57):
        want = [lines_needed(t, width, bold=False) for t in texts]
        assert wrapped_lines(texts, width).tolist() == want, width


def test_heights_stop_at_excels_highest_row_and_text_items_count():
    import numpy as np_

    assert wrapped_points(["word " * 400], 10).tolist() == [409.0]  # Excel's rows stop at 409.5 points
    assert wrapped_points(np_.array(["x " * 40]).tolist(), 20).tolist() == wrapped_points(["x " * 40], 20).tolist()
    assert wrapped_lines([np_.str_("x " * 40)], 20).tolist() == [lines_needed("x " * 40, 20, bold=False)]


def test_wrapped_rows_get_heights_in_bands_of_either_kind():
    """Rows whose wrapped text takes more lines get a height (no customHeight), written the same whether the
    band goes through Arrow (a column of Rows, >= ARROW_ROWS rows) or cell by cell (lists)."""
    import pandas as pd

    from xlseg.ooxml.grid import ARROW_ROWS, Grid
    from xlseg.ooxml.styles import MINIMAL, StyleBook
    from xlseg.plan.rows import Rows

    n = ARROW_ROWS + 44
    why = [("Segment Champions: R 5, F 5. " * (i % 4)).strip() for i in range(n)]
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(n)], "why": pd.Series(why, dtype="str")})
    chunks = {}
    for kind, values in (("arrow", Rows(frame)), ("cells", [[a, b] for a, b in zip(frame["id"], why)])):
        grid = Grid([Block(2, 1, values)], [Style(f"B2:B{n + 1}", wrap=True)], StyleBook(MINIMAL))
        out = []
        for chunk in grid.row_chunks({}, widths={"B": 30}):
            out.append(chunk if isinstance(chunk, str) else bytes(chunk).decode())
        chunks[kind] = "".join(out)
    assert chunks["arrow"] == chunks["cells"]
    tags = re.findall(r'<row r="(\d+)"( ht="(\d+)")?>', chunks["arrow"])
    assert len(tags) == n
    for r, _attr, ht in tags:
        lines = lines_needed(why[int(r) - 2], 30, bold=False)
        assert ht == (str(lines * 15) if lines > 1 else ""), (r, why[int(r) - 2])
    # Chinese text: taller lines (LibreOffice's CJK font)
    assert wrapped_points(["客户 " * 30, "客户", "a " * 30], 20).tolist() == [
        lines_needed("客户 " * 30, 20, bold=False) * 17, 0, lines_needed("a " * 30, 20, bold=False) * 15]
    assert "customHeight" not in chunks["arrow"]


def _sheet_xml(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet name="{re.escape(title)}"[^>]*r:id="([^"]+)"', wb).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) or \
            re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
        return z.read("xl/" + target.group(1).lstrip("/").removeprefix("xl/")).decode()


@pytest.fixture(scope="module")
def output(tmp_path_factory) -> Path:
    """CDNOW's first 2,000 order lines classified into a new workbook (681 customers, a fitted model)."""
    d = tmp_path_factory.mktemp("heights")
    lines = (DATA / "cdnow_transactions.csv").read_text().splitlines()[:2001]
    csv = d / "cdnow.csv"
    csv.write_text("\n".join(lines) + "\n")
    out = d / "out.xlsx"
    result = cli("classify", "--orders", csv, "-o", out)
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def test_written_heights(output):
    summary = _sheet_xml(output, "Summary")
    customers = _sheet_xml(output, "Customers")
    # the segment table's header ("Mean recency (days)" in a column 18 wide) and the Customers header
    # ("Expected Spend per Purchase" in 16): a height, never customHeight (Excel may fit the row again)
    assert re.search(r'<row r="\d+" ht="30"><c r="A\d+" s="\d+" t="inlineStr"><is><t>Segment</t>', summary)
    assert customers.count('<row r="1" ht="45">') == 1
    assert "customHeight" not in summary + customers
    # each customer's row is as high as its Why text needs (column 60 wide), or has no height: one line
    wb = openpyxl.load_workbook(output, read_only=True)
    try:
        rows = list(wb["Customers"].iter_rows(values_only=True))
    finally:
        wb.close()
    col = rows[0].index("Why")
    want = {i + 1: lines_needed(row[col], 60, bold=False) for i, row in enumerate(rows) if i}
    got = {int(r): int(h) for r, h in re.findall(r'<row r="(\d+)" ht="(\d+)">', customers) if r != "1"}
    assert got == {r: lines * 15 for r, lines in want.items() if lines > 1}
    assert len(got) > 600  # almost every customer's Why wraps


def test_libreoffice_keeps_the_heights(output, libreoffice, tmp_path):
    saved = libreoffice.convert_to_xlsx(output, tmp_path)
    wb = openpyxl.load_workbook(saved)
    try:
        ws = wb["Summary"]
        row = next(c.row for c in ws["A"] if c.value == "Segment")
        assert ws.row_dimensions[row].height >= 29
        assert wb["Customers"].row_dimensions[1].height >= 44
        # a customer's row: as high as its Why text (LibreOffice otherwise drew the texts over each other)
        assert wb["Customers"].row_dimensions[2].height >= 44
    finally:
        wb.close()


def test_libreoffice_draws_the_bars(output, libreoffice, pdftoppm, tmp_path):
    """The Summary's first page shows its two bar charts' bars, in their fill (without a fill LibreOffice draws
    a series with no bars at all: a chart of axes only)."""
    from PIL import Image

    pdf = libreoffice.convert_to_pdf(output, tmp_path)
    first = tmp_path / "page"
    libreoffice._run([str(pdftoppm), "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(first)], 120,
                     "pdftoppm")
    png = next(tmp_path.glob("page*.png"))
    pixels = np.asarray(Image.open(png).convert("RGB"), dtype=np.int16)
    blue = np.array([0x44, 0x72, 0xC4], dtype=np.int16)  # xlseg.ooxml.charts.FILLS[0]
    near = int((np.abs(pixels - blue) <= 12).all(axis=2).sum())
    # the bars of 'Customers by segment' and 'Revenue by value tier': about 2,600 pixels at 60 dpi, 2 without
    # the series' fill
    assert near > 1500, near
