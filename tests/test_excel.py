"""Live Excel through the recording fake: Reclassify equals file mode, round trips stay flat, failures are safe."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

import xlseg
from tests.fake_xlwings import FakeApp, FakeBook, install_caller
from xlseg import sample_data
from xlseg.excel.main import reclassify
from xlseg.filemode.run import classify_file

GENERATED = "2026-07-01 09:00:00 · test"
RUN_TIME = dt.datetime(2026, 7, 1, 9, 0, 0)


def _input(path, n=300, seed=7, transactions=True):
    customers, tx = sample_data.demo_frames(n_customers=n, seed=seed)
    sample_data.write_input_workbook(path, customers, tx if transactions else None,
                                     customer_sheet="Customer List", transaction_sheet="Orders")
    return path


def _same(a, b) -> bool:
    """Cell equality across readers: xlwings gives floats for every number, openpyxl ints too."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a == b
    return a == b


def _rows_openpyxl(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _trim(rows):
    rows = [list(r) for r in rows]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(r) if v is not None), default=0) for r in rows), default=0)
    return [r[:width] + [None] * (width - len(r[:width])) for r in rows]


@pytest.fixture
def book_path(tmp_path):
    return _input(tmp_path / "book.xlsx")


def _fake(path, platform="windows"):
    app = FakeApp(platform=platform)
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(path), app=app)
    return app, book


def test_main_through_fake_equals_file_mode_cell_for_cell(book_path, tmp_path):
    _assert_live_equals_file(book_path, tmp_path)


def _assert_live_equals_file(book_path, tmp_path, *, formulas=False, runs=1, platform="windows"):
    """Classify ``runs`` times in file mode and live; every cell (values and formulas) must agree."""
    file_in = book_path
    for i in range(runs):
        file_out = tmp_path / f"file{i}.xlsx"
        classify_file(file_in, file_out, generated=GENERATED, run_time=RUN_TIME + dt.timedelta(days=i),
                      formulas=formulas)
        file_in = file_out
    app, book = _fake(book_path, platform)
    for i in range(runs):
        analysis = reclassify(book.xw, generated=GENERATED, run_time=RUN_TIME + dt.timedelta(days=i),
                              formulas=formulas)
        assert app.alerts == []
        assert analysis is not None
    wb = openpyxl.load_workbook(file_out)
    assert book.sheet_names == wb.sheetnames
    for title in wb.sheetnames:
        ours = _trim(_rows_openpyxl(wb[title]))
        live = _trim(book.to_rows(title))
        assert len(ours) == len(live), title
        for r, (a, b) in enumerate(zip(ours, live), start=1):
            for c, (x, y) in enumerate(zip(a, b), start=1):
                if formulas and isinstance(x, str) and x.startswith("=") and wb[title].cell(r, c).data_type == "f":
                    assert book.sheet(title).is_formula(f"{openpyxl.utils.get_column_letter(c)}{r}"), (title, r, c)
                    continue
                assert _same(x, y), f"{title}!R{r}C{c}: file {x!r} != live {y!r}"
    file_names = {n: d.attr_text for n, d in wb.defined_names.items()}
    live_names = {n.name: n.refers_to.lstrip("=") for n in book.xw.names}
    assert live_names == file_names
    return app, book


def test_second_run_appends_history_like_file_mode(book_path, tmp_path):
    app, book = _assert_live_equals_file(book_path, tmp_path, runs=2)
    (table,) = book.sheet("Run History").tables_info
    n = len(_trim(book.to_rows("Run History")))
    assert table["range"].endswith(str(n))


def test_formulas_mode_live_equals_file_mode(book_path, tmp_path):
    _assert_live_equals_file(book_path, tmp_path, formulas=True)


def test_conditional_formats_match_file_mode(book_path, tmp_path):
    file_out = tmp_path / "file.xlsx"
    run = classify_file(book_path, file_out, generated=GENERATED)
    app, book = _fake(book_path)
    reclassify(book.xw, generated=GENERATED)
    expected = sorted((r.ref, r.text, r.fill.upper(), r.color.upper()) for r in run.plan.columns.cond_rules)
    live = book.sheet("Customer List").conditional_format_rules()
    got = sorted((d["range"].replace("$", ""), d["formula1"][2:-1], _hex(d["fill_color"]),
                  _hex(d["font_color"])) for d in live)
    assert got == expected


def _hex(value) -> str:
    if isinstance(value, str):
        return value.lstrip("#").upper()
    r, g, b = value
    return f"{r:02X}{g:02X}{b:02X}"


def test_ribbon_entry_uses_the_calling_book(book_path):
    app, book = _fake(book_path)
    with install_caller(book.xw):
        xlseg.main()
    assert app.alerts == []
    assert "Summary" in book.sheet_names
    # progress in the status bar, screen updating and calculation suspended and restored
    assert any("xlseg: writing" in str(m) for m in app.status_bar_history)
    assert app.status_bar_history[-1] is False
    assert app.screen_updating_history[-2:] == [False, True]
    assert app.calculation_history[-2:] == ["manual", "automatic"]
    head = book.to_rows("Customer List")[0]
    k = head.index("R Score")
    assert head[k:k + 8] == ["R Score", "F Score", "M Score", "RFM", "Segment", "Value Tier", "Stage", "Tags"]
    assert head.count("R Score") == 1


def _fake_customers(n: int):
    """A fake book with n customers typed straight into the grid (no openpyxl round trip: fast)."""
    customers, _ = sample_data.demo_frames(n_customers=n, seed=3)
    last = pd.Timestamp("2026-06-30") - pd.to_timedelta(customers.index.to_numpy() % 700, unit="D")
    app = FakeApp()
    book = app.add_book("big.xlsx", sheets=())
    sheet = book._new_sheet("Customer List")
    head = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend"]
    for c, h in enumerate(head, start=1):
        sheet.grid[(1, c)] = h
    ids, names = customers["Customer ID"].tolist(), customers["Name"].tolist()
    for i in range(n):
        r = i + 2
        sheet.grid[(r, 1)] = ids[i]
        sheet.grid[(r, 2)] = names[i]
        sheet.grid[(r, 3)] = last[i].to_pydatetime()
        sheet.grid[(r, 4)] = float(1 + i % 9)
        sheet.grid[(r, 5)] = float(10 + (i * 37) % 5000)
    return app, book


def test_call_count_does_not_grow_with_rows():
    counts = {}
    for n in (1_000, 100_000):
        app, book = _fake_customers(n)
        app.reset_calls()
        reclassify(book.xw, generated=GENERATED)
        assert app.alerts == []
        counts[n] = app.call_count
    assert counts[1_000] == counts[100_000], counts


def test_second_run_replaces_owned_sheets_and_columns(book_path):
    app, book = _fake(book_path)
    reclassify(book.xw, generated=GENERATED)
    first = {t: book.to_rows(t) for t in book.sheet_names}
    rules = book.sheet("Customer List").conditional_format_rules()
    reclassify(book.xw, generated=GENERATED)
    assert book.sheet_names == list(first)
    # History and Migration change by design from one run to the next (issue 7); all else is identical.
    for title in ("Customer List", "Orders", "Summary", "Customers", "Tags", "Issues", "Settings"):
        assert _trim(book.to_rows(title)) == _trim(first[title]), title
    again = book.sheet("Customer List").conditional_format_rules()
    assert sorted((d["range"], d["formula1"]) for d in again) == sorted((d["range"], d["formula1"]) for d in rules)


def test_failure_on_a_write_leaves_user_cells_unchanged_and_shows_one_alert(book_path):
    app, book = _fake(book_path)
    before = {t: book.to_rows(t) for t in book.sheet_names}
    app.fail_on("range.value.set", after=3)
    reclassify(book.xw, generated=GENERATED)
    assert len(app.alerts) == 1
    assert app.alerts[0]["title"] == "xlseg"
    assert "Your own cells were not changed" in app.alerts[0]["prompt"]
    assert "Traceback" not in app.alerts[0]["prompt"]
    for title in ("Customer List", "Orders"):
        assert book.to_rows(title) == before[title]
    assert app.screen_updating is True
    assert app.calculation == "automatic"


def test_bad_input_is_one_alert_with_the_cli_message(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "People"
    ws.append(["Name", "City"])
    ws.append(["Ann", "Paris"])
    app = FakeApp()
    book = FakeBook.from_openpyxl(wb, app=app)
    before = book.to_rows("People")
    reclassify(book.xw)
    assert len(app.alerts) == 1
    assert app.alerts[0]["prompt"].startswith("No customer sheet found")
    assert book.to_rows("People") == before
    assert book.sheet_names == ["People"]


def test_formula_like_names_are_written_as_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend"])
    ws.append(["C1", "=HYPERLINK(\"http://x\",\"click\")", dt.datetime(2026, 1, 2), 3, 120.0])
    ws.append(["C2", "+1+1", dt.datetime(2026, 3, 2), 1, 20.0])
    ws["B2"].data_type = "s"  # the user typed it as text (as Excel shows '=HYPERLINK...)
    app = FakeApp()
    book = FakeBook.from_openpyxl(wb, app=app)
    reclassify(book.xw)
    assert app.alerts == []
    customers = book.sheet("Customers")
    assert not any(v.startswith("=HYPERLINK") for v in customers.formulas().values())
    assert book.to_rows("Customers")[1][1] == "=HYPERLINK(\"http://x\",\"click\")"
    assert book.to_rows("Customers")[2][1] == "+1+1"
    assert not customers.formulas()


def test_each_sheet_is_read_from_excel_once(book_path):
    # The active sheet is read to recognise it as the customer sheet; the run must not read it again.
    app, book = _fake(book_path)
    app.reset_calls()
    reclassify(book.xw, generated=GENERATED)
    assert app.alerts == []
    assert app.count("range.value.get") == 2  # Customer List and Orders, once each
