"""Lifecycle stages: the first rule that matches wins (docs/design.md "Lifecycle stages").

1. no purchase -> ``prospect``
2. recency > lost_days -> ``lost``
3. gap before the last purchase > lost_days -> ``reactivated`` (needs history)
4. first purchase <= new_days before as_of -> ``new``
5. recency > active_days, or >= churn_min_purchases purchases and
   recency > churn_gap_multiple x the customer's mean gap, or (when
   ``palive_warning`` is set and a ``p_alive`` column exists) P(alive) <
   palive_warning -> ``churn_warning``
6. otherwise ``active``

:data:`RULES` names the rule each stage comes from, for explanations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.labels import keys_series

ORDER = ("prospect", "lost", "reactivated", "new", "churn_warning", "active")


def conditions(metrics: pd.DataFrame, as_of: pd.Timestamp, config) -> list[np.ndarray]:
    recency = metrics["recency"].to_numpy(dtype="float64")
    since_first = ((as_of - metrics["first_purchase"]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    gap_before_last = metrics["gap_before_last"].to_numpy(dtype="float64")
    mean_gap = metrics["mean_gap"].to_numpy(dtype="float64")
    frequency = metrics["frequency"].to_numpy(dtype="float64")
    low_alive = np.zeros(len(metrics), dtype=bool)
    if config.palive_warning is not None and "p_alive" in metrics:
        with np.errstate(invalid="ignore"):
            low_alive = metrics["p_alive"].to_numpy(dtype="float64") < config.palive_warning
    with np.errstate(invalid="ignore"):
        return [
            ~metrics["is_buyer"].to_numpy(dtype=bool),
            recency > config.lost_days,
            gap_before_last > config.lost_days,
            since_first <= config.new_days,
            (recency > config.active_days)
            | ((frequency >= config.churn_min_purchases) & (recency > config.churn_gap_multiple * mean_gap))
            | low_alive,
        ]


def codes(metrics: pd.DataFrame, as_of: pd.Timestamp, config) -> np.ndarray:
    """Position in :data:`ORDER` per customer (int8); -1 for a buyer whose last purchase date is unknown."""
    out = np.select(conditions(metrics, as_of, config), range(len(ORDER) - 1), default=len(ORDER) - 1)
    out = out.astype(np.int8)
    out[metrics["is_buyer"].to_numpy(dtype=bool) & metrics["recency"].isna().to_numpy()] = -1
    return out


def assign(metrics: pd.DataFrame, as_of: pd.Timestamp, config) -> pd.Series:
    """Stage key per customer; None for a buyer whose last purchase date is unknown."""
    return keys_series(codes(metrics, as_of, config), ORDER, metrics.index)
