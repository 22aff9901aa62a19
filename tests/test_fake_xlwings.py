"""The fake engine must behave like xlwings 0.37.8 on desktop Excel (see docs/xlwings_subset.md)."""

import datetime as dt
import decimal

import openpyxl
import pytest
import xlwings as xw

from tests.fake_xlwings import (  # noqa: F401  (fake_excel is a fixture)
    FakeApp,
    FakeBook,
    FakeComError,
    fake_excel,
    install_caller,
)


@pytest.fixture
def sheet(fake_excel):
    return fake_excel.xw_book.sheets[0]


# --- values -----------------------------------------------------------------


def test_objects_are_real_xlwings_objects(fake_excel, sheet):
    book = xw.Book.caller()
    assert isinstance(book, xw.Book) and book == fake_excel.xw_book
    assert isinstance(sheet, xw.Sheet) and isinstance(sheet["A1"], xw.Range)
    assert isinstance(book.app, xw.App)


def test_value_shapes_none_and_floats(sheet):
    sheet["A1"].value = [["id", "amount"], [1, 2.5], [3, None]]
    assert sheet["A1"].value == "id"  # one cell -> scalar
    assert sheet["A2:B2"].value == [1.0, 2.5]  # one row -> flat list
    assert sheet["A1:A3"].value == ["id", 1.0, 3.0]  # one column -> flat list
    assert sheet["A1:B3"].value == [["id", "amount"], [1.0, 2.5], [3.0, None]]
    assert sheet["A1"].options(ndim=2).value == [["id"]]
    assert sheet["A1:B1"].options(ndim=2).value == [["id", "amount"]]
    assert sheet["B3"].value is None
    value = sheet["A2"].value
    assert isinstance(value, float) and not isinstance(value, bool)  # ints come back as floats
    assert sheet["A2"].options(numbers=int).value == 1


def test_write_2d_list_to_one_cell_fills_the_block(sheet):
    sheet["C5"].value = [[1, 2], [3, 4]]
    assert sheet["C5:D6"].value == [[1.0, 2.0], [3.0, 4.0]]
    sheet["A1:B2"].value = 7  # scalar fills the whole range
    assert sheet["A1:B2"].value == [[7.0, 7.0], [7.0, 7.0]]


def test_dates_booleans_and_empty(sheet, fake_excel):
    sheet["A1"].value = [[dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 13, 30), True, ""]]
    a, b, c, d = sheet["A1:D1"].value
    assert a == dt.datetime(2024, 1, 2) and type(a) is dt.datetime
    assert b == dt.datetime(2024, 1, 2, 13, 30)
    assert c is True and d is None
    assert sheet["A1"].options(dates=dt.date).value == dt.date(2024, 1, 2)
    # a date is a number with a date format: without it Excel returns the serial
    sheet["A1"].number_format = "0.00"
    assert sheet["A1"].value == 45293.0


def test_none_and_nan_clear_cells(sheet):
    sheet["A1"].value = [[1, 2, 3]]
    sheet["A1"].value = [[None, float("nan"), 4]]
    assert sheet["A1:C1"].value == [None, None, 4.0]


def test_strings_are_parsed_like_typed_input(sheet, fake_excel):
    sheet["A1"].value = [["007", "=1+1", "+SUM(A1)", "'=not a formula", "TRUE", "2024-03-04", "plain"]]
    fb = fake_excel.book.sheet("Sheet1")
    a, b, c, d, e, f, g = sheet["A1:G1"].value
    assert a == 7.0  # leading zeros are lost
    assert fb.is_formula("B1") and sheet["B1"].formula == "=1+1"
    assert fb.is_formula("C1")
    assert d == "=not a formula" and not fb.is_formula("D1")
    assert e is True and f == dt.datetime(2024, 3, 4) and g == "plain"
    # Text format keeps strings verbatim: the injection-safe path
    sheet["A2:C2"].number_format = "@"
    sheet["A2"].value = [["007", "=cmd()", "-1"]]
    assert sheet["A2:C2"].value == ["007", "=cmd()", "-1"]
    assert fb.formulas() == {"B1": "=1+1", "C1": "=+SUM(A1)"}


def test_unsupported_types_and_jagged_lists_raise(sheet):
    with pytest.raises(TypeError):
        sheet["A1"].value = [[{"a": 1}]]
    with pytest.raises(Exception, match="same length"):
        sheet["A1"].value = [[1, 2], [3]]


def test_currency_cells_read_as_decimal_on_windows_only():
    for platform, expected_type in (("windows", decimal.Decimal), ("mac", float)):
        app = FakeApp(platform=platform)
        s = app.add_book().xw.sheets[0]
        s["A1"].number_format = "$#,##0.00"
        s["A1"].value = 12.34567
        assert type(s["A1"].value) is expected_type
        assert s["A1"].options(numbers=float).value is not None


def test_errors_become_none_or_strings(sheet, fake_excel):
    fake_excel.book.sheet("Sheet1").set_error("A1", "#N/A")
    assert sheet["A1"].value is None
    assert sheet["A1"].options(err_to_str=True).value == "#N/A"


def test_expand_stops_at_blank_row(sheet):
    sheet["A1"].value = [["id", "x"], [1, 1], [2, 2], [None, None], [4, 4]]
    assert sheet["A1"].expand().address == "$A$1:$B$3"
    assert sheet.used_range.address == "$A$1:$B$5"
    assert sheet["A1"].current_region.address == "$A$1:$B$3"


# --- calls ------------------------------------------------------------------


def _bulk_cycle(n_rows, chunksize="default"):
    app = FakeApp()
    sheet = app.add_book().xw.sheets[0]
    data = [[i, f"c{i}", i * 1.5, "Champions", "A", "Active", "VIP", "x"] for i in range(n_rows)]
    app.reset_calls()
    target = sheet.range((2, 1))
    if chunksize != "default":
        target = target.options(chunksize=chunksize)
    target.value = data
    sheet.range((2, 1), (n_rows + 1, 8)).options(ndim=2, chunksize=None).value
    return app


def test_call_count_independent_of_rows_when_chunking_is_disabled():
    small, big = _bulk_cycle(1_000, None), _bulk_cycle(100_000, None)
    assert small.call_count == big.call_count
    assert small.call_names() == big.call_names()
    assert big.count("range.value.set") == 1 and big.count("range.value.get") == 1


def test_default_write_chunking_grows_with_rows():
    # xlwings chunks writes above 100,000 cells by default: 800,000 cells -> 8 calls
    assert _bulk_cycle(1_000).count("range.value.set") == 1
    assert _bulk_cycle(100_000).count("range.value.set") == 8


def test_every_app_property_access_is_one_call(fake_excel):
    app = fake_excel.xw_book.app
    fake_excel.app.reset_calls()
    app.screen_updating = False
    app.calculation = "manual"
    app.status_bar = "xlseg: 50%"
    _ = app.calculation
    assert fake_excel.app.call_names() == [
        "app.screen_updating.set",
        "app.calculation.set",
        "app.status_bar.set",
        "app.calculation.get",
    ]
    assert fake_excel.app.screen_updating_history == [False]
    assert fake_excel.app.calculation_history == ["manual"]
    with pytest.raises(KeyError):
        app.calculation = "auto"


def test_alert_is_recorded(fake_excel):
    answer = fake_excel.xw_book.app.alert("No customer ID column found.", title="xlseg", mode="critical")
    assert answer == "ok"
    assert fake_excel.app.alerts == [
        {"prompt": "No customer ID column found.", "title": "xlseg", "buttons": "ok", "mode": "critical"}
    ]
    with pytest.raises(KeyError):
        fake_excel.xw_book.app.alert("x", buttons="maybe")


# --- failure injection ---------------------------------------------------------


def test_failed_write_leaves_cells_unchanged(fake_excel, sheet):
    sheet["A1"].value = [["id", "name"], [1, "Ann"]]
    fb = fake_excel.book.sheet("Sheet1")
    before = fb.snapshot()
    fake_excel.app.fail_on("range.value.set")
    with pytest.raises(FakeComError) as info:
        sheet["A1"].value = [["X", "Y"], [9, 9]]
    assert info.value.args[0] == -2147352567  # com_error-like args
    assert fb.snapshot() == before
    sheet["A1"].value = [["X"]]  # times=1: the next write succeeds
    assert sheet["A1"].value == "X"


def test_fail_after_n_and_predicate(fake_excel, sheet):
    fake_excel.app.fail_on(lambda call: call.name == "range.value.set" and "C" in call.target, after=1)
    sheet["C1"].value = 1
    sheet["A1"].value = 1
    with pytest.raises(FakeComError):
        sheet["C2"].value = 2
    assert sheet["C2"].value is None


def test_failing_chunk_keeps_earlier_chunks(fake_excel, sheet):
    # like Excel: chunks already written stay written
    fake_excel.app.fail_on("range.value.set", after=1)
    with pytest.raises(FakeComError):
        sheet["A1"].options(chunksize=2).value = [[1], [2], [3], [4]]
    assert sheet["A1:A4"].value == [1.0, 2.0, None, None]


# --- formats, conditional formats, tables, charts, names ---------------------------


def test_formats(sheet):
    rng = sheet["A1:B2"]
    rng.number_format = "0.00"
    rng.font.bold = True
    rng.font.color = "#ffffff"
    rng.color = (31, 78, 121)
    rng.column_width = 12
    assert rng.number_format == "0.00" and rng.font.bold is True
    assert rng.font.color == (255, 255, 255) and rng.color == (31, 78, 121)
    assert sheet["A1:C1"].font.bold is None  # mixed
    assert sheet["A1:C1"].number_format is None  # mixed
    assert rng.column_width == 12.0 and sheet["C1"].column_width == 8.43
    rng.color = None
    assert rng.color is None


def test_conditional_formats(fake_excel, sheet):
    rng = sheet["H2:H1001"]
    rng.conditional_formats.add_cell_value("equal_to", '="Champions"', fill_color="#1f4e79", font_color="#ffffff")
    rng.conditional_formats.add_custom('=ISNUMBER(SEARCH("VIP",$L2))', fill_color="#ffc7ce")
    rules = fake_excel.book.sheet("Sheet1").conditional_format_rules()
    assert [r["type"] for r in rules] == ["custom", "cell_value"]  # new rules go on top
    assert rules[1]["operator"] == "equal_to" and rules[1]["formula1"] == '="Champions"'
    assert rules[1]["fill_color"] == (31, 78, 121) and rules[1]["font_color"] == (255, 255, 255)
    assert rules[1]["range"] == "H2:H1001"
    assert len(sheet["H10"].conditional_formats) == 2
    with pytest.raises(ValueError):
        rng.conditional_formats.add_cell_value("contains", "VIP")  # no such operator
    sheet["H2:H500"].conditional_formats.clear()  # rules stay active outside
    assert {r["range"] for r in fake_excel.book.sheet("Sheet1").conditional_format_rules()} == {"H501:H1001"}
    for rule in list(rng.conditional_formats):
        rule.delete()
    assert fake_excel.book.sheet("Sheet1").conditional_format_rules() == []


def test_tables(sheet, fake_excel):
    sheet["A1"].value = [["id", None, "id"], [1, 2, 3]]
    # expand() would stop at the blank header B1: pass the block explicitly
    assert sheet["A1"].expand().address == "$A$1:$A$2"
    table = sheet.tables.add(source=sheet["A1:C2"], name="xlseg_customers", table_style_name="TableStyleMedium2")
    assert table.name == "xlseg_customers" and table.range.address == "$A$1:$C$2"
    assert sheet["A1:C1"].value == ["id", "Column2", "id2"]  # Excel makes headers unique text
    assert [t.name for t in sheet.tables] == ["xlseg_customers"]
    with pytest.raises(FakeComError):
        sheet.tables.add(source=sheet["B1:D3"])  # overlap
    assert not hasattr(table, "delete")  # not in the open-source API


def test_charts(sheet, fake_excel):
    sheet["A1"].value = [["Segment", "Customers"], ["Champions", 10]]
    chart = sheet.charts.add(left=10, top=10, width=360, height=220)
    chart.set_source_data(sheet["A1:B2"])
    chart.chart_type = "bar_clustered"
    assert chart.name == "Chart 1"
    info = fake_excel.book.sheet("Sheet1").charts_info[0]
    assert info["chart_type"] == "bar_clustered" and info["source"] == "A1:B2"
    with pytest.raises(ValueError):
        chart.chart_type = "bar"  # not an xlwings chart type
    chart.delete()
    assert len(sheet.charts) == 0


def test_sheets_and_names(fake_excel):
    book = fake_excel.xw_book
    first = book.sheets[0]
    summary = book.sheets.add(name="Summary", after=first)
    assert [s.name for s in book.sheets] == ["Sheet1", "Summary"] and book.sheets.active == summary
    with pytest.raises(ValueError):
        book.sheets.add(name="summary")  # xlwings' own duplicate check
    book.names.add("xlseg_owner", "=Summary!$A$1")
    summary.names.add("marker", "=Summary!$A$1")
    assert [n.name for n in book.names] == ["xlseg_owner", "Summary!marker"]
    assert book.names["xlseg_owner"].refers_to_range.address == "$A$1"
    summary.delete()
    assert [n.name for n in book.names] == ["xlseg_owner"]
    assert book.names["xlseg_owner"].refers_to == "=#REF!"
    with pytest.raises(FakeComError):
        book.sheets[0].delete()  # last sheet


def test_api_and_freeze_panes_are_unavailable(sheet):
    with pytest.raises(NotImplementedError):
        sheet.freeze_panes.freeze_at("A2")  # desktop engines don't implement it
    with pytest.raises(AttributeError):
        sheet["A1"].api.Value
    assert not hasattr(sheet, "tab_color")


# --- openpyxl round trip ---------------------------------------------------------


def test_from_openpyxl_and_to_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["Customer ID", "Last Purchase", "Total Spend", "Formula"])
    ws.append(["C001", dt.datetime(2024, 5, 1), 120, "=C2*2"])
    ws.append([None, None, 3.5, None])
    app = FakeApp()
    fb = FakeBook.from_openpyxl(wb, app=app, name="crm.xlsx")
    assert app.call_count == 0
    assert fb.to_rows("Customers") == [
        ["Customer ID", "Last Purchase", "Total Spend", "Formula"],
        ["C001", dt.datetime(2024, 5, 1), 120.0, "=C2*2"],
        [None, None, 3.5, None],
    ]
    with install_caller(fb):
        s = xw.Book.caller().sheets["Customers"]
        assert s["B2"].value == dt.datetime(2024, 5, 1)  # openpyxl kept the date format
        assert s["A1"].expand().shape == (2, 4)
        assert s.used_range.shape == (3, 4)
