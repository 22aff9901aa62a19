"""The Gamma-Gamma model of spend per purchase (Fader, Hardie & Lee 2005b): fit by maximum likelihood, expected spend.

Per customer: ``x`` repeat purchases and ``m`` the mean spend of those repeat
purchases. Spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across
customers. Only customers with x > 0 and m > 0 enter the fit; the gamma-function
terms depend on ``x`` only and are evaluated once per distinct ``x``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from xlseg.core.bgnbd import FitError, digamma, dot, gammaln, maximise


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters (gamma in the currency of the spend) and the customers used."""

    p: float
    q: float
    gamma: float
    customers: int = 0
    log_likelihood: float = float("nan")


def usable(x, m) -> np.ndarray:
    """The customers the fit can use: at least one repeat purchase and a positive mean repeat spend."""
    x = np.asarray(x, dtype="float64")
    m = np.asarray(m, dtype="float64")
    with np.errstate(invalid="ignore"):
        return (x > 0) & (m > 0) & np.isfinite(m)


def _nll(x: np.ndarray, m: np.ndarray):
    """Mean negative log-likelihood and its gradient in the log-parameters, for these customers."""
    n = len(x)
    xu, xc = np.unique(x, return_counts=True)
    xc = xc.astype("float64")
    log_m = np.log(m)
    s_log_m, s_x_log_m, s_x_log_x = log_m.sum(), dot(x, log_m), dot(x, np.log(x))

    def nll(theta):
        p, q, g = np.exp(theta)
        px = p * xu
        lg = np.log(g + m * x)
        f = dot(xc, gammaln(px + q) - gammaln(px)) - n * gammaln(q) + n * q * np.log(g) \
            + p * s_x_log_m - s_log_m + p * s_x_log_x - dot(p * x + q, lg)
        dp = dot(xc, xu * (digamma(px + q) - digamma(px))) + s_x_log_m + s_x_log_x - dot(x, lg)
        dq = dot(xc, digamma(px + q)) - n * digamma(q) + n * np.log(g) - lg.sum()
        dg = n * q / g - dot(p * x + q, 1.0 / (g + m * x))
        return -f / n, -np.array([dp * p, dq * q, dg * g]) / n

    return nll


def fit(x, m) -> GammaGamma:
    """Maximum-likelihood Gamma-Gamma parameters from the customers :func:`usable` selects.

    Raises :class:`FitError` when the optimiser does not converge, ends at an extreme value,
    or q <= 1 (the mean spend would be infinite).
    """
    keep = usable(x, m)
    x = np.asarray(x, dtype="float64")[keep]
    m = np.asarray(m, dtype="float64")[keep]
    if len(x) == 0:
        raise FitError("no customer has a repeat purchase with a positive spend")
    start = np.log([1.0, 2.0, max(float(np.mean(m)), 1e-6)])
    try:
        theta, fun = maximise(_nll, (x, m), start, "Gamma-Gamma")
    except FitError as exc:
        if "extreme" in str(exc):
            raise FitError(f"{exc} (the spend per purchase does not vary in a way the model can "
                           "describe)") from None
        raise
    p, q, g = (float(v) for v in np.exp(theta))
    if q <= 1:
        raise FitError(f"the Gamma-Gamma fit gave q = {q:.3g} <= 1, so the expected spend per purchase "
                       "is not finite (spend varies too widely between customers)")
    return GammaGamma(p, q, g, customers=len(x), log_likelihood=-fun * len(x))


def expected_spend(par: GammaGamma, x, m) -> np.ndarray:
    """Expected spend per future purchase: (gamma + m*x) * p / (p*x + q - 1).

    A customer without a usable repeat spend (x = 0, or m missing or not positive) gets
    the population mean p*gamma/(q - 1), which is the same formula with x = 0.
    """
    x = np.asarray(x, dtype="float64")
    m = np.asarray(m, dtype="float64")
    ok = usable(x, m)
    xs = np.where(ok, x, 0.0)
    ms = np.where(ok, m, 0.0)
    return (par.gamma + ms * xs) * par.p / (par.p * xs + par.q - 1.0)
