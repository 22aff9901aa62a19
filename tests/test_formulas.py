"""Portable formulas: parameters, formula text, and LibreOffice equality on a hand-made book."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from xlseg.cli import main
from xlseg.core import scores as S
from tests import openpyxl_book
from xlseg.plan.build import OUTPUT_KEYS
from xlseg.plan.formulas import (FORMULA_KEYS, UNREACHABLE_HIGH, UNREACHABLE_LOW, effective_cuts, frozen_results,
                                     params_from_result, settings_positions)
from xlseg.plan import formula_data
from xlseg.plan.write_plan import Formula
from xlseg.filemode.run import analyse, classify_file


# values, higher_is_better -> rank scores must come back from 1 + cuts reached
CASES = [
    ([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], True),       # heavy ties: scores 2 and 3 empty
    ([5, 5, 5, 5], True),                          # all equal: every customer score 1
    ([7], True),                                   # one customer
    ([0, 10, 30, 30, 90, 365, 400, 2], False),    # recency: lower is better
    ([3.5, 1.25, 1000.0, 2.0, 2.0, 0.0], True),
]


@pytest.mark.parametrize("values,higher", CASES)
def test_effective_cuts_give_back_the_rank_scores(values, higher):
    v = pd.Series(values, dtype="float64")
    rank = S.rank_score(v, higher_is_better=higher)
    cuts = effective_cuts(v, rank, higher_is_better=higher)
    assert list(S.cut_score(v, cuts, higher_is_better=higher)) == list(rank)


def test_effective_cuts_unreachable_when_no_one_reaches_a_score():
    v = pd.Series([5.0, 5.0, 5.0])
    assert effective_cuts(v, S.rank_score(v), higher_is_better=True) == (UNREACHABLE_HIGH,) * 4
    assert effective_cuts(v, S.rank_score(v, higher_is_better=False), higher_is_better=False) == (UNREACHABLE_LOW,) * 4


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Customer ID", "Name", "First Purchase", "Last Purchase", "Orders", "Total Spend"])
    d = dt.datetime
    rows = [
        ("C01", "Ann", d(2023, 1, 5), d(2024, 6, 28), 12, 5400.0),
        ("C02", "Bo", d(2024, 6, 1), d(2024, 6, 20), 1, 80.0),
        ("C03", "Cy", d(2022, 2, 1), d(2023, 3, 1), 4, 900.0),
        ("C04", "Di", None, None, 0, 0.0),                         # prospect
        ("C05", "Ed", d(2023, 5, 1), d(2024, 1, 10), 6, 900.0),    # tie in spend with C03
        ("C06", "Fa", d(2023, 9, 9), d(2024, 6, 30), 2, 150.0),
        ("C07", "Gu", None, d(2024, 3, 3), None, 40.0),            # orders blank: one purchase
        ("C08", "Hi", d(2021, 1, 1), d(2024, 5, 5), 30, 12000.0),
        ("C01", "Ann again", d(2020, 1, 1), d(2020, 1, 1), 1, 1.0),  # duplicate id: shows row 2's result
    ]
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def test_plan_has_formulas_only_from_the_allowed_functions(tmp_path):
    src = tmp_path / "book.xlsx"
    _book(src)
    run = classify_file(src, tmp_path / "out.xlsx", formulas=True)
    body = run.plan.columns.block.values[1:]
    texts = [v.text for row in body for v in row if isinstance(v, Formula)]
    assert len(texts) == len(body) * len(FORMULA_KEYS)
    for t in texts:
        assert len(t) < 8192
        assert not re.search(r"\b(LET|XLOOKUP|FILTER|LAMBDA|TEXTJOIN|IFS|SWITCH)\(", t)
    # tags stay values
    tags = OUTPUT_KEYS.index("tags")
    assert not any(isinstance(row[tags], Formula) for row in body)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb.defined_names["xlseg_r_cuts"].attr_text.endswith("!$N$5:$Q$5")


def test_settings_positions_finds_values_and_grid():
    rows = [("xlseg settings",), ("hint",), (None,), ("Setting", "Value", "Description"),
            ("lang", "en", ""), ("lost_days", 365, ""), (None,), ("R \\ F", 1, 2, 3, 4, 5), (5, "Champions")]
    pos = settings_positions(rows)
    assert pos["lost_days"] == (6, 2) and pos["lang"] == (5, 2) and pos["grid"] == (9, 2)


def _lo_columns(lo, path, outdir, sheet, first_col):
    rows = lo.read_csv_sheet(lo.convert_to_csv(path, outdir)[sheet])
    return {r + 1: rows[r][first_col - 1:first_col - 1 + len(FORMULA_KEYS)] for r in range(1, len(rows))}


def test_libreoffice_equals_python_and_follows_settings_edits(tmp_path, libreoffice):
    src, out = tmp_path / "book.xlsx", tmp_path / "out.xlsx"
    _book(src)
    run = classify_file(src, out, formulas=True)
    cp = run.plan.columns
    got = _lo_columns(libreoffice, out, tmp_path / "a", "Clients", cp.first_col)
    c = run.result.customers.set_index("customer_id")
    for r in range(2, 11):
        exp = c.loc[run.result.row_ids[r]]
        for i, k in enumerate(FORMULA_KEYS):
            v = exp[k]
            v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else (int(v) if "score" in k else v)
            assert libreoffice.cell_equal(got[r][i], v), (r, k, got[r][i], v)
    # row 10 (duplicate C01) shows row 2's result
    assert got[10] == got[2]
    # A Settings edit takes effect without Python: lost_days 365 -> 30 makes old buyers Lost
    wb = openpyxl.load_workbook(out)
    st = wb["Settings"]
    row = next(r for r in range(1, 60) if st.cell(r, 1).value == "lost_days")
    st.cell(row, 2).value = 30
    wb.save(tmp_path / "edited.xlsx")
    got2 = _lo_columns(libreoffice, tmp_path / "edited.xlsx", tmp_path / "b", "Clients", cp.first_col)
    stage = FORMULA_KEYS.index("stage")
    assert got2[4][stage] == "Lost"  # C03: last purchase 2023-03-01
    assert got2[2][stage] == got[2][stage]  # C01 bought 2 days before as_of


def test_reclassify_refreshes_cut_points_and_keeps_formulas(tmp_path):
    src, out = tmp_path / "book.xlsx", tmp_path / "out.xlsx"
    _book(src)
    classify_file(src, out, formulas=True)
    wb = openpyxl.load_workbook(out)
    ws = wb["Clients"]
    ws["F2"].value = 99_999.0  # much bigger spend
    wb.save(out)
    run = classify_file(out, out, formulas=True)
    wb = openpyxl.load_workbook(out)
    st = wb["Settings"]
    m_cuts = [st[c].value for c in ("N7", "O7", "P7", "Q7")]
    assert st["M7"].value.startswith("M cuts")
    expected = run.result.customers.loc[run.result.customers["m_score"] >= 5, "monetary"].min()
    assert m_cuts[3] == expected
    assert str(wb["Clients"].cell(2, run.plan.columns.first_col).value).startswith("=")
    assert [c.value for c in wb["Clients"][1]].count("R Score") == 1


def _xlseg_names(wb) -> dict:
    return {n: dn.attr_text for n, dn in wb.defined_names.items() if n.startswith("xlseg_")}


def test_a_run_without_formulas_removes_the_data_sheet_in_file_mode(tmp_path, libreoffice):
    """The hidden data sheet an earlier --formulas run wrote goes (with its marker) on a run without formulas;
    every other sheet, name and value is what a values run writes."""
    src, first, second = tmp_path / "book.xlsx", tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    _messy_orders_book(src)
    classify_file(src, first, formulas=True, generated="g", run_time=dt.datetime(2026, 7, 1, 9))
    wb = openpyxl.load_workbook(first)
    assert "xlseg data" in wb.sheetnames and wb["xlseg data"].sheet_state == "hidden"
    assert "xlseg_sheet_data" in _xlseg_names(wb)
    classify_file(first, second, generated="g", run_time=dt.datetime(2026, 7, 1, 9))
    plain = tmp_path / "plain.xlsx"  # the same two runs, values both times
    classify_file(src, tmp_path / "p1.xlsx", generated="g", run_time=dt.datetime(2026, 7, 1, 9))
    classify_file(tmp_path / "p1.xlsx", plain, generated="g", run_time=dt.datetime(2026, 7, 1, 9))
    got, want = openpyxl.load_workbook(second), openpyxl.load_workbook(plain)
    assert got.sheetnames == want.sheetnames and "xlseg data" not in got.sheetnames
    assert set(_xlseg_names(want)) <= set(_xlseg_names(got))  # (+ the formula parameters' names on Settings)
    assert "xlseg_sheet_data" not in _xlseg_names(got) and not any("xlseg data" in text for text in _xlseg_names(got).values())
    for title in ("Customers", "Orders", "Customers (xlseg)", "Issues"):
        assert [list(r) for r in got[title].iter_rows(values_only=True)] == \
               [list(r) for r in want[title].iter_rows(values_only=True)], title
    with zipfile.ZipFile(second) as z:
        parts = set(z.namelist())
        assert not any("xlseg data" in z.read(p).decode("utf-8", "replace") for p in parts if p.endswith(".xml"))
        workbook_rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    sheet_parts = {p for p in parts if p.startswith("xl/worksheets/sheet")}
    assert len(sheet_parts) == len(got.sheetnames)
    assert all(p.rsplit("/", 1)[1] in workbook_rels and "/" + p in types for p in sheet_parts)
    # a second reader opens it with the same sheets
    assert list(libreoffice.convert_to_csv(second, tmp_path / "lo", recalc=False)) == got.sheetnames


def test_the_data_sheet_stays_when_it_is_no_longer_xlsegs(tmp_path):
    """Only while it is still ours: a data sheet whose header row the user replaced is the user's sheet now."""
    src, first, second = tmp_path / "book.xlsx", tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    _messy_orders_book(src)
    classify_file(src, first, formulas=True)
    wb = openpyxl.load_workbook(first)
    wb["xlseg data"]["A1"] = "my notes"
    wb.save(first)
    classify_file(first, second)
    got = openpyxl.load_workbook(second)
    assert "xlseg data" in got.sheetnames and got["xlseg data"]["A1"].value == "my notes"


def test_a_live_run_without_formulas_removes_the_data_sheet(tmp_path):
    """Live Excel through the faithful fake: the sheet and the names pointing at it are deleted (names first,
    so none becomes #REF!), and nothing left in the book refers to it; the result equals file mode's."""
    from tests.fake_xlwings import FakeApp, FakeBook
    from xlseg.excel.main import reclassify

    src = tmp_path / "book.xlsx"
    _messy_orders_book(src)
    app = FakeApp()
    book = FakeBook.from_openpyxl(openpyxl.load_workbook(src), app=app)
    when = dt.datetime(2026, 7, 1, 9)
    assert reclassify(book.xw, formulas=True, generated="g", run_time=when) is not None
    assert "xlseg data" in book.sheet_names and not book.sheet("xlseg data").visible_flag
    assert reclassify(book.xw, generated="g", run_time=when) is not None
    assert app.alerts == []
    assert "xlseg data" not in book.sheet_names
    names = {n["name"]: n["refers_to"] for n in book._names}
    assert "xlseg_sheet_data" not in names and not any("#REF!" in t or "xlseg data" in t for t in names.values())
    for title in book.sheet_names:
        for row in book.to_rows(title):
            assert not any(isinstance(v, str) and ("#REF!" in v or "xlseg data" in v) for v in row), title
    file_first, file_second = tmp_path / "f1.xlsx", tmp_path / "f2.xlsx"
    classify_file(src, file_first, formulas=True, generated="g", run_time=when)
    classify_file(file_first, file_second, generated="g", run_time=when)
    wb = openpyxl.load_workbook(file_second)
    assert book.sheet_names == wb.sheetnames
    assert set(names) == set(_xlseg_names(wb))


def test_cli_classify_formulas_flag(tmp_path):
    src = tmp_path / "book.xlsx"
    _book(src)
    res = CliRunner().invoke(main, ["classify", str(src), "-o", str(tmp_path / "o.xlsx"), "--formulas"])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx")["Clients"]
    assert str(ws["G2"].value).startswith("=IF(")
    assert "--formulas" in CliRunner().invoke(main, ["classify", "--help"]).output
    assert CliRunner().invoke(main, ["template", "--help"]).exit_code == 0


def test_cli_template(tmp_path):
    res = CliRunner().invoke(main, ["template", "b2b_key_accounts", "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output
    assert "Accounts" in openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames


# ------------------------------------------------------------------ messy data: three ways, one answer
def _python(path):
    wb = openpyxl.load_workbook(path)
    return analyse(lambda t: openpyxl_book.sheet_rows(wb[t]), openpyxl_book.book_state(wb))


def _differences(lo, path, an, expected: pd.DataFrame, outdir, *, sheet_title=None) -> tuple[int, list]:
    """(formula cells compared, [(row, column, LibreOffice text, Python value)] for every cell that differs).

    ``an`` is an Analysis or a FileRun (then ``sheet_title`` names the customer sheet).
    """
    sheet = lo.read_csv_sheet(lo.convert_to_csv(path, outdir)[sheet_title or an.customer_sheet])
    cp = an.plan.columns
    n, bad = 0, []
    for r, cid in an.result.row_ids.items():
        exp = expected.loc[cid]
        for k in FORMULA_KEYS:
            v = exp[k]
            v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else (int(v) if "score" in k else v)
            text = sheet[r - 1][cp.first_col - 1 + OUTPUT_KEYS.index(k)]
            n += 1
            if not lo.cell_equal(text, v):
                bad.append((r, k, text, v))
    return n, bad


D = dt.datetime
# Customers sheet: (id as typed, name). Orders: (id as typed, order id, date as typed, amount as typed).
MESSY_CUSTOMERS = [
    (" C01 ", "id typed with spaces"), ("c01", "same letters, other case: another customer"),
    ("Ｃ０２", "full-width id"), (1001, "number id, text in the orders"), ("1002", "text id, number in the orders"),
    ("C03", "refunds and text amounts"), ("C04", "same day with and without an order id"),
    ("C05", "dates typed as text"), ("C06", "prospect: no orders"), ("C01", "duplicate of row 2"),
    ("C07", "error and blank cells"), ("C08", "one order over several lines and days"),
    ("C09", "long ago"), ("C10", "only a refund"),
]
MESSY_ORDERS = [
    ("C01", "A1", D(2024, 6, 1), 120.0), ("C01", "A2", "2024-06-20", "¥1,234.50"), ("C01", "A3", 20240301, 80),
    ("c01", "B1", D(2024, 5, 5, 14, 30), 40.0), ("c01", "B2", D(2024, 6, 25), "$15.00"),
    ("C02", "F1", D(2024, 4, 1), 300.0), ("Ｃ０２", "F2", "2024/4/9", "300"), ("C02", "F3", 45420, 10.5),
    ("1001", "N1", D(2024, 6, 10), 55.5), ("1001", "N2", D(2023, 12, 24), 60.0),
    (1002, "M1", D(2024, 1, 15), 999.0), (1002.0, "M2", D(2024, 6, 28), "1 234,50"),
    ("C03", "R1", D(2024, 3, 3), 500.0), ("C03", "R2", D(2024, 3, 10), "(30)"), ("C03", "R3", D(2024, 6, 1), -20.0),
    ("C03", "R4", D(2024, 6, 2), 0.0),
    ("C04", "S1", D(2024, 6, 15), 70.0), ("C04", None, D(2024, 6, 15), 30.0), ("C04", None, D(2024, 6, 15), 5.0),
    ("C04", None, D(2024, 2, 2), 25.0), ("C04", "S1", D(2024, 6, 16), 12.0),
    ("C05", "T1", "2024年5月1日", "RMB 88"), ("C05", "T2", " 2024-05-20 ", "88元"), ("C05", "T3", "20240530", 88),
    ("C07", "E1", D(2024, 6, 5), "#N/A"), ("C07", "E2", "not a date", 50.0), ("C07", "E3", D(2024, 6, 6), None),
    ("C07", "E4", D(2024, 6, 7), 44.0),
    ("C08", "O1", D(2024, 5, 1), 10.0), ("C08", "O1", D(2024, 5, 2), 10.0), ("C08", "O2", D(2024, 5, 2), 10.0),
    ("C08", "o1", D(2024, 5, 3), 10.0),
    ("C09", "L1", D(2021, 1, 1), 5000.0), ("C09", "L2", D(2021, 3, 1), 5000.0),
    ("C10", "X1", D(2024, 6, 2), -15.0),
    ("C99", "Z1", D(2024, 6, 29), 1.0),  # not on the customer sheet
]


def _messy_orders_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["Customer ID", "Name"])
    for row in MESSY_CUSTOMERS:
        ws.append(list(row))
    ws = wb.create_sheet("Orders")
    ws.append(["Customer ID", "Order ID", "Order Date", "Amount"])
    for row in MESSY_ORDERS:
        ws.append(list(row))
    wb.save(path)


MESSY_SHEET = [  # id, first purchase, last purchase, orders, spend - as typed
    (" K01 ", D(2023, 1, 5), D(2024, 6, 28), 12, 5400.0), ("k01", "2024-01-02", "2024-06-20", "3", "¥1,234.50"),
    ("Ｋ０２", "2022/2/1", "2023年3月1日", " 4 ", "(30)"), (2001, 20230501, 20240110, 6.0, "900"),
    ("K03", None, None, 0, 0.0), ("K04", None, D(2024, 3, 3, 9, 15), None, "$40.00"),
    ("K05", D(2021, 1, 1), " 2024-05-05 ", 30, "12 000,00"), ("K01", D(2020, 1, 1), D(2020, 1, 1), 1, 1.0),
    ("K06", "#N/A", D(2024, 6, 1), 2, "#N/A"), ("K07", D(2023, 9, 9), "n/a", 2, 150.0),
    ("K08", 45000, 45400, 5, 2500),
]


def _messy_sheet_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Customer ID", "First Purchase", "Last Purchase", "Orders", "Total Spend"])
    for row in MESSY_SHEET:
        ws.append(list(row))
    wb.save(path)


@pytest.mark.parametrize("make", [_messy_orders_book, _messy_sheet_book], ids=["orders", "customer_sheet"])
def test_messy_book_libreoffice_equals_python_then_follows_typed_edits(make, libreoffice, tmp_path):
    src, out = tmp_path / "messy.xlsx", tmp_path / "out.xlsx"
    make(src)
    run = classify_file(src, out, formulas=True)
    an = _python(out)
    assert len(run.result.issues) >= 5  # the messy values were noticed ...
    n, bad = _differences(libreoffice, out, an, an.result.customers.set_index("customer_id"), tmp_path / "a")
    assert n == len(an.result.row_ids) * len(FORMULA_KEYS) and bad == []  # ... and every formula agrees
    buyers = an.result.customers.set_index("customer_id")["is_buyer"]
    assert buyers.sum() >= 8
    wb = openpyxl.load_workbook(out)
    assert wb["xlseg data"].sheet_state == "hidden"

    # The user types new dates and amounts over cells Python cleaned (text) and over plain ones:
    # LibreOffice must show what Python computes from the edited book with the parameters frozen in Settings.
    params = params_from_result(an.result)
    if an.transaction_sheet:
        ws = wb["Orders"]
        ws["C3"] = D(2024, 6, 29)  # C01's text date -> a date: C01's last purchase
        ws["D3"] = 20_000.0  # its text amount -> a number
        ws["D15"] = 700.0  # C03's "(30)" refund -> a purchase
        ws["C25"] = D(2024, 5, 25)  # C05's text date: moves the purchase day
        ws["D29"] = 61.0  # C07: a plain amount (its lines Python skipped stay skipped until Reclassify)
        ws["D18"] = -70.0  # C04's order S1 line becomes a refund
    else:
        ws = wb["Clients"]
        ws["C3"] = D(2024, 6, 27)  # k01: text last purchase -> a date (before as_of, which stays)
        ws["E3"] = 99_999.0  # its text spend -> a number
        ws["D4"] = 1  # Ｋ０２'s text count -> a number
        ws["E7"] = 5.0
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    after = _python(edited)
    expected = frozen_results(after.result, params).set_index("customer_id")
    changed = after.result.customers.set_index("customer_id")["monetary"] != \
        an.result.customers.set_index("customer_id")["monetary"]
    assert changed.sum() >= 2  # the edits really changed what Python sees
    n, bad = _differences(libreoffice, edited, after, expected, tmp_path / "b")
    assert bad == []


def test_demo_in_formulas_mode_libreoffice_equals_python(libreoffice, tmp_path):
    """The demo's own messy rows (ids typed with spaces, dates typed as text ...), 2,000 customers."""
    from xlseg.demo import make_demo

    demo = make_demo(tmp_path / "demo.xlsx", n_customers=2000)
    assert len(demo.result.issues) > 50
    run = classify_file(tmp_path / "demo.xlsx", tmp_path / "formulas.xlsx", formulas=True)
    assert run.plan.columns.sheet == "Customer List" and run.result.transaction_columns
    assert run.result.customers.set_index("customer_id")["segment"].equals(
        demo.result.customers.set_index("customer_id")["segment"])
    n, bad = _differences(libreoffice, run.output, run, run.result.customers.set_index("customer_id"),
                          tmp_path / "csv", sheet_title="Customer List")
    assert n == len(run.result.row_ids) * len(FORMULA_KEYS) >= 2000 * len(FORMULA_KEYS)
    assert bad == []


LIVE_CASES = [  # raw cell, Python's value, date?, expected formula (cell X1)
    (D(2024, 3, 5, 14, 30), pd.Timestamp("2024-03-05"), True, '=IF(ISNUMBER(X1),INT(X1),"")'),
    (None, None, True, '=IF(ISNUMBER(X1),INT(X1),"")'),
    ("2024-03-05", pd.Timestamp("2024-03-05"), True,
     '=IFERROR(IF(X1="2024-03-05",45356,IF(ISNUMBER(X1),INT(X1),"")),45356)'),
    (20240305, pd.Timestamp("2024-03-05"), True, '=IFERROR(IF(X1=20240305,45356,IF(ISNUMBER(X1),INT(X1),"")),45356)'),
    ("not a date", None, True, '=IF(ISNUMBER(X1),INT(X1),"")'),  # Python rejects it: blank either way
    (12.5, 12.5, False, '=IF(ISNUMBER(X1),X1,"")'),
    ("¥1,234.50", 1234.5, False, '=IFERROR(IF(X1="¥1,234.50",1234.5,IF(ISNUMBER(X1),X1,"")),1234.5)'),
    ("(30)", -30.0, False, '=IFERROR(IF(X1="(30)",-30,IF(ISNUMBER(X1),X1,"")),-30)'),
    ("#N/A", None, False, '=IF(ISNUMBER(X1),X1,"")'),  # an error cell: blank, as Python reads it
    ("x" * 300, 5.0, False, "=IF(ISNUMBER(X1),X1,5)"),  # too long for a formula literal
]


@pytest.mark.parametrize("raw,clean,date,expected", LIVE_CASES)
def test_live_cell_shows_pythons_value_until_the_cell_is_retyped(raw, clean, date, expected):
    assert formula_data.live_cell("X1", raw, clean, date=date) == Formula(expected)


def test_data_sheet_formulas_only_read_each_customers_own_lines(tmp_path):
    """Linear cost: no whole-column ranges, and no range longer than one customer's lines."""
    src = tmp_path / "messy.xlsx"
    _messy_orders_book(src)
    run = classify_file(src, tmp_path / "out.xlsx", formulas=True)
    data = run.plan.sheet("data")
    longest = max(pd.Series([o[0] for o in MESSY_ORDERS]).map(lambda v: str(v).strip()).value_counts())
    texts = [v.text for b in data.blocks for row in b.values for v in row if isinstance(v, Formula)]
    texts += [v.text for row in run.plan.columns.block.values for v in row if isinstance(v, Formula)]
    assert len(texts) > 100
    spans = []
    for t in texts:
        assert not re.search(r"\$?[A-Z]+:\$?[A-Z]+\b", t), t  # whole-column reference
        assert not re.search(r"\b(COUNTIFS?|SUMIFS|MAXIFS|MINIFS)\([^)]*'", t), t  # no lookups into other sheets
        for a, b in re.findall(r"[A-Z]+\$?(\d+):[A-Z]+\$?(\d+)", t):
            spans.append(int(b) - int(a) + 1)
    assert spans and max(spans) <= longest
