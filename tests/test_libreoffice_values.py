"""LibreOffice as the second reader: the values it shows equal what openpyxl reads back.

Five soffice conversions in all (about a second each): the English demo to PDF
and to CSV, the Chinese demo to CSV, the formula-injection book to CSV and the
preservation book to CSV.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest

from xlseg.core import labels as L
from xlseg.plan.build import OUTPUT_KEYS
from xlseg.filemode.run import classify_file
from tests.cli_runner import cli


def compare_sheet(lo, wb, title: str, csv_path) -> int:
    """Every cell of ``title`` as openpyxl reads it equals LibreOffice's CSV text; returns the cells compared."""
    ws = wb[title]
    rows = lo.read_csv_sheet(csv_path)
    assert len(rows) == ws.max_row, title
    bad, n = [], 0
    for r, row in enumerate(ws.iter_rows(), start=1):
        shown = rows[r - 1]
        assert len(shown) == ws.max_column or shown == [""], (title, r, shown)
        for c, cell in enumerate(row, start=1):
            text = shown[c - 1] if c <= len(shown) else ""
            n += 1
            if not lo.cell_equal(text, cell.value):
                bad.append((cell.coordinate, cell.value, cell.number_format, text))
    assert not bad, f"{title}: {len(bad)} cells differ, first: {bad[:5]}"
    return n


# ------------------------------------------------------------------ the demo
@pytest.fixture(scope="module")
def demo_book(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    result = cli("demo", "-o", path, "--customers", 300)
    return path, result


def test_demo_command_output(demo_book):
    path, result = demo_book
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Segments as of 2026-06-30" in out
    assert re.search(r"^Classified 300 customers as of 2026-06-30; (no data-quality findings|data-quality findings: "
                     r"\d+ kinds? on [\d,]+ rows? \(see the Issues sheet\))\.$", out, re.M)
    assert out.rstrip().endswith(f"Wrote {path}")
    for seg in ("Champions", "Hibernating"):
        assert seg in out
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Customer List", "Orders", "Summary"]
    assert {"Customers", "Tags", "Issues", "Settings"} <= set(wb.sheetnames)
    assert wb["Customers"].max_row == 301


def test_demo_opens_in_libreoffice_as_pdf(libreoffice, demo_book, tmp_path):
    path, _ = demo_book
    pdf = libreoffice.convert_to_pdf(path, tmp_path)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 3  # pages for the user's sheets and ours


def test_demo_values_in_libreoffice_equal_openpyxl(libreoffice, demo_book, tmp_path):
    path, _ = demo_book
    csvs = libreoffice.convert_to_csv(path, tmp_path)
    assert list(csvs) == openpyxl.load_workbook(path, read_only=True).sheetnames  # every sheet exported
    wb = openpyxl.load_workbook(path)
    n = {t: compare_sheet(libreoffice, wb, t, csvs[t]) for t in ("Customer List", "Summary", "Customers", "Tags",
                                                                 "Issues")}
    ws = wb["Customer List"]
    assert ws.max_column == 12 + len(OUTPUT_KEYS)  # 12 user columns + ours
    assert n["Customer List"] == ws.max_row * ws.max_column > 300 * ws.max_column  # every cell compared
    # our appended columns are there, in LibreOffice too
    head = libreoffice.read_csv_sheet(csvs["Customer List"])[0]
    assert head[-len(OUTPUT_KEYS):] == [L.header(k, "en") for k in OUTPUT_KEYS]
    summary = libreoffice.read_csv_sheet(csvs["Summary"])
    assert summary[1][:2] == ["As of", "2026-06-30"]  # a date, in ISO form, not a serial number
    assert summary[2][0] == "Generated"


def test_chinese_demo_values_in_libreoffice(libreoffice, tmp_path):
    path = tmp_path / "示例.xlsx"
    result = cli("demo", "-o", path, "--customers", 120, "--lang", "zh")
    assert result.exit_code == 0, result.stderr
    csvs = libreoffice.convert_to_csv(path, tmp_path / "csv")
    assert list(csvs)[:3] == ["客户名单", "订单", "汇总"]
    assert {"客户明细", "标签明细", "数据问题", "设置"} <= set(csvs)
    wb = openpyxl.load_workbook(path)
    for title in ("客户名单", "汇总", "客户明细"):
        compare_sheet(libreoffice, wb, title, csvs[title])
    head = libreoffice.read_csv_sheet(csvs["客户名单"])[0]
    assert head[-len(OUTPUT_KEYS):] == [L.header(k, "zh") for k in OUTPUT_KEYS]


# ------------------------------------------------------------------ formula injection
RISKY = ['=HYPERLINK("http://x","click")', "+1+1", "-2", "@SUM(A1)"]


@pytest.fixture(scope="module")
def injected(tmp_path_factory):
    d = tmp_path_factory.mktemp("inject")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Name", "Source", "Orders", "Total Spend", "Last Purchase"])
    for i, name in enumerate(RISKY + ["Plain"], start=1):
        ws.append([f"C{i}", name, "Online" if i % 2 else "Offline", i, 100.0 * i, dt.datetime(2026, 3, i)])
    ws.append(["C9", "Nine", "Online", 2, 50.0, "=NOW()"])  # a date typed as text: an Issues value
    ws.append(["=1+1", "@risky id", "Offline", 1, 10.0, dt.datetime(2026, 2, 1)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                cell.data_type = "s"  # the user's text, not formulas
    src = d / "inject.xlsx"
    wb.save(src)
    out = d / "inject_out.xlsx"
    run = classify_file(src, out, generated="fixed")
    return src, out, run


RISKY_ALL = set(RISKY) | {"=NOW()", "=1+1", "@risky id"}


def _risky_cells(ws):
    return [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]


def test_risky_text_is_stored_as_text_everywhere(injected):
    _src, out, run = injected
    wb = openpyxl.load_workbook(out)
    assert len(run.result.issues) >= 1
    expect = {  # sheet -> risky strings that must be there
        "Data": RISKY_ALL,
        "Customers": set(RISKY) | {"=1+1", "@risky id"},
        "Tags": set(RISKY) | {"=1+1", "@risky id"},
        "Issues": {"=NOW()"},
    }
    for title, wanted in expect.items():
        cells = _risky_cells(wb[title])
        assert wanted <= {c.value for c in cells}, (title, {c.value for c in cells})
        for c in cells:
            assert c.data_type == "s", (title, c.coordinate, c.value)
    # nothing xlseg wrote anywhere is a formula, except the user's own
    for ws in wb.worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"], ws.title


def test_libreoffice_shows_the_literal_text(libreoffice, injected, tmp_path):
    _src, out, _run = injected
    csvs = libreoffice.convert_to_csv(out, tmp_path)
    wb = openpyxl.load_workbook(out)
    for title in ("Data", "Customers", "Tags", "Issues", "Summary"):
        compare_sheet(libreoffice, wb, title, csvs[title])
    texts = {t: {v for row in libreoffice.read_csv_sheet(csvs[t]) for v in row} for t in csvs}
    assert RISKY_ALL <= texts["Data"]
    assert set(RISKY) | {"=1+1", "@risky id"} <= texts["Customers"] & texts["Tags"]
    assert "=NOW()" in texts["Issues"]
    assert "click" not in texts["Customers"] | texts["Data"] | texts["Tags"]  # never evaluated as a formula


# ------------------------------------------------------------------ the preservation book
def test_preserved_book_computes_in_libreoffice(libreoffice, tmp_path):
    from tests.test_preservation import HEADER, N, make_book

    src = tmp_path / "kept.xlsx"
    make_book(src, with_image=False)
    out = tmp_path / "kept_out.xlsx"
    classify_file(src, out, generated="fixed")
    csvs = libreoffice.convert_to_csv(out, tmp_path / "csv")
    assert list(csvs)[:4] == ["Data", "Notes", "Summary", "Summary (xlseg)"]
    rows = libreoffice.read_csv_sheet(csvs["Data"])
    assert rows[2][:len(HEADER)] == HEADER
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]
    for r in range(4, 4 + N):
        spend = ws.cell(r, 5).value
        assert libreoffice.cell_equal(rows[r - 1][5], spend * 2)  # the user's formula, computed
        assert libreoffice.cell_equal(rows[r - 1][2], ws.cell(r, 3).value)  # dd/mm/yyyy shows as a date
        for c in range(len(HEADER) + 1, ws.max_column + 1):  # our columns
            assert libreoffice.cell_equal(rows[r - 1][c - 1], ws.cell(r, c).value), (r, c)
    mine = libreoffice.read_csv_sheet(csvs["Summary"])
    total = sum(ws.cell(r, 5).value for r in range(4, 4 + N))
    assert mine[0][0] == "My summary" and libreoffice.cell_equal(mine[1][1], total)
    compare_sheet(libreoffice, wb, "Summary (xlseg)", csvs["Summary (xlseg)"])
