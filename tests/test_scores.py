"""R, F, M scores: rank formula, ties, cut points, and the cut-points table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from xlseg.core import scores
from xlseg.core.config import Config

NAN = np.nan
NA = None


def listed(series):
    return [None if pd.isna(v) else int(v) for v in series]


# ---------------------------------------------------------------- rank_score
# score = 1 + floor(5 * (rank_min - 1) / n), rank over the non-missing values
@pytest.mark.parametrize(
    "values, higher, expected",
    [
        # distinct, n = 5: rank_min 1..5 -> scores 1..5
        ([10, 20, 30, 40, 50], True, [1, 2, 3, 4, 5]),
        # n = 10: two customers per score
        (list(range(1, 11)), True, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]),
        # ties share rank_min: 20, 20 -> rank 2 -> score 2; the 40 keeps rank 4
        ([10, 20, 20, 40, 50], True, [1, 2, 2, 4, 5]),
        # ties at the top share the LOWER rank: 1 + floor(5 * 1 / 3) = 2
        ([1, 2, 2], True, [1, 2, 2]),
        # recency, lower is better: 100 -> rank 1, 10 -> rank 2, the two 0s -> rank 3 (n = 4)
        ([0, 0, 10, 100], False, [3, 3, 2, 1]),
        # one customer
        ([7], True, [1]),
        ([7], False, [1]),
        # all equal: everybody rank 1
        ([5, 5, 5, 5], True, [1, 1, 1, 1]),
        ([5, 5, 5, 5], False, [1, 1, 1, 1]),
        # missing values are not ranked and not counted in n (n = 2 here)
        ([NAN, 1, 2], True, [NA, 1, 3]),
        ([NAN, NAN], True, [NA, NA]),
        ([], True, []),
    ],
)
def test_rank_score(values, higher, expected):
    got = scores.rank_score(pd.Series(values, dtype="float64"), higher_is_better=higher)
    assert str(got.dtype) == "Int64"
    assert listed(got) == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_score_ignores_row_order(seed):
    values = pd.Series([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], index=list("abcdefghijk"), dtype="float64")
    base = scores.rank_score(values)
    shuffled = values.sample(frac=1, random_state=seed)
    got = scores.rank_score(shuffled)
    assert got.reindex(base.index).tolist() == base.tolist()
    # equal values always equal scores
    for v in values.unique():
        assert base[values == v].nunique() == 1


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("higher", [True, False])
def test_rank_score_equals_the_formula_on_random_ties(seed, higher):
    # The scores come from one sort and four comparisons; check them against the
    # formula computed literally with pandas' rank(method="min"), on sizes that
    # do and do not divide by 5, heavy ties, negatives and missing values.
    rng = np.random.default_rng(seed)
    n = [1, 2, 4, 7, 500, 1003][seed]
    values = pd.Series(rng.integers(-3, 6, n).astype("float64") * [1.0, 0.5][seed % 2])
    values[rng.random(n) < 0.2] = np.nan
    valid = values.notna()
    ranks = values[valid].rank(method="min", ascending=higher)
    expected = pd.Series(pd.NA, index=values.index, dtype="Int64")
    expected[valid] = (1 + np.floor(5 * (ranks - 1) / int(valid.sum()))).astype("int64")
    assert listed(scores.rank_score(values, higher_is_better=higher)) == listed(expected)


# ---------------------------------------------------------------- cut_score
@pytest.mark.parametrize(
    "values, cuts, higher, expected",
    [
        # F cuts 2, 3, 5, 10: value >= cut earns that score
        ([0, 1, 2, 3, 4, 5, 9, 10, 50], (2, 3, 5, 10), True, [1, 1, 2, 3, 3, 4, 4, 5, 5]),
        # R cuts 365, 180, 90, 30 days: recency <= cut earns that score
        ([0, 30, 31, 90, 91, 180, 181, 365, 366], (365, 180, 90, 30), False, [5, 5, 4, 4, 3, 3, 2, 2, 1]),
        ([NAN, 100], (100, 500, 1000, 5000), True, [NA, 2]),
    ],
)
def test_cut_score(values, cuts, higher, expected):
    got = scores.cut_score(pd.Series(values, dtype="float64"), cuts, higher_is_better=higher)
    assert listed(got) == expected


# ---------------------------------------------------------------- score_all
def metrics_frame():
    # id  recency  frequency  monetary  buyer
    # a   10       1          100       yes
    # b   20       2          200       yes
    # c   NaN      0          0         no (prospect)
    return pd.DataFrame({
        "recency": [10.0, 20.0, NAN],
        "frequency": [1.0, 2.0, 0.0],
        "monetary": [100.0, 200.0, 0.0],
        "is_buyer": [True, True, False],
    }, index=pd.Index(["a", "b", "c"], name="customer_id"))


def test_score_all_rank_prospects_stay_missing():
    sc = scores.score_all(metrics_frame(), Config())
    assert list(sc.columns) == ["r_score", "f_score", "m_score"]
    assert listed(sc["r_score"]) == [3, 1, NA]
    assert listed(sc["f_score"]) == [1, 3, NA]
    assert listed(sc["m_score"]) == [1, 3, NA]


def test_score_all_cuts():
    cfg = Config(score_method="cuts", r_cuts=(30, 20, 15, 10), f_cuts=(2, 3, 4, 5), m_cuts=(150, 200, 250, 300))
    sc = scores.score_all(metrics_frame(), cfg)
    assert listed(sc["r_score"]) == [5, 3, NA]
    assert listed(sc["f_score"]) == [1, 2, NA]
    assert listed(sc["m_score"]) == [1, 3, NA]


# ---------------------------------------------------------------- cut_points
COLUMNS = ["metric", "score", "customers", "min", "max", "cut", "rule"]


def test_cut_points_rank_method_exact():
    # five buyers and a prospect
    # recency   0   5   5   30  90   -> R 5 3 3 2 1 (ranked descending: 90 rank 1, 30 rank 2, 5s rank 3, 0 rank 5)
    # frequency 1   1   2   3   8    -> F 1 1 3 4 5
    # monetary  10  20  30  40  2500 -> M 1 2 3 4 5
    m = pd.DataFrame({
        "recency": [0.0, 5.0, 5.0, 30.0, 90.0, NAN],
        "frequency": [1.0, 1.0, 2.0, 3.0, 8.0, 0.0],
        "monetary": [10.0, 20.0, 30.0, 40.0, 2500.0, 0.0],
        "is_buyer": [True] * 5 + [False],
    })
    cfg = Config()
    sc = scores.score_all(m, cfg)
    assert listed(sc["r_score"]) == [5, 3, 3, 2, 1, NA]
    table = scores.cut_points(m, sc, cfg)
    assert list(table.columns) == COLUMNS
    expected = [
        # metric score customers min  max   cut   rule
        ("R", 1, 1, 90.0, 90.0, 90.0, "<= 90"),
        ("R", 2, 1, 30.0, 30.0, 30.0, "<= 30"),
        ("R", 3, 2, 5.0, 5.0, 5.0, "<= 5"),
        ("R", 4, 0, None, None, None, ""),
        ("R", 5, 1, 0.0, 0.0, 0.0, "<= 0"),
        ("F", 1, 2, 1.0, 1.0, 1.0, ">= 1"),
        ("F", 2, 0, None, None, None, ""),
        ("F", 3, 1, 2.0, 2.0, 2.0, ">= 2"),
        ("F", 4, 1, 3.0, 3.0, 3.0, ">= 3"),
        ("F", 5, 1, 8.0, 8.0, 8.0, ">= 8"),
        ("M", 1, 1, 10.0, 10.0, 10.0, ">= 10"),
        ("M", 2, 1, 20.0, 20.0, 20.0, ">= 20"),
        ("M", 3, 1, 30.0, 30.0, 30.0, ">= 30"),
        ("M", 4, 1, 40.0, 40.0, 40.0, ">= 40"),
        ("M", 5, 1, 2500.0, 2500.0, 2500.0, ">= 2,500"),
    ]
    assert [tuple(None if pd.isna(v) else v for v in row) for row in table.itertuples(index=False)] == expected


def test_cut_points_cuts_method_exact():
    m = pd.DataFrame({
        "recency": [10.0, 100.0, 400.0],
        "frequency": [1.0, 4.0, 12.0],
        "monetary": [50.0, 600.0, 1234.5],
        "is_buyer": [True, True, True],
    })
    cfg = Config(score_method="cuts", r_cuts=(365, 180, 90, 30), f_cuts=(2, 3, 5, 10),
                 m_cuts=(100, 500, 1000, 5000.5))
    sc = scores.score_all(m, cfg)
    assert listed(sc["r_score"]) == [5, 3, 1]
    assert listed(sc["f_score"]) == [1, 3, 5]
    assert listed(sc["m_score"]) == [1, 3, 4]
    table = scores.cut_points(m, sc, cfg)
    expected = [
        # metric score customers min   max     cut      rule
        ("R", 1, 1, 400.0, 400.0, None, "> 365"),
        ("R", 2, 0, None, None, 365.0, "<= 365"),
        ("R", 3, 1, 100.0, 100.0, 180.0, "<= 180"),
        ("R", 4, 0, None, None, 90.0, "<= 90"),
        ("R", 5, 1, 10.0, 10.0, 30.0, "<= 30"),
        ("F", 1, 1, 1.0, 1.0, None, "< 2"),
        ("F", 2, 0, None, None, 2.0, ">= 2"),
        ("F", 3, 1, 4.0, 4.0, 3.0, ">= 3"),
        ("F", 4, 0, None, None, 5.0, ">= 5"),
        ("F", 5, 1, 12.0, 12.0, 10.0, ">= 10"),
        ("M", 1, 1, 50.0, 50.0, None, "< 100"),
        ("M", 2, 0, None, None, 100.0, ">= 100"),
        ("M", 3, 1, 600.0, 600.0, 500.0, ">= 500"),
        ("M", 4, 1, 1234.5, 1234.5, 1000.0, ">= 1,000"),
        ("M", 5, 0, None, None, 5000.5, ">= 5,000.50"),
    ]
    assert [tuple(None if pd.isna(v) else v for v in row) for row in table.itertuples(index=False)] == expected


def test_cut_points_no_buyers():
    m = pd.DataFrame({"recency": [NAN], "frequency": [0.0], "monetary": [0.0], "is_buyer": [False]})
    cfg = Config()
    table = scores.cut_points(m, scores.score_all(m, cfg), cfg)
    assert len(table) == 15
    assert table["customers"].tolist() == [0] * 15
    assert table["rule"].tolist() == [""] * 15
    assert table["cut"].isna().all()
