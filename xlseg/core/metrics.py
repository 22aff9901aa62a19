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
only). :func:`finish` adds ``recency`` and ``avg_order_value`` once as_of is
known.

Definitions (DESIGN.md "Metrics"): a purchase is a transaction row with a
non-negative amount; negative rows are refunds and only net out of monetary.
Frequency counts distinct purchase days, or distinct order ids when the basis
is ``orders`` (rows without an order id then count by day). Everything is
group-by and window work: no per-customer Python loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")


def from_transactions(tx: pd.DataFrame, *, basis: str = "auto") -> pd.DataFrame:
    """Aggregate transaction rows to one row per customer (see module docstring)."""
    has_orders = "order_id" in tx.columns and tx["order_id"].notna().any()
    use_orders = basis == "orders" or (basis == "auto" and has_orders)
    ids = tx["customer_id"]
    # Rounded so float summation order (row order) cannot split equal totals: 0.1 + 0.2 == 0.3 here.
    monetary = tx["amount"].groupby(ids, sort=False).sum().round(6)

    buys = tx.loc[tx["amount"] >= 0, ["customer_id", "date"] + (["order_id"] if has_orders else [])]
    days = buys[["customer_id", "date"]].drop_duplicates().sort_values(["customer_id", "date"], kind="stable")
    by_day = days.groupby("customer_id", sort=False)["date"]
    first = by_day.min()
    last = by_day.max()
    n_days = by_day.size()

    if use_orders and has_orders:
        with_id = buys[buys["order_id"].notna()]
        per_order = with_id.groupby("customer_id", sort=False)["order_id"].nunique()
        no_id = buys[buys["order_id"].isna()][["customer_id", "date"]].drop_duplicates()
        per_day = no_id.groupby("customer_id", sort=False).size()
        frequency = per_order.add(per_day, fill_value=0)
    else:
        frequency = n_days

    # Gap between the last two purchase days: previous day within the same customer.
    cid = days["customer_id"].to_numpy()
    dates = days["date"].to_numpy()
    same = np.zeros(len(days), dtype=bool)
    same[1:] = cid[1:] == cid[:-1]
    diff = np.full(len(days), np.nan)
    if len(days) > 1:
        diff[1:] = (dates[1:] - dates[:-1]) / DAY
    diff[~same] = np.nan
    last_rows = np.ones(len(days), dtype=bool)  # last purchase day of each customer
    last_rows[:-1] = cid[1:] != cid[:-1]
    gap_before_last = pd.Series(diff[last_rows], index=cid[last_rows])

    out = pd.DataFrame({"monetary": monetary})
    out.index.name = "customer_id"
    out["first_purchase"] = first
    out["last_purchase"] = last
    out["frequency"] = frequency.astype("float64")
    out["frequency"] = out["frequency"].fillna(0.0)
    span = (out["last_purchase"] - out["first_purchase"]) / pd.Timedelta(days=1)
    n = n_days.reindex(out.index)
    out["mean_gap"] = (span / (n - 1)).where(n >= 2)
    out["gap_before_last"] = gap_before_last.reindex(out.index)
    return out[["first_purchase", "last_purchase", "frequency", "monetary", "mean_gap", "gap_before_last"]]


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


def latest_purchase(metrics: pd.DataFrame):
    """The latest purchase date in the data, or None when nobody bought."""
    last = metrics["last_purchase"].max()
    return None if pd.isna(last) else pd.Timestamp(last)


def finish(metrics: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Add ``recency`` (whole days to as_of), ``avg_order_value`` and ``is_buyer``."""
    out = metrics.copy()
    out["recency"] = ((as_of - out["last_purchase"]) / pd.Timedelta(days=1)).round()
    out["is_buyer"] = (out["frequency"] > 0) | (out["frequency"].isna() & out["last_purchase"].notna())
    freq = out["frequency"].where(out["frequency"] > 0)
    out["avg_order_value"] = out["monetary"] / freq
    return out
