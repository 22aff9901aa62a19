"""The result of a run: the Result record, its columns, and the engine's Categoricals made plain values."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core import predict
from xlseg.core.config import Config

RESULT_COLUMNS = [
    "customer_id", "name", "recency", "frequency", "monetary", "avg_order_value", "first_purchase",
    "last_purchase", "mean_gap", "gap_before_last", "r_score", "f_score", "m_score", "rfm",
    "segment_key", "segment", "abc", "tier_key", "value_tier", "stage_key", "stage", "tags",
    # issue 7: manual override marker ("" when none) and the Why explanation
    "override", "why",
]


# issue 15: predicted value (xlseg.core.predict), after the others; only when the data support a fit.
PREDICTION_COLUMNS = list(predict.COLUMNS)


@dataclass
class Result:
    """Everything one classification run produced.

    * ``customers``: one row per customer (``RESULT_COLUMNS`` plus ``is_buyer``,
      ``source_row`` - the customer-sheet row, <NA> for customers found only
      in transactions - and the customer sheet's attribute columns).
    * ``summaries``: ``segments``, ``tier_stage``, ``tags``, ``kpis``, ``cut_points``; ``model``
      (model, parameter, value: the fitted BG/NBD and Gamma-Gamma parameters, alpha in days),
      ``model_fit`` (model, customers, time_unit) and ``calibration`` (repeat_purchases, actual,
      expected); all empty when nothing was fitted.
    * ``issues``: the data-quality findings (sheet, row, column, value, problem, action).
    * ``flags``: one boolean column per tag; ``tags``: (customer_id, tag) long form.
    * ``notes``: features skipped because a column is missing, and similar remarks.
    * ``understood``: what the run made of its input, one sentence each (see :mod:`xlseg.core.explain`
      for per-customer reasons); ``warnings``: what may make the result wrong (over 5 % of rows
      rejected, a whole feature skipped); ``issue_groups``: :func:`xlseg.core.issues.group` of ``issues``;
      ``issue_rows``: how many distinct rows have a finding.
    """

    customers: pd.DataFrame
    summaries: dict
    issues: pd.DataFrame
    flags: pd.DataFrame
    tags: pd.DataFrame
    as_of: pd.Timestamp | None
    config: Config
    notes: list = field(default_factory=list)
    customer_columns: dict = field(default_factory=dict)
    transaction_columns: dict = field(default_factory=dict)
    cut_points: pd.DataFrame | None = None
    # Customer-sheet row -> customer id, for every row that was classified (duplicates included).
    row_ids: pd.Series | None = None
    # issue 11: what the run understood (sheets, column -> field, derived amounts, conventions), in words;
    # warnings (many rows rejected, a whole feature skipped); the issues grouped by kind of problem;
    # the attribute columns taken from order lines (shown on the Customers sheet).
    understood: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    issue_groups: pd.DataFrame | None = None
    attributes: list = field(default_factory=list)
    home_country: str | None = None
    # how many distinct rows have a finding (a row with two problems is one row)
    issue_rows: int | None = None


def _keys_and_labels(codes: np.ndarray, keys, table: dict, lang: str):
    """(keys, words) as two Categoricals over the same codes.

    The categories are every key of ``table`` (so a manual override to any key
    fits), in the table's order; ``codes`` index ``keys`` (-1: none). The words
    of one language are distinct (a test checks it), as categories must be.
    """
    every = list(dict.fromkeys([*table, *keys]))
    recode = np.array([every.index(k) for k in keys] + [-1], dtype=np.int16)[codes]
    words = L.labels(table, lang)
    return (pd.Categorical.from_codes(recode, categories=every),
            pd.Categorical.from_codes(recode, categories=[words.get(k, k) for k in every]))


def _columns(frame: pd.DataFrame, names: list) -> pd.DataFrame:
    """``frame[names]`` without consolidating ``frame`` (no copy of a million-row block)."""
    return pd.DataFrame({c: frame[c] for c in names}, index=frame.index, copy=False)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to what a frame of their values holds (str, or object when mixed).

    A column of strings becomes pandas' ``str`` (missing: NaN) by a take from its
    categories, without checking a million strings again.
    """
    out = {}
    for col in frame.columns:
        values = frame[col]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            continue
        cats = np.asarray(values.cat.categories, dtype=object)
        codes = values.cat.codes.to_numpy()
        if len(cats) and (codes >= 0).any() and all(isinstance(c, str) for c in cats):
            out[col] = pd.array(cats, dtype="str").take(codes, allow_fill=True)
        else:
            out[col] = pd.Series(np.append(cats, None)[codes], index=frame.index).array
    # One frame over the new arrays (copy=False): assigning them one by one would copy each.
    return pd.DataFrame({c: out.get(c, frame[c]) for c in frame.columns}, index=frame.index, copy=False)


RFM_CODES = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


def _rfm_code(sc: pd.DataFrame) -> pd.Categorical:
    """'545'-style codes (missing when a score is), as codes into the 125 possible ones."""
    r, f, m = (sc[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("r_score", "f_score", "m_score"))
    code = (r - 1) * 25 + (f - 1) * 5 + (m - 1)
    return pd.Categorical.from_codes(np.where(np.isnan(code), -1, code).astype(np.int16), categories=RFM_CODES)
