"""Segments: every cell of the rfm10 grid and all eight rfm8 segments, directly and through classify."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from xlseg.core import segments
from xlseg.core.config import DEFAULT_GRID, Config
from xlseg.core.engine import classify

NAN = np.nan

# docs/design.md "Scores and segments", written out independently of config.DEFAULT_GRID: (R, F) -> English label.
DESIGN_GRID = {
    5: ["New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"],
    4: ["Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers", "Loyal Customers"],
    3: ["About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"],
    2: ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
    1: ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
}
KEY = {
    "New Customers": "new_customers", "Potential Loyalists": "potential_loyalists", "Champions": "champions",
    "Promising": "promising", "Loyal Customers": "loyal_customers", "About To Sleep": "about_to_sleep",
    "Need Attention": "need_attention", "Hibernating": "hibernating", "At Risk": "at_risk",
    "Can't Lose Them": "cant_lose_them",
}
CELLS = list(itertools.product(range(1, 6), range(1, 6)))  # (r, f)


def plain(series) -> dict:
    """id -> value with every kind of missing (None, NaN) as None: pandas 3 stores text as str + NaN."""
    return {k: (None if pd.isna(v) else v) for k, v in series.items()}


# ---------------------------------------------------------------- rfm10 directly
def test_rfm10_every_cell_directly():
    sc = pd.DataFrame({
        "r_score": pd.array([r for r, _ in CELLS], dtype="Int64"),
        "f_score": pd.array([f for _, f in CELLS], dtype="Int64"),
        "m_score": pd.array([1] * 25, dtype="Int64"),
    })
    got = segments.rfm10(sc, DEFAULT_GRID)
    assert got.tolist() == [KEY[DESIGN_GRID[r][f - 1]] for r, f in CELLS]
    # every one of the ten segments appears in the grid
    assert set(got) == set(KEY.values())


def test_rfm10_missing_score_gives_none():
    sc = pd.DataFrame({
        "r_score": pd.array([5, None, 3, None], dtype="Int64"),
        "f_score": pd.array([5, 2, None, None], dtype="Int64"),
        "m_score": pd.array([1, 1, 1, None], dtype="Int64"),
    }, index=["a", "b", "c", "d"])
    got = segments.rfm10(sc, DEFAULT_GRID)
    assert got.tolist() == ["champions", None, None, None]
    assert list(got.index) == ["a", "b", "c", "d"]


def test_rfm10_uses_the_given_grid():
    grid = tuple(tuple("champions" if (r + f) % 2 else "hibernating" for f in range(5)) for r in range(5))
    sc = pd.DataFrame({"r_score": pd.array([5, 5, 4], dtype="Int64"), "f_score": pd.array([1, 2, 1], dtype="Int64")})
    assert segments.rfm10(sc, grid).tolist() == ["hibernating", "champions", "champions"]


# ---------------------------------------------------------------- rfm10 through classify (cuts)
# r_cuts 365, 180, 90, 30 -> recency chosen per R score; f_cuts 2, 3, 4, 5 -> frequency = F score
RECENCY_FOR_R = {5: 10, 4: 60, 3: 120, 2: 300, 1: 400}
AS_OF = pd.Timestamp("2024-12-31")


def cell_transactions():
    rows = []
    for r, f in CELLS:
        last = AS_OF - pd.Timedelta(days=RECENCY_FOR_R[r])
        for k in range(f):  # f distinct purchase days, the last one `recency` days before as_of
            rows.append({"Customer ID": f"R{r}F{f}", "Date": last - pd.Timedelta(days=k), "Amount": 10.0})
    return pd.DataFrame(rows)


def test_rfm10_every_cell_via_classify_with_cuts():
    cfg = Config(score_method="cuts", r_cuts=(365, 180, 90, 30), f_cuts=(2, 3, 4, 5), as_of=AS_OF.date())
    res = classify(transactions=cell_transactions(), config=cfg)
    out = res.customers.set_index("customer_id")
    assert len(out) == 25
    for r, f in CELLS:
        row = out.loc[f"R{r}F{f}"]
        assert (row["r_score"], row["f_score"]) == (r, f)
        assert row["segment_key"] == KEY[DESIGN_GRID[r][f - 1]] == DEFAULT_GRID[5 - r][f - 1]
        assert row["segment"] == DESIGN_GRID[r][f - 1]


# ---------------------------------------------------------------- rfm8
# Each metric's buyers' mean is 5 here; "high" means strictly better than the mean.
# id  recency frequency monetary  R F M  segment
RFM8_CASES = [
    ("a", 1, 9, 9, "important_value"),          # H H H
    ("b", 1, 1, 9, "important_development"),    # H L H
    ("c", 9, 9, 9, "important_retention"),      # L H H
    ("d", 9, 1, 9, "important_winback"),        # L L H
    ("e", 1, 9, 1, "general_value"),            # H H L
    ("f", 1, 1, 1, "general_development"),      # H L L
    ("g", 9, 9, 1, "general_retention"),        # L H L
    ("h", 9, 1, 1, "general_winback"),          # L L L
]


def rfm8_metrics(cases, prospects=()):
    ids = [c[0] for c in cases] + list(prospects)
    pad = [NAN] * len(prospects)
    return pd.DataFrame({
        "recency": [float(c[1]) for c in cases] + pad,
        "frequency": [float(c[2]) for c in cases] + [0.0] * len(prospects),
        "monetary": [float(c[3]) for c in cases] + [0.0] * len(prospects),
        "is_buyer": [True] * len(cases) + [False] * len(prospects),
    }, index=pd.Index(ids, name="customer_id"))


def test_rfm8_all_eight_directly():
    m = rfm8_metrics(RFM8_CASES, prospects=["p"])
    got = segments.rfm8(m)
    assert got.to_dict() == {**{c[0]: c[4] for c in RFM8_CASES}, "p": None}
    flags = segments.rfm8_flags(m)
    # the means are the buyers' means: the prospect's zeros do not pull them down
    assert flags.attrs["means"] == {"r": 5.0, "f": 5.0, "m": 5.0}
    assert flags.loc["a"].tolist() == [True, True, True]
    assert pd.isna(flags.loc["p"]).all()


def test_rfm8_value_equal_to_mean_is_low():
    # recency 2, 4, 6 -> mean 4: the 4 is not high; frequency and monetary all equal -> all low
    m = rfm8_metrics([("x", 2, 3, 7, None), ("y", 4, 3, 7, None), ("z", 6, 3, 7, None)])
    assert segments.rfm8(m).tolist() == ["general_development", "general_winback", "general_winback"]


def test_rfm8_single_customer_is_general_winback():
    assert segments.rfm8(rfm8_metrics([("solo", 3, 2, 100, None)])).tolist() == ["general_winback"]


def test_rfm8_missing_monetary_gives_none():
    m = rfm8_metrics(RFM8_CASES)
    m.loc["a", "monetary"] = NAN  # M mean over the other seven: 31 / 7
    assert segments.rfm8(m).to_dict() == {"a": None, **{c[0]: c[4] for c in RFM8_CASES[1:]}}


def test_assign_dispatches_on_scheme():
    m = rfm8_metrics(RFM8_CASES[:1])
    sc = pd.DataFrame({"r_score": pd.array([5], dtype="Int64"), "f_score": pd.array([5], dtype="Int64")},
                      index=m.index)
    assert segments.assign(m, sc, Config()).tolist() == ["champions"]
    assert segments.assign(m, sc, Config(segment_scheme="rfm8")).tolist() == ["general_winback"]


def test_rfm8_all_eight_via_classify_with_a_prospect():
    # Customer sheet: as_of 2024-12-31; recency 1 or 9 days, orders 1 or 9, spend 1 or 9; plus a prospect.
    as_of = pd.Timestamp("2024-12-31")
    rows = [{"Customer ID": c[0], "Last Purchase": as_of - pd.Timedelta(days=c[1]), "Orders": c[2],
             "Total Spend": c[3]} for c in RFM8_CASES]
    rows.append({"Customer ID": "p", "Last Purchase": None, "Orders": 0, "Total Spend": 0})
    cust = pd.DataFrame(rows, index=range(2, 2 + len(rows)))
    res = classify(customers=cust, config=Config(segment_scheme="rfm8", as_of=as_of.date(), default_tags=False))
    out = res.customers.set_index("customer_id")
    assert plain(out["segment_key"]) == {**{c[0]: c[4] for c in RFM8_CASES}, "p": None}
    assert out.loc["b", "segment"] == "Important Development"
    assert out.loc["p", "stage_key"] == "prospect"
    zh = classify(customers=cust, config=Config(segment_scheme="rfm8", as_of=as_of.date(), lang="zh",
                                                default_tags=False))
    assert plain(zh.customers.set_index("customer_id")["segment"]) == {
        "a": "重要价值客户", "b": "重要发展客户", "c": "重要保持客户", "d": "重要挽留客户",
        "e": "一般价值客户", "f": "一般发展客户", "g": "一般保持客户", "h": "一般挽留客户", "p": None,
    }


@pytest.mark.parametrize("scheme", ["rfm10", "rfm8"])
def test_no_buyers_no_segments(scheme):
    tx = pd.DataFrame({"Customer ID": ["a", "b"], "Date": ["2024-01-01", "2024-01-02"], "Amount": [-1, -2]})
    res = classify(transactions=tx, config=Config(segment_scheme=scheme))
    assert res.customers["segment_key"].isna().tolist() == [True, True]
    assert res.customers["stage_key"].tolist() == ["prospect", "prospect"]
