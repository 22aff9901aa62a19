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

``clv``: ``abc`` on the predicted value (the ``clv`` column of
``xlseg.core.predict``) instead of the spend so far; a buyer without a
prediction counts as 0 (C). Without a CLV column (nothing fitted) it is
``abc`` on monetary, and the engine notes that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.labels import keys_series

CLASSES = ("A", "B", "C")
CLASS_TO_TIER = {"A": "high", "B": "medium", "C": "low"}
TIER_KEYS = ("high", "medium", "low", "potential")  # what tier codes index; classes 0, 1, 2 -> the first three

# The *_codes functions give 0, 1, 2 for A, B, C and -1 where the value is missing;
# abc/quantile/threshold/classes are their object views.


def _values(monetary: pd.Series) -> np.ndarray:
    return monetary.to_numpy(dtype="float64", na_value=np.nan)


def abc_codes(monetary: pd.Series, a: float = 0.80, b: float = 0.95) -> np.ndarray:
    values = _values(monetary)
    valid = ~np.isnan(values)
    out = np.where(valid, 2, -1).astype(np.int8)
    with np.errstate(invalid="ignore"):
        pos = np.flatnonzero(values > 0)
    positive = pd.Series(values[pos])
    total = positive.sum()
    if total <= 0:
        return out
    # One group per distinct amount (equal amounts share a class), largest first; positional
    # throughout (no float-valued index to reindex by). Group sums add the members in row order.
    codes, uniques = pd.factorize(positive.to_numpy())
    sums = positive.groupby(codes).sum().to_numpy()
    order = np.argsort(-uniques, kind="stable")
    groups = sums[order]
    share_before = (np.cumsum(groups) - groups) / total
    cls = np.empty(len(uniques), dtype=np.int8)
    cls[order] = np.where(share_before < a, 0, np.where(share_before < b, 1, 2))
    out[pos] = cls[codes]
    return out


def quantile_codes(monetary: pd.Series, a: float = 0.20, b: float = 0.50) -> np.ndarray:
    values = _values(monetary)
    valid = ~np.isnan(values)
    out = np.full(len(values), -1, dtype=np.int8)
    n = int(valid.sum())
    if n:
        position = (pd.Series(values[valid]).rank(method="min", ascending=False).to_numpy() - 1) / n
        out[valid] = np.where(position < a, 0, np.where(position < b, 1, 2))
    return out


def threshold_codes(monetary: pd.Series, high: float, medium: float) -> np.ndarray:
    values = _values(monetary)
    with np.errstate(invalid="ignore"):
        out = np.where(values >= high, 0, np.where(values >= medium, 1, 2)).astype(np.int8)
    out[np.isnan(values)] = -1
    return out


def _classes(codes: np.ndarray, index, missing=None) -> pd.Series:
    return pd.Series(np.array(list(CLASSES) + [missing], dtype=object)[codes], index=index, dtype=object)


def abc(monetary: pd.Series, a: float = 0.80, b: float = 0.95) -> pd.Series:
    return _classes(abc_codes(monetary, a, b), monetary.index, missing=np.nan)  # NaN, as it always gave


def quantile(monetary: pd.Series, a: float = 0.20, b: float = 0.50) -> pd.Series:
    return _classes(quantile_codes(monetary, a, b), monetary.index)


def threshold(monetary: pd.Series, high: float, medium: float) -> pd.Series:
    return _classes(threshold_codes(monetary, high, medium), monetary.index)


def class_codes(metrics: pd.DataFrame, config) -> np.ndarray:
    """A/B/C codes (0/1/2) per buyer; -1 for prospects and unknown monetary."""
    monetary = metrics["monetary"].where(metrics["is_buyer"])
    if config.tier_method == "clv" and "clv" in metrics and metrics["clv"].notna().any():
        return abc_codes(metrics["clv"].fillna(0.0).where(metrics["is_buyer"]), config.abc_a, config.abc_b)
    if config.tier_method == "threshold":
        return threshold_codes(monetary, config.threshold_high, config.threshold_medium)
    if config.tier_method == "quantile":
        return quantile_codes(monetary, config.quantile_a, config.quantile_b)
    return abc_codes(monetary, config.abc_a, config.abc_b)


def classes(metrics: pd.DataFrame, config) -> pd.Series:
    """A/B/C per buyer (missing for prospects and unknown monetary)."""
    return _classes(class_codes(metrics, config), metrics.index,
                    missing=np.nan if config.tier_method == "abc" else None)


def tier_codes(class_code: np.ndarray, potential_segment: np.ndarray, config) -> np.ndarray:
    """Codes into :data:`TIER_KEYS` from class codes and the potential overlay.

    ``potential_segment``: per customer, whether its segment is one of
    ``config.potential_segments``.
    """
    out = class_code.astype(np.int8, copy=True)  # A, B, C -> high, medium, low; -1 stays -1
    if config.potential_overlay:
        out[(class_code >= 1) & np.asarray(potential_segment, dtype=bool)] = TIER_KEYS.index("potential")
    return out


def tiers(abc_class: pd.Series, segment_key: pd.Series, config) -> pd.Series:
    """Tier keys (high/medium/low/potential) from classes and the potential overlay."""
    code = pd.Categorical(abc_class, categories=CLASSES).codes
    potential = segment_key.isin(list(config.potential_segments)).to_numpy()
    return keys_series(tier_codes(code, potential, config), TIER_KEYS, abc_class.index)
