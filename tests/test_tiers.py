"""Value tiers: abc (crossing customer, ties), threshold, quantile, potential overlay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlseg.core import tiers
from xlseg.core.config import Config
from xlseg.core.engine import classify

NAN = np.nan


def classes(values, fn, *args):
    got = fn(pd.Series(values, dtype="float64"), *args)
    return [None if pd.isna(v) else v for v in got]


# ---------------------------------------------------------------- abc
# Monetary in any order; A = first 80 % of revenue (the crossing customer included),
# B up to 95 %, C the rest. "share before" = revenue of everyone strictly larger / total.
@pytest.mark.parametrize(
    "values, expected",
    [
        # 50 (0) A; 30 (.50 -> .80, reaches 80 exactly) A; 10 (.80) B; 5 (.90) B; 3 (.95) C; 2 C
        ([50, 30, 10, 5, 3, 2], ["A", "A", "B", "B", "C", "C"]),
        # 60 A; 30 crosses 80 % (.60 -> .90): included in A; 10 (.90) B
        ([60, 30, 10], ["A", "A", "B"]),
        # order of rows does not matter
        ([10, 60, 30], ["B", "A", "A"]),
        # ties at the A boundary share A: the 20s start at .40
        ([40, 20, 20, 20], ["A", "A", "A", "A"]),
        # 70 A; the two 10s start at .70 -> both A although the second alone would start at .80
        ([70, 10, 10, 5, 5], ["A", "A", "A", "B", "B"]),
        # 80 A (0); 8 (.80) B; 6 (.88) B; the two 3s start at .94 -> both B (the second would start at .97)
        ([80, 8, 6, 3, 3], ["A", "B", "B", "B", "B"]),
        # one customer
        ([123.45], ["A"]),
        # all equal: one tie group starting at 0
        ([5, 5, 5], ["A", "A", "A"]),
        # zero or negative spend is C, missing is None, and neither counts in the total
        ([100, 0, -20, NAN], ["A", "C", "C", None]),
        # nobody spent anything positive
        ([0, 0, -1], ["C", "C", "C"]),
        ([], []),
    ],
)
def test_abc(values, expected):
    assert classes(values, tiers.abc) == expected


def test_abc_custom_shares():
    # a = 50 %, b = 90 %: 40 (0) A; 30 (.40) A crosses; 20 (.70) B; 10 (.90) C
    assert classes([40, 30, 20, 10], tiers.abc, 0.5, 0.9) == ["A", "A", "B", "C"]


def test_abc_a_holds_at_least_the_share_and_loses_it_without_its_smallest():
    rng = np.random.default_rng(7)
    values = pd.Series(np.round(rng.lognormal(3, 1.2, 500), 2))
    got = tiers.abc(values)
    a = values[got == "A"]
    assert a.sum() / values.sum() >= 0.80
    assert (a.sum() - a.min()) / values.sum() < 0.80
    assert a.min() > values[got != "A"].max()


# ---------------------------------------------------------------- quantile
@pytest.mark.parametrize(
    "values, expected",
    [
        # n = 10, position = (rank_min - 1) / n descending: 100 (0) 90 (.1) A; 80 (.2) .. 60 (.4) B; rest C
        ([100, 90, 80, 70, 60, 50, 40, 30, 20, 10], ["A", "A", "B", "B", "B", "C", "C", "C", "C", "C"]),
        # ties share the best rank: the two 90s sit at .2 -> both B
        ([100, 90, 90, 10, 5], ["A", "B", "B", "C", "C"]),
        ([7], ["A"]),
        ([3, 3, 3], ["A", "A", "A"]),
        ([NAN, 1], [None, "A"]),
        ([], []),
    ],
)
def test_quantile(values, expected):
    assert classes(values, tiers.quantile) == expected


# ---------------------------------------------------------------- threshold
def test_threshold():
    # >= 1000 A, >= 100 B, else C; missing None
    values = [1000, 999.99, 100, 99.99, 0, -5, NAN]
    assert classes(values, tiers.threshold, 1000, 100) == ["A", "B", "B", "C", "C", "C", None]


# ---------------------------------------------------------------- classes() and the overlay
def test_classes_dispatch_and_prospects_get_none():
    m = pd.DataFrame({"monetary": [2_000_000.0, 150_000.0, 10.0, 0.0], "is_buyer": [True, True, True, False]})
    assert tiers.classes(m, Config()).tolist()[:3] == ["A", "B", "C"]
    assert pd.isna(tiers.classes(m, Config()).iloc[3])
    assert classes(m["monetary"], lambda _s: tiers.classes(m, Config(tier_method="threshold"))) == \
        ["A", "B", "C", None]
    # quantile a = 20 %, b = 50 % of 3 buyers: positions 0, 1/3, 2/3
    assert classes(m["monetary"], lambda _s: tiers.classes(m, Config(tier_method="quantile"))) == \
        ["A", "B", "C", None]


# class  segment              overlay on   overlay off
# A      new_customers        high         high        (A is never Potential)
# B      promising            potential    medium
# C      potential_loyalists  potential    low
# B      champions            medium       medium
# C      hibernating          low          low
# C      new_customers        potential    low
# None   None                 None         None        (prospect)
OVERLAY = [
    ("A", "new_customers", "high", "high"),
    ("B", "promising", "potential", "medium"),
    ("C", "potential_loyalists", "potential", "low"),
    ("B", "champions", "medium", "medium"),
    ("C", "hibernating", "low", "low"),
    ("C", "new_customers", "potential", "low"),
    (None, None, None, None),
]


@pytest.mark.parametrize("overlay", [True, False])
def test_tiers_potential_overlay(overlay):
    cls = pd.Series([c[0] for c in OVERLAY], dtype=object)
    seg = pd.Series([c[1] for c in OVERLAY], dtype=object)
    got = tiers.tiers(cls, seg, Config(potential_overlay=overlay))
    assert got.tolist() == [c[2] if overlay else c[3] for c in OVERLAY]


def test_potential_segments_setting():
    cls = pd.Series(["B", "C"], dtype=object)
    seg = pd.Series(["champions", "promising"], dtype=object)
    assert tiers.tiers(cls, seg, Config(potential_segments=("champions",))).tolist() == ["potential", "low"]


# ---------------------------------------------------------------- through classify
def test_tiers_via_classify_en_and_zh():
    # one purchase each, same day: every R and F score is 1 (Hibernating), so no Potential overlay
    tx = pd.DataFrame({"Customer ID": list("abcdef"), "Date": ["2024-01-01"] * 6,
                       "Amount": [50, 30, 10, 5, 3, 2]})
    res = classify(transactions=tx, config=Config(default_tags=False))
    out = res.customers.set_index("customer_id")
    assert out["abc"].tolist() == ["A", "A", "B", "B", "C", "C"]
    assert out["value_tier"].tolist() == ["High value", "High value", "Medium value", "Medium value",
                                          "Low value", "Low value"]
    zh = classify(transactions=tx, config=Config(default_tags=False, lang="zh"))
    assert zh.customers["value_tier"].tolist() == ["高价值", "高价值", "一般价值", "一般价值", "低价值", "低价值"]


def test_potential_tier_via_classify():
    # id   purchases               spend  recency  R  F  segment      abc  tier
    # big  2024-01-01, 2024-01-15  1800   17       2  3  At Risk      A    high
    # mid  2023-06-01              50     245      1  1  Hibernating  C    low (1800 of 1851 before it: 97 %)
    # n    2024-02-01              1      0        4  1  Promising    C    potential (潜力)
    tx = pd.DataFrame({"Customer ID": ["big", "big", "mid", "n"],
                       "Date": ["2024-01-01", "2024-01-15", "2023-06-01", "2024-02-01"],
                       "Amount": [900, 900, 50, 1]})
    res = classify(transactions=tx, config=Config(default_tags=False, lang="zh"))
    out = res.customers.set_index("customer_id")
    assert out["segment_key"].to_dict() == {"big": "at_risk", "mid": "hibernating", "n": "promising"}
    assert out["abc"].to_dict() == {"big": "A", "mid": "C", "n": "C"}
    assert out["tier_key"].to_dict() == {"big": "high", "mid": "low", "n": "potential"}
    assert out["value_tier"].to_dict() == {"big": "高价值", "mid": "低价值", "n": "潜力"}
