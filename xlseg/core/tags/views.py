"""A customer column viewed the ways rules need it (text, numbers, dates), each view computed once."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core.tags.operators import _LABEL_COLUMNS
from xlseg.core.tags.values import _number, _text

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


class _Column:
    """One frame column, viewed the ways rules need it; every view is computed once."""

    def __init__(self, frame: pd.DataFrame, name):
        self.frame = frame
        self.name = name
        series = frame[name]
        if isinstance(series, pd.DataFrame):  # duplicate header: the first one
            series = series.iloc[:, 0]
        self.series = series
        dtype = series.dtype
        if name in _LABEL_COLUMNS:
            self.kind = "label"
        elif pd.api.types.is_bool_dtype(dtype):
            self.kind = "text"
        elif pd.api.types.is_numeric_dtype(dtype):
            self.kind = "number"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            self.kind = "date"
        else:
            self.kind = "text"

    # --- numbers / dates
    @cached_property
    def numbers(self) -> np.ndarray:
        """float64, NaN where missing (numeric columns; text columns coerced per unique value)."""
        if self.kind == "number":
            return self.series.to_numpy(dtype="float64", na_value=np.nan)
        if self.kind == "date":
            out = self.days.astype("float64")
            out[self.missing] = np.nan
            return out
        values = np.array([np.nan if v is None else v for v in map(_number, self.uniques)] + [np.nan],
                          dtype="float64")
        return values[self.codes]

    @cached_property
    def days(self) -> np.ndarray:
        """int64 days since 1970-01-01 (date columns); garbage where missing."""
        series = self.series
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return series.to_numpy().astype("datetime64[D]").astype("int64")

    # --- unique values
    @cached_property
    def _factorized(self):
        source = self.series
        if self.kind == "label":
            key_column = _LABEL_COLUMNS[self.name][1]
            if key_column in self.frame.columns:
                source = self.frame[key_column]
        return pd.factorize(source, use_na_sentinel=True)

    @property
    def codes(self) -> np.ndarray:
        return self._factorized[0]

    @property
    def uniques(self) -> list:
        return list(self._factorized[1])

    @cached_property
    def texts(self) -> list[str | None]:
        return [_text(u) for u in self.uniques]

    @cached_property
    def keys(self) -> list[str | None]:
        """Label key of every unique value (label columns); None when not a label."""
        table = _LABEL_COLUMNS[self.name][0]
        return [None if t is None else L.key_of(table, u) for u, t in zip(self.uniques, self.texts)]

    def per_unique(self, flags) -> np.ndarray:
        """Spread one boolean per unique value to every row (missing rows: False)."""
        return np.append(np.asarray(list(flags), dtype=bool), False)[self.codes]

    @cached_property
    def missing(self) -> np.ndarray:
        if self.kind == "number":
            return np.isnan(self.numbers)
        if self.kind == "date":
            return self.series.isna().to_numpy()
        return self.per_unique(t is None for t in self.texts) | (self.codes < 0)
