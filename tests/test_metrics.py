"""Per-customer metrics: purchases, refunds, distinct days vs order ids, gaps, recency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlseg.core import metrics

NAN = np.nan
NAT = pd.NaT
D = pd.Timestamp


def tx(rows, with_orders=False):
    """Transactions in canonical columns from (customer_id, 'YYYY-MM-DD', amount[, order_id]) tuples."""
    cols = ["customer_id", "date", "amount"] + (["order_id"] if with_orders else [])
    frame = pd.DataFrame(rows, columns=cols)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def as_dict(frame, column):
    return {k: (None if pd.isna(v) else v) for k, v in frame[column].items()}


# ---------------------------------------------------------------- from_transactions
# customer  date        amount   note
# a         2024-01-01  10       two lines of one day: one purchase
# a         2024-01-01   5
# a         2024-01-11  20
# a         2024-01-31  -8       refund: nets out of spend, is not a purchase, does not move recency
# b         2024-01-05  -3       refund only: no purchase at all
# c         2024-01-20   0       a zero line is still a purchase (free sample)
BASIC = [
    ("a", "2024-01-01", 10), ("a", "2024-01-01", 5), ("a", "2024-01-11", 20), ("a", "2024-01-31", -8),
    ("b", "2024-01-05", -3), ("c", "2024-01-20", 0),
]


def test_from_transactions_counts_distinct_days_and_nets_refunds():
    m = metrics.from_transactions(tx(BASIC))
    assert list(m.columns) == ["first_purchase", "last_purchase", "frequency", "monetary", "mean_gap",
                               "gap_before_last", "first_spend"]
    assert m.index.name == "customer_id"
    assert as_dict(m, "frequency") == {"a": 2.0, "b": 0.0, "c": 1.0}
    assert as_dict(m, "monetary") == {"a": 27.0, "b": -3.0, "c": 0.0}
    assert as_dict(m, "first_purchase") == {"a": D("2024-01-01"), "b": None, "c": D("2024-01-20")}
    # The refund on 2024-01-31 is not the last purchase.
    assert as_dict(m, "last_purchase") == {"a": D("2024-01-11"), "b": None, "c": D("2024-01-20")}
    assert as_dict(m, "mean_gap") == {"a": 10.0, "b": None, "c": None}
    assert as_dict(m, "gap_before_last") == {"a": 10.0, "b": None, "c": None}
    # both lines of a's first day; b never bought
    assert as_dict(m, "first_spend") == {"a": 15.0, "b": None, "c": 0.0}


def test_from_transactions_gaps_with_three_purchase_days():
    # days 2024-01-01, 2024-01-04, 2024-01-31: span 30 over 2 gaps = 15; last gap 27
    m = metrics.from_transactions(tx([("x", "2024-01-31", 1), ("x", "2024-01-01", 1), ("x", "2024-01-04", 1)]))
    assert m.loc["x", "mean_gap"] == 15.0
    assert m.loc["x", "gap_before_last"] == 27.0
    assert m.loc["x", "frequency"] == 3.0


def test_from_transactions_gaps_do_not_leak_between_customers():
    # Sorted by customer, y's first day follows x's last day; y's single purchase has no gap.
    m = metrics.from_transactions(tx([("x", "2024-01-01", 1), ("x", "2024-03-01", 1), ("y", "2024-06-01", 1)]))
    assert as_dict(m, "gap_before_last") == {"x": 60.0, "y": None}


def test_from_transactions_refunds_only_everyone_is_a_prospect():
    m = metrics.from_transactions(tx([("a", "2024-01-01", -1), ("b", "2024-01-02", -2)]))
    assert as_dict(m, "frequency") == {"a": 0.0, "b": 0.0}
    assert as_dict(m, "monetary") == {"a": -1.0, "b": -2.0}
    assert as_dict(m, "last_purchase") == {"a": None, "b": None}
    assert metrics.latest_purchase(m) is None


# order ids: customer o has 3 lines in 2 orders on ONE day, plus one line without an order id
ORDERS = [
    ("o", "2024-02-01", 10, "A1"), ("o", "2024-02-01", 10, "A1"), ("o", "2024-02-01", 5, "A2"),
    ("o", "2024-02-03", 7, None),
    ("p", "2024-02-01", 4, "B1"), ("p", "2024-02-01", -4, "B2"),   # refunded order: not a purchase
]


@pytest.mark.parametrize(
    "basis, expected",
    [
        ("auto", {"o": 3.0, "p": 1.0}),    # order_id column present: 2 orders + 1 day without an id
        ("orders", {"o": 3.0, "p": 1.0}),
        ("days", {"o": 2.0, "p": 1.0}),    # distinct purchase days
    ],
)
def test_frequency_basis(basis, expected):
    m = metrics.from_transactions(tx(ORDERS, with_orders=True), basis=basis)
    assert as_dict(m, "frequency") == expected
    assert as_dict(m, "monetary") == {"o": 32.0, "p": 0.0}


def test_orders_basis_without_order_ids_counts_days():
    m = metrics.from_transactions(tx([("a", "2024-01-01", 1), ("a", "2024-01-01", 1), ("a", "2024-01-02", 1)]),
                                  basis="orders")
    assert m.loc["a", "frequency"] == 2.0


def test_empty_order_id_column_counts_days():
    frame = tx([("a", "2024-01-01", 1, None), ("a", "2024-01-01", 1, None), ("a", "2024-01-05", 1, None)],
               with_orders=True)
    assert metrics.from_transactions(frame).loc["a", "frequency"] == 2.0


def test_monetary_does_not_depend_on_summation_order():
    # 0.1 + 0.2 != 0.3 in floating point; the totals are rounded so equal spend stays equal.
    forward = metrics.from_transactions(tx([("a", "2024-01-01", 0.1), ("a", "2024-01-02", 0.2),
                                            ("b", "2024-01-01", 0.3)]))
    assert forward.loc["a", "monetary"] == forward.loc["b", "monetary"] == 0.3


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_row_order_never_matters(seed):
    rows = BASIC + [("c", "2024-02-20", 2.5), ("d", "2024-01-02", 1.25), ("d", "2024-03-02", 7.75)]
    base = metrics.from_transactions(tx(rows)).sort_index()
    shuffled = tx(rows).sample(frac=1, random_state=seed).reset_index(drop=True)
    got = metrics.from_transactions(shuffled).sort_index()
    pd.testing.assert_frame_equal(got, base)


# ---------------------------------------------------------------- from_customers
def test_from_customers():
    # id  first       last        orders  monetary  note
    # a   2024-01-01  2024-03-01  3       300       mean gap 60 / 2 = 30
    # b   NaT         2024-02-01  NaN     50        a date but no count: bought at least once
    # c   NaT         NaT         0       0         prospect
    # d   NaT         NaT         NaN     NaN       nothing known: prospect
    cust = pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "first_purchase": pd.to_datetime(["2024-01-01", None, None, None]),
        "last_purchase": pd.to_datetime(["2024-03-01", "2024-02-01", None, None]),
        "orders": [3.0, NAN, 0.0, NAN],
        "monetary": [300.0, 50.0, 0.0, NAN],
    })
    m = metrics.from_customers(cust)
    assert as_dict(m, "frequency") == {"a": 3.0, "b": 1.0, "c": 0.0, "d": 0.0}
    assert as_dict(m, "monetary") == {"a": 300.0, "b": 50.0, "c": 0.0, "d": None}
    assert as_dict(m, "mean_gap") == {"a": 30.0, "b": None, "c": None, "d": None}
    assert as_dict(m, "gap_before_last") == {"a": None, "b": None, "c": None, "d": None}


def test_from_customers_without_orders_column_leaves_frequency_unknown_for_buyers():
    cust = pd.DataFrame({"customer_id": ["a", "b"], "last_purchase": pd.to_datetime(["2024-03-01", None])})
    m = metrics.from_customers(cust)
    assert as_dict(m, "frequency") == {"a": None, "b": 0.0}
    assert as_dict(m, "monetary") == {"a": None, "b": None}
    f = metrics.finish(m, D("2024-03-11"))
    assert as_dict(f, "is_buyer") == {"a": True, "b": False}
    assert as_dict(f, "recency") == {"a": 10.0, "b": None}


# ---------------------------------------------------------------- latest_purchase, finish
def test_latest_purchase_is_the_max_last_purchase():
    m = metrics.from_transactions(tx(BASIC))
    assert metrics.latest_purchase(m) == D("2024-01-20")


def test_finish_adds_recency_avg_order_value_is_buyer():
    m = metrics.finish(metrics.from_transactions(tx(BASIC)), D("2024-01-31"))
    assert as_dict(m, "recency") == {"a": 20.0, "b": None, "c": 11.0}
    assert as_dict(m, "avg_order_value") == {"a": 13.5, "b": None, "c": 0.0}
    assert as_dict(m, "is_buyer") == {"a": True, "b": False, "c": True}


def test_finish_single_customer_same_day():
    m = metrics.finish(metrics.from_transactions(tx([("solo", "2024-05-05", 42)])), D("2024-05-05"))
    assert m.loc["solo", "recency"] == 0.0
    assert m.loc["solo", "frequency"] == 1.0
    assert m.loc["solo", "avg_order_value"] == 42.0
