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
from xlseg.plan.row_heights import header_heights, lines_needed
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
    assert len(re.findall(r"<row [^>]*ht=", customers)) == 1  # the customer rows are Excel's to fit


def test_libreoffice_keeps_the_heights(output, libreoffice, tmp_path):
    saved = libreoffice.convert_to_xlsx(output, tmp_path)
    wb = openpyxl.load_workbook(saved)
    try:
        ws = wb["Summary"]
        row = next(c.row for c in ws["A"] if c.value == "Segment")
        assert ws.row_dimensions[row].height >= 29
        assert wb["Customers"].row_dimensions[1].height >= 44
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
