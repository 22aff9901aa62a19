"""Per-customer purchase metrics as of a date.

Input frames use canonical column names (see ``xlseg.core.columns``):

* transactions: ``customer_id``, ``date`` (datetime64, midnight), ``amount``
  (float), optional ``order_id``.
* customers: ``customer_id`` and any of ``first_purchase``, ``last_purchase``,
  ``orders``, ``monetary``.

Output (:func:`from_transactions`, :func:`from_customers`): one row per
customer, indexed by ``customer_id``, with ``first_purchase``,
``last_purchase``, ``frequency``, ``monetary``, ``mean_gap`` (days between
first and last purchase day divided by purchase days - 1) and
``gap_before_last`` (days between the last two purchase days; transactions
only) and, from transactions, ``first_spend`` (the net amount of the first
purchase day, which the Gamma-Gamma model leaves out of the repeat spend). :func:`finish` adds ``recency`` and ``avg_order_value`` once as_of is
known.

Definitions (docs/design.md "Metrics"): a purchase is a transaction row with a
non-negative amount; negative rows are refunds and only net out of monetary.
Frequency counts distinct purchase days, or distinct order ids when the basis
is ``orders`` (rows without an order id then count by day). Everything is
group-by and window work: no per-customer Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
# What from_transactions gives per customer (and what xlseg.engines aggregates to).
COLUMNS = ("first_purchase", "last_purchase", "frequency", "monetary", "mean_gap", "gap_before_last", "first_spend")


def _pairs(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """Distinct (major, minor) pairs of non-negative ints, sorted by major then minor, as one int64 key."""
    keys = np.sort((major.astype(np.int64) << 32) | minor.astype(np.int64))
    # sort + adjacent difference: numpy's np.unique hashes int64 first and is several times slower here
    keep = np.ones(len(keys), dtype=bool)
    keep[1:] = keys[1:] != keys[:-1]
    return keys[keep]


def from_transactions(tx: pd.DataFrame, *, basis: str = "auto") -> pd.DataFrame:
    """Aggregate transaction rows to one row per customer (see module docstring).

    Customer ids are factorised to integer codes once; every group-by, sort and
    de-duplication after that works on int64 keys (a million string ids would
    otherwise be hashed and compared again at each step).
    """
    has_orders = "order_id" in tx.columns and tx["order_id"].notna().any()
    use_orders = basis == "orders" or (basis == "auto" and has_orders)
    code, ids = pd.factorize(tx["customer_id"], sort=False)  # first-appearance order
    n = len(ids)
    # Rounded so float summation order (row order) cannot split equal totals: 0.1 + 0.2 == 0.3 here.
    monetary = pd.Series(tx["amount"].to_numpy(dtype="float64")).groupby(code, sort=False).sum()
    monetary = monetary.reindex(range(n)).round(6).to_numpy()

    buy = tx["amount"].to_numpy(dtype="float64") >= 0
    day = tx["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    base_day = day[buy].min() if buy.any() else 0
    keys = _pairs(code[buy], day[buy] - base_day)  # distinct purchase days per customer, sorted
    cid = (keys >> 32).astype(np.int64)
    dates = (keys & 0xFFFFFFFF) + base_day
    n_days = np.bincount(cid, minlength=n)
    first_rows = np.ones(len(keys), dtype=bool)
    first_rows[1:] = cid[1:] != cid[:-1]
    last_rows = np.ones(len(keys), dtype=bool)  # last purchase day of each customer
    last_rows[:-1] = cid[1:] != cid[:-1]
    first = np.full(n, np.iinfo(np.int64).min)
    last = np.full(n, np.iinfo(np.int64).min)
    first[cid[first_rows]] = dates[first_rows]
    last[cid[last_rows]] = dates[last_rows]

    if use_orders and has_orders:
        order = tx["order_id"].to_numpy(dtype=object)
        with_id = buy & pd.notna(order)
        ocode, _ = pd.factorize(order[with_id])
        per_order = np.bincount((_pairs(code[with_id], ocode) >> 32).astype(np.int64), minlength=n)
        no_id = buy & ~pd.notna(order)
        per_day = np.bincount((_pairs(code[no_id], day[no_id] - base_day) >> 32).astype(np.int64), minlength=n)
        frequency = (per_order + per_day).astype("float64")
    else:
        frequency = n_days.astype("float64")

    amount = tx["amount"].to_numpy(dtype="float64")
    on_first = day == first[code]
    first_spend = np.bincount(code[on_first], weights=amount[on_first], minlength=n).astype("float64").round(6)
    first_spend[first == np.iinfo(np.int64).min] = np.nan

    # Gap between the last two purchase days: previous day within the same customer.
    diff = np.full(len(keys), np.nan)
    if len(keys) > 1:
        diff[1:] = dates[1:] - dates[:-1]
    diff[first_rows] = np.nan
    gap_before_last = np.full(n, np.nan)
    gap_before_last[cid[last_rows]] = diff[last_rows]

    def as_dates(days: np.ndarray) -> np.ndarray:
        out = days.astype("datetime64[D]").astype("datetime64[ns]")
        out[days == np.iinfo(np.int64).min] = np.datetime64("NaT")
        return out

    first_d, last_d = as_dates(first), as_dates(last)
    span = (last_d - first_d) / DAY
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(n_days >= 2, span / (n_days - 1), np.nan)
    return pd.DataFrame({
        "first_purchase": first_d, "last_purchase": last_d, "frequency": frequency, "monetary": monetary,
        "mean_gap": mean_gap, "gap_before_last": gap_before_last, "first_spend": first_spend,
    }, index=pd.Index(ids, name="customer_id"))


def from_customers(customers: pd.DataFrame) -> pd.DataFrame:
    """Metrics typed on a customer sheet (one row per customer, ids already unique)."""
    out = pd.DataFrame(index=pd.Index(customers["customer_id"], name="customer_id"))
    nat = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    first = customers["first_purchase"].to_numpy() if "first_purchase" in customers else nat
    last = customers["last_purchase"].to_numpy() if "last_purchase" in customers else nat
    out["first_purchase"] = first
    out["last_purchase"] = last
    if "orders" in customers:
        freq = pd.Series(customers["orders"].to_numpy(dtype="float64"), index=out.index)
        # A customer with a purchase date but a blank order count has bought at least once.
        freq = freq.where(freq.notna() | out["last_purchase"].isna(), 1.0)
        out["frequency"] = freq.fillna(0.0)
    else:
        out["frequency"] = np.where(out["last_purchase"].notna(), np.nan, 0.0)
    if "monetary" in customers:
        out["monetary"] = customers["monetary"].to_numpy(dtype="float64")
    else:
        out["monetary"] = np.nan
    span = (out["last_purchase"] - out["first_purchase"]) / pd.Timedelta(days=1)
    out["mean_gap"] = (span / (out["frequency"] - 1)).where(out["frequency"] >= 2)
    out["gap_before_last"] = np.nan
    return out


def latest_purchase(metrics: pd.DataFrame, until=None):
    """The latest purchase date in the data (not after ``until`` when given), or None when nobody bought."""
    last = metrics["last_purchase"].to_numpy()
    if until is not None:
        last = last[last <= np.datetime64(pd.Timestamp(until).to_datetime64())]
    last = pd.Series(last).max() if len(last) else pd.NaT
    return None if pd.isna(last) else pd.Timestamp(last)


def finish(metrics: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add ``recency`` (whole days to as_of), ``avg_order_value`` and ``is_buyer``."""
    out = metrics.copy()
    out["recency"] = ((as_of - out["last_purchase"]) / pd.Timedelta(days=1)).round()
    out["is_buyer"] = (out["frequency"] > 0) | (out["frequency"].isna() & out["last_purchase"].notna())
    freq = out["frequency"].where(out["frequency"] > 0)
    out["avg_order_value"] = out["monetary"] / freq
    return out
