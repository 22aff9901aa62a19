"""R, F and M scores 1-5, deterministic and tie-consistent.

``rank`` method (default): over the buyers that have a value,
``score = 1 + floor(5 * (rank_min - 1) / n)``, ranking so that higher is
better (recency ranks descending: fewer days is better). Equal values share
``rank_min`` and therefore the score; row order never matters.

``cuts`` method: fixed cut points for scores 2, 3, 4, 5. F and M: a value >=
cut earns at least that score; R: recency <= cut (days) does.

:func:`cut_points` reports what was actually used: per metric and score, the
number of customers, the smallest and largest value, and the effective cut
(the value a customer needs to reach that score).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = (("R", "recency", False), ("F", "frequency", True), ("M", "monetary", True))


def rank_score(values: pd.Series, *, higher_is_better: bool = True) -> pd.Series:
    """1-5 by rank among the non-missing values; missing stays <NA> (Int64).

    ``score = 1 + floor(5 (rank_min - 1) / n)`` reaches ``k + 1`` exactly when at
    least ``ceil(k n / 5)`` values are worse than this one, i.e. when the
    ``ceil(k n / 5)``-th worst value is strictly worse. So one sort and four
    comparisons give the scores, with no per-row rank (an argsort) at all.
    """
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    valid = ~np.isnan(x)
    n = int(valid.sum())
    data = np.zeros(len(x), dtype="int64")
    if n:
        v = x[valid] if higher_is_better else -x[valid]  # rank descending = ascending rank of -x
        worst_first = np.sort(v)
        score = np.ones(n, dtype="int64")
        for k in range(1, 5):
            score += worst_first[-(-k * n // 5) - 1] < v
        data[valid] = score
    return pd.Series(pd.arrays.IntegerArray(data, ~valid), index=values.index)


def cut_score(values: pd.Series, cuts, *, higher_is_better: bool = True) -> pd.Series:
    """1 + number of cut points reached (>= cut, or <= cut when lower is better)."""
    valid = values.notna()
    v = values[valid].to_numpy(dtype="float64")[:, None]
    c = np.asarray(cuts, dtype="float64")[None, :]
    reached = (v >= c) if higher_is_better else (v <= c)
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    out[valid] = 1 + reached.sum(axis=1)
    return out


def score_all(metrics: pd.DataFrame, config) -> pd.DataFrame:
    """``r_score``, ``f_score``, ``m_score`` for buyers (prospects stay <NA>)."""
    buyers = metrics["is_buyer"]
    out = pd.DataFrame(index=metrics.index)
    for letter, column, higher in METRICS:
        values = metrics[column].where(buyers)
        if config.score_method == "cuts":
            cuts = {"R": config.r_cuts, "F": config.f_cuts, "M": config.m_cuts}[letter]
            out[f"{letter.lower()}_score"] = cut_score(values, cuts, higher_is_better=higher)
        else:
            out[f"{letter.lower()}_score"] = rank_score(values, higher_is_better=higher)
    return out


def cut_points(metrics: pd.DataFrame, scores: pd.DataFrame, config) -> pd.DataFrame:
    """What each score means in this run: metric, score, customers, min, max, cut, rule.

    ``cut`` is the configured cut point (cuts method) or, for the rank method,
    the effective one: the lowest F/M value, or the highest recency, that
    reached the score. ``rule`` reads like ``"<= 30"`` or ``">= 5"``.
    """
    rows = []
    for letter, column, higher in METRICS:
        score = scores[f"{letter.lower()}_score"]
        values = metrics[column]
        cuts = {"R": config.r_cuts, "F": config.f_cuts, "M": config.m_cuts}[letter]
        valid = score.notna()
        grouped = values[valid].groupby(score[valid].astype("int64"))
        stats = grouped.agg(["size", "min", "max"]).reindex(range(1, 6))
        for s in range(1, 6):
            n = stats.loc[s, "size"]
            lo, hi = stats.loc[s, "min"], stats.loc[s, "max"]
            if config.score_method == "cuts":
                cut = None if s == 1 else float(cuts[s - 2])
            else:
                cut = None if pd.isna(n) else float(lo if higher else hi)
            op = ">=" if higher else "<="
            rule = "" if cut is None else f"{op} {_num(cut)}"
            if s == 1 and config.score_method == "cuts":
                rule = f"< {_num(cuts[0])}" if higher else f"> {_num(cuts[0])}"
            rows.append({
                "metric": letter, "score": s, "customers": 0 if pd.isna(n) else int(n),
                "min": None if pd.isna(lo) else float(lo), "max": None if pd.isna(hi) else float(hi),
                "cut": cut, "rule": rule,
            })
    return pd.DataFrame(rows, columns=["metric", "score", "customers", "min", "max", "cut", "rule"])


def _num(x) -> str:
    x = float(x)
    return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"
