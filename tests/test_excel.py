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
from xlseg.workbook.run import classify_file

GENERATED = "2026-07-01 09:00:00 · test"


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


def _fake(path):
    app = FakeApp()
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(path), app=app)
    return app, book


def test_main_through_fake_equals_file_mode_cell_for_cell(book_path, tmp_path):
    file_out = tmp_path / "file.xlsx"
    classify_file(book_path, file_out, generated=GENERATED)
    app, book = _fake(book_path)
    with install_caller(book.xw):
        analysis = reclassify(book.xw, generated=GENERATED)
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
                assert _same(x, y), f"{title}!R{r}C{c}: file {x!r} != live {y!r}"


def test_conditional_formats_match_file_mode(book_path, tmp_path):
    file_out = tmp_path / "file.xlsx"
    run = classify_file(book_path, file_out, generated=GENERATED)
    app, book = _fake(book_path)
    reclassify(book.xw, generated=GENERATED)
    expected = sorted((r.ref, r.text, r.fill.upper(), r.color.upper()) for r in run.plan.columns.cond_rules)
    live = book.sheet("Customer List").conditional_format_rules()
    got = sorted((d["address"].replace("$", ""), d["formula1"].strip('="'), _hex(d["fill_color"]),
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
    head = book.to_rows("Customer List")[0]
    assert head[-8:] == ["R Score", "F Score", "M Score", "RFM", "Segment", "Value Tier", "Stage", "Tags"]


def test_call_count_does_not_grow_with_rows(tmp_path):
    counts = {}
    for n in (1_000, 100_000):
        path = _input(tmp_path / f"b{n}.xlsx", n=n, transactions=False)
        app, book = _fake(path)
        app.reset_calls()
        reclassify(book.xw, generated=GENERATED)
        assert app.alerts == []
        counts[n] = app.call_count
    assert counts[1_000] == counts[100_000], counts


def test_second_run_replaces_owned_sheets_and_columns(book_path):
    app, book = _fake(book_path)
    reclassify(book.xw, generated=GENERATED)
    first = {t: book.to_rows(t) for t in book.sheet_names}
    reclassify(book.xw, generated=GENERATED)
    assert book.sheet_names == list(first)
    for title, rows in first.items():
        assert _trim(book.to_rows(title)) == _trim(rows), title
    assert len(book.sheet("Customer List").conditional_format_rules()) == \
        len({(d["address"], d["formula1"]) for d in book.sheet("Customer List").conditional_format_rules()})


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
    app = FakeApp()
    book = FakeBook.from_openpyxl(wb, app=app)
    reclassify(book.xw)
    assert app.alerts == []
    customers = book.sheet("Customers")
    assert not any(v.startswith("=HYPERLINK") for v in customers.formulas().values())
    assert book.to_rows("Customers")[1][1] == "=HYPERLINK(\"http://x\",\"click\")"
