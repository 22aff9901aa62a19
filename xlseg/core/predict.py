"""Predicted value per customer: BG/NBD and Gamma-Gamma fitted on the data, as columns, a model table and a calibration table.

Input: the metrics frame (``xlseg.core.metrics``) with ``frequency``,
``first_purchase``, ``last_purchase``, ``monetary`` and, from transactions,
``first_spend`` (the spend of the first purchase day). Per customer:

* ``x`` = frequency - 1 repeat purchases, ``t_x`` = days from first to last
  purchase, ``T`` = days from first purchase to as_of;
* ``m`` = mean spend of the repeat purchases: (monetary - first_spend) / x from
  transactions; from a customer sheet (no first_spend) the average order value
  monetary / frequency stands in for it.

Output columns (:data:`COLUMNS`): ``p_alive`` (BG/NBD P(alive) at as_of),
``expected_purchases`` in the next ``predict_days`` days, ``expected_spend``
per purchase (Gamma-Gamma) and ``clv``:

    clv = expected_spend * sum_{i=1..clv_months} (E(i*D) - E((i-1)*D)) / (1 + discount_rate)^i

where E(t) is the expected number of purchases in the next t days and
D = 365/12 days (a twelfth of a year), the discounted sum of each month's
expected purchases times the expected spend per purchase (lifetimes'
``customer_lifetime_value`` with months of 365/12 days). With discount_rate 0
and 12 months, clv = E(365 days) * expected_spend.

When the data cannot support a fit (no purchase history, too few repeat
buyers, a fit that does not converge) there are no prediction columns and a
note says why; customers whose dates are inconsistent get blank predictions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlseg.core import bgnbd, gammagamma
from xlseg.core.bgnbd import BgNbd, FitError
from xlseg.core.gammagamma import GammaGamma

COLUMNS = ("p_alive", "expected_purchases", "expected_spend", "clv")
MONTH_DAYS = 365 / 12
MIN_CUSTOMERS = 20       # customers with a purchase history
MIN_REPEAT = 10          # of whom bought more than once (BG/NBD), or have a repeat spend (Gamma-Gamma)
CALIBRATION_BINS = 7     # 0 .. 6 repeat purchases, then "7+"
DAY = pd.Timedelta(days=1)


@dataclass
class Prediction:
    """What :func:`predict` produced; ``columns`` is None when BG/NBD could not be fitted."""

    columns: pd.DataFrame | None
    model: pd.DataFrame
    calibration: pd.DataFrame
    notes: list = field(default_factory=list)
    bgnbd: BgNbd | None = None
    gammagamma: GammaGamma | None = None


def inputs(metrics: pd.DataFrame, as_of) -> pd.DataFrame:
    """Columns x, t_x, T (days) and m per customer; NaN where the customer has no usable history."""
    n = len(metrics)
    nan = np.full(n, np.nan)
    if as_of is None or pd.isna(as_of) or "frequency" not in metrics:
        return pd.DataFrame({"x": nan, "t_x": nan, "T": nan, "m": nan}, index=metrics.index)
    freq = metrics["frequency"].to_numpy(dtype="float64", na_value=np.nan)
    first = metrics["first_purchase"].to_numpy(dtype="datetime64[ns]")
    last = metrics["last_purchase"].to_numpy(dtype="datetime64[ns]")
    as_of = np.datetime64(pd.Timestamp(as_of), "ns")
    t_x = (last - first) / np.timedelta64(1, "D")
    T = (as_of - first) / np.timedelta64(1, "D")
    x = freq - 1
    with np.errstate(invalid="ignore"):
        ok = (x >= 0) & (x == np.floor(x)) & (t_x >= 0) & (T >= t_x)
        monetary = metrics["monetary"].to_numpy(dtype="float64", na_value=np.nan) if "monetary" in metrics else nan
        if "first_spend" in metrics:
            first_spend = metrics["first_spend"].to_numpy(dtype="float64", na_value=np.nan)
            m = np.where(x > 0, (monetary - first_spend) / np.where(x > 0, x, 1.0), np.nan)
        else:
            m = np.where(x > 0, monetary / np.where(x > 0, freq, 1.0), np.nan)
    return pd.DataFrame({"x": np.where(ok, x, np.nan), "t_x": np.where(ok, t_x, np.nan),
                         "T": np.where(ok, T, np.nan), "m": np.where(ok, m, np.nan)}, index=metrics.index,
                        copy=False)


def clv(bg: BgNbd, gg: GammaGamma, x, t_x, T, m, *, months: int = 12, discount_rate: float = 0.01,
        pairs: bgnbd.Pairs | None = None, alive=None, spend=None) -> np.ndarray:
    """Discounted value of the next ``months`` months (see the module docstring for the formula).

    ``pairs``, ``alive`` (P(alive)) and ``spend`` (expected spend) are computed here when not given.
    """
    pairs = pairs or bgnbd.Pairs(x, T)
    alive = bgnbd.p_alive(bg, x, t_x, T) if alive is None else alive
    spend = gammagamma.expected_spend(gg, x, m) if spend is None else spend
    # discounted sum of each month's share of the future factor, per distinct (x, T)
    weights = np.zeros(len(pairs.x))
    before = np.zeros(len(pairs.x))
    for i in range(1, months + 1):
        now = bgnbd.future_factor(bg, i * MONTH_DAYS, pairs.x, pairs.T)
        weights += (now - before) / (1.0 + discount_rate) ** i
        before = now
    return alive * pairs.spread(weights) * spend


def model_frame(bg: BgNbd | None, gg: GammaGamma | None) -> pd.DataFrame:
    """Tidy parameters: model ("BG/NBD", "Gamma-Gamma"), parameter, value (alpha in days)."""
    rows = []
    if bg is not None:
        rows += [("BG/NBD", k, getattr(bg, k)) for k in ("r", "alpha", "a", "b")]
    if gg is not None:
        rows += [("Gamma-Gamma", k, getattr(gg, k)) for k in ("p", "q", "gamma")]
    return pd.DataFrame({"model": pd.Series([r[0] for r in rows], dtype=object),
                         "parameter": pd.Series([r[1] for r in rows], dtype=object),
                         "value": pd.Series([r[2] for r in rows], dtype="float64")})


def calibration(bg: BgNbd, x, T) -> pd.DataFrame:
    """Customers with 0, 1, ..., 6 and 7+ repeat purchases: actual count and the model's expected count."""
    x = np.asarray(x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    k = CALIBRATION_BINS
    probs = bgnbd.expected_repeat_counts(bg, T, k)
    actual = np.bincount(np.minimum(x, k).astype(np.int64), minlength=k + 1)
    return pd.DataFrame({
        "repeat_purchases": [str(i) for i in range(k)] + [f"{k}+"],
        "actual": actual.astype(np.int64),
        "expected": np.append(probs, len(x) - probs.sum()),
    })


def empty(notes: list | None = None) -> Prediction:
    """A Prediction with nothing fitted (no columns, empty tables)."""
    cal = pd.DataFrame({"repeat_purchases": pd.Series(dtype=object), "actual": pd.Series(dtype="int64"),
                        "expected": pd.Series(dtype="float64")})
    return Prediction(columns=None, model=model_frame(None, None), calibration=cal, notes=list(notes or []))


def predict(metrics: pd.DataFrame, as_of, *, predict_days: int = 365, clv_months: int = 12,
            discount_rate: float = 0.01) -> Prediction:
    """Fit both models on ``metrics`` and predict every customer (see the module docstring)."""
    data = inputs(metrics, as_of)
    have = data["x"].notna().to_numpy()
    x, t_x, T, m = (data[c].to_numpy() for c in ("x", "t_x", "T", "m"))
    skipped = "Predicted value (P(alive), expected purchases, CLV) skipped: "
    if have.sum() == 0:
        return empty([skipped + "no purchase history (it needs first and last purchase "
                                      "dates and a purchase count per customer, or order lines)."])
    n_repeat = int((x[have] > 0).sum())
    if have.sum() < MIN_CUSTOMERS or n_repeat < MIN_REPEAT:
        return empty([
            skipped + f"{int(have.sum())} customers with a purchase history, {n_repeat} of them bought more "
            f"than once; the BG/NBD model needs at least {MIN_CUSTOMERS} customers and {MIN_REPEAT} repeat "
            "buyers."])
    try:
        bg = bgnbd.fit(x[have], t_x[have], T[have])
    except FitError as exc:
        return empty([skipped + f"{exc}."])
    notes = []
    unusable = int((metrics["frequency"].to_numpy(dtype="float64", na_value=np.nan) > 0).sum() - have.sum())
    if unusable > 0:
        notes.append(f"{unusable} buyers have no prediction: a purchase date or count is missing, or the first "
                     "purchase is after the last purchase or after as_of.")
    pairs = bgnbd.Pairs(x, T)
    alive = bgnbd.p_alive(bg, x, t_x, T)
    cols = {"p_alive": alive,
            "expected_purchases": alive * pairs.spread(bgnbd.future_factor(bg, float(predict_days), pairs.x,
                                                                           pairs.T)),
            "expected_spend": np.full(len(x), np.nan), "clv": np.full(len(x), np.nan)}
    gg = None
    usable = gammagamma.usable(x, m)
    if usable.sum() < MIN_REPEAT:
        notes.append(f"Expected spend and CLV skipped: {int(usable.sum())} customers have a repeat purchase "
                     f"with a positive spend; the Gamma-Gamma model needs at least {MIN_REPEAT}.")
    else:
        try:
            gg = gammagamma.fit(x, m)
        except FitError as exc:
            notes.append(f"Expected spend and CLV skipped: {exc}.")
    if gg is not None:
        spend = gammagamma.expected_spend(gg, x, m)
        cols["expected_spend"] = np.where(have, spend, np.nan)
        cols["clv"] = clv(bg, gg, x, t_x, T, m, months=clv_months, discount_rate=discount_rate, pairs=pairs,
                          alive=alive, spend=cols["expected_spend"])
    return Prediction(columns=pd.DataFrame(cols, index=metrics.index, copy=False), model=model_frame(bg, gg),
                      calibration=calibration(bg, x[have], T[have]), notes=notes, bgnbd=bg, gammagamma=gg)
