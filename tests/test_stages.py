"""Lifecycle stages: each rule, its boundaries, rule order, and every stage reached through classify."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlseg.core import stages
from xlseg.core.config import Config
from xlseg.core.engine import classify

NAN = np.nan
AS_OF = pd.Timestamp("2024-12-31")

# Defaults: lost_days 365, new_days 90, active_days 180, churn: >= 3 purchases and recency > 2 x mean gap.
# id   buyer recency since_first gap_before_last mean_gap freq  expected        why
CASES = [
    ("p", False, NAN, NAN, NAN, NAN, 0, "prospect"),        # rule 1
    ("l1", True, 366, 400, NAN, NAN, 1, "lost"),             # rule 2: 366 > 365
    ("l2", True, 365, 400, NAN, NAN, 1, "churn_warning"),    # 365 is not lost; 365 > 180
    ("l3", True, 400, 900, 500, 250, 3, "lost"),             # lost wins over reactivated
    ("r1", True, 10, 800, 366, 395, 3, "reactivated"),       # rule 3: gap 366 > 365
    ("r2", True, 10, 800, 365, 395, 3, "active"),            # gap 365 is not reactivated; 10 <= 2 x 395
    ("r3", True, 200, 900, 700, 350, 3, "reactivated"),      # reactivated wins over churn (recency 200)
    ("n1", True, 0, 90, NAN, NAN, 1, "new"),                 # rule 4: first purchase exactly 90 days ago
    ("n2", True, 0, 91, NAN, NAN, 1, "active"),              # 91 days: not new
    ("n3", True, 5, 60, 55, 27.5, 3, "new"),                 # new wins over the mean-gap churn rule
    ("c1", True, 181, 300, NAN, NAN, 1, "churn_warning"),    # rule 5a: 181 > 180
    ("c2", True, 180, 300, NAN, NAN, 1, "active"),           # 180 is not > 180
    ("c3", True, 21, 300, 10, 10, 3, "churn_warning"),       # rule 5b: 3 purchases, 21 > 2 x 10
    ("c4", True, 20, 300, 10, 10, 3, "active"),              # 20 is not > 2 x 10
    ("c5", True, 21, 300, 10, 10, 2, "active"),              # only 2 purchases: the gap rule needs 3
    ("a", True, 30, 200, 60, 60, 4, "active"),               # rule 6
    ("u", True, NAN, NAN, NAN, NAN, 2, None),                # buyer without a purchase date: unknown
]


def metrics_frame(cases):
    return pd.DataFrame({
        "is_buyer": [c[1] for c in cases],
        "recency": [float(c[2]) for c in cases],
        "first_purchase": [AS_OF - pd.Timedelta(days=c[3]) if c[3] == c[3] else pd.NaT for c in cases],
        "gap_before_last": [float(c[4]) for c in cases],
        "mean_gap": [float(c[5]) for c in cases],
        "frequency": [float(c[6]) for c in cases],
    }, index=pd.Index([c[0] for c in cases], name="customer_id"))


def test_each_rule_and_its_boundaries():
    got = stages.assign(metrics_frame(CASES), AS_OF, Config())
    assert got.to_dict() == {c[0]: c[7] for c in CASES}


def test_windows_are_configurable():
    cfg = Config(new_days=10, active_days=20, lost_days=30, churn_gap_multiple=3.0, churn_min_purchases=2)
    # id   buyer recency since_first gap mean_gap freq  expected
    cases = [
        ("x", True, 31, 100, NAN, NAN, 1, "lost"),
        ("y", True, 1, 100, 31, 40, 2, "reactivated"),
        ("z", True, 1, 10, NAN, NAN, 1, "new"),
        ("w", True, 21, 100, NAN, NAN, 1, "churn_warning"),
        ("v", True, 16, 100, 5, 5, 2, "churn_warning"),   # 2 purchases now enough; 16 > 3 x 5
        ("t", True, 15, 100, 5, 5, 2, "active"),
    ]
    assert stages.assign(metrics_frame(cases), AS_OF, cfg).to_dict() == {c[0]: c[7] for c in cases}


def test_order_lists_every_stage_once():
    assert stages.ORDER == ("prospect", "lost", "reactivated", "new", "churn_warning", "active")


# ---------------------------------------------------------------- every stage through classify
# as_of 2024-12-31 (explicit). Purchases per customer:
# id          purchases (amount 10 unless noted)       recency  why
# prospect    2024-05-01 refund of -10                  -        refunds are not purchases
# lost        2023-12-01                                396      > 365
# reactivated 2022-06-01, 2024-10-01                    91       gap 853 > 365
# new         2024-11-01                                60       first purchase 60 <= 90 days ago
# churn_rec   2024-01-01, 2024-06-01                    213      > 180
# churn_gap   2024-08-01, 2024-08-11, 2024-08-21        132      3 purchases, 132 > 2 x 10
# active      2024-06-01, 2024-09-01, 2024-12-01        30       30 <= 2 x 91.5
PURCHASES = {
    "prospect": [("2024-05-01", -10)],
    "lost": [("2023-12-01", 10)],
    "reactivated": [("2022-06-01", 10), ("2024-10-01", 10)],
    "new": [("2024-11-01", 10)],
    "churn_rec": [("2024-01-01", 10), ("2024-06-01", 10)],
    "churn_gap": [("2024-08-01", 10), ("2024-08-11", 10), ("2024-08-21", 10)],
    "active": [("2024-06-01", 10), ("2024-09-01", 10), ("2024-12-01", 10)],
}
EXPECTED = {"prospect": "prospect", "lost": "lost", "reactivated": "reactivated", "new": "new",
            "churn_rec": "churn_warning", "churn_gap": "churn_warning", "active": "active"}
ZH = {"prospect": "潜在客户", "lost": "流失客户", "reactivated": "回流客户", "new": "新客户",
      "churn_rec": "流失预警", "churn_gap": "流失预警", "active": "活跃客户"}


def stage_transactions():
    rows = [{"Customer ID": cid, "Date": d, "Amount": a} for cid, buys in PURCHASES.items() for d, a in buys]
    return pd.DataFrame(rows, index=range(2, 2 + len(rows)))


def test_every_stage_via_classify():
    res = classify(transactions=stage_transactions(), config=Config(as_of=AS_OF.date(), default_tags=False))
    out = res.customers.set_index("customer_id")
    assert out["stage_key"].to_dict() == EXPECTED
    assert out["recency"].to_dict() == pytest.approx({
        "prospect": NAN, "lost": 396, "reactivated": 91, "new": 60, "churn_rec": 213, "churn_gap": 132,
        "active": 30}, nan_ok=True)
    assert out.loc["reactivated", "gap_before_last"] == 853.0
    assert out.loc["churn_gap", "mean_gap"] == 10.0
    assert out["stage"].to_dict() == {"prospect": "Prospect", "lost": "Lost", "reactivated": "Reactivated",
                                      "new": "New", "churn_rec": "Churn Warning", "churn_gap": "Churn Warning",
                                      "active": "Active"}


def test_every_stage_via_classify_zh():
    res = classify(transactions=stage_transactions(),
                   config=Config(as_of=AS_OF.date(), default_tags=False, lang="zh"))
    assert res.customers.set_index("customer_id")["stage"].to_dict() == ZH


def test_single_customer_single_purchase_is_new():
    tx = pd.DataFrame({"Customer ID": ["solo"], "Date": ["2024-03-01"], "Amount": [5]})
    res = classify(transactions=tx, config=Config(default_tags=False))
    assert res.customers["stage_key"].tolist() == ["new"]
    assert res.customers["recency"].tolist() == [0.0]
