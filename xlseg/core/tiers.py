"""Value tiers: ``abc`` (share of revenue), ``threshold`` (fixed amounts), ``quantile``.

All three first give each buyer a class A, B or C; A is High value, B Medium
value, C Low value. With ``potential_overlay`` a B or C customer whose segment
is one of ``potential_segments`` (New Customers, Promising, Potential
Loyalists by default) is tiered Potential instead. Prospects get no tier.

``abc``: rank buyers by monetary, largest first; A holds the customers making
the first ``abc_a`` (80 %) of revenue, the customer crossing that line
included; B continues up to ``abc_b`` (95 %); C is the rest. Customers with
equal monetary always share a class, so the crossing "customer" is the whole
group of customers tied at the crossing amount. Zero or negative spend is C.

``quantile``: rank by monetary (ties share the best rank); the top
``quantile_a`` share of buyers is A, down to ``quantile_b`` B, the rest C.

``threshold``: monetary >= ``threshold_high`` is A, >= ``threshold_medium``
B, else C.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASS_TO_TIER = {"A": "high", "B": "medium", "C": "low"}


def abc(monetary: pd.Series, a: float = 0.80, b: float = 0.95) -> pd.Series:
    values = monetary.to_numpy(dtype="float64", na_value=np.nan)
    valid = ~np.isnan(values)
    out = np.full(len(values), np.nan, dtype=object)  # missing as NaN, as this function always gave
    out[valid] = "C"
    with np.errstate(invalid="ignore"):
        pos = np.flatnonzero(values > 0)
    positive = pd.Series(values[pos])
    total = positive.sum()
    if total <= 0:
        return pd.Series(out, index=monetary.index, dtype=object)
    # One group per distinct amount (equal amounts share a class), largest first; positional
    # throughout (no float-valued index to reindex by). Group sums add the members in row order.
    codes, uniques = pd.factorize(positive.to_numpy())
    sums = positive.groupby(codes).sum().to_numpy()
    order = np.argsort(-uniques, kind="stable")
    groups = sums[order]
    share_before = (np.cumsum(groups) - groups) / total
    cls = np.empty(len(uniques), dtype=object)
    cls[order] = np.where(share_before < a, "A", np.where(share_before < b, "B", "C"))
    out[pos] = cls[codes]
    return pd.Series(out, index=monetary.index, dtype=object)


def quantile(monetary: pd.Series, a: float = 0.20, b: float = 0.50) -> pd.Series:
    valid = monetary.notna()
    out = pd.Series(None, index=monetary.index, dtype=object)
    n = int(valid.sum())
    if n == 0:
        return out
    position = (monetary[valid].rank(method="min", ascending=False) - 1) / n
    out[valid] = np.where(position < a, "A", np.where(position < b, "B", "C"))
    return out


def threshold(monetary: pd.Series, high: float, medium: float) -> pd.Series:
    valid = monetary.notna()
    out = pd.Series(None, index=monetary.index, dtype=object)
    values = monetary[valid]
    out[valid] = np.where(values >= high, "A", np.where(values >= medium, "B", "C"))
    return out


def classes(metrics: pd.DataFrame, config) -> pd.Series:
    """A/B/C per buyer (None for prospects and unknown monetary)."""
    monetary = metrics["monetary"].where(metrics["is_buyer"])
    if config.tier_method == "threshold":
        return threshold(monetary, config.threshold_high, config.threshold_medium)
    if config.tier_method == "quantile":
        return quantile(monetary, config.quantile_a, config.quantile_b)
    return abc(monetary, config.abc_a, config.abc_b)


def tiers(abc_class: pd.Series, segment_key: pd.Series, config) -> pd.Series:
    """Tier keys (high/medium/low/potential) from classes and the potential overlay."""
    key = abc_class.map(CLASS_TO_TIER)
    if config.potential_overlay:
        overlay = key.isin(["medium", "low"]) & segment_key.isin(list(config.potential_segments))
        key = key.mask(overlay, "potential")
    return key.astype(object).where(key.notna(), None)
