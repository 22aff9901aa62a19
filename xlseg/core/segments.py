"""Segments from scores: ``rfm10`` (the editable 5x5 R x F grid) and ``rfm8``.

``rfm10``: the grid in ``Config.grid`` has rows R = 5, 4, 3, 2, 1 and columns
F = 1..5; every cell names exactly one segment key.

``rfm8`` (common in Chinese CRM practice): R, F and M are each *high* when
better than the buyers' mean (recency below the mean, frequency and monetary
above it); the three bits pick one of eight segments.

Both return a Series of segment keys (object dtype, None for prospects or when
a needed score is missing). :func:`codes` gives the same as integer codes into
a list of keys, which is what the engine carries (as a Categorical).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.labels import keys_series

# (R high, F high, M high) -> key
RFM8 = {
    (True, True, True): "important_value",
    (True, False, True): "important_development",
    (False, True, True): "important_retention",
    (False, False, True): "important_winback",
    (True, True, False): "general_value",
    (True, False, False): "general_development",
    (False, True, False): "general_retention",
    (False, False, False): "general_winback",
}


def rfm10_codes(scores: pd.DataFrame, grid) -> tuple[np.ndarray, list[str]]:
    """(code per customer into the grid's distinct keys, -1 without a segment; those keys)."""
    flat = [key for row in grid for key in row]
    keys = list(dict.fromkeys(flat))
    lookup = np.array([keys.index(k) for k in flat] + [-1], dtype=np.int8)
    r = scores["r_score"].to_numpy(dtype="float64", na_value=np.nan)
    f = scores["f_score"].to_numpy(dtype="float64", na_value=np.nan)
    ok = ~(np.isnan(r) | np.isnan(f))
    pos = np.full(len(scores), len(flat))
    pos[ok] = ((5 - r[ok]) * 5 + (f[ok] - 1)).astype("int64")
    return lookup[pos], keys


def rfm10(scores: pd.DataFrame, grid) -> pd.Series:
    return keys_series(*rfm10_codes(scores, grid), scores.index)


def rfm8_flags(metrics: pd.DataFrame) -> pd.DataFrame:
    """R/F/M high flags against the buyers' means, and the means used."""
    buyers = metrics["is_buyer"]
    out = pd.DataFrame(index=metrics.index)
    means = {}
    for letter, column, higher in (("r", "recency", False), ("f", "frequency", True), ("m", "monetary", True)):
        values = metrics[column].where(buyers)
        mean = values.mean()
        means[letter] = mean
        high = (values < mean) if not higher else (values > mean)
        # object dtype: True/False, NaN where the value is missing (a bool column cannot hold NaN)
        out[f"{letter}_high"] = high.astype(object).where(values.notna(), np.nan)
    out.attrs["means"] = means
    return out


RFM8_ORDER = tuple(RFM8[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8))  # by 4R + 2F + M


def rfm8_codes(metrics: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """(code 4 R + 2 F + M per customer, -1 when a flag is missing; the keys by code)."""
    flags = rfm8_flags(metrics)
    ok = flags.notna().all(axis=1).to_numpy()
    code = np.zeros(len(flags), dtype=np.int8)
    for bit, col in ((4, "r_high"), (2, "f_high"), (1, "m_high")):
        code += bit * flags[col].fillna(False).astype(bool).to_numpy()
    code[~ok] = -1
    return code, list(RFM8_ORDER)


def rfm8(metrics: pd.DataFrame) -> pd.Series:
    return keys_series(*rfm8_codes(metrics), metrics.index)


def codes(metrics: pd.DataFrame, scores: pd.DataFrame, config) -> tuple[np.ndarray, list[str]]:
    """Segment codes of the configured scheme and the keys they index (-1: no segment)."""
    if config.segment_scheme == "rfm8":
        return rfm8_codes(metrics)
    return rfm10_codes(scores, config.grid)


def assign(metrics: pd.DataFrame, scores: pd.DataFrame, config) -> pd.Series:
    return keys_series(*codes(metrics, scores, config), metrics.index)
