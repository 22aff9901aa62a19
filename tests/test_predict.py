"""BG/NBD and Gamma-Gamma (xlseg.core.bgnbd, gammagamma, predict) against published fits and independent closed forms.

The published CDNOW figures (Fader, Hardie & Lee 2005, "Counting your customers
the easy way"; Fader & Hardie, "The Gamma-Gamma model of monetary value", 2013):
2,357 customers, calibration period to 1997-09-30, repeat purchases counted as
purchase days after the first (same-day lines merged), time in weeks:
r 0.243, alpha 4.414, a 0.793, b 2.426; on the 946 repeat buyers with the mean
spend of their repeat purchase days: p 6.25, q 3.74, gamma 15.44.

The closed forms the module evaluates with numpy/scipy are written again here
with mpmath (50 digits) in a different arrangement.
"""

from __future__ import annotations

from pathlib import Path

import mpmath as mp
import numpy as np
import pandas as pd
import pytest

from xlseg.core import bgnbd, gammagamma, metrics, predict
from xlseg.core.bgnbd import BgNbd
from xlseg.core.gammagamma import GammaGamma

DATA = Path(__file__).parent / "data" / "cdnow_transactions.csv"
AS_OF = pd.Timestamp("1997-09-30")
mp.mp.dps = 50


def sig3(value: float) -> str:
    return f"{value:.3g}"


@pytest.fixture(scope="module")
def cdnow():
    raw = pd.read_csv(DATA)
    tx = pd.DataFrame({"customer_id": raw["id"].astype(str),
                       "date": pd.to_datetime(raw["date"].astype(str), format="%Y%m%d"),
                       "amount": raw["spent"].astype("float64")})
    tx = tx[tx["date"] <= AS_OF]
    m = metrics.from_transactions(tx)
    return m, predict.predict(m, AS_OF, predict_days=273)


# ---------------------------------------------------------------- published estimates
def test_cdnow_inputs(cdnow):
    m, _ = cdnow
    data = predict.inputs(m, AS_OF)
    assert len(data) == 2357
    assert int((data["x"] > 0).sum()) == 946
    # customer 1: purchase days 1997-01-01 ($29.33), 01-18 ($29.73), 08-02 ($14.96) (12-12 is after as_of)
    one = data.loc["1"]
    assert (one["x"], one["t_x"], one["T"]) == (2.0, 213.0, 272.0)
    assert one["m"] == pytest.approx((29.73 + 14.96) / 2, rel=1e-12)


def test_cdnow_bgnbd_matches_published_estimates(cdnow):
    _, pred = cdnow
    bg = pred.bgnbd
    assert (bg.customers, bg.repeat_customers) == (2357, 946)
    assert [sig3(bg.r), sig3(bg.alpha / 7), sig3(bg.a), sig3(bg.b)] == ["0.243", "4.41", "0.793", "2.43"]
    assert f"{bg.alpha / 7:.3f}" == "4.414" and f"{bg.alpha:.2f}" == "30.90" and f"{bg.b:.3f}" == "2.426"


def test_cdnow_gammagamma_matches_published_estimates(cdnow):
    _, pred = cdnow
    gg = pred.gammagamma
    assert gg.customers == 946
    assert [f"{gg.p:.2f}", f"{gg.q:.2f}", f"{gg.gamma:.2f}"] == ["6.25", "3.74", "15.44"]


def test_model_frame_is_tidy_with_alpha_in_days(cdnow):
    _, pred = cdnow
    frame = pred.model
    assert list(frame.columns) == ["model", "parameter", "value"]
    assert list(zip(frame["model"], frame["parameter"])) == [
        ("BG/NBD", "r"), ("BG/NBD", "alpha"), ("BG/NBD", "a"), ("BG/NBD", "b"),
        ("Gamma-Gamma", "p"), ("Gamma-Gamma", "q"), ("Gamma-Gamma", "gamma")]
    assert f"{frame['value'][1]:.2f}" == "30.90"


# ---------------------------------------------------------------- independent closed forms
def mp_p_alive(r, alpha, a, b, x, t_x, T):
    """P(alive) as the share of the 'still alive at T' branch of the individual likelihood."""
    r, alpha, a, b, t_x, T = (mp.mpf(v) for v in (r, alpha, a, b, t_x, T))
    alive = mp.beta(a, b + x) * (alpha + T) ** (-(r + x))
    if x == 0:
        return mp.mpf(1)
    dropped = mp.beta(a + 1, b + x - 1) * (alpha + t_x) ** (-(r + x))
    return alive / (alive + dropped)


def mp_expected(r, alpha, a, b, t, x, t_x, T):
    """FHL 2005 eq. (10): E[Y(t) | x, t_x, T]."""
    r, alpha, a, b, t, t_x, T = (mp.mpf(v) for v in (r, alpha, a, b, t, t_x, T))
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * mp.hyp2f1(r + x, b + x, a + b + x - 1, z)
    tail = 1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + t_x)) ** (r + x) if x > 0 else 1
    return head * body / tail


def test_p_alive_and_expected_purchases_equal_mpmath_for_every_customer(cdnow):
    m, pred = cdnow
    bg = pred.bgnbd
    data = predict.inputs(m, AS_OF)
    cols = pred.columns
    worst_p = worst_e = 0.0
    for (x, t_x, T), p_alive, expected in zip(data[["x", "t_x", "T"]].itertuples(index=False),
                                              cols["p_alive"], cols["expected_purchases"]):
        want_p = mp_p_alive(bg.r, bg.alpha, bg.a, bg.b, int(x), t_x, T)
        want_e = mp_expected(bg.r, bg.alpha, bg.a, bg.b, 273, int(x), t_x, T)
        worst_p = max(worst_p, float(abs(p_alive - want_p) / want_p))
        worst_e = max(worst_e, float(abs(expected - want_e) / want_e))
    assert worst_p < 1e-6 and worst_e < 1e-6, (worst_p, worst_e)
    # the population spread: not all customers alike
    assert cols["p_alive"].min() < 0.05 and cols["p_alive"].max() == 1.0


def test_expected_spend_and_clv_equal_mpmath(cdnow):
    m, pred = cdnow
    bg, gg = pred.bgnbd, pred.gammagamma
    data = predict.inputs(m, AS_OF)
    got = predict.clv(bg, gg, data["x"], data["t_x"], data["T"], data["m"], months=12, discount_rate=0.01)
    spend = gammagamma.expected_spend(gg, data["x"], data["m"])
    for cid in ["1", "2", "3", "100", "1000", "2357"]:
        x, t_x, T, mean = data.loc[cid, ["x", "t_x", "T", "m"]]
        p, q, g = (mp.mpf(v) for v in (gg.p, gg.q, gg.gamma))
        want_spend = p * (g + mean * x) / (p * x + q - 1) if x > 0 else p * g / (q - 1)
        assert abs(spend[data.index.get_loc(cid)] - want_spend) / want_spend < 1e-9
        e = [mp_expected(bg.r, bg.alpha, bg.a, bg.b, i * mp.mpf(365) / 12, int(x), t_x, T) if i else 0
             for i in range(13)]
        want = want_spend * sum((e[i] - e[i - 1]) / mp.mpf("1.01") ** i for i in range(1, 13))
        assert abs(got[data.index.get_loc(cid)] - want) / want < 1e-6, cid


def test_clv_without_discount_is_a_years_purchases_times_spend(cdnow):
    m, pred = cdnow
    bg, gg = pred.bgnbd, pred.gammagamma
    d = predict.inputs(m, AS_OF)
    got = predict.clv(bg, gg, d["x"], d["t_x"], d["T"], d["m"], months=12, discount_rate=0.0)
    want = bgnbd.expected_purchases(bg, 365, d["x"], d["t_x"], d["T"]) * gammagamma.expected_spend(gg, d["x"], d["m"])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def mp_prob_k(r, alpha, a, b, k, T):
    """FHL 2005 eq. (8): P(X(T) = k)."""
    r, alpha, a, b, T = (mp.mpf(v) for v in (r, alpha, a, b, T))
    nb = lambda j: mp.gamma(r + j) / (mp.gamma(r) * mp.factorial(j)) * (alpha / (alpha + T)) ** r \
        * (T / (alpha + T)) ** j  # noqa: E731
    out = mp.beta(a, b + k) / mp.beta(a, b) * nb(k)
    if k > 0:
        out += mp.beta(a + 1, b + k - 1) / mp.beta(a, b) * (1 - sum(nb(j) for j in range(k)))
    return out


def test_calibration_counts(cdnow):
    m, pred = cdnow
    bg = pred.bgnbd
    cal = pred.calibration
    data = predict.inputs(m, AS_OF)
    assert list(cal["repeat_purchases"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    x = data["x"].astype(int)
    assert list(cal["actual"]) == [int((x == k).sum()) for k in range(7)] + [int((x >= 7).sum())]
    assert cal["actual"].sum() == 2357 and cal["actual"][0] == 2357 - 946
    T = data["T"]
    for k in range(7):
        want = sum(mp_prob_k(bg.r, bg.alpha, bg.a, bg.b, k, t) * c for t, c in T.value_counts().items())
        assert abs(cal["expected"][k] - float(want)) < 1e-6 * float(want), k
    assert abs(cal["expected"].sum() - 2357) < 1e-6
    # the model describes CDNOW well: every expected count within 15 % of the actual one (0..6)
    assert np.all(np.abs(cal["expected"][:7] / cal["actual"][:7] - 1) < 0.15)


# ---------------------------------------------------------------- recovery on simulated data
def simulate(n, r, alpha, a, b, seed=0, horizon=400.0):
    """Customers drawn from the BG/NBD story: returns x, t_x, T (days)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.uniform(30, horizon, n).round()
    x = np.zeros(n)
    t_x = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():  # one purchase per customer per step, vectorised over customers
        t = t + rng.exponential(1 / lam)
        alive &= t <= T
        x[alive] += 1
        t_x[alive] = np.floor(t[alive])
        alive &= rng.uniform(size=n) >= p  # drops out after this purchase
    return x, t_x, T


def test_fit_recovers_simulated_parameters():
    x, t_x, T = simulate(40_000, r=0.5, alpha=20.0, a=0.7, b=3.0)
    bg = bgnbd.fit(x, t_x, T)
    got = np.array([bg.r, bg.alpha, bg.a, bg.b])
    np.testing.assert_allclose(got, [0.5, 20.0, 0.7, 3.0], rtol=0.15)


def test_gammagamma_recovers_simulated_parameters():
    rng = np.random.default_rng(1)
    n = 20_000
    x = rng.integers(1, 10, n).astype(float)
    nu = rng.gamma(4.0, 1 / 20.0, n)  # q = 4, gamma = 20
    m = np.array([rng.gamma(6.0 * k, 1 / v) / k for k, v in zip(x, nu)])  # p = 6: mean of k purchases
    gg = gammagamma.fit(x, m)
    np.testing.assert_allclose([gg.p, gg.q, gg.gamma], [6.0, 4.0, 20.0], rtol=0.15)


def test_time_unit_only_scales_alpha():
    x, t_x, T = simulate(5_000, r=0.5, alpha=20.0, a=0.7, b=3.0, seed=3)
    days = bgnbd.fit(x, t_x, T)
    weeks = bgnbd.fit(x, t_x / 7, T / 7)
    np.testing.assert_allclose([days.r, days.alpha / 7, days.a, days.b],
                               [weeks.r, weeks.alpha, weeks.a, weeks.b], rtol=1e-5)


# ---------------------------------------------------------------- small cases by hand
def test_p_alive_by_hand():
    par = BgNbd(r=1.0, alpha=10.0, a=1.0, b=3.0)
    # x = 2, t_x = 10, T = 30: 1 / (1 + 1/4 * (40/20)^3) = 1 / 3
    assert bgnbd.p_alive(par, [2.0, 0.0], [10.0, 0.0], [30.0, 30.0]).tolist() == pytest.approx([1 / 3, 1.0])


def test_expected_spend_by_hand():
    par = GammaGamma(p=2.0, q=3.0, gamma=10.0)
    # x = 2, m = 5: (10 + 10) * 2 / (4 + 2) = 20/3; no repeat spend: 2 * 10 / 2 = 10
    got = gammagamma.expected_spend(par, [2.0, 0.0, 3.0], [5.0, np.nan, -1.0])
    assert got.tolist() == pytest.approx([20 / 3, 10.0, 10.0])


def frame(rows):
    """Metrics rows (first, last, frequency, monetary) as metrics.from_customers gives them."""
    return pd.DataFrame({
        "first_purchase": pd.to_datetime([r[0] for r in rows]),
        "last_purchase": pd.to_datetime([r[1] for r in rows]),
        "frequency": [float(r[2]) for r in rows],
        "monetary": [float(r[3]) for r in rows],
    }, index=pd.Index([f"c{i}" for i in range(len(rows))], name="customer_id"))


def test_no_history_gives_a_note_and_no_columns():
    m = frame([(None, None, 0, 0)] * 30)
    got = predict.predict(m, pd.Timestamp("2024-01-01"))
    assert got.columns is None and got.bgnbd is None and len(got.model) == 0 and len(got.calibration) == 0
    assert got.notes == ["Predicted value (P(alive), expected purchases, CLV) skipped: no purchase history "
                         "(it needs first and last purchase dates and a purchase count per customer, or order lines)."]


def test_too_few_repeat_buyers_gives_a_note_and_no_columns():
    rows = [("2023-01-01", "2023-06-01", 3, 30)] * 9 + [("2023-02-01", "2023-02-01", 1, 10)] * 40
    got = predict.predict(frame(rows), pd.Timestamp("2024-01-01"))
    assert got.columns is None
    assert got.notes == ["Predicted value (P(alive), expected purchases, CLV) skipped: 49 customers with a "
                         "purchase history, 9 of them bought more than once; the BG/NBD model needs at least "
                         "20 customers and 10 repeat buyers."]


def test_customer_sheet_metrics_use_the_average_order_value():
    x, t_x, T = simulate(2_000, r=0.5, alpha=20.0, a=0.7, b=3.0, seed=5)
    as_of = pd.Timestamp("2024-12-31")
    first = as_of - pd.to_timedelta(T, unit="D")
    spend = np.random.default_rng(6).gamma(5.0, 5.0, len(x))  # average order value per customer
    rows = list(zip(first, first + pd.to_timedelta(t_x, unit="D"), x + 1, (x + 1) * spend))
    rows.append((None, None, 0, 0))                                  # a prospect: blank predictions
    rows.append((as_of + pd.Timedelta(days=3), as_of, 2, 50))        # inconsistent dates: blank too
    m = frame(rows)
    got = predict.predict(m, as_of)
    data = predict.inputs(m, as_of)
    repeat = np.flatnonzero(x > 0)
    np.testing.assert_allclose(data["m"].to_numpy()[repeat], spend[repeat], rtol=1e-12)
    assert data["m"].iloc[np.flatnonzero(x == 0)].isna().all()
    assert got.bgnbd.customers == 2_000 and got.gammagamma is not None
    assert got.columns.iloc[-2:].isna().all().all()
    assert got.columns.iloc[:-2].notna().all().all()
    assert got.notes == ["1 buyers have no prediction: a purchase date or count is missing, or the first "
                         "purchase is after the last purchase or after as_of."]


def test_a_failed_spend_fit_keeps_the_purchase_columns():
    # spend per order is the same for everyone (25 + a cent per repeat purchase): no spread to fit
    x, t_x, T = simulate(2_000, r=0.5, alpha=20.0, a=0.7, b=3.0, seed=5)
    as_of = pd.Timestamp("2024-12-31")
    first = as_of - pd.to_timedelta(T, unit="D")
    m = frame(list(zip(first, first + pd.to_timedelta(t_x, unit="D"), x + 1, (x + 1) * 25.0 + x * 0.01)))
    got = predict.predict(m, as_of)
    assert got.gammagamma is None and list(got.model["model"].unique()) == ["BG/NBD"]
    assert len(got.notes) == 1 and got.notes[0].startswith("Expected spend and CLV skipped: the Gamma-Gamma fit")
    assert got.columns["p_alive"].notna().all() and got.columns["expected_purchases"].notna().all()
    assert got.columns["expected_spend"].isna().all() and got.columns["clv"].isna().all()


def test_a_large_fit_started_from_a_subsample_reaches_the_full_optimum(monkeypatch):
    x, t_x, T = simulate(6_000, r=0.5, alpha=20.0, a=0.7, b=3.0, seed=7)
    spend = np.where(x > 0, np.random.default_rng(8).gamma(5.0, 5.0, len(x)), np.nan)
    full_bg, full_gg = bgnbd.fit(x, t_x, T), gammagamma.fit(x, spend)
    monkeypatch.setattr(bgnbd, "SUBSAMPLE", 500)  # every 12th customer first, then the full data
    sub_bg, sub_gg = bgnbd.fit(x, t_x, T), gammagamma.fit(x, spend)
    np.testing.assert_allclose([sub_bg.r, sub_bg.alpha, sub_bg.a, sub_bg.b],
                               [full_bg.r, full_bg.alpha, full_bg.a, full_bg.b], rtol=1e-5)
    np.testing.assert_allclose([sub_gg.p, sub_gg.q, sub_gg.gamma], [full_gg.p, full_gg.q, full_gg.gamma], rtol=1e-5)



def test_full_data_steps_after_a_subsample_stop_at_refine_gtol(monkeypatch):
    """The full-data steps stop at REFINE_GTOL: the same optimum as a strict stop, in no more evaluations."""
    x, t_x, T = simulate(6_000, r=0.5, alpha=20.0, a=0.7, b=3.0, seed=7)
    monkeypatch.setattr(bgnbd, "SUBSAMPLE", 500)
    calls = {}
    plain = bgnbd._nll

    def counted(*arrays):
        nll = plain(*arrays)

        def call(theta):
            calls[len(arrays[0])] = calls.get(len(arrays[0]), 0) + 1
            return nll(theta)
        return call
    monkeypatch.setattr(bgnbd, "_nll", counted)
    fits = []
    for gtol in (1e-9, bgnbd.REFINE_GTOL):
        monkeypatch.setattr(bgnbd, "REFINE_GTOL", gtol)
        calls.clear()
        fits.append((bgnbd.fit(x, t_x, T), calls[len(x)]))
    (strict, n_strict), (refined, n_refined) = fits
    assert n_refined <= n_strict
    assert refined.log_likelihood == pytest.approx(strict.log_likelihood, rel=1e-10)
    np.testing.assert_allclose([refined.r, refined.alpha, refined.a, refined.b],
                               [strict.r, strict.alpha, strict.a, strict.b], rtol=1e-5)

# ---------------------------------------------------------------- the likelihood, bit for bit
def test_block_sums_added_up_numpys_tree_are_the_whole_sum():
    """bgnbd._blocks follows numpy's pairwise summation: block sums added up its tree equal np.sum bit for bit."""
    rng = np.random.default_rng(11)
    for n in (1, 129, 4_097, 32_769, 100_003, 654_321):
        values = rng.standard_normal(n) * rng.exponential(1e6, n)
        for most in (128, 1_000, 32_768):
            tree = bgnbd._blocks(0, n, most)
            leaves = bgnbd._leaves(tree)
            assert leaves[0][0] == 0 and leaves[-1][1] == n and max(b - a for a, b in leaves) <= max(most, 1)
            assert all(a[1] == b[0] for a, b in zip(leaves, leaves[1:]))
            sums = {leaf: values[leaf[0]:leaf[1]].sum() for leaf in leaves}
            assert bgnbd._added(tree, sums) == values.sum()


def _plain_nll(x, t_x, T, theta):
    """The BG/NBD likelihood and gradient as plain numpy expressions over whole arrays (what _nll computes)."""
    r, alpha, a, b = np.exp(theta)
    la = np.log(alpha)
    rep = x > 0
    T0, c0 = np.unique(T[~rep], return_counts=True)
    c0 = c0.astype("float64")
    n0 = c0.sum()
    s0 = bgnbd.dot(c0, np.log(alpha + T0))
    f = r * (n0 * la - s0)
    g_r = n0 * la - s0
    g_alpha = r * (n0 / alpha - bgnbd.dot(c0, 1.0 / (alpha + T0)))
    xr, tr, Tr = x[rep], t_x[rep], T[rep]
    xu, xi, xc = np.unique(xr, return_inverse=True, return_counts=True)
    xc = xc.astype("float64")
    gammaln, digamma = bgnbd.gammaln, bgnbd.digamma
    A = gammaln(r + xu) - gammaln(r) + r * la + gammaln(a + b) + gammaln(b + xu) - gammaln(b) - gammaln(a + b + xu)
    lT, lt, rx = np.log(alpha + Tr), np.log(alpha + tr), (r + xu)[xi]
    diff = lT - lt
    d = (np.log(a) - np.log(b + xu - 1.0)[xi]) + rx * diff
    e = np.exp(np.clip(d, -700.0, 700.0))
    w = e / (1.0 + e)
    q = rx * ((1.0 - w) / (alpha + Tr) + w / (alpha + tr))
    f += bgnbd.dot(xc, A) + -(rx * lT).sum() + np.log1p(e).sum()
    dg = digamma(a + b) - digamma(a + b + xu)
    g_r += bgnbd.dot(xc, digamma(r + xu) - digamma(r) + la) - lT.sum() + (w * diff).sum()
    g_alpha += len(xr) * r / alpha - q.sum()
    wsum = np.bincount(xi, weights=w, minlength=len(xu))
    g_a = bgnbd.dot(xc, dg) + wsum.sum() / a
    g_b = bgnbd.dot(xc, dg + digamma(b + xu) - digamma(b)) - bgnbd.dot(wsum, 1.0 / (b + xu - 1.0))
    n = len(x)
    return -f / n, -np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b]) / n


@pytest.mark.parametrize("days", ["whole", "fractional"])
def test_the_likelihood_in_blocks_and_threads_equals_the_plain_expressions(days):
    """_nll (blocks of bgnbd.BLOCK customers in the cache, two threads from bgnbd.PARALLEL repeat buyers, sums
    added up numpy's tree) gives the plain expressions' value and gradient bit for bit: whole days (gathered
    per distinct day count) and fractional ones, on one block, on many, on one thread and on two."""
    rng = np.random.default_rng(21)
    n = 260_001
    x = rng.poisson(2.0, n).astype("float64")
    T = rng.integers(1, 900, n).astype("float64") if days == "whole" else rng.uniform(0.5, 900.0, n)
    t_x = np.where(x > 0, np.floor(T * rng.uniform(0, 1, n)) if days == "whole" else T * rng.uniform(0, 1, n), 0.0)
    thetas = [np.log([0.8, 40.0, 0.6, 2.5]), np.log([4.3, 476.0, 8e-7, 21800.0]), np.array([1.2, 5.0, -3.0, 2.0])]
    for size in (n, 5_003):
        nll = bgnbd._nll(x[:size], t_x[:size], T[:size])
        for theta in thetas:
            f, g = nll(theta)
            f0, g0 = _plain_nll(x[:size], t_x[:size], T[:size], theta)
            assert f == f0 and g.tobytes() == g0.tobytes()
