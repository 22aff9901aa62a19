"""xlseg.read.sheetcolumns: a sheet's values read with numpy from its part's bytes equal what python-calamine
gives (Book._dense, the reader used before), cell type by cell type; whatever it leaves to calamine is read
by calamine; hostile sheets stay bounded."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlseg.demo import make_demo
from xlseg.filemode.run import classify_file
from xlseg.read import sheetcolumns
from xlseg.read.book import MAX_CELLS, _dense_enough, _patch_columns, open_book

ROOT = Path(__file__).resolve().parents[1]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _typed(columns) -> list:
    return [[(type(v).__name__, v) for v in c] for c in columns]


def _calamine(book, title):
    info = book.info(title)
    cols = book._dense(title, info)
    _patch_columns(cols, book.scan(title))
    return cols


def fast_and_calamine(path, title):
    """(the numpy reader's columns or None, calamine's columns) of one sheet."""
    with open_book(path) as book:
        fast = sheetcolumns.read_columns(book, book.info(title), max_cells=MAX_CELLS, dense=_dense_enough)
        return (None if fast is None else fast[0]), _calamine(book, title)


def assert_same(path, title, taken=True):
    fast, slow = fast_and_calamine(path, title)
    assert (fast is not None) == taken
    if fast is not None:
        assert _typed(fast) == _typed(slow)
    with open_book(path) as book:  # and Book.rows, whichever reader it took, gives calamine's values
        rows = book.rows(title)
        width = max(len(slow), 1)
        expect = [tuple(c[i] for c in slow) for i in range(len(slow[0]) if slow else 0)]
        got = [tuple(r) + (None,) * (width - len(r)) for r in rows]
        assert [[(type(v).__name__, v) for v in r] for r in got] == [[(type(v).__name__, v) for v in r]
                                                                     for r in expect]


def test_openpyxl_workbook_texts_numbers_and_dates(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["ID", "Name", "Orders", "Spend", "First", "Last", "Note", "Big"])
    for i in range(300):
        ws.append([f"C{i:04d}", ["Zhang Wei & Co", "Müller <GmbH>", "O'Brien \"Ltd\"", "张三", ""][i % 5], i % 7,
                   round(i * 1.37, 2) if i % 11 else None, dt.datetime(2020, 1, 1) + dt.timedelta(days=i),
                   dt.datetime(2024, 3, 5), "  spaced  " if i % 13 == 0 else None, 2**53 + 2 if i % 17 == 0 else -0.5])
    ws.cell(row=5, column=6).number_format = "yyyy\"年\"m\"月\"d\"日\""
    ws.cell(row=6, column=6).number_format = "dd/mm/yyyy"
    ws.cell(row=7, column=3).number_format = "0.00"
    ws.cell(row=8, column=3).number_format = "0%"
    ws.cell(row=9, column=3).number_format = "@"
    path = tmp_path / "openpyxl.xlsx"
    wb.save(path)
    assert_same(path, "Customers")


def test_a_sheet_starting_right_and_below_a1_and_blank_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D5"], ws["E9"], ws["D12"] = "x", 5, 2.25, "last"
    ws["F2"].number_format = "0.00"  # a styled empty cell: no value, so outside the range
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    assert_same(path, "Sheet")


def test_1904_dates(tmp_path):
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["When", "n"])
    for d in (dt.datetime(1904, 1, 2), dt.datetime(2024, 3, 5), dt.datetime(9999, 12, 31)):
        ws.append([d, 1])
    path = tmp_path / "mac.xlsx"
    wb.save(path)
    assert_same(path, "Sheet")


def _part_book(path: Path, sheet_data: str, styles: str | None = None, shared: str | None = None) -> Path:
    """A one-sheet workbook whose sheetData is ``sheet_data`` (as written); ``shared``: the ``<si>`` elements of
    its shared strings part."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    styles = styles or ('<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (f'<workbook {NS} xmlns:r="{rel}"><sheets>'
                                       '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/>' +
            (f'<Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>' if shared else "") +
            '</Relationships>'))
        if shared:
            z.writestr("xl/sharedStrings.xml", f'<sst {NS}>{shared}</sst>')
        z.writestr("xl/styles.xml", f'<styleSheet {NS}>{styles}</styleSheet>')
        z.writestr("xl/worksheets/sheet1.xml", f'<worksheet {NS}><sheetData>{sheet_data}</sheetData></worksheet>')
    return path


PLAIN = ('<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>when</t></is></c>'
         '<c r="C1" t="inlineStr"><is><t>n</t></is></c></row>'
         '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> a&amp;b &lt;x&gt; &#233;</t></is></c>'
         '<c r="B2" s="1"><v>45000</v></c><c r="C2"><v>1E-3</v></c></row>'
         '<row r="4"><c r="A4" t="str"><v>text</v></c><c r="B4" s="1"/><c r="C4" t="n"><v>-12</v></c></row>'
         '<row r="5"><c r="A5" t="inlineStr"><is><t></t></is></c><c r="C5"><v>9007199254740993</v></c></row>')


@pytest.mark.parametrize("extra, taken", [
    ("", True),
    # left to calamine, and Book.rows still gives calamine's values
    ('<row r="6"><c r="A6" t="b"><v>1</v></c></row>', False),  # a boolean
    ('<row r="6"><c r="A6" t="e"><v>#N/A</v></c></row>', False),  # an error
    ('<row r="6"><c r="A6"><f>1+1</f><v>2</v></c></row>', False),  # a formula
    ('<row r="6"><c r="A6" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c></row>', False),  # rich text
    ('<row r="6"><c r="B6" s="1"><v>45000.5</v></c></row>', False),  # a date with a time of day
    ('<row r="6"><c r="B6" s="1"><v>12</v></c></row>', False),  # a date before 1900-03-01
    ('<row r="6"><c r="E6" t="inlineStr"><is><t></t></is></c></row>', False),  # an empty text past the last value
    ('<row r="6"><c r="A6" t="inlineStr"><is><t>x_x0041_</t></is></c></row>', False),  # Excel's escape
])
def test_hand_written_cells(tmp_path, extra, taken):
    path = _part_book(tmp_path / "hand.xlsx", PLAIN + extra)
    assert_same(path, "S", taken=taken)


SHARED = ('<si><t>plain</t></si><si><r><t>ri</t></r><r><rPr><b/></rPr><t>ch</t></r></si>'
          '<si><t>漢字</t><rPh sb="0" eb="1"><t>カンジ</t></rPh></si><si><t></t></si><si><t>a &amp; b</t></si>')


@pytest.mark.parametrize("cells, taken", [
    ('<row r="6"><c r="A6" t="s"><v>0</v></c><c r="B6" t="s"><v>1</v></c><c r="C6" t="s"><v>2</v></c></row>'
     '<row r="7"><c r="A7" t="s"><v>3</v></c><c r="B7" t="s"><v>4</v></c></row>', True),
    ('<row r="6"><c r="A6" t="s"><v>7</v></c></row>', False),  # no such shared string: calamine says so
])
def test_shared_strings(tmp_path, cells, taken):
    path = _part_book(tmp_path / "sst.xlsx", PLAIN + cells, shared=SHARED)
    if taken:
        assert_same(path, "S")
    else:
        with open_book(path) as book:
            assert sheetcolumns.read_columns(book, book.info("S"), max_cells=MAX_CELLS, dense=_dense_enough) is None


def test_a_format_not_judged_here_goes_to_calamine(tmp_path):
    styles = ('<numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm:ss"/></numFmts>'
              '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs>')
    path = _part_book(tmp_path / "duration.xlsx", PLAIN, styles)
    assert_same(path, "S", taken=False)


def test_demo_and_template_workbooks(tmp_path):
    demo = tmp_path / "demo.xlsx"
    make_demo(demo, n_customers=300)
    out = tmp_path / "demo_out.xlsx"
    classify_file(demo, out, as_of="2026-01-31")
    taken = 0
    for path in [demo, out] + sorted((ROOT / "workbook_templates").glob("*.xlsx")):
        with open_book(path) as book:
            titles = [t for t in book.titles if book.info(t).kind == "worksheet" and book.scan(t).cells]
        for title in titles:
            fast, slow = fast_and_calamine(path, title)
            if fast is not None:
                taken += 1
                assert _typed(fast) == _typed(slow), (path.name, title)
    assert taken >= 8


def test_a_stray_cell_far_away_is_not_a_rectangle(tmp_path):
    path = _part_book(tmp_path / "stray.xlsx", PLAIN + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')
    with open_book(path) as book:
        assert sheetcolumns.read_columns(book, book.info("S"), max_cells=MAX_CELLS, dense=_dense_enough) is None
        rows = book.rows("S")  # read cell by cell, as before
        assert rows[1][0] == " a&b <x> é" and book.scan("S").max_row == 1048576


def test_more_cells_than_the_limit_is_left_to_the_scan(tmp_path):
    path = _part_book(tmp_path / "many.xlsx", PLAIN)
    with open_book(path) as book:
        assert sheetcolumns.read_columns(book, book.info("S"), max_cells=5, dense=_dense_enough) is None
        assert sheetcolumns.read_columns(book, book.info("S"), max_cells=100, dense=_dense_enough) is not None


def test_a_row_without_an_end_is_left_to_the_scan(tmp_path, monkeypatch):
    from xlseg.read import sheetdata

    monkeypatch.setattr(sheetdata, "MAX_PIECE", 1000)
    cells = "".join(f'<c r="A{i}"><v>{i}</v></c>' for i in range(1, 200))
    path = _part_book(tmp_path / "endless.xlsx", f'<row r="1">{cells}')
    with open_book(path) as book:
        assert sheetcolumns.read_columns(book, book.info("S"), max_cells=MAX_CELLS, dense=_dense_enough) is None
        assert book.rows("S")[0][0] == 1  # calamine reads what it can, as before


def test_the_scan_made_by_the_read_says_what_the_sheet_holds(tmp_path):
    path = _part_book(tmp_path / "scan.xlsx", PLAIN)
    with open_book(path) as book:
        book.rows("S")
        scan = book.scan("S")
        assert (scan.cells, scan.max_row, scan.max_col) == (11, 5, 3)
        assert not scan.errors and not scan.formulas and not scan.formula_rows
