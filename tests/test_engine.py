"""classify(): hand-made sheets with exact results, issues and notes, languages, row order, and CDNOW."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.engine import RESULT_COLUMNS, classify
from xlseg.errors import InputError

NAN = np.nan
ISSUE_COLUMNS = ["sheet", "row", "column", "value", "problem", "action"]
AS_OF = dt.date(2024, 12, 31)


def plain(series) -> dict:
    """id -> value, every kind of missing as None (pandas 3 keeps text as str with NaN for missing)."""
    return {k: (None if pd.isna(v) else v) for k, v in series.items()}


def by_id(res, column):
    return plain(res.customers.set_index("customer_id")[column])


def sheet(rows, columns, start=2):
    """A frame as read from a sheet: index = the sheet row numbers, starting below the header row."""
    return pd.DataFrame(rows, columns=columns, index=range(start, start + len(rows)))


# ---------------------------------------------------------------- a small transaction sheet
# id  purchases (date amount)                               recency F  M     R F M (rank)  (cuts)
# a   2024-12-31 10                                         0       1  10    5 1 1         5 1 1
# b   2024-12-01 10, 2024-12-21 10                          10      2  20    4 3 2         5 2 1
# c   2024-10-01 10, 2024-10-02 10, 2024-10-03 10           89      3  30    3 4 3         4 3 1
#     (segments by rank: a New Customers, b Potential Loyalists, c Loyal Customers, d Hibernating,
#      e Can't Lose Them; stages: a, b new; c churn warning by its own 1-day gap; d churn warning; e lost)
# d   2024-01-01 100                                        365     1  100   2 1 4         2 1 2
# e   2023-01-01 .. 2023-01-05, 200 each                    726     5  1000  1 5 5         1 4 4
# a   2025-01-05 999  (after as_of 2024-12-31: not counted when as_of is explicit)
TX = sheet(
    [("a", "2024-12-31", 10), ("b", "2024-12-01", 10), ("b", "2024-12-21", 10),
     ("c", "2024-10-01", 10), ("c", "2024-10-02", 10), ("c", "2024-10-03", 10), ("d", "2024-01-01", 100)]
    + [("e", f"2023-01-0{k}", 200) for k in range(1, 6)],
    ["Customer ID", "Date", "Amount"],
)
LATE = sheet([("a", "2025-01-05", 999)], ["Customer ID", "Date", "Amount"], start=14)


def test_result_shape_and_issue_columns():
    res = classify(transactions=TX, config=Config(default_tags=False))
    assert list(res.customers.columns[:len(RESULT_COLUMNS)]) == RESULT_COLUMNS
    assert {"is_buyer", "source_row"} <= set(res.customers.columns)
    assert list(res.issues.columns) == ISSUE_COLUMNS
    assert len(res.issues) == 0
    assert res.customers["customer_id"].tolist() == ["a", "b", "c", "d", "e"]
    assert res.transaction_columns == {"customer_id": "Customer ID", "date": "Date", "amount": "Amount"}
    assert res.customer_columns == {}
    assert res.row_ids is None


def test_as_of_defaults_to_the_latest_purchase():
    res = classify(transactions=TX, config=Config(default_tags=False))
    assert res.as_of == pd.Timestamp("2024-12-31")
    assert by_id(res, "recency") == {"a": 0.0, "b": 10.0, "c": 89.0, "d": 365.0, "e": 726.0}
    # the same sheet classified twice gives the same as_of (not today's date)
    assert classify(transactions=TX, config=Config(default_tags=False)).as_of == res.as_of


def test_as_of_default_moves_with_later_transactions():
    res = classify(transactions=pd.concat([TX, LATE]), config=Config(default_tags=False))
    assert res.as_of == pd.Timestamp("2025-01-05")
    assert by_id(res, "monetary")["a"] == 1009.0
    assert len(res.issues) == 0


def test_explicit_as_of_excludes_later_transactions_and_logs_it():
    res = classify(transactions=pd.concat([TX, LATE]), config=Config(as_of=AS_OF, default_tags=False))
    assert res.as_of == pd.Timestamp("2024-12-31")
    assert by_id(res, "monetary")["a"] == 10.0
    assert by_id(res, "frequency")["a"] == 1.0
    assert by_id(res, "recency")["a"] == 0.0
    assert res.issues.to_dict("records") == [{
        "sheet": "Transactions", "row": 14, "column": "Date", "value": "2025-01-05",
        "problem": "dated after as_of 2024-12-31", "action": "not counted (a customer with no earlier line is a Prospect)",
    }]


def test_scores_rank_and_cut_points_table():
    res = classify(transactions=TX, config=Config(as_of=AS_OF, default_tags=False))
    assert by_id(res, "r_score") == {"a": 5, "b": 4, "c": 3, "d": 2, "e": 1}
    assert by_id(res, "f_score") == {"a": 1, "b": 3, "c": 4, "d": 1, "e": 5}
    assert by_id(res, "m_score") == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    assert by_id(res, "rfm") == {"a": "511", "b": "432", "c": "343", "d": "214", "e": "155"}
    assert by_id(res, "segment_key") == {"a": "new_customers", "b": "potential_loyalists", "c": "loyal_customers",
                                         "d": "hibernating", "e": "cant_lose_them"}
    assert [tuple(None if pd.isna(v) else v for v in r) for r in res.cut_points.itertuples(index=False)] == [
        # metric score customers min max cut rule
        ("R", 1, 1, 726.0, 726.0, 726.0, "<= 726"),
        ("R", 2, 1, 365.0, 365.0, 365.0, "<= 365"),
        ("R", 3, 1, 89.0, 89.0, 89.0, "<= 89"),
        ("R", 4, 1, 10.0, 10.0, 10.0, "<= 10"),
        ("R", 5, 1, 0.0, 0.0, 0.0, "<= 0"),
        ("F", 1, 2, 1.0, 1.0, 1.0, ">= 1"),
        ("F", 2, 0, None, None, None, ""),
        ("F", 3, 1, 2.0, 2.0, 2.0, ">= 2"),
        ("F", 4, 1, 3.0, 3.0, 3.0, ">= 3"),
        ("F", 5, 1, 5.0, 5.0, 5.0, ">= 5"),
        ("M", 1, 1, 10.0, 10.0, 10.0, ">= 10"),
        ("M", 2, 1, 20.0, 20.0, 20.0, ">= 20"),
        ("M", 3, 1, 30.0, 30.0, 30.0, ">= 30"),
        ("M", 4, 1, 100.0, 100.0, 100.0, ">= 100"),
        ("M", 5, 1, 1000.0, 1000.0, 1000.0, ">= 1,000"),
    ]


def test_scores_cuts_and_cut_points_table():
    res = classify(transactions=TX, config=Config(as_of=AS_OF, default_tags=False, score_method="cuts"))
    assert by_id(res, "rfm") == {"a": "511", "b": "521", "c": "431", "d": "212", "e": "144"}
    assert [tuple(None if pd.isna(v) else v for v in r) for r in res.cut_points.itertuples(index=False)] == [
        # metric score customers min max cut rule
        ("R", 1, 1, 726.0, 726.0, None, "> 365"),
        ("R", 2, 1, 365.0, 365.0, 365.0, "<= 365"),
        ("R", 3, 0, None, None, 180.0, "<= 180"),
        ("R", 4, 1, 89.0, 89.0, 90.0, "<= 90"),
        ("R", 5, 2, 0.0, 10.0, 30.0, "<= 30"),
        ("F", 1, 2, 1.0, 1.0, None, "< 2"),
        ("F", 2, 1, 2.0, 2.0, 2.0, ">= 2"),
        ("F", 3, 1, 3.0, 3.0, 3.0, ">= 3"),
        ("F", 4, 1, 5.0, 5.0, 5.0, ">= 5"),
        ("F", 5, 0, None, None, 10.0, ">= 10"),
        ("M", 1, 3, 10.0, 30.0, None, "< 100"),
        ("M", 2, 1, 100.0, 100.0, 100.0, ">= 100"),
        ("M", 3, 0, None, None, 500.0, ">= 500"),
        ("M", 4, 1, 1000.0, 1000.0, 1000.0, ">= 1,000"),
        ("M", 5, 0, None, None, 5000.0, ">= 5,000"),
    ]


def test_value_tiers_and_stages_of_the_small_sheet():
    res = classify(transactions=TX, config=Config(as_of=AS_OF, default_tags=False))
    # spend 1000, 100, 30, 20, 10 of 1160: e (0) A, d (.862) B, c (.948) B, b (.974) C, a C
    assert by_id(res, "abc") == {"a": "C", "b": "C", "c": "B", "d": "B", "e": "A"}
    # a (New Customers) and b (Potential Loyalists) are C customers in potential segments
    assert by_id(res, "tier_key") == {"a": "potential", "b": "potential", "c": "medium", "d": "medium", "e": "high"}
    # c: 3 purchases one day apart (mean gap 1), silent for 89 days > 2 x 1 -> churn warning
    assert by_id(res, "stage_key") == {"a": "new", "b": "new", "c": "churn_warning", "d": "churn_warning",
                                       "e": "lost"}


# ---------------------------------------------------------------- rules through the engine
def test_refunds_net_out_and_are_not_purchases():
    # r: bought 100 on 2024-01-01, refunded 30 on 2024-03-01 (the refund is not the last purchase)
    # z: only a refund -> a prospect
    tx = sheet([("r", "2024-01-01", 100), ("r", "2024-03-01", -30), ("z", "2024-02-01", -5),
                ("q", "2024-02-15", 50)], ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert res.as_of == pd.Timestamp("2024-02-15")   # the refund date is not a purchase date
    assert by_id(res, "monetary") == {"r": 70.0, "z": -5.0, "q": 50.0}
    assert by_id(res, "frequency") == {"r": 1.0, "z": 0.0, "q": 1.0}
    assert by_id(res, "last_purchase") == {"r": pd.Timestamp("2024-01-01"), "z": None,
                                           "q": pd.Timestamp("2024-02-15")}
    assert by_id(res, "recency") == {"r": 45.0, "z": None, "q": 0.0}
    assert by_id(res, "stage_key") == {"r": "new", "z": "prospect", "q": "new"}
    assert by_id(res, "segment_key")["z"] is None
    action = "counted as a refund: netted out of the customer's spend, not counted as a purchase"
    assert res.issues.to_dict("records") == [
        {"sheet": "Transactions", "row": 3, "column": "Amount", "value": -30.0, "problem": "negative amount",
         "action": action},
        {"sheet": "Transactions", "row": 4, "column": "Amount", "value": -5.0, "problem": "negative amount",
         "action": action},
    ]


def test_frequency_is_distinct_days_without_order_ids():
    # three lines on one day and one on another: 2 purchases
    tx = sheet([("a", "2024-01-01", 1), ("a", "2024-01-01", 2), ("a", "2024-01-01", 3), ("a", "2024-01-09", 4)],
               ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert by_id(res, "frequency") == {"a": 2.0}
    assert by_id(res, "avg_order_value") == {"a": 5.0}


def test_frequency_is_distinct_order_ids_with_an_order_id_column():
    # orders 1001 (2 lines) and 1002 on one day, 1003 on another: 3 purchases; 'days' basis says 2
    tx = sheet([("a", "2024-01-01", 1, "1001"), ("a", "2024-01-01", 2, "1001"), ("a", "2024-01-01", 3, "1002"),
                ("a", "2024-01-09", 4, "1003")], ["Customer ID", "Date", "Amount", "Order ID"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert res.transaction_columns["order_id"] == "Order ID"
    assert by_id(res, "frequency") == {"a": 3.0}
    days = classify(transactions=tx, config=Config(default_tags=False, frequency_basis="days"))
    assert by_id(days, "frequency") == {"a": 2.0}


def test_one_customer():
    tx = sheet([("solo", "2024-05-05", 42)], ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    row = res.customers.iloc[0]
    assert (row["recency"], row["frequency"], row["monetary"]) == (0.0, 1.0, 42.0)
    # one buyer: rank 1 of 1 -> every score 1
    assert (row["r_score"], row["f_score"], row["m_score"], row["rfm"]) == (1, 1, 1, "111")
    assert (row["segment_key"], row["abc"], row["tier_key"], row["stage_key"]) == ("hibernating", "A", "high", "new")


def test_all_values_equal():
    # four customers, identical history: equal values, equal everything
    tx = sheet([(cid, d, 25) for cid in "wxyz" for d in ("2024-01-01", "2024-03-01")],
               ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    out = res.customers.drop(columns=["customer_id"])
    assert (out.nunique(dropna=False) <= 1).all()
    assert res.customers["rfm"].tolist() == ["111"] * 4
    assert res.customers["abc"].tolist() == ["A"] * 4
    rfm8 = classify(transactions=tx, config=Config(default_tags=False, segment_scheme="rfm8"))
    assert rfm8.customers["segment_key"].tolist() == ["general_winback"] * 4


def test_ties_always_get_equal_scores():
    # b and c tie on every metric; d ties with b on spend only
    tx = sheet([("a", "2024-01-01", 5), ("b", "2024-02-01", 20), ("c", "2024-02-01", 20), ("d", "2024-01-15", 20),
                ("e", "2024-03-01", 99)], ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    r, m = by_id(res, "r_score"), by_id(res, "m_score")
    assert r["b"] == r["c"]
    assert m["b"] == m["c"] == m["d"]
    assert by_id(res, "abc")["b"] == by_id(res, "abc")["c"] == by_id(res, "abc")["d"]


def test_no_buyers_at_all_everyone_is_a_prospect():
    tx = sheet([("a", "2024-01-01", -10), ("b", "2024-01-02", -20)], ["Customer ID", "Date", "Amount"])
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert res.as_of is None
    assert by_id(res, "stage_key") == {"a": "prospect", "b": "prospect"}
    assert by_id(res, "stage") == {"a": "Prospect", "b": "Prospect"}
    for col in ("r_score", "f_score", "m_score", "rfm", "segment_key", "abc", "tier_key", "value_tier"):
        assert set(by_id(res, col).values()) == {None}, col
    assert res.cut_points["customers"].tolist() == [0] * 15


def test_no_buyers_on_a_customer_sheet():
    cust = sheet([("a", None, 0, 0), ("b", None, 0, 0)], ["Customer ID", "Last Purchase", "Orders", "Total Spend"])
    res = classify(customers=cust, config=Config(default_tags=False))
    assert by_id(res, "stage_key") == {"a": "prospect", "b": "prospect"}
    assert set(by_id(res, "segment_key").values()) == {None}


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_row_order_never_matters(seed):
    rows = pd.concat([TX, sheet([("b", "2024-12-21", -5), ("f", "2024-06-30", 0.1), ("f", "2024-07-01", 0.2),
                                 ("g", "2024-06-30", 0.3)], ["Customer ID", "Date", "Amount"], start=20)])
    cfg = Config(default_tags=True)
    base = classify(transactions=rows, config=cfg).customers.set_index("customer_id").sort_index()
    shuffled = rows.sample(frac=1, random_state=seed)
    got = classify(transactions=shuffled, config=cfg).customers.set_index("customer_id").sort_index()
    pd.testing.assert_frame_equal(got, base)
    # f spent 0.1 + 0.2 and g spent 0.3: equal spend, equal M score and class
    assert base.loc["f", "monetary"] == base.loc["g", "monetary"]
    assert base.loc["f", "m_score"] == base.loc["g", "m_score"]


# ---------------------------------------------------------------- customer sheet + transactions
CUSTOMERS = sheet([("a", "Ann", "2024-01-01", 1), ("b", "Bob", "2024-02-01", 2), ("a", "Ann again", "2024-03-01", 3),
                   ("a", "Ann 3", None, 4)], ["Customer ID", "Name", "Last Purchase", "Total Spend"])


def test_duplicate_ids_reported_once_per_extra_row():
    res = classify(customers=CUSTOMERS, config=Config(default_tags=False))
    action = "classified once, from row 2; this row gets the same result"
    assert res.issues.to_dict("records") == [
        {"sheet": "Customers", "row": 4, "column": "Customer ID", "value": "a",
         "problem": "duplicate customer id (first on row 2)", "action": action},
        {"sheet": "Customers", "row": 5, "column": "Customer ID", "value": "a",
         "problem": "duplicate customer id (first on row 2)", "action": action},
    ]
    assert res.customers["customer_id"].tolist() == ["a", "b"]
    assert by_id(res, "name") == {"a": "Ann", "b": "Bob"}
    assert by_id(res, "source_row") == {"a": 2, "b": 3}
    assert res.row_ids.to_dict() == {2: "a", 3: "b", 4: "a", 5: "a"}


@pytest.mark.parametrize("ids, kept", [
    (["a", " a ", "b", "Ａ", "ａ"], ["a", "b", "A"]),    # equal once cleaned (NFKC: full-width ａ is a)
    (["1001", 1001, 1001.0, "x"], ["1001", "x"]),        # a number and its text are one id
])
def test_duplicates_found_after_cleaning_and_across_types(ids, kept):
    cust = sheet([(cid, 10.0 * (i + 1)) for i, cid in enumerate(ids)], ["Customer ID", "Total Spend"])
    res = classify(customers=cust, config=Config(default_tags=False))
    assert res.customers["customer_id"].tolist() == kept
    dup_rows = [r["row"] for r in res.issues.to_dict("records") if r["problem"].startswith("duplicate")]
    assert len(dup_rows) == len(ids) - len(kept)


def test_customer_sheet_without_orders_column_skips_f_and_segments():
    res = classify(customers=CUSTOMERS, config=Config(default_tags=False))
    assert res.notes == ["No order-count column: F scores and segments were skipped.",
                         "Predicted value (P(alive), expected purchases, CLV) skipped: no purchase history (it needs first and "
                         "last purchase dates and a purchase count per customer, or order lines)."]
    assert set(by_id(res, "f_score").values()) == {None}
    assert set(by_id(res, "segment_key").values()) == {None}
    assert set(by_id(res, "segment").values()) == {None}
    # R and M are still scored; stages still work
    assert by_id(res, "r_score") == {"a": 1, "b": 3}
    assert by_id(res, "m_score") == {"a": 1, "b": 3}
    assert by_id(res, "stage_key") == {"a": "active", "b": "active"}


def test_customer_sheet_without_dates_or_spend_notes():
    cust = sheet([("a", 3), ("b", 0)], ["Customer ID", "Orders"])
    res = classify(customers=cust, config=Config(default_tags=False))
    assert res.notes == ["No last-purchase or recency column: recency, R scores, segments and stages were skipped.",
                         "No spend column: M scores and value tiers were skipped.",
                         "Predicted value (P(alive), expected purchases, CLV) skipped: no purchase history (it needs first and "
                         "last purchase dates and a purchase count per customer, or order lines)."]
    assert by_id(res, "f_score") == {"a": 1, "b": None}  # the only buyer: rank 1 of 1
    assert by_id(res, "stage_key") == {"a": None, "b": "prospect"}
    assert res.issues.to_dict("records") == []


def test_customers_only_in_transactions_are_reported_and_classified():
    tx = sheet([("a", "2024-01-01", 1), ("c", "2024-01-01", 2), ("c", "2024-01-02", 3), ("d", "2024-01-01", 4)],
               ["Customer ID", "Date", "Amount"])
    res = classify(customers=CUSTOMERS.iloc[:2], transactions=tx, config=Config(default_tags=False))
    action = "classified from its transactions; listed on the Customers sheet only"
    assert res.issues.to_dict("records") == [
        {"sheet": "Transactions", "row": 3, "column": "Customer ID", "value": "c",
         "problem": "customer id not on sheet 'Customers'", "action": action},
        {"sheet": "Transactions", "row": 5, "column": "Customer ID", "value": "d",
         "problem": "customer id not on sheet 'Customers'", "action": action},
    ]
    assert res.customers["customer_id"].tolist() == ["a", "b", "c", "d"]
    assert by_id(res, "source_row") == {"a": 2, "b": 3, "c": None, "d": None}
    assert by_id(res, "frequency") == {"a": 1.0, "b": 0.0, "c": 2.0, "d": 1.0}
    assert by_id(res, "stage_key")["b"] == "prospect"
    assert res.notes == [
        "'Total Spend' on sheet 'Customers' was not used: the metrics come from the transactions on sheet "
        "'Transactions'.",
        "'Last Purchase' on sheet 'Customers' was not used: the metrics come from the transactions on sheet "
        "'Transactions'.",
        "Predicted value (P(alive), expected purchases, CLV) skipped: 3 customers with a purchase history, 1 of "
        "them bought more than once; the BG/NBD model needs at least 20 customers and 10 repeat buyers.",
    ]


def test_other_sheet_names_appear_in_issues():
    tx = sheet([("a", "2024-01-01", 1), ("c", "2024-01-01", 2)], ["客户编号", "日期", "金额"])
    cust = sheet([("a",)], ["客户编号"])
    res = classify(customers=cust, transactions=tx, config=Config(default_tags=False),
                   customer_sheet="客户", transaction_sheet="订单")
    assert res.issues[["sheet", "row", "column", "value", "problem"]].to_dict("records") == [
        {"sheet": "订单", "row": 3, "column": "客户编号", "value": "c", "problem": "customer id not on sheet '客户'"},
    ]


# ---------------------------------------------------------------- languages
def test_zh_labels_come_from_labels_py():
    en = classify(transactions=TX, config=Config(as_of=AS_OF, default_tags=False))
    zh = classify(transactions=TX, config=Config(as_of=AS_OF, default_tags=False, lang="zh"))
    assert by_id(zh, "segment_key") == by_id(en, "segment_key")
    for key_col, word_col, table in (("segment_key", "segment", L.SEGMENTS), ("tier_key", "value_tier", L.TIERS),
                                     ("stage_key", "stage", L.STAGES)):
        keys = by_id(zh, key_col)
        assert by_id(zh, word_col) == {cid: table[k][1] for cid, k in keys.items()}
        assert by_id(en, word_col) == {cid: table[k][0] for cid, k in keys.items()}
    # and spelled out, so a change to labels.py is noticed
    assert by_id(zh, "segment") == {"a": "新客户", "b": "潜力客户", "c": "忠诚客户", "d": "沉睡客户", "e": "不能失去"}
    assert by_id(zh, "value_tier") == {"a": "潜力", "b": "潜力", "c": "一般价值", "d": "一般价值", "e": "高价值"}
    assert by_id(zh, "stage") == {"a": "新客户", "b": "新客户", "c": "流失预警", "d": "流失预警", "e": "流失客户"}


def test_chinese_headers_are_recognised():
    tx = sheet([("a", "2024-01-01", "¥1,000"), ("a", "2024-01-05", "200")], ["客户编号", "交易日期", "实付金额"])
    res = classify(transactions=tx, config=Config(default_tags=False, lang="zh"))
    assert by_id(res, "monetary") == {"a": 1200.0}
    assert by_id(res, "frequency") == {"a": 2.0}


# ---------------------------------------------------------------- empty input
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({}, "Nothing to classify: give a customer table, a transaction table, or both."),
        ({"customers": sheet([], ["Customer ID", "Name"])},
         "Sheet 'Customers' has headers but no customer rows. Add customers below the header row."),
        ({"transactions": sheet([], ["Customer ID", "Date", "Amount"])},
         "Sheet 'Transactions' has headers but no transaction rows. Add orders below the header row."),
    ],
)
def test_empty_sheets_are_refused(kwargs, message):
    with pytest.raises(InputError) as excinfo:
        classify(**kwargs)
    assert str(excinfo.value) == message


# ---------------------------------------------------------------- real data: CDNOW
CDNOW_AS_OF = dt.date(1998, 6, 30)


@pytest.fixture(scope="module")
def cdnow(data_dir):
    raw = pd.read_csv(data_dir / "cdnow_transactions.csv")
    # headers the recogniser knows; the renumbered `id` is dropped so only one column claims customer_id
    tx = raw.rename(columns={"_id": "Customer ID", "date": "Date", "spent": "Amount"})[
        ["Customer ID", "Date", "Amount", "cds_bought"]]
    tx.index = tx.index + 2  # sheet rows below a header row
    return raw, tx


@pytest.fixture(scope="module")
def cdnow_result(cdnow):
    _raw, tx = cdnow
    return classify(transactions=tx, config=Config(as_of=CDNOW_AS_OF))


def test_cdnow_metrics_equal_a_plain_pandas_groupby(cdnow, cdnow_result):
    raw, _tx = cdnow
    assert (raw["spent"] >= 0).all()  # no refunds in this sample: every row is a purchase
    dates = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    g = raw.assign(day=dates).groupby(raw["_id"].astype(str))
    expected = pd.DataFrame({
        "frequency": g["day"].nunique().astype("float64"),
        "monetary": g["spent"].sum(),
        "recency": (pd.Timestamp(CDNOW_AS_OF) - g["day"].max()).dt.days.astype("float64"),
    })
    got = cdnow_result.customers.set_index("customer_id")[["frequency", "monetary", "recency"]]
    assert len(got) == 2357 == len(expected)
    got = got.loc[expected.index]
    pd.testing.assert_series_equal(got["frequency"], expected["frequency"], check_names=False, check_index_type=False)
    pd.testing.assert_series_equal(got["recency"], expected["recency"], check_names=False, check_index_type=False)
    pd.testing.assert_series_equal(got["monetary"], expected["monetary"], check_names=False, check_index_type=False,
                                   rtol=1e-9, atol=1e-9)
    # line items of one day do not inflate frequency: 223 rows repeat a (customer, date) pair
    assert len(raw) - int(expected["frequency"].sum()) == 223


def test_cdnow_dates_read_as_yyyymmdd(cdnow_result):
    assert cdnow_result.transaction_columns == {"customer_id": "Customer ID", "date": "Date", "amount": "Amount"}
    assert set(cdnow_result.issues["problem"]) == {"date written as a number"}
    first = cdnow_result.issues.iloc[0].to_dict()
    assert first == {"sheet": "Transactions", "row": 2, "column": "Date", "value": 19970101,
                     "problem": "date written as a number", "action": "read as 1997-01-01 (yyyymmdd)"}
    assert cdnow_result.as_of == pd.Timestamp("1998-06-30")


def test_cdnow_a_tier_holds_80_percent_and_its_smallest_customer_crosses(cdnow_result):
    out = cdnow_result.customers
    total = out["monetary"].sum()
    a = out.loc[out["abc"] == "A", "monetary"]
    assert a.sum() / total >= 0.80
    assert (a == a.min()).sum() == 1          # the crossing customer is one customer here, not a tie group
    assert (a.sum() - a.min()) / total < 0.80
    assert a.min() > out.loc[out["abc"] != "A", "monetary"].max()
    # B up to 95 %: its smallest amount is a tie group; without the whole group B falls short
    ab = out.loc[out["abc"].isin(["A", "B"]), "monetary"]
    assert ab.sum() / total >= 0.95
    assert (ab[ab > ab.min()].sum()) / total < 0.95
    assert ab.min() > out.loc[out["abc"] == "C", "monetary"].max()


def test_cdnow_scores_are_tie_consistent(cdnow_result):
    out = cdnow_result.customers
    for value, score in (("recency", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        assert (out.groupby(value)[score].nunique() == 1).all(), score
    assert (out.groupby("monetary")["abc"].nunique() == 1).all()


@pytest.mark.parametrize("seed", [11, 22, 33])
def test_cdnow_row_order_never_matters(cdnow, cdnow_result, seed):
    _raw, tx = cdnow
    res = classify(transactions=tx.sample(frac=1, random_state=seed), config=Config(as_of=CDNOW_AS_OF))
    cols = ["recency", "frequency", "monetary", "r_score", "f_score", "m_score", "rfm", "segment_key", "abc",
            "tier_key", "stage_key", "tags"]
    base = cdnow_result.customers.set_index("customer_id")[cols].sort_index()
    got = res.customers.set_index("customer_id")[cols].sort_index()
    pd.testing.assert_frame_equal(got, base)


# ---------------------------------------------------------------- what the engine hands out
def test_result_holds_plain_values_never_categoricals():
    # The engine carries keys, labels and repeating text as Categoricals; the result must not.
    n = 300
    rng = np.random.default_rng(3)
    cust = pd.DataFrame({
        "Customer ID": [f"C{i}" for i in range(n)],
        "Name": [f"Name {i}" for i in range(n)],
        "Customer Type": rng.choice(["Individual", " Enterprise"], n),
        "Source": np.array(["Web", "Store", 7], dtype=object)[rng.integers(0, 3, n)],  # a number: stays object
        "Orders": rng.integers(0, 6, n).astype(float),
        "Total Spend": rng.integers(0, 900, n).astype(float),
        "Last Purchase": pd.Timestamp("2024-06-30") - pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
    })
    overrides = pd.DataFrame({"Customer ID": ["C1"], "Field": ["Segment"], "Value": ["Hibernating"],
                              "Reason": ["test"]})
    for cfg in (Config(), Config(lang="zh", segment_scheme="rfm8", overrides=overrides)):
        out = classify(cust, config=cfg, explain=True).customers
        assert not [c for c in out if isinstance(out[c].dtype, pd.CategoricalDtype)]
        for col in ("segment_key", "segment", "tier_key", "value_tier", "stage_key", "stage", "abc", "rfm",
                    "customer_type"):
            assert str(out[col].dtype) == "str", col
        assert set(out["customer_type"].dropna()) == {"Individual", "Enterprise"}
        assert out["source"].dtype == object and 7 in set(out["source"])
    assert out.loc[out["customer_id"] == "C1", "segment"].tolist() == [L.label(L.SEGMENTS, "hibernating", "zh")]


def test_totals_and_unusable_ids_judged_the_same_in_text_and_mixed_id_columns():
    # The id column is normalised once and blank/totals rows are judged on what it became,
    # whether the column holds only text or numbers too.
    for extra in ("C9", 1001):
        cust = sheet([("C1", 10.0), ("ＴＯＴＡＬ", 99.0), ("Grand  Total", 99.0), (extra, 5.0)],
                     ["Customer ID", "Total Spend"])
        res = classify(customers=cust, config=Config(default_tags=False))
        assert res.customers["customer_id"].tolist() == ["C1", str(extra)]
        assert [(r["row"], r["problem"]) for r in res.issues.to_dict("records")] == [(3, "totals row"),
                                                                                     (4, "totals row")]
    # a number that is no id (not finite) is reported, not dropped silently
    cust = pd.DataFrame({"Customer ID": [1.0, float("inf"), 2.0], "Total Spend": [1.0, 2.0, 3.0]}, index=[2, 3, 4])
    res = classify(customers=cust, config=Config(default_tags=False))
    assert res.customers["customer_id"].tolist() == ["1", "2"]
    assert [(r["row"], r["value"], r["problem"]) for r in res.issues.to_dict("records")] == [
        (3, float("inf"), "no customer id")]


def test_label_words_are_distinct_in_each_language():
    # the engine carries labels as Categoricals, whose categories must be distinct
    for table in (L.SEGMENTS, L.TIERS, L.STAGES):
        for lang in L.LANGS:
            words = list(L.labels(table, lang).values())
            assert len(set(words)) == len(words), (lang, words)
