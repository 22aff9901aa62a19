"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005): fit by maximum likelihood, P(alive), expected purchases.

Per customer: ``x`` repeat purchases (purchases - 1), ``t_x`` the time from the
first to the last purchase, ``T`` the time from the first purchase to as_of,
all in days, so ``alpha`` is in days too (r, a, b have no unit; fitting in
weeks gives the same r, a, b and alpha / 7).

While alive, a customer buys at rate lambda ~ Gamma(r, alpha); after each
purchase they drop out with probability p ~ Beta(a, b). The log-likelihood is
summed over customers without a per-customer Python loop: the gamma-function
terms depend on ``x`` only and are evaluated once per distinct ``x``; the
customers with no repeat purchase contribute through their distinct ``T``.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _lazy(module: str, name: str):
    """scipy's ``module.name``, imported at its first call: scipy costs about a second to import, and most runs
    of the CLI (``xlseg history``, ``share``, ...) never fit a model."""
    def call(*args, **kwargs):
        import importlib

        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


minimize = _lazy("scipy.optimize", "minimize")
betaln, digamma, gammaln, hyp2f1 = (_lazy("scipy.special", n) for n in ("betaln", "digamma", "gammaln", "hyp2f1"))

# Log-parameter bounds: a parameter beyond 1e7 or below 1e-7 means the data do not pin the
# model down (e.g. nobody ever drops out, every purchase costs the same); a fit that ends
# near a bound is reported as not supported by the data.
LOG_BOUND = float(np.log(1e7))


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters (alpha in days) and how many customers the fit used."""

    r: float
    alpha: float
    a: float
    b: float
    customers: int = 0
    repeat_customers: int = 0
    log_likelihood: float = float("nan")


def dot(a, b) -> float:
    """Sum of a * b. Not ``a @ b``: BLAS threads on a busy machine made each dot product 30x slower."""
    return float(np.multiply(a, b).sum())


def bounded(nll):
    """``nll`` plus a smooth quadratic wall beyond +-LOG_BOUND on every log-parameter.

    BFGS (pure numpy) rather than L-BFGS-B: scipy's L-BFGS-B calls BLAS, whose
    threads made a 4-parameter fit 10x slower on a busy machine. The wall keeps
    BFGS from running off to infinity; a fit that ends near it is rejected.
    """
    def wrapped(theta):
        excess = np.clip(np.abs(theta) - LOG_BOUND, 0.0, None) * np.sign(theta)
        if np.any(np.abs(theta) > 50):
            return np.inf, np.sign(theta)
        f, g = nll(theta)
        return f + 0.5 * float(np.sum(excess ** 2)), g + excess
    return wrapped


def remembered(fn):
    """``fn(theta)`` computed once per distinct ``theta`` (its bytes): BFGS's line searches ask again for points
    they have seen (on a million customers 19 of 76 full-data evaluations, and 22 of 102 on the subsample,
    were repeats). ``fn`` is deterministic, so a remembered answer is the one it would give again, bit for bit."""
    seen: dict = {}

    def call(theta):
        key = np.asarray(theta, dtype="float64").tobytes()
        if key not in seen:
            seen[key] = fn(theta)
        f, g = seen[key]
        return f, np.array(g, dtype="float64", copy=True)  # the optimiser's own copy, as a fresh call gives
    return call


class FitError(ValueError):
    """The data cannot support the fit (the message says why); the caller writes a note."""


def _counts(x: np.ndarray):
    """Distinct values of the integer array ``x``, their counts and each element's position among them."""
    xs, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return xs.astype("float64"), inverse, counts.astype("float64")


class _Days:
    """A column of days (T or t_x) for elementwise functions: each distinct value once, then spread.

    Dates give few distinct day counts (a few thousand among a million customers): ``log(alpha + T)``
    computed per distinct T and gathered is the same array, bit for bit, at a fraction of the cost.
    With many distinct values the function runs on the column itself.
    """

    def __init__(self, values: np.ndarray):
        self.values = values
        self.distinct, self.inverse = np.unique(values, return_inverse=True)
        if len(self.distinct) * 4 > len(values):
            self.distinct = self.inverse = None

    def table(self, alpha: float, log: bool):
        """alpha + each distinct value (its log with ``log``), or None to compute on the column."""
        if self.distinct is None:
            return None
        return np.log(alpha + self.distinct) if log else alpha + self.distinct

    def fill(self, table, alpha: float, log: bool, out: np.ndarray, part: slice) -> np.ndarray:
        """alpha + values (its log with ``log``) for the customers ``part``, into ``out`` (their length)."""
        if table is not None:
            # mode="clip" (the indices are valid): the default mode copies through a temporary buffer
            return np.take(table, self.inverse[part], out=out, mode="clip")
        np.add(alpha, self.values[part], out=out)
        return np.log(out, out=out) if log else out


PARALLEL = 200_000  # repeat buyers from which the likelihood's elementwise work is split over two threads
BLOCK = 32_768  # customers a block at most: its arrays stay in the core's cache
_pool = None


def _blocks(start: int, n: int, most: int) -> list:
    """numpy's pairwise summation of ``n`` values as a tree, down to blocks of at most ``most`` values.

    ``np.sum`` of a contiguous float64 array of more than 128 values is the sum of its first ``n2`` and its
    other values, each summed the same way, where ``n2`` is n // 2 rounded down to a multiple of 8 (numpy's
    ``pairwise_sum``). So the sums of the blocks added up this tree are the whole array's sum, bit for bit.
    A block is (start, stop); a node (left, right).
    """
    if n <= most:
        return [(start, start + n)]
    n2 = n // 2
    n2 -= n2 % 8
    return [_blocks(start, n2, most), _blocks(start + n2, n - n2, most)]


def _leaves(tree: list) -> list:
    return [tree[0]] if not isinstance(tree[0], list) else _leaves(tree[0]) + _leaves(tree[1])


def _added(tree: list, sums: dict):
    """The sums of the tree's blocks (``sums``: block -> values) added as numpy's pairwise summation adds."""
    if not isinstance(tree[0], list):
        return sums[tree[0]]
    return _added(tree[0], sums) + _added(tree[1], sums)


def _run(fn, parts: list) -> None:
    """``fn(part)`` for every part: the last in this thread, the others in a worker (numpy frees the GIL)."""
    global _pool
    if len(parts) == 1:
        fn(parts[0])
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlseg-bgnbd")
    pending = [_pool.submit(fn, p) for p in parts[:-1]]
    fn(parts[-1])
    for job in pending:
        job.result()


def _nll(x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """Mean negative log-likelihood and its gradient in the log-parameters, for these customers.

    The repeat buyers' per-customer values are computed a block of at most :data:`BLOCK` customers at a time,
    into buffers allocated once per fit that stay in the cache, each value by the same operations, in the
    same order, as the plain numpy expressions in the comments. Each block's sums are added up the tree of
    numpy's pairwise summation (:func:`_blocks`): every sum is the sum over the whole array, bit for bit.
    From :data:`PARALLEL` repeat buyers the blocks are shared by two threads, each with its own buffers.
    """
    n = len(x)
    rep = x > 0
    # x = 0: contribution r*log(alpha) - r*log(alpha + T), summed over the distinct T values.
    T0, _, c0 = _counts(T[~rep])
    n0 = c0.sum()
    xr, tr, Tr = x[rep], t_x[rep], T[rep]
    xu, xi, xc = _counts(xr)
    days_T, days_t = _Days(Tr), _Days(tr)
    tree = _blocks(0, len(xr), BLOCK)
    blocks = _leaves(tree)
    two = len(xr) >= PARALLEL and (os.cpu_count() or 1) >= 2
    parts = [blocks[0::2], blocks[1::2]] if two and len(blocks) > 1 else [blocks]
    size = max(b - a for a, b in blocks)
    buffers = [[np.empty(size) for _ in range(7)] for _ in parts]
    w = np.empty(len(xr))  # the drop-out weights, whole: bincount adds them in the order of the customers
    sums: dict = {}

    def nll(theta):
        r, alpha, a, b = np.exp(theta)
        la = np.log(alpha)
        # customers without a repeat purchase
        lT0 = np.log(alpha + T0)
        s0 = dot(c0, lT0)
        f = r * (n0 * la - s0)
        g_r = n0 * la - s0
        g_alpha = r * (n0 / alpha - dot(c0, 1.0 / (alpha + T0)))
        g_a = g_b = 0.0
        if len(xr):
            # terms of x only, once per distinct x
            A = gammaln(r + xu) - gammaln(r) + r * la + gammaln(a + b) + gammaln(b + xu) - gammaln(b) \
                - gammaln(a + b + xu)
            log_T, log_t = days_T.table(alpha, True), days_t.table(alpha, True)
            plus_T, plus_t = days_T.table(alpha, False), days_t.table(alpha, False)
            r_x, log_bx, log_a = r + xu, np.log(b + xu - 1.0), np.log(a)

            def fill(job):
                own, todo = job
                for lo, hi in todo:
                    part, m = slice(lo, hi), hi - lo
                    lT, lt, rx, prod, diff, tmp, log1p_e = (buf[:m] for buf in own)
                    days_T.fill(log_T, alpha, True, lT, part)        # lT = log(alpha + Tr)
                    days_t.fill(log_t, alpha, True, lt, part)        # lt = log(alpha + tr)
                    np.take(r_x, xi[part], out=rx, mode="clip")       # rx = r + xr
                    # log: still alive at T, u = -rx * lT; u.sum() is -(rx * lT).sum() (negation is exact)
                    np.multiply(rx, lT, out=prod)
                    # log: dropped out after t_x, minus u: d = log(a) - log(b + xu - 1)[xi] + rx * (lT - lt)
                    np.subtract(lT, lt, out=diff)
                    d = np.take(log_bx, xi[part], out=w[part], mode="clip")
                    np.subtract(log_a, d, out=d)
                    np.add(d, np.multiply(rx, diff, out=tmp), out=d)
                    e = np.exp(np.clip(d, -700.0, 700.0, out=d), out=d)  # e = exp(clip(d))
                    np.log1p(e, out=log1p_e)
                    w_ = np.divide(e, np.add(1.0, e, out=tmp), out=e)  # weight of the drop-out branch
                    np.multiply(w_, diff, out=diff)                     # w * (lT - lt)
                    # rx * ((1 - w) / (alpha + Tr) + w / (alpha + tr)), into lt
                    q = np.divide(np.subtract(1.0, w_, out=lt), days_T.fill(plus_T, alpha, False, tmp, part),
                                  out=lt)
                    q = np.add(q, np.divide(w_, days_t.fill(plus_t, alpha, False, tmp, part), out=tmp), out=q)
                    np.multiply(rx, q, out=q)
                    sums[(lo, hi)] = np.array([prod.sum(), log1p_e.sum(), lT.sum(), diff.sum(), q.sum()])

            _run(fill, list(zip(buffers, parts)))
            s_prod, s_log1p_e, s_lT, s_diff, s_q = _added(tree, sums)
            f += dot(xc, A) + -s_prod + s_log1p_e
            dg = digamma(a + b) - digamma(a + b + xu)
            g_r += dot(xc, digamma(r + xu) - digamma(r) + la) - s_lT + s_diff
            g_alpha += len(xr) * r / alpha - s_q
            wsum = np.bincount(xi, weights=w, minlength=len(xu))
            g_a += dot(xc, dg) + wsum.sum() / a
            g_b += dot(xc, dg + digamma(b + xu) - digamma(b)) - dot(wsum, 1.0 / (b + xu - 1.0))
        grad = -np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b]) / n
        return -f / n, grad

    return nll


SUBSAMPLE = 100_000
# The full-data steps after a subsample stop once every component of the mean negative log-likelihood's gradient
# is below this: on a million customers that is a total gradient under 0.1 per log-parameter, and the mean's
# further changes are in its 11th digit. A strict 1e-9 there spent half the full-data evaluations (33 of 57 on
# the engines bench) in line searches that fail at that floor, at the same point, without moving the answer.
REFINE_GTOL = 1e-7


def maximise(make_nll, arrays: tuple, start: np.ndarray, what: str):
    """Minimise ``make_nll(*arrays)`` over log-parameters from ``start``; returns (log-parameters, mean nll).

    Past :data:`SUBSAMPLE` customers a fit on every k-th customer gives the start
    (and the curvature) for a few full-data steps, to :data:`REFINE_GTOL`: a million customers cost a few
    likelihood evaluations instead of dozens. Raises :class:`FitError` when the
    optimum is not found or lies at an extreme value.
    """
    n = len(arrays[0])
    options = {"maxiter": 500, "gtol": 1e-9}
    if n > 2 * SUBSAMPLE:
        step = n // SUBSAMPLE
        sub = minimize(remembered(bounded(make_nll(*(a[::step] for a in arrays)))), start, jac=True, method="BFGS",
                       options=options)
        if np.all(np.isfinite(sub.x)):
            start = sub.x
            h = (sub.hess_inv + sub.hess_inv.T) / 2
            if np.all(np.isfinite(h)) and np.all(np.linalg.eigvalsh(h) > 0):
                options["hess_inv0"] = h
            options["gtol"] = REFINE_GTOL
    res = minimize(remembered(bounded(make_nll(*arrays))), start, jac=True, method="BFGS", options=options)
    theta = res.x
    # BFGS often stops with "precision loss" at the optimum: judge by the gradient, not res.success.
    if not np.all(np.isfinite(theta)) or not np.isfinite(res.fun) or np.max(np.abs(res.jac)) > 1e-4:
        raise FitError(f"the {what} fit did not converge")
    if np.any(np.abs(theta) > LOG_BOUND - 0.5):
        raise FitError(f"the {what} fit ran off to an extreme parameter value")
    return theta, float(res.fun)


def fit(x, t_x, T) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters for customers with ``x`` repeat purchases, recency ``t_x`` and age ``T``.

    Raises :class:`FitError` when the optimiser does not converge or ends at an extreme value.
    """
    x = np.asarray(x, dtype="float64")
    t_x = np.asarray(t_x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    start = np.log([1.0, max(float(np.mean(T)), 1.0), 1.0, 1.0])
    try:
        theta, fun = maximise(_nll, (x, t_x, T), start, "BG/NBD")
    except FitError as exc:
        if "extreme" in str(exc):
            raise FitError(f"{exc} (the data do not show enough repeat buying and drop-out to estimate "
                           "the model)") from None
        raise
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    return BgNbd(r, alpha, a, b, customers=len(x), repeat_customers=int((x > 0).sum()),
                 log_likelihood=-fun * len(x))


def p_alive(par: BgNbd, x, t_x, T) -> np.ndarray:
    """P(the customer is still active at T): 1 / (1 + a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)) for x > 0, else 1."""
    x = np.asarray(x, dtype="float64")
    t_x = np.asarray(t_x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_odds = np.log(par.a) - np.log(par.b + x - 1.0) + (par.r + x) * (
            np.log(par.alpha + T) - np.log(par.alpha + t_x))
        out = np.where(x > 0, 1.0 / (1.0 + np.exp(log_odds)), 1.0)
    return np.where(np.isnan(x) | np.isnan(T) | np.isnan(t_x), np.nan, out)


class Pairs:
    """The distinct (x, T) pairs of a set of customers, found once (the future factor depends on them only).

    ``inverse[i]`` is customer i's pair, -1 where x or T is missing.
    """

    def __init__(self, x, T):
        x = np.asarray(x, dtype="float64")
        T = np.asarray(T, dtype="float64")
        ok = ~(np.isnan(x) | np.isnan(T))
        cx, ux = pd.factorize(x[ok])        # hashing: several times faster than np.unique's sort
        cT, uT = pd.factorize(T[ok])
        code, distinct = pd.factorize(cx.astype(np.int64) * len(uT) + cT)
        self.x = np.asarray(ux, dtype="float64")[distinct // len(uT)]
        self.T = np.asarray(uT, dtype="float64")[distinct % len(uT)]
        self.inverse = np.full(len(x), -1, dtype=np.int64)
        self.inverse[ok] = code

    def spread(self, values: np.ndarray) -> np.ndarray:
        """Per-pair values back to one per customer (NaN where the pair is missing)."""
        return np.append(values, np.nan)[self.inverse]


def future_factor(par: BgNbd, t: float, x, T) -> np.ndarray:
    """(a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))].

    Expected purchases in the next ``t`` days of a customer known to be alive (FHL 2005 eq. 10
    without its P(alive) denominator).
    """
    x = np.asarray(x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    if t <= 0:
        return np.zeros(len(x))
    r, alpha, a, b = par.r, par.alpha, par.a, par.b
    z = t / (alpha + T + t)
    log_ratio = (r + x) * np.log1p(-z)                   # log(((alpha+T)/(alpha+T+t))^(r+x))
    h = hyp2f1(r + x, b + x, a + b + x - 1.0, z)
    return (a + b + x - 1.0) / (a - 1.0) * (1.0 - np.exp(log_ratio) * h)


def expected_purchases(par: BgNbd, t: float, x, t_x, T, pairs: Pairs | None = None) -> np.ndarray:
    """Expected number of purchases in the next ``t`` days, given (x, t_x, T): P(alive) x the future factor.

    The hypergeometric function is evaluated once per distinct (x, T) pair (``pairs``, found here
    when not given).
    """
    pairs = pairs or Pairs(x, T)
    return p_alive(par, x, t_x, T) * pairs.spread(future_factor(par, float(t), pairs.x, pairs.T))


def expected_repeat_counts(par: BgNbd, T, k_max: int) -> np.ndarray:
    """Expected number of customers with k = 0 .. k_max - 1 repeat purchases in their own period T.

    The sum over customers of P(X(T) = k) (FHL 2005 eq. 8), evaluated once per distinct T:
    the calibration chart's model line.
    """
    T = np.asarray(T, dtype="float64")
    Tu, weight = np.unique(T, return_counts=True)
    r, alpha, a, b = par.r, par.alpha, par.a, par.b
    log_p0 = r * (np.log(alpha) - np.log(alpha + Tu))     # log (alpha/(alpha+T))^r
    with np.errstate(divide="ignore"):                    # T = 0: -inf, masked below
        log_q = np.log(Tu) - np.log(alpha + Tu)           # log t/(alpha+t)
    out = np.empty((k_max, len(Tu)))
    running = np.zeros(len(Tu))                           # sum_{j<k} Gamma(r+j)/(Gamma(r) j!) q^j
    for k in range(k_max):
        with np.errstate(divide="ignore", invalid="ignore"):
            log_nb = gammaln(r + k) - gammaln(r) - gammaln(k + 1) + k * log_q
            term = np.exp(betaln(a, b + k) - betaln(a, b) + log_nb + log_p0)
            if k > 0:
                term = term + np.exp(betaln(a + 1, b + k - 1) - betaln(a, b)) * (1 - np.exp(log_p0) * running)
        out[k] = np.where(Tu > 0, term, 1.0 if k == 0 else 0.0)
        running = running + np.where(Tu > 0, np.exp(log_nb), 0.0)
    return (out * weight).sum(axis=1)
