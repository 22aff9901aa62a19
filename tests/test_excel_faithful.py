"""Live Excel as real Excel behaves (issue 13, points 1-6), through the faithful fake.

Each test names the behaviour of Excel or xlwings 0.37.8 it relies on; the fake (tests/fake_xlwings.py)
models it from xlwings' own source. Every one of these failed on the code before issue 13.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from tests import fake_xlwings as fx
from tests.fake_xlwings import SKIPPED, CellError, FakeApp, FakeBook, call_udf
from tests.test_excel import GENERATED, _assert_live_equals_file, _input
from tests.test_udfs_golden import windows_udfs
from xlseg import addin, sample_data
from xlseg.excel.main import reclassify
from xlseg.filemode.run import classify_file

D = dt.datetime
HEAD = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend"]
CUSTOMERS = [HEAD,
             ["C1", "Ann", D(2024, 6, 20), 12.0, 5000.0],
             ["C2", "Bob", D(2023, 1, 5), 2.0, 300.0],
             ["C3", "Cy", D(2024, 5, 1), 5.0, 1200.0],
             ["C4", "Di", D(2024, 6, 1), 1.0, 80.0]]
ORDERS = [["Customer ID", "Order Date", "Amount"],
          ["C1", D(2024, 6, 30), 10.0],
          ["C2", D(2024, 6, 29), 9000.0],
          ["C2", D(2024, 6, 28), 9000.0],
          ["C3", D(2023, 1, 1), 5.0]]


@pytest.fixture(scope="module")
def win():
    """xlseg.udfs decorated with xlwings' real decorators, as on Windows (what the COM server calls)."""
    with windows_udfs() as (_xu, module):
        yield module


@pytest.fixture
def excel(win):
    win.clear_cache()
    app = FakeApp()
    book = app.add_book("Book1.xlsx", sheets=("Customers", "Orders", "Report"))
    for name, rows in (("Customers", CUSTOMERS), ("Orders", ORDERS)):
        sheet = book.sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                sheet.grid[(r, c)] = v
    return app, book


def _rng(book, sheet, address):
    return book.xw.sheets[sheet].range(address)


# ------------------------------------------------------------------ 1. skipped middle arguments
def test_a_skipped_middle_argument_means_not_given(win, excel):
    """=SEG_TIER(Customers!A1:E5, , Orders!A1:C5): Excel passes a blank, xlwings makes it [[None]] (ndim=2)."""
    app, book = excel
    table, orders = _rng(book, "Customers", "A1:E5"), _rng(book, "Orders", "A1:C5")
    with_orders = call_udf(win.SEG_TIER, table, SKIPPED, orders, app=app)
    # the orders decide (C2 bought 18,000 there; C4 has no order: a prospect, blank), as in Python
    assert with_orders == win.SEG_TIER(CUSTOMERS, None, ORDERS) == \
        [["Potential"], ["High value"], ["Low value"], [""]]
    assert call_udf(win.SEG_TIER, table, SKIPPED, SKIPPED, SKIPPED, SKIPPED, SKIPPED, app=app) == \
        call_udf(win.SEG_TIER, table, app=app) == win.SEG_TIER(CUSTOMERS) == \
        [["High value"], ["Medium value"], ["High value"], ["Low value"]]
    # an empty cell given as customer is "not given" too; a cell with an id gives that customer's value
    assert call_udf(win.SEG_TIER, table, _rng(book, "Report", "A1"), orders, app=app) == with_orders
    book.sheet("Report").grid[(1, 1)] = "C2"
    assert call_udf(win.SEG_TIER, table, _rng(book, "Report", "A1"), orders, app=app) == "High value"


def test_one_row_results_reach_excel_as_a_scalar_through_the_com_server(win, excel):
    app, book = excel
    assert call_udf(win.SEG_RFM, _rng(book, "Customers", "A1:E2"), app=app) == "111"
    assert call_udf(win.SEG_RFM, _rng(book, "Customers", "A1:E5"), "C1", app=app) == "444"


# ------------------------------------------------------------------ 2. 255 characters in arrays
def test_the_fake_shows_value_for_an_array_with_a_long_text_as_excel_does(win):
    import xlwings

    @xlwings.func  # xlwings.udfs.xlfunc while the Windows decorators are in place (the win fixture)
    def LONG(n):  # noqa: N802 - an Excel function name
        return [["x" * 256], ["y"]] if n == 2 else "z" * 300

    assert call_udf(LONG, 2.0) == CellError("#VALUE!")  # the whole array, for one long text
    assert call_udf(LONG, 1.0) == "z" * 300  # a single value may be long



def _sheet_from_frame(book, title, frame):
    sheet = book._new_sheet(title)
    rows = [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()
    rows = [[v.to_pydatetime() if hasattr(v, "to_pydatetime") else v for v in row] for row in rows]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                sheet.grid[(r, c)] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
    return rows, book.xw.sheets[title].range((1, 1), (len(rows), len(rows[0])))


def test_explain_spills_no_string_longer_than_255_and_one_customer_gets_the_whole_text(win):
    win.clear_cache()
    customers, orders = sample_data.demo_frames(n_customers=60, seed=5)
    app = FakeApp()
    book = app.add_book("demo.xlsx", sheets=())
    rows, table = _sheet_from_frame(book, "Customers", customers)
    order_rows, order_range = _sheet_from_frame(book, "Orders", orders)
    ids = list(customers["Customer ID"])
    full = [win.SEG_EXPLAIN(rows, cid, order_rows) for cid in ids]
    assert max(map(len, full)) > 255  # the demo's Why texts are longer (the case Excel turns into #VALUE!)
    spill = call_udf(win.SEG_EXPLAIN, table, SKIPPED, order_range, app=app)
    assert not isinstance(spill, CellError), spill
    texts = [r[0] for r in spill]
    assert len(texts) == len(ids) and all(len(t) <= 255 for t in texts)
    shortened = 0
    for short, whole in zip(texts, full):
        if len(whole) <= 255:
            assert short == whole
            continue
        shortened += 1
        # the thresholds in parentheses left out, everything else kept (or, if still too long, cut with "…")
        bare = re.sub(r" \([^()]*\)", "", whole)  # every " (...)"; "purchase(s)" stays
        assert short == bare if len(bare) <= 255 else (short.endswith("…") and bare.startswith(short[:-1]))
    assert shortened > 10
    # one customer: a scalar, any length up to Excel's 32,767 characters
    i = next(i for i, t in enumerate(full) if len(t) > 255)
    assert call_udf(win.SEG_EXPLAIN, table, ids[i], order_range, app=app) == full[i]


# ------------------------------------------------------------------ 3. config line endings
def test_the_ribbon_vba_reads_every_key_of_the_config_file_on_windows(tmp_path):
    path = addin.write_interpreter_config(r"C:\Python311\python.exe", platform="win32", home=tmp_path)
    data = path.read_bytes()
    assert fx.vba_get_config_from_file(data, "INTERPRETER_WIN") == r"C:\Python311\python.exe"
    assert fx.vba_get_config_from_file(data, "UDF MODULES") == "xlseg.udfs"
    assert fx.vba_get_config_from_file(data, "PYTHONPATH") is None  # an absent key: no error 62
    assert b"\n" not in data.replace(b"\r\n", b"")  # CRLF only, as xlwings' own writer on Windows


def test_the_mac_config_file_keeps_lf_as_xlwings_writes_it_there(tmp_path):
    path = addin.write_interpreter_config("/usr/local/bin/python3", platform="darwin", home=tmp_path)
    data = path.read_bytes()
    assert b"\r" not in data
    assert fx.vba_get_config_from_file(data, "UDF MODULES", platform="mac") == "xlseg.udfs"


# ------------------------------------------------------------------ 4. Mac Apple Event limits
def _text_heavy_book(app, n=900, note=16_000):
    """n customers with a long Notes column: ~n * note * 2 bytes in one Apple Event, over the cap."""
    book = app.add_book("notes.xlsx", sheets=())
    sheet = book._new_sheet("Customer List")
    head = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend", "Notes"]
    for c, h in enumerate(head, start=1):
        sheet.grid[(1, c)] = h
    for i in range(n):
        r = i + 2
        for c, v in enumerate([f"C{i:05d}", f"Name {i}", D(2026, 1, 1) - dt.timedelta(days=i % 400),
                               float(1 + i % 7), float(10 + (i * 37) % 900), "x" * note], start=1):
            sheet.grid[(r, c)] = v
    return book


def test_mac_reads_and_writes_stay_below_the_apple_event_limit():
    app = FakeApp(platform="mac")
    book = _text_heavy_book(app)
    assert 900 * 16_000 * 2 > fx.APPLE_EVENT_BYTES
    analysis = reclassify(book.xw, generated=GENERATED)
    assert app.alerts == [], app.alerts
    assert analysis is not None
    # a read of long texts may be refused once and retried in smaller blocks; a write never is
    assert all(name == "range.value.get" for name, _size in app.apple_events_refused), app.apple_events_refused
    assert app.count("range.value.set") > 1  # the Customers sheet (with the long notes) went in several writes
    assert book.to_rows("Customer List")[1][5] == "x" * 16_000  # the user's cells untouched


def test_windows_round_trips_do_not_grow_with_text_size():
    counts = {}
    for note in (10, 16_000):
        app = FakeApp()
        book = _text_heavy_book(app, note=note)
        app.reset_calls()
        reclassify(book.xw, generated=GENERATED)
        assert app.alerts == []
        counts[note] = app.call_count
    assert counts[10] == counts[16_000], counts


# ------------------------------------------------------------------ 5. references into owned sheets
def test_a_users_formula_and_name_pointing_at_owned_sheets_survive_reclassify(tmp_path):
    app = FakeApp()
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(_input(tmp_path / "b.xlsx", n=40)), app=app)
    reclassify(book.xw, generated=GENERATED)
    report = book._new_sheet("Report")
    report.grid[(1, 1)] = fx.Formula("=Summary!B3")
    report.grid[(2, 1)] = fx.Formula("=COUNTA(Customers!A:A)+'Issues'!A1")
    book.xw.names.add("MyTotal", "=Summary!$B$3")
    reclassify(book.xw, generated=GENERATED)
    assert app.alerts == []
    assert book.sheet("Report").formulas() == {"A1": "=Summary!B3", "A2": "=COUNTA(Customers!A:A)+'Issues'!A1"}
    assert book.xw.names["MyTotal"].refers_to == "=Summary!$B$3"
    assert "~xlseg old 1" not in book.sheet_names


# ------------------------------------------------------------------ 6. error cells
@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_error_cells_read_as_their_text_live_as_in_file_mode(tmp_path, platform):
    """Every error value, the newer #SPILL!, #CALC! and #GETTING_DATA too: on Windows COM gives their ints,
    on a Mac AppleScript gives missing value and only their displayed text tells them (the fake models both)."""
    path = _input(tmp_path / "errors.xlsx", n=40)
    wb = openpyxl.load_workbook(path)
    customers, orders = wb["Customer List"], wb["Orders"]
    col = {c.value: c.column for c in customers[1]}
    amount = [c.column for c in orders[1] if c.value == "Amount"][0]
    cells = [(customers.cell(3, col["Interactions"]), "#N/A"), (customers.cell(5, col["Satisfaction"]), "#DIV/0!"),
             (customers.cell(7, col["Customer Type"]), "#REF!"), (orders.cell(4, amount), "#VALUE!"),
             (customers.cell(9, col["Interactions"]), "#SPILL!"), (customers.cell(11, col["Satisfaction"]), "#CALC!"),
             (orders.cell(6, amount), "#GETTING_DATA")]
    for cell, error in cells:
        cell.value = error
        cell.data_type = "e"  # an error cell (t="e"), as Excel saves one; openpyxl knows only the classic seven
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert all(f't="e"><v>{e}</v>'.encode() in sheets for _c, e in cells)
    app, book = fx.FakeApp(), None
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(path), app=app)
    assert isinstance(book.sheet("Customer List").grid[(9, col["Interactions"])], CellError)
    _assert_live_equals_file(path, tmp_path, platform=platform)
    run = classify_file(path, tmp_path / "check.xlsx")
    problems = set(run.result.issue_groups["problem"])
    assert {f"error value {e}" for _c, e in cells} <= problems


def test_error_cells_reach_a_worksheet_function_as_their_text(win, excel):
    app, book = excel
    book.sheet("Customers").set_error("E3", "#N/A")
    book.sheet("Customers").set_error("E4", "#SPILL!")
    rows = [list(r) for r in CUSTOMERS]
    rows[2][4], rows[3][4] = "#N/A", "#SPILL!"
    assert call_udf(win.SEG_TIER, _rng(book, "Customers", "A1:E5"), app=app) == \
        [[v] for v in sum(win.SEG_TIER(rows), [])]


# ------------------------------------------------------------------ 10. drop-down lists, wrap, alignment
def test_drop_down_lists_wrap_and_alignment_live_as_in_file_mode(tmp_path):
    path = _input(tmp_path / "b.xlsx", n=40)
    out = tmp_path / "file.xlsx"
    classify_file(path, out, generated=GENERATED)
    app = FakeApp()
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(path), app=app)
    reclassify(book.xw, generated=GENERATED)
    assert app.alerts == []
    wb = openpyxl.load_workbook(out)
    for title in wb.sheetnames:
        ws, live = wb[title], book.sheet(title)
        file_lists = sorted((str(dv.sqref), dv.formula1.strip('"')) for dv in ws.data_validations.dataValidation)
        live_lists = sorted((fx._rect_address(v["rect"]), v["formula1"]) for v in live.validations)
        assert live_lists == file_lists, title
        for row in ws.iter_rows():
            for cell in row:
                want = (bool(cell.alignment.wrap_text), cell.alignment.horizontal or "general")
                assert (live.wrap.get(cell.row, cell.column), live.alignment.get(cell.row, cell.column)) == want, \
                    (title, cell.coordinate)
    assert book.sheet("Settings").validations  # the Settings sheet has its drop-downs live too


# ------------------------------------------------------------------ 10. a numeric as_of in a 1904 workbook
def test_a_numeric_as_of_counts_in_the_workbooks_date_system(win, excel, monkeypatch):
    app, book = excel
    table, cell = _rng(book, "Customers", "A1:E5"), _rng(book, "Report", "B2")
    day_1900 = dt.datetime(1899, 12, 30) + dt.timedelta(days=45480)   # 2024-07-07
    day_1904 = dt.datetime(1904, 1, 1) + dt.timedelta(days=45480)     # 2028-07-08
    assert call_udf(win.SEG_STAGE, table, "C1", SKIPPED, 45480.0, app=app, caller=cell) == \
        win.SEG_STAGE(CUSTOMERS, "C1", None, day_1900)
    book.date1904 = True  # Excel > Options > Advanced > "Use 1904 date system"; read as COM Workbook.Date1904
    got = call_udf(win.SEG_STAGE, table, "C1", SKIPPED, 45480.0, app=app, caller=cell)
    assert got == win.SEG_STAGE(CUSTOMERS, "C1", None, day_1904) != win.SEG_STAGE(CUSTOMERS, "C1", None, day_1900)
    # a date cell is a date in either system
    book.sheet("Report").grid[(1, 2)] = day_1904
    assert call_udf(win.SEG_STAGE, table, "C1", SKIPPED, _rng(book, "Report", "B1"), app=app, caller=cell) == got


@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_udf_settings_as_of_typed_as_a_number_counts_in_the_workbooks_date_system(win, platform):
    """A settings range whose as_of is the plain number 45480: in a 1904 workbook that is 2028-07-08."""
    win.clear_cache()
    app = FakeApp(platform=platform)
    book = app.add_book("Book1.xlsx", sheets=("Customers", "Settings", "Report"))
    for sheet, rows in (("Customers", CUSTOMERS), ("Settings", [["Setting", "Value"], ["as_of", 45480.0]])):
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                book.sheet(sheet).grid[(r, c)] = v
    table, settings, cell = (_rng(book, "Customers", "A1:E5"), _rng(book, "Settings", "A1:B2"),
                             _rng(book, "Report", "B2"))
    day_1904, day_1900 = dt.date(2028, 7, 8), dt.date(2024, 7, 7)
    args = (table, "C1", SKIPPED, SKIPPED, SKIPPED, settings)
    assert call_udf(win.SEG_STAGE, *args, app=app, caller=cell) == win.SEG_STAGE(CUSTOMERS, "C1", None, day_1900)
    book.date1904 = True
    got = call_udf(win.SEG_STAGE, *args, app=app, caller=cell)
    assert got == win.SEG_STAGE(CUSTOMERS, "C1", None, day_1904) != win.SEG_STAGE(CUSTOMERS, "C1", None, day_1900)


def _book_with_numeric_as_of(tmp_path, *, date1904: bool, serial: float = 45480.0):
    """A classified book (it has a Settings sheet) whose as_of cell holds the plain number ``serial``."""
    src = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    for row in CUSTOMERS:
        ws.append(row)
    wb.save(src)
    first = tmp_path / "first.xlsx"
    classify_file(src, first, generated=GENERATED)
    wb = openpyxl.load_workbook(first)
    if date1904:
        wb.epoch = CALENDAR_MAC_1904  # the dates already in the book keep their days (openpyxl re-counts them)
    cell = next(c for row in wb["Settings"].iter_rows(max_col=1) for c in row if c.value == "as_of")
    wb["Settings"].cell(cell.row, 2).value = serial
    wb["Settings"].cell(cell.row, 2).number_format = "General"
    path = tmp_path / f"numeric_as_of_{int(date1904)}.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize("date1904, day", [(False, dt.date(2024, 7, 7)), (True, dt.date(2028, 7, 8))])
@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_settings_as_of_typed_as_a_number_is_read_in_the_workbooks_date_system(tmp_path, date1904, day, platform):
    """45480 is 2024-07-07 in the 1900 system and 2028-07-08 in the 1904 one: file mode knows the system
    from workbook.xml's date1904, live Excel from the workbook (COM Date1904 / AppleScript date 1904)."""
    path = _book_with_numeric_as_of(tmp_path, date1904=date1904)
    with zipfile.ZipFile(path) as z:
        assert (b'date1904="1"' in z.read("xl/workbook.xml")) == date1904
    run = classify_file(path, tmp_path / "file_out.xlsx", generated=GENERATED)
    assert run.result.as_of.date() == day
    app = FakeApp(platform=platform)
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(path), app=app)
    assert book.date1904 == date1904
    analysis = reclassify(book.xw, generated=GENERATED, run_time=dt.datetime(2026, 7, 1, 9))
    assert app.alerts == []
    assert analysis.result.as_of.date() == day
