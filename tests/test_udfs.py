"""The =SEG_* worksheet functions (xlseg.udfs), called as plain functions.

Inputs are what xlwings hands a UDF with ``ndim=2``: 2-D lists, numbers as
float, dates as datetime, empty cells as None. The last tests build the demo
workbook, classify it in file mode (what Reclassify writes) and assert every
function's array equals the column written into the user's sheet, cell for cell.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from xlseg import udfs
from xlseg.core import labels as L
from xlseg.plan.build import OUTPUT_KEYS

D = dt.datetime
HEAD = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend"]
# A customer sheet as xlwings passes it. Row 4 is blank, row 7 a totals row.
TABLE = [
    HEAD,
    ["C1", "Ann", D(2024, 6, 20), 12.0, 5000.0],
    ["C2", "Bob", D(2023, 1, 5), 2.0, 300.0],
    [None, None, None, None, None],
    ["C3", "Cy", D(2024, 5, 1), 5.0, 1200.0],
    ["C4", "Di", None, 0.0, 0.0],
    ["Total", None, None, 19.0, 6500.0],
    ["C5", "Ed", D(2024, 6, 30), 1.0, 80.0],
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    udfs.clear_cache()
    yield
    udfs.clear_cache()


def col(result):
    """[[v], [v], ...] -> [v, v, ...] (and fail on anything that is not a one-column array)."""
    assert isinstance(result, list) and all(isinstance(r, list) and len(r) == 1 for r in result), result
    return [r[0] for r in result]


# ------------------------------------------------------------------ shapes
def test_a_table_gives_one_value_per_row_below_the_header_blank_and_totals_rows_blank():
    tiers = col(udfs.SEG_TIER(TABLE))
    assert len(tiers) == len(TABLE) - 1
    assert tiers[2] == "" and tiers[5] == ""  # the blank row and the totals row
    assert udfs.SEG_TIER([HEAD, TABLE[1]]) == [["High value"]]  # one row: a 1 x 1 array


def test_one_id_gives_one_value_and_a_range_of_ids_keeps_its_shape():
    tiers = dict(zip(["C1", "C2", None, "C3", "C4", None, "C5"], col(udfs.SEG_TIER(TABLE))))
    assert udfs.SEG_TIER(TABLE, "C3") == tiers["C3"]
    assert udfs.SEG_TIER(TABLE, [["C3"]]) == tiers["C3"]  # a single cell arrives as [[v]] with ndim=2
    assert udfs.SEG_TIER(TABLE, [["C1", "C5"], [None, "C9"]]) == [
        [tiers["C1"], tiers["C5"]],
        ["", "#xlseg: no customer 'C9' in the table"],
    ]


def test_numeric_ids_match_as_excel_passes_them():
    table = [["Customer ID", "Last Purchase", "Orders", "Total Spend"],
             [1001.0, D(2024, 6, 1), 3.0, 500.0], [1002.0, D(2024, 1, 1), 1.0, 50.0]]
    assert udfs.SEG_RFM(table, 1001.0) == udfs.SEG_RFM(table, "1001") == col(udfs.SEG_RFM(table))[0]


def test_one_dimensional_lists_are_read_as_columns():
    # without ndim=2 xlwings would pass a one-column range as a flat list
    assert udfs.SEG_TIER(TABLE, ["C1", "C3"]) == [[udfs.SEG_TIER(TABLE, "C1")], [udfs.SEG_TIER(TABLE, "C3")]]


# ------------------------------------------------------------------ values
# as_of = 2024-06-30 (latest purchase). Buyers C1, C2, C3, C5 (n = 4); C4 is a prospect.
# score = 1 + floor(5 * (rank_min - 1) / 4), worst rank 1:     R (days)  F    M      -> R F M
#   C1 10 days, 12 orders, 5000                              rank 3    4    4      -> 3 4 4
#   C2 542 days, 2 orders, 300                               rank 1    2    2      -> 1 2 2
#   C3 60 days, 5 orders, 1200                               rank 2    3    3      -> 2 3 3
#   C5 0 days, 1 order, 80                                   rank 4    1    1      -> 4 1 1
# ABC of 6580: C1 76 % -> A, C3 crosses 80 % -> A, C2 crosses 95 % -> B, C5 -> C.
# Segments from the R x F grid; C5 is C but Promising -> Potential. C2: 542 days > 365 -> Lost.
EXPECTED = {
    "R": [3, 1, "", 2, "", "", 4],
    "F": [4, 2, "", 3, "", "", 1],
    "M": [4, 2, "", 3, "", "", 1],
    "SEG_RFM": ["344", "122", "", "233", "", "", "411"],
    "SEG_SEGMENT": ["Loyal Customers", "Hibernating", "", "At Risk", "", "", "Promising"],
    "SEG_TIER": ["High value", "Medium value", "", "High value", "", "", "Potential"],
    "SEG_ABC": ["A", "B", "", "A", "", "", "C"],
    "SEG_STAGE": ["Active", "Lost", "", "Active", "Prospect", "", "Active"],
    "SEG_TAGS": ["VIP", "", "", "", "", "", ""],
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_every_function_over_a_hand_made_table(name):
    got = udfs.SEG_SCORE(TABLE, name) if len(name) == 1 else getattr(udfs, name)(TABLE)
    assert col(got) == EXPECTED[name]


def test_metric_words():
    assert udfs.SEG_SCORE(TABLE, "recency") == udfs.SEG_SCORE(TABLE, "r") == udfs.SEG_SCORE(TABLE, " R ")


def test_explain_gives_the_why_text():
    why = udfs.SEG_EXPLAIN(TABLE, "C2")
    assert why.startswith("R 1: last purchase 542 days ago") and "Stage Lost: 542 days since last purchase > 365." \
        in why
    assert udfs.SEG_EXPLAIN(TABLE, "C4") == col(udfs.SEG_EXPLAIN(TABLE))[4]


def test_lang_zh_gives_chinese_labels():
    assert udfs.SEG_STAGE(TABLE, "C4", lang="zh") == L.label(L.STAGES, "prospect", "zh") == "潜在客户"
    assert udfs.SEG_STAGE(TABLE, "C4", lang="中文") == "潜在客户"


@pytest.mark.parametrize("as_of", [D(2025, 6, 30), dt.date(2025, 6, 30), 45838.0, "2025-06-30", "2025/6/30",
                                   "2025年6月30日"])
def test_as_of_accepts_a_date_a_serial_number_and_text(as_of):
    # a year after the last purchase: C1 (2024-06-20) is then 375 days away -> Lost
    assert udfs.SEG_STAGE(TABLE, "C1", as_of=as_of) == "Lost"


def test_as_of_today_and_blank():
    assert udfs.SEG_STAGE(TABLE, "C1", as_of="") == udfs.SEG_STAGE(TABLE, "C1") == "Active"
    assert udfs.SEG_STAGE(TABLE, "C1", as_of="today") in ("Active", "Churn Warning", "Lost")


# ------------------------------------------------------------------ errors: one readable string, never raise
@pytest.mark.parametrize("call, message", [
    (lambda: udfs.SEG_TIER(TABLE, as_of="soon"),
     "#xlseg: as_of is not a date: 'soon'. Use a date, YYYY-MM-DD, \"today\", or leave it blank for the latest "
     "purchase date."),
    (lambda: udfs.SEG_TIER(TABLE, as_of=-3.0),
     "#xlseg: as_of is not a date: -3.0. Use a date, YYYY-MM-DD, \"today\", or leave it blank for the latest "
     "purchase date."),
    (lambda: udfs.SEG_TIER(TABLE, as_of=True),
     "#xlseg: as_of is not a date: True. Use a date, YYYY-MM-DD, \"today\", or leave it blank for the latest "
     "purchase date."),
    (lambda: udfs.SEG_TIER(TABLE, lang="fr"), "#xlseg: lang is 'fr'. Use \"en\" or \"zh\", or leave it blank."),
    (lambda: udfs.SEG_SCORE(TABLE, "X"),
     "#xlseg: metric is 'X'. Use \"R\" (recency), \"F\" (frequency) or \"M\" (monetary)."),
    (lambda: udfs.SEG_SCORE(TABLE, None),
     "#xlseg: metric is None. Use \"R\" (recency), \"F\" (frequency) or \"M\" (monetary)."),
    (lambda: udfs.SEG_TIER(None), "#xlseg: table is empty. Give a range with a header row, e.g. Customers!A1:L2001."),
    (lambda: udfs.SEG_TIER([[None, None], [None, None]]),
     "#xlseg: The table range is empty. Put one customer per row under a header row (e.g. Customer ID, Name, "
     "Last Purchase, Orders, Total Spend)."),
    (lambda: udfs.SEG_TIER([["Colour", "Size"], ["red", 2.0]]),
     "#xlseg: The table range: no customer-id column. Found headers: Colour, Size. Name the id column one of: "
     "Customer ID, CustomerID, ..."),
    (lambda: udfs.SEG_TIER(42.0),
     "#xlseg: The table range: no header row found in the first 20 rows. The header needs a customer-id column "
     "such as 'Customer ID' or '客户编号'."),
    (lambda: udfs.SEG_TIER([HEAD]),
     "#xlseg: The table range has headers but no customer rows. Add customers below the header row."),
])
def test_bad_arguments_return_one_readable_string(call, message):
    got = call()
    if message.endswith("..."):  # the engine's long list of accepted headers: pinned by its own tests
        assert got.startswith(message[:-3]), got
    else:
        assert got == message


def test_an_unexpected_error_is_a_string_too(monkeypatch):
    def boom(*_a, **_k):
        raise KeyError("x")

    monkeypatch.setattr(udfs, "classify", boom)
    assert udfs.SEG_TIER(TABLE) == ("#xlseg: unexpected error (KeyError: 'x'). Please report it with your "
                                    "workbook.")


# ------------------------------------------------------------------ cache
def test_seven_functions_over_one_table_classify_it_once(monkeypatch):
    calls = []
    real = udfs.classify

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(udfs, "classify", counting)
    copy = [list(r) for r in TABLE]  # Excel hands every call a fresh list
    for f in (udfs.SEG_RFM, udfs.SEG_SEGMENT, udfs.SEG_TIER, udfs.SEG_ABC, udfs.SEG_STAGE, udfs.SEG_TAGS):
        f(TABLE)
        f(copy, "C1")
    udfs.SEG_SCORE(copy, "M")
    assert len(calls) == 1
    udfs.SEG_TIER(TABLE, as_of="2025-06-30")  # another as_of is another classification
    udfs.SEG_TIER(TABLE, lang="zh")
    copy[1][4] = 9999.0  # an edited cell too
    udfs.SEG_TIER(copy)
    assert len(calls) == 4


# ------------------------------------------------------------------ special tables
def test_xlseg_columns_at_the_right_of_the_range_are_ignored():
    plain = col(udfs.SEG_SEGMENT(TABLE))
    heads = [L.header(k, "en") for k in OUTPUT_KEYS]
    wide = [TABLE[0] + heads] + [r + ["junk"] * len(heads) for r in TABLE[1:]]
    udfs.clear_cache()
    assert col(udfs.SEG_SEGMENT(wide)) == plain


def test_an_order_table_alone_gives_each_order_rows_customer_value():
    orders = [["Customer ID", "Order Date", "Amount"],
              ["A", D(2024, 1, 5), 100.0], [None, None, None], ["B", D(2024, 3, 1), 900.0],
              ["A", D(2024, 6, 1), 50.0], [None, None, None]]
    tiers = col(udfs.SEG_TIER(orders))
    assert len(tiers) == 4  # to the last order row, as Reclassify reads a table
    assert tiers[0] == tiers[3] == udfs.SEG_TIER(orders, "A") and tiers[1] == ""
    # A bought twice, B once: among 2 buyers F = 1 + floor(5 * (rank - 1) / 2) -> 3 and 1
    assert col(udfs.SEG_SCORE(orders, "F")) == [3, "", 1, 3]


def test_orders_argument_supplies_the_metrics():
    customers = [["Customer ID", "Name"], ["A", "Ann"], ["B", "Bob"], ["C", "Cy"]]
    orders = [["Customer ID", "Order Date", "Amount"],
              ["A", D(2024, 1, 5), 100.0], ["B", D(2024, 3, 1), 900.0], ["A", D(2024, 6, 1), 50.0]]
    # as_of = the latest purchase, 2024-06-01: B bought 92 days before (not New, not yet Churn Warning)
    assert col(udfs.SEG_STAGE(customers, None, orders)) == ["Active", "Active", "Prospect"]
    assert col(udfs.SEG_SCORE(customers, "F", None, orders)) == [3, 1, ""]


# ------------------------------------------------------------------ equal to what Reclassify writes
def _excel_values(rows):
    """openpyxl values as xlwings passes them: every number a float."""
    return [[float(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in r] for r in rows]


def _written(ws, header_row: int, lang: str) -> dict:
    """xlseg's columns in the user's sheet, by output key: values of the rows below the header."""
    header = [c.value for c in ws[header_row]]
    out = {}
    for key in OUTPUT_KEYS:
        c = header.index(L.header(key, lang))
        out[key] = [r[0] for r in ws.iter_rows(min_row=header_row + 1, min_col=c + 1, max_col=c + 1,
                                               values_only=True)]
    return out


UDF_OF = {
    "r_score": lambda *a: udfs.SEG_SCORE(a[0], "R", *a[1:]),
    "f_score": lambda *a: udfs.SEG_SCORE(a[0], "F", *a[1:]),
    "m_score": lambda *a: udfs.SEG_SCORE(a[0], "M", *a[1:]),
    "rfm": udfs.SEG_RFM, "segment": udfs.SEG_SEGMENT, "value_tier": udfs.SEG_TIER, "stage": udfs.SEG_STAGE,
    "tags": udfs.SEG_TAGS, "why": udfs.SEG_EXPLAIN,
}


def _check_equal(run, path, lang, *, include_xlseg_columns=False, settings=False):
    wb = openpyxl.load_workbook(path)
    customer_sheet, order_sheet = ("客户名单", "订单") if lang == "zh" else ("Customer List", "Orders")
    ws = wb[customer_sheet]
    n_cols = ws.max_column if include_xlseg_columns else 12  # A:L is the demo's own table
    table = _excel_values(ws.iter_rows(max_col=n_cols, values_only=True))
    orders = _excel_values(wb[order_sheet].iter_rows(values_only=True))
    sett = _excel_values(wb["Settings" if lang == "en" else "设置"].iter_rows(values_only=True)) if settings else None
    written = _written(ws, 1, lang)
    checked = 0
    for key, f in UDF_OF.items():
        if key not in written:
            continue
        got = col(f(table, None, orders, None, lang, sett))
        want = ["" if v is None else v for v in written[key]]
        if key == "why":  # an array holds no text over 255 characters (Excel's #VALUE!): see udfs.fit_text
            assert all(len(v) <= 255 for v in got)
            full = {v for v in want if len(v) > 255}
            want = [udfs.fit_text(v) for v in want]
            assert not full or any(v in full for v in
                                   (udfs.SEG_EXPLAIN(table, r[0], orders, None, lang, sett) for r in table[1:60]))
        assert len(want) >= len(got) and all(v == "" for v in want[len(got):]), key
        assert got == want[:len(got)], key
        checked += 1
    assert checked >= 8
    # ABC is not written into the user's sheet: compare with the run's result, row by row.
    by_id = run.result.customers.set_index("customer_id")["abc"]
    ids = run.result.row_ids
    got = col(udfs.SEG_ABC(table, None, orders, None, lang, sett))
    want = [by_id.get(ids.get(i)) for i in range(2, 2 + len(got))]
    want = ["" if v is None or v != v else v for v in want]
    assert got == want
    # and one id at a time gives that row's value
    for r in (2, 3, 50, len(got)):
        cid = ws.cell(r, 1).value
        if cid is None:
            continue
        assert udfs.SEG_TIER(table, cid, orders, None, lang, sett) == (written["value_tier"][r - 2] or "")
    return len(got)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """lang -> (FileRun, path): the demo workbook (300 customers, messy), classified in file mode."""
    from xlseg.demo import make_demo

    made = {}

    def get(lang):
        if lang not in made:
            path = tmp_path_factory.mktemp(f"demo_{lang}") / "demo.xlsx"
            made[lang] = (make_demo(path, n_customers=300, lang=lang, generated="fixed"), path)
        return made[lang]

    return get


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_udfs_equal_what_reclassify_writes(demo, lang):
    run, path = demo(lang)
    rows = _check_equal(run, path, lang)
    assert rows >= 300  # every customer row, plus the planted blank and totals rows
    udfs.clear_cache()
    assert _check_equal(run, path, lang, include_xlseg_columns=True) == rows


def test_udfs_with_the_settings_range_equal_a_rerun_with_edited_settings(demo, tmp_path):
    import shutil

    from xlseg.filemode.run import classify_file

    path = tmp_path / "demo.xlsx"
    shutil.copy(demo("en")[1], path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    edits = {"segment_scheme": "rfm8", "abc_a": "70%", "as_of": D(2026, 12, 31)}
    for row in ws.iter_rows():
        if row[0].value in edits:
            row[1].value = edits.pop(row[0].value)
    assert not edits
    wb.save(path)
    run = classify_file(path, path, generated="fixed")
    assert run.result.config.segment_scheme == "rfm8"
    _check_equal(run, path, "en", settings=True)


def test_a_customer_table_without_purchase_columns_says_why_instead_of_blanks():
    table = [["Customer ID", "Name"], ["A", "Ann"], ["B", "Bob"]]
    assert udfs.SEG_TIER(table) == (
        "#xlseg: No last-purchase or recency column: recency, R scores, segments and stages were skipped. No order-count "
        "column: F scores and segments were skipped. No spend column: M scores and value tiers were skipped. If "
        "the purchases are on an order sheet, give it as the third argument, e.g. =SEG_TIER(Customers!A1:L2001, "
        ", Orders!A1:D9000).")
    assert udfs.SEG_STAGE(table) == [["Prospect"], ["Prospect"]]  # not a metric column: as Reclassify writes it
    assert udfs.SEG_TIER(table, "A") == ""


def test_the_cache_tells_true_from_one():
    """TRUE, 1 and 1.0 are equal in Python; as table contents they are different tables (issue 13)."""
    base = [["Customer ID", "Orders", "Total Spend", "VIP"], ["A", 3.0, 100.0, None], ["B", 1.0, 900.0, None]]
    tables = []
    for flag in (True, 1.0, 1):
        t = [list(r) for r in base]
        t[1][3] = flag
        tables.append(t)
    for t in tables:
        udfs.SEG_TIER(t)
    assert len(udfs._cache) == 3
    udfs.SEG_TIER([list(r) for r in tables[0]])  # the same contents again: a hit
    assert len(udfs._cache) == 3


def test_an_all_empty_argument_is_not_given():
    assert udfs.SEG_TIER(TABLE, [[None]], [[None, None]], None, None, [[None], [""]]) == udfs.SEG_TIER(TABLE)


def test_fit_text_leaves_out_details_then_cuts_at_a_sentence():
    short = "R 2: last purchase 315 days ago (<= 315). F 5: 19 purchase(s) (>= 7)."
    assert udfs.fit_text(short) == short
    assert udfs.fit_text(short, 60) == "R 2: last purchase 315 days ago. F 5: 19 purchase(s)."
    assert udfs.fit_text("One. Two two two. Three three three three.", 30) == "One. Two two two.…"
