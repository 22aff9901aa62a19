"""Segments from scores: ``rfm10`` (the editable 5x5 R x F grid) and ``rfm8``.

``rfm10``: the grid in ``Config.grid`` has rows R = 5, 4, 3, 2, 1 and columns
F = 1..5; every cell names exactly one segment key.

``rfm8`` (common in Chinese CRM practice): R, F and M are each *high* when
better than the buyers' mean (recency below the mean, frequency and monetary
above it); the three bits pick one of eight segments.

Both return a Series of segment keys (object dtype, None for prospects or when
a needed score is missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def rfm10(scores: pd.DataFrame, grid) -> pd.Series:
    r = scores["r_score"]
    f = scores["f_score"]
    ok = (r.notna() & f.notna()).to_numpy()
    flat = np.array([key for row in grid for key in row] + [None], dtype=object)
    pos = np.full(len(scores), len(flat) - 1)
    rv = r.to_numpy(dtype="float64", na_value=np.nan)
    fv = f.to_numpy(dtype="float64", na_value=np.nan)
    pos[ok] = ((5 - rv[ok]) * 5 + (fv[ok] - 1)).astype("int64")
    return pd.Series(flat[pos], index=scores.index, dtype=object)


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


def rfm8(metrics: pd.DataFrame) -> pd.Series:
    flags = rfm8_flags(metrics)
    ok = flags.notna().all(axis=1).to_numpy()
    code = np.zeros(len(flags), dtype="int64")
    for bit, col in ((4, "r_high"), (2, "f_high"), (1, "m_high")):
        code += bit * flags[col].fillna(False).astype(bool).to_numpy()
    table = np.empty(8, dtype=object)
    for (rh, fh, mh), key in RFM8.items():
        table[4 * rh + 2 * fh + mh] = key
    out = np.full(len(flags), None, dtype=object)
    out[ok] = table[code[ok]]
    return pd.Series(out, index=metrics.index, dtype=object)


def assign(metrics: pd.DataFrame, scores: pd.DataFrame, config) -> pd.Series:
    if config.segment_scheme == "rfm8":
        return rfm8(metrics)
    return rfm10(scores, config.grid)
