"""xlseg.read.book: the calamine reader gives the values openpyxl reads from the same file.

openpyxl is the second reader: ``iter_rows(values_only=True)`` on a workbook
loaded with ``data_only=True`` (formula cells by their saved value). Every
workbook is built here in code; the formula workbooks are also saved once by
LibreOffice, which stores the formulas' results as Excel does.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName

from xlseg.errors import WorkbookError
from xlseg.read.book import check_formulas, open_book, plain_rows
from tests import openpyxl_book
from xlseg.filemode.run import analyse, classify_file


def openpyxl_rows(path: Path, title: str) -> list:
    wb = openpyxl.load_workbook(path, data_only=True)
    rows = openpyxl_book.sheet_rows(wb[title])
    return [] if rows == [(None,)] else rows  # openpyxl's one blank cell of an empty sheet


def typed(rows) -> list:
    """Rows with each value's type, so 1 and 1.0, or a date and a datetime, never compare equal."""
    return [[(type(v).__name__, v) for v in r] for r in rows]


def loose(rows) -> list:
    """:func:`typed`, with whole numbers as floats (the two readers type 360.0 differently)."""
    return [[("float", float(v)) if isinstance(v, (int, float)) and not isinstance(v, bool) else (type(v).__name__, v)
             for v in r] for r in rows]


KINDS_HEAD = ["Text", "Int", "Float", "Date", "DateTime", "Time", "Bool", "Error", "Percent", "Chinese"]
KINDS_ROWS = [
    [" 007", 1, 2.5, dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 5, 10, 11, 12), dt.time(13, 30), True, "#N/A",
     0.256, "张三"],
    ["Müller Straße", -3, -0.1, dt.datetime(1900, 3, 1), dt.datetime(2099, 12, 31, 23, 59, 59), dt.time(0, 0, 1),
     False, "#DIV/0!", 1.0, "合计"],
    ["=not a formula", 10**15, 1e20, dt.datetime(2026, 2, 28), None, None, None, "#VALUE!", 0.0, ""],
    [None, 0, 123456.789, None, None, None, None, None, None, "  spaced  "],
]


def kinds_book(path: Path, *, epoch=None) -> Path:
    wb = openpyxl.Workbook()
    if epoch is not None:
        wb.epoch = epoch
    ws = wb.active
    ws.title = "Kinds"
    ws.append(KINDS_HEAD)
    for row in KINDS_ROWS:
        if epoch is not None and row[3] == dt.datetime(1900, 3, 1):
            row = row[:3] + [dt.datetime(1904, 1, 2)] + row[4:]  # 1900 is before the 1904 system's day 0
        ws.append(row)
    for r in range(2, 2 + len(KINDS_ROWS)):
        ws.cell(r, 1).data_type = "s"  # '=not a formula' is text
        ws.cell(r, 4).number_format = "dd/mm/yyyy"
        ws.cell(r, 5).number_format = "yyyy-mm-dd hh:mm:ss"
        ws.cell(r, 6).number_format = "hh:mm:ss"
        ws.cell(r, 9).number_format = "0.0%"
    ws["M8"] = "far right, below a blank row"
    off = wb.create_sheet("Offset")  # nothing in A1: rows still start at A1
    off["C4"] = "Customer ID"
    off["C5"] = "C1"
    off["D5"] = 3
    hidden = wb.create_sheet("Hidden")
    hidden.sheet_state = "hidden"
    hidden["A1"] = "h"
    very = wb.create_sheet("Very hidden")
    very.sheet_state = "veryHidden"
    very["B2"] = 2.0
    wb.create_sheet("Empty")
    wb.save(path)
    return path


def test_kinds_equal_openpyxl(tmp_path):
    path = kinds_book(tmp_path / "kinds.xlsx")
    with open_book(path) as book:
        assert book.titles == ["Kinds", "Offset", "Hidden", "Very hidden", "Empty"]
        for title in book.titles:
            assert typed(book.rows(title)) == typed(openpyxl_rows(path, title)), title
        assert [book.sheets[t].state for t in book.titles] == ["visible", "visible", "hidden", "veryHidden",
                                                                "visible"]
        rows = book.rows("Kinds")
    # the values themselves, independently of openpyxl
    assert rows[1] == (" 007", 1, 2.5, dt.datetime(2024, 3, 5), dt.datetime(2024, 3, 5, 10, 11, 12),
                       dt.time(13, 30), True, "#N/A", 0.256, "张三") + (None,) * 3
    assert rows[3][:8] == ("=not a formula", 10**15, 1e20, dt.datetime(2026, 2, 28), None, None, None, "#VALUE!")
    assert rows[7] == (None,) * 12 + ("far right, below a blank row",)


def test_1904_date_system(tmp_path):
    path = kinds_book(tmp_path / "mac.xlsx", epoch=CALENDAR_MAC_1904)
    with zipfile.ZipFile(path) as z:
        assert b'date1904="1"' in z.read("xl/workbook.xml")
    with open_book(path) as book:
        assert book.date1904
        rows = book.rows("Kinds")
        assert typed(rows) == typed(openpyxl_rows(path, "Kinds"))
    assert [r[3] for r in rows[1:4]] == [dt.datetime(2024, 3, 5), dt.datetime(1904, 1, 2), dt.datetime(2026, 2, 28)]
    with zipfile.ZipFile(path) as z:  # the serial numbers really are 1904-based: 2024-03-05 is 43894, not 45356
        assert b"<v>43894</v>" in z.read("xl/worksheets/sheet1.xml")


def test_state_equals_openpyxl_book_state(tmp_path):
    path = tmp_path / "marked.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Customers"
    wb.active.append([1, 2, 3])
    wb.create_sheet("It's 客户")
    chart = BarChart()
    chart.add_data(Reference(wb.active, min_col=1, max_col=3, min_row=1))
    wb.create_chartsheet("Chart").add_chart(chart)  # (openpyxl cannot even load a chart sheet without a chart)
    wb.create_sheet("Summary")
    wb.defined_names["xlseg_columns"] = DefinedName("xlseg_columns", attr_text="Customers!$K$1:$T$1")
    wb.defined_names["xlseg_sheet_summary"] = DefinedName("xlseg_sheet_summary", attr_text="Summary!$A$1")
    wb.defined_names["xlseg_sheet_tags"] = DefinedName("xlseg_sheet_tags", attr_text="'It''s 客户'!$A$1")
    wb.defined_names["xlseg_sheet_issues"] = DefinedName("xlseg_sheet_issues", attr_text="#REF!")
    wb.defined_names["user_name"] = DefinedName("user_name", attr_text="Customers!$A$1")
    wb["Customers"].defined_names["xlseg_sheet_local"] = DefinedName("xlseg_sheet_local", attr_text="Summary!$A$1")
    wb.save(path)
    with open_book(path) as book:
        state = book.state
        assert book.sheets["Chart"].kind == "chartsheet"
        assert book.rows("Chart") == []
    assert state == openpyxl_book.book_state(openpyxl.load_workbook(path))
    assert state.titles == ["Customers", "It's 客户", "Chart", "Summary"]
    assert state.markers == {"xlseg_columns": ("Customers", "$K$1:$T$1"), "xlseg_sheet_summary": ("Summary", "$A$1"),
                             "xlseg_sheet_tags": ("It's 客户", "$A$1")}


def test_state_after_a_run_equals_openpyxl(tmp_path):
    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"])
    for i in range(1, 9):
        ws.append([f"C{i}", f"N{i}", i, 10.0 * i, dt.datetime(2026, 1, i)])
    wb.save(src)
    out = classify_file(src, tmp_path / "out.xlsx").output
    with open_book(out) as book:
        state = book.state
        theirs = openpyxl.load_workbook(out, data_only=True)
        assert state == openpyxl_book.book_state(theirs)
        assert len(state.markers) >= 6
        for title in book.titles:  # xlseg writes 360.0 where Excel writes 360: openpyxl reads a float, we an int
            assert loose(book.rows(title)) == loose(openpyxl_book.sheet_rows(theirs[title])), title


def test_plain_rows_conversions():
    data = [["a", "", 1.0, 1.5, dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), True, 2.0**60, ""],
            ["", "b", "", -0.0, "", "x", False, 3.0, dt.time(1, 2)]]
    assert typed(plain_rows(data)) == typed([
        ("a", None, 1, 1.5, dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4), True, 2.0**60, None),
        (None, "b", None, 0, None, "x", False, 3, dt.time(1, 2))])


# ------------------------------------------------------------------ formulas (issue 11 point 6)
ORDERS = [  # order id, customer, date, quantity, unit price
    ("A1", "C1", dt.datetime(2026, 1, 5), 2, 10.0),
    ("A2", "C1", dt.datetime(2026, 2, 7), 1, 7.5),
    ("A3", "C2", dt.datetime(2026, 1, 20), 3, 4.25),
    ("A4", "C3", dt.datetime(2025, 12, 1), 10, 1.1),
    ("A5", "C2", dt.datetime(2026, 2, 1), 1, 100.0),
]


def formula_orders_book(path: Path) -> Path:
    """Order lines whose Amount is =D*E, and a customer-level sheet of COUNTIFS/SUMIFS/MAXIFS over raw lines."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Order ID", "Customer ID", "Order Date", "Quantity", "Unit Price", "Amount"])
    for i, (oid, cid, day, qty, price) in enumerate(ORDERS, start=2):
        ws.append([oid, cid, day, qty, price, f"=D{i}*E{i}"])
        ws.cell(i, 3).number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def formula_customers_book(path: Path) -> Path:
    wb = openpyxl.Workbook()
    raw = wb.active
    raw.title = "Raw"
    raw.append(["Who", "When", "Value"])  # not headers xlseg recognises: only the customer sheet is used
    for oid, cid, day, qty, price in ORDERS:
        raw.append([cid, day, qty * price])
        raw.cell(raw.max_row, 2).number_format = "yyyy-mm-dd"
    ws = wb.create_sheet("Customers")
    ws.append(["Customer ID", "Orders", "Total Spend", "Last Purchase"])
    for i, cid in enumerate(("C1", "C2", "C3"), start=2):
        ws.append([cid, f"=COUNTIFS(Raw!$A$2:$A$6,A{i})", f"=SUMIFS(Raw!$C$2:$C$6,Raw!$A$2:$A$6,A{i})",
                   f"=_xlfn.MAXIFS(Raw!$B$2:$B$6,Raw!$A$2:$A$6,A{i})"])
        ws.cell(i, 4).number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def expected_by_customer() -> dict:
    out = {}
    for _oid, cid, day, qty, price in ORDERS:
        n, total, last = out.get(cid, (0, 0.0, None))
        out[cid] = (n + 1, total + qty * price, max(day, last) if last else day)
    return out


def analyse_book(path: Path):
    with open_book(path) as book:
        return analyse(book.rows, book.state, as_of=dt.datetime(2026, 3, 1),
                       check=lambda t, layout, cfg: check_formulas(book, t, layout, cfg))


def test_formula_amount_without_saved_values_is_refused(tmp_path):
    path = formula_orders_book(tmp_path / "orders.xlsx")
    with pytest.raises(WorkbookError) as err:
        analyse_book(path)
    assert str(err.value) == (
        "Sheet 'Orders', column F ('Amount'): its 5 formula cells (from row 2) have no saved results, so xlseg "
        "cannot read their values. The file was written by a program and never opened in a spreadsheet. Open it "
        "in Excel or LibreOffice, save it, and run xlseg again.")


def test_countifs_columns_without_saved_values_are_refused(tmp_path):
    path = formula_customers_book(tmp_path / "customers.xlsx")
    with pytest.raises(WorkbookError, match=r"^Sheet 'Customers', column B \('Orders'\): its 3 formula cells"):
        analyse_book(path)


def test_formula_amount_saved_by_libreoffice(tmp_path, libreoffice):
    path = libreoffice.convert_to_xlsx(formula_orders_book(tmp_path / "orders.xlsx"), tmp_path / "lo")
    with open_book(path) as book:
        rows = book.rows("Orders")
        assert typed(rows) == typed(openpyxl_rows(path, "Orders"))
        assert [r[5] for r in rows[1:]] == [qty * price for *_x, qty, price in ORDERS]
    customers = analyse_book(path).result.customers.set_index("customer_id")
    for cid, (n, total, last) in expected_by_customer().items():
        assert customers.loc[cid, "frequency"] == n
        assert customers.loc[cid, "monetary"] == pytest.approx(total)
        assert customers.loc[cid, "last_purchase"] == pd.Timestamp(last)


def test_countifs_sumifs_maxifs_saved_by_libreoffice(tmp_path, libreoffice):
    path = libreoffice.convert_to_xlsx(formula_customers_book(tmp_path / "customers.xlsx"), tmp_path / "lo")
    with open_book(path) as book:
        rows = book.rows("Customers")
        assert typed(rows) == typed(openpyxl_rows(path, "Customers"))
    result = analyse_book(path).result
    assert result.customers["customer_id"].tolist() == ["C1", "C2", "C3"]
    customers = result.customers.set_index("customer_id")
    for cid, (n, total, last) in expected_by_customer().items():
        assert customers.loc[cid, "frequency"] == n
        assert customers.loc[cid, "monetary"] == pytest.approx(total)
        assert customers.loc[cid, "last_purchase"] == pd.Timestamp(last)
    assert not any("not a date" in str(p) for p in result.issues.get("problem", []))


def test_sheet_scan_does_not_depend_on_chunk_size(tmp_path):
    from xlseg.read.sheetscan import scan_sheet

    path = formula_orders_book(tmp_path / "orders.xlsx")
    with zipfile.ZipFile(path) as z:
        data = z.read("xl/worksheets/sheet1.xml").replace(b"<c r=\"A2\" t=\"inlineStr\"><is><t>A1</t></is></c>",
                                                          b"<c r=\"A2\" t=\"e\"><v>#REF!</v></c>")
    whole = scan_sheet([data], "Orders", "orders.xlsx")
    assert (whole.cells, whole.max_row, whole.max_col) == (36, 6, 6)
    assert whole.errors == {(2, 1): "#REF!"}
    assert whole.formulas == {6: [5, 0, 2]} and whole.uncached_columns() == {6: 2}
    for size in (1, 7, 50, 333):
        assert scan_sheet([data[i:i + size] for i in range(0, len(data), size)], "Orders", "orders.xlsx") == whole


def test_formula_columns_xlseg_does_not_read_are_left_alone(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Order ID", "Customer ID", "Order Date", "Amount", "Margin"])
    for i, (oid, cid, day, qty, price) in enumerate(ORDERS, start=2):
        ws.append([oid, cid, day, qty * price, f"=D{i}*0.3"])  # Margin: no saved values, and not read
    wb.save(tmp_path / "margin.xlsx")
    customers = analyse_book(tmp_path / "margin.xlsx").result.customers.set_index("customer_id")
    assert customers.loc["C2", "monetary"] == pytest.approx(3 * 4.25 + 100.0)


def test_analyse_releases_the_rows_of_the_sheets_it_read(tmp_path):
    """issue 12: once the customer and order tables are read, the reader forgets their rows (a full sheet's values
    are ~500 MB held to the end of the run otherwise); nothing after reads them, and the result is the same."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Orders"
    ws.append(["Order ID", "Customer ID", "Order Date", "Amount"])
    for oid, cid, day, qty, price in ORDERS:
        ws.append([oid, cid, day, qty * price])
        ws.cell(ws.max_row, 3).number_format = "yyyy-mm-dd"
    cust = wb.create_sheet("Customers")
    cust.append(["Customer ID", "Name"])
    for cid in ("C1", "C2", "C3", "C4"):
        cust.append([cid, f"Name {cid}"])
    wb.create_sheet("Notes").append(["anything"])
    path = tmp_path / "book.xlsx"
    wb.save(path)
    with open_book(path) as book:
        kept = analyse(book.rows, book.state, as_of=dt.datetime(2026, 3, 1))
        assert {"Customers", "Orders"} <= set(book._rows)
    with open_book(path) as book:
        released = []

        def release(title):
            released.append(title)
            book.forget(title)

        freed = analyse(book.rows, book.state, as_of=dt.datetime(2026, 3, 1), release=release)
        assert sorted(released) == ["Customers", "Orders"]
        assert not {"Customers", "Orders"} & set(book._rows)
        assert book.rows("Customers")[1][:2] == ("C1", "Name C1")  # read again when asked for
    assert (freed.customer_sheet, freed.transaction_sheet) == ("Customers", "Orders")
    pd.testing.assert_frame_equal(freed.result.customers, kept.result.customers)
    assert [sp.title for sp in freed.plan.sheets] == [sp.title for sp in kept.plan.sheets]
