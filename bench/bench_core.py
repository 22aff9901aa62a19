#!/usr/bin/env python
"""Core benchmark: xlseg.core.engine.classify against a bare pandas/numpy baseline, same process.

(a) 1,000,000 customers on a customer sheet (typed columns: datetime64, float64, str)
    -> classify with scores, segments, value tiers, stages and 10 tag rules,
    vs. a bare computation of the same core numbers (recency, rank(method='min')
    scores, R x F grid lookup by numpy indexing, cumulative revenue share for
    ABC, np.select for stages, 10 boolean masks).
(b) 10,000,000 transaction lines over ~1,000,000 customers -> classify(transactions=...)
    (clean, aggregate, classify) vs. a bare groupby aggregation (distinct purchase
    days, sum, min, max) followed by the same bare core.
(c) the predicted value on 1,000,000 customers drawn from the BG/NBD and Gamma-Gamma
    models (first/last purchase, purchases, spend): xlseg.core.predict.predict
    (BG/NBD and Gamma-Gamma fitted by maximum likelihood, then P(alive), expected
    purchases over 365 days, expected spend and a 12-month CLV) vs. a plain
    vectorised evaluation of the same closed forms with the fitted parameters
    (every customer through scipy's hyp2f1, 13 times): the prediction alone, no fit.
(a) and (b) run with predict = FALSE, so their ratios compare with earlier figures.

Each side is timed best-of-N in this process and the ratio xlseg / baseline is
printed; a ratio, not a wall-clock time, is what carries from machine to machine.
The script also checks that the baseline computed the same answers (scores,
segments, ABC classes, stages, tag counts), so the two sides do the same job.

    python bench/bench_core.py            # full size (1M customers, 10M lines)
    python bench/bench_core.py --small    # 1/10 size, a quick check
    python bench/bench_core.py --part a   # only the customer-sheet benchmark
    python bench/bench_core.py --part c   # only the predicted value

Performance is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xlseg.core import metrics, predict  # noqa: E402
from xlseg.core.config import DEFAULT_GRID, Config  # noqa: E402
from xlseg.core.engine import classify  # noqa: E402

AS_OF = np.datetime64("2026-06-30", "D")

# ------------------------------------------------------------------ synthetic data


def make_customers(n: int, seed: int = 1) -> pd.DataFrame:
    """A typed customer sheet with headers the recogniser knows; ~8 % prospects (no purchase)."""
    rng = np.random.default_rng(seed)
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n + 1).astype(str), 7))
    names = np.strings.add("Customer ", np.arange(1, n + 1).astype(str))
    buyer = rng.random(n) >= 0.08
    orders = np.where(buyer, rng.geometric(0.35, n), 0).astype("float64")
    last_ago = np.minimum(rng.exponential(150, n), 3000).astype(np.int64)
    span = np.where(orders > 1, rng.integers(0, 900, n), 0)
    last = (AS_OF - last_ago.astype("timedelta64[D]")).astype("datetime64[ns]")
    first = (AS_OF - (last_ago + span).astype("timedelta64[D]")).astype("datetime64[ns]")
    last[~buyer] = np.datetime64("NaT")
    first[~buyer] = np.datetime64("NaT")
    spend = np.where(buyer, np.round(orders * rng.lognormal(5.0, 1.2, n), 2), 0.0)
    satisfaction = rng.integers(1, 6, n).astype("float64")
    satisfaction[rng.random(n) < 0.10] = np.nan

    def pick(pool, p=None):
        return pd.array(np.array(pool, dtype=object)[rng.choice(len(pool), n, p=p)], dtype="str")

    return pd.DataFrame({
        "Customer ID": pd.array(ids.astype(object), dtype="str"),
        "Name": pd.array(names.astype(object), dtype="str"),
        "Customer Type": pick(["Individual", "Enterprise"], [0.7, 0.3]),
        "Source": pick(["Online", "Offline", "Web", "Store", "Event"]),
        "Country": pick(["China", "United States", "Germany", "Japan", "United Kingdom", "Singapore"],
                        [0.60, 0.12, 0.08, 0.08, 0.07, 0.05]),
        "Satisfaction": satisfaction,
        "First Purchase": first,
        "Last Purchase": last,
        "Orders": orders,
        "Total Spend": spend,
    })


def make_transactions(n_lines: int, n_customers: int, seed: int = 2) -> pd.DataFrame:
    """Order lines: customer_id, date (datetime64), amount (float, ~1 % refunds), order_id on ~half."""
    rng = np.random.default_rng(seed)
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n_customers + 1).astype(str), 7)).astype(object)
    # Skewed activity: some customers buy far more often than others.
    weight = rng.lognormal(0.0, 1.0, n_customers)
    cust = np.searchsorted(np.cumsum(weight) / weight.sum(), rng.random(n_lines))
    cust = np.minimum(cust, n_customers - 1)
    date = (AS_OF - rng.integers(0, 3 * 365, n_lines).astype("timedelta64[D]")).astype("datetime64[ns]")
    amount = np.round(rng.lognormal(4.0, 1.0, n_lines), 2)
    refund = rng.random(n_lines) < 0.01
    amount[refund] = -np.round(amount[refund] / 2, 2)
    with_id = rng.random(n_lines) < 0.5
    order_no = np.arange(n_lines) // 2  # two lines per order
    order_id = np.full(n_lines, None, dtype=object)
    order_id[with_id] = np.strings.add("SO", np.strings.zfill(order_no[with_id].astype(str), 8)).astype(object)
    return pd.DataFrame({
        "customer_id": pd.array(ids[cust], dtype="str"),
        "date": date,
        "amount": amount,
        "order_id": pd.array(order_id, dtype="str"),
    })


# Ten rule rows (nine tags: Key Account has two rows in one group, ANDed).
RULES_CUSTOMERS = pd.DataFrame([
    ("Big Spender", "Monetary", ">=", 5000, 1),
    ("Recent", "Recency", "<=", 30, 1),
    ("Best", "Segment", "in", "Champions, Loyal Customers", 1),
    ("Churning", "Stage", "=", "Churn Warning", 1),
    ("Key Account", "Customer Type", "=", "Enterprise", 1),
    ("Key Account", "Value Tier", "=", "High value", 1),
    ("Digital", "Source", "in", "Online, Web", 1),
    ("International", "Country", "not in", "China", 1),
    ("Active 90d", "Last Purchase", "within days", 90, 1),
    ("VIP", "Monetary", "top %", 5, 1),
], columns=["Tag", "Field", "Operator", "Value", "Group"])

# Transactions only: no attribute columns, so the rules use computed fields.
RULES_TRANSACTIONS = pd.DataFrame([
    ("Big Spender", "Monetary", ">=", 2000, 1),
    ("Recent", "Recency", "<=", 30, 1),
    ("Best", "Segment", "in", "Champions, Loyal Customers", 1),
    ("Churning", "Stage", "=", "Churn Warning", 1),
    ("Key Account", "Value Tier", "=", "High value", 1),
    ("Key Account", "Frequency", ">=", 10, 1),
    ("Lapsed", "Stage", "in", "Lost, Churn Warning", 1),
    ("Low M", "M Score", "<=", 2, 1),
    ("Active 90d", "Last Purchase", "within days", 90, 1),
    ("VIP", "Monetary", "top %", 5, 1),
], columns=["Tag", "Field", "Operator", "Value", "Group"])


# ------------------------------------------------------------------ the bare baseline
GRID = np.array([k for row in DEFAULT_GRID for k in row])
SEGMENT_CODES = {k: i for i, k in enumerate(dict.fromkeys(GRID))}
GRID_CODES = np.array([SEGMENT_CODES[k] for k in GRID] + [-1])
STAGES = ("prospect", "lost", "reactivated", "new", "churn_warning", "active")


def _rank_score(values: pd.Series, ascending: bool) -> np.ndarray:
    """1 + floor(5 (rank_min - 1) / n) over the non-missing values; 0 where missing."""
    valid = values.notna().to_numpy()
    out = np.zeros(len(values), dtype=np.int64)
    ranks = values[valid].rank(method="min", ascending=ascending).to_numpy()
    out[valid] = 1 + np.floor(5 * (ranks - 1) / valid.sum()).astype(np.int64)
    return out


def bare_core(last, first, frequency, monetary, gap_before_last=None) -> dict:
    """Recency, R/F/M scores, rfm10 segment codes, ABC classes, tier, stage codes (numpy arrays)."""
    last = pd.Series(last)
    first = pd.Series(first)
    frequency = pd.Series(frequency)
    monetary = pd.Series(monetary)
    as_of = last.max()
    day = pd.Timedelta(days=1)
    recency = ((as_of - last) / day).round()
    buyer = ((frequency > 0) | (frequency.isna() & last.notna())).to_numpy()
    r = _rank_score(recency.where(buyer), ascending=False)
    f = _rank_score(frequency.where(buyer), ascending=True)
    m = _rank_score(monetary.where(buyer), ascending=True)
    ok = (r > 0) & (f > 0)
    segment = GRID_CODES[np.where(ok, (5 - r) * 5 + (f - 1), len(GRID))]
    # ABC: equal amounts share a class; A while the revenue before the group is < 80 %, B < 95 %.
    mon = monetary.to_numpy(dtype="float64")
    abc = np.where(buyer & ~np.isnan(mon), 2, -1)
    pos = np.flatnonzero(buyer & (mon > 0))
    uniq, inv = np.unique(-mon[pos], return_inverse=True)
    sums = np.bincount(inv, weights=mon[pos])
    before = (np.cumsum(sums) - sums) / sums.sum()
    abc[pos] = np.where(before < 0.80, 0, np.where(before < 0.95, 1, 2))[inv]
    tier = np.where(abc == 0, 0, np.where(np.isin(segment, [SEGMENT_CODES[k] for k in (
        "new_customers", "promising", "potential_loyalists")]) & (abc > 0), 3, abc))
    rec = recency.to_numpy(dtype="float64")
    since_first = ((as_of - first) / day).to_numpy(dtype="float64")
    freq = frequency.to_numpy(dtype="float64")
    span = ((last - first) / day).to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_gap = np.where(freq >= 2, span / (freq - 1), np.nan)
        gbl = np.full(len(rec), np.nan) if gap_before_last is None else np.asarray(gap_before_last, dtype="float64")
        stage = np.select([~buyer, rec > 365, gbl > 365, since_first <= 90,
                           (rec > 180) | ((freq >= 3) & (rec > 2 * mean_gap))], [0, 1, 2, 3, 4], default=5)
    return {"as_of": as_of, "recency": rec, "buyer": buyer, "r": r, "f": f, "m": m, "segment": segment,
            "abc": abc, "tier": tier, "stage": stage, "last": last.to_numpy()}


def _top(values: np.ndarray, percent: float) -> np.ndarray:
    present = values[~np.isnan(values)]
    count = int(np.ceil(percent * len(present) / 100))
    threshold = np.partition(present, len(present) - count)[len(present) - count]
    return values >= threshold


def _within(last: np.ndarray, as_of, days: int) -> np.ndarray:
    age = (np.datetime64(as_of, "D") - last.astype("datetime64[D]")).astype("float64")
    age[np.isnat(last)] = np.nan
    return (age >= 0) & (age <= days)


def bare_masks_customers(core: dict, df: pd.DataFrame) -> dict:
    seg, stage = core["segment"], core["stage"]
    mon = df["Total Spend"].to_numpy(dtype="float64")
    ctype, source, country = df["Customer Type"], df["Source"], df["Country"]
    return {
        "Big Spender": mon >= 5000,
        "Recent": core["recency"] <= 30,
        "Best": np.isin(seg, [SEGMENT_CODES["champions"], SEGMENT_CODES["loyal_customers"]]),
        "Churning": stage == 4,
        "Key Account": (ctype == "Enterprise").to_numpy(dtype=bool) & (core["tier"] == 0),
        "Digital": source.isin(["Online", "Web"]).to_numpy(),
        "International": (country.notna() & ~country.isin(["China"])).to_numpy(),
        "Active 90d": _within(core["last"], core["as_of"], 90),
        "VIP": _top(mon, 5),
    }


def bare_masks_transactions(core: dict, agg: pd.DataFrame) -> dict:
    seg, stage = core["segment"], core["stage"]
    mon = agg["monetary"].to_numpy(dtype="float64")
    freq = agg["frequency"].to_numpy(dtype="float64")
    return {
        "Big Spender": mon >= 2000,
        "Recent": core["recency"] <= 30,
        "Best": np.isin(seg, [SEGMENT_CODES["champions"], SEGMENT_CODES["loyal_customers"]]),
        "Churning": stage == 4,
        "Key Account": (core["tier"] == 0) & (freq >= 10),
        "Lapsed": np.isin(stage, [1, 4]),
        "Low M": (core["m"] > 0) & (core["m"] <= 2),
        "Active 90d": _within(core["last"], core["as_of"], 90),
        "VIP": _top(mon, 5),
    }


def baseline_customers(df: pd.DataFrame):
    core = bare_core(df["Last Purchase"], df["First Purchase"], df["Orders"], df["Total Spend"])
    return core, bare_masks_customers(core, df)


def bare_aggregate(tx: pd.DataFrame) -> pd.DataFrame:
    """Per customer: distinct purchase days, net spend, first and last purchase day (refunds only net out)."""
    monetary = tx.groupby("customer_id", sort=False)["amount"].sum().round(6)  # as xlseg: order-independent
    buys = tx[tx["amount"] >= 0]
    days = buys.groupby("customer_id", sort=False)["date"].agg(["nunique", "min", "max"])
    out = pd.DataFrame({"monetary": monetary})
    out["frequency"] = days["nunique"].astype("float64")
    out["first"] = days["min"]
    out["last"] = days["max"]
    return out


def baseline_transactions(tx: pd.DataFrame):
    agg = bare_aggregate(tx)
    core = bare_core(agg["last"], agg["first"], agg["frequency"], agg["monetary"])
    return agg, core, bare_masks_transactions(core, agg)


# ------------------------------------------------------------------ agreement check
def agreement(result, core: dict, masks: dict, ids=None) -> str:
    """Compare xlseg's answers with the baseline's; returns a one-line verdict."""
    c = result.customers
    if ids is not None:  # align the baseline rows to xlseg's customer order
        pos = pd.Index(ids).get_indexer(c["customer_id"])
        core = {k: (v[pos] if isinstance(v, np.ndarray) and len(v) == len(ids) else v) for k, v in core.items()}
        masks = {k: v[pos] for k, v in masks.items()}
    problems = []
    for ours, theirs in (("r_score", "r"), ("f_score", "f"), ("m_score", "m")):
        got = c[ours].fillna(0).to_numpy(dtype="int64")
        if (got != core[theirs]).any():
            problems.append(f"{ours}: {(got != core[theirs]).sum()} differ")
    seg = c["segment_key"].map(SEGMENT_CODES).fillna(-1).to_numpy(dtype="int64")
    if (seg != core["segment"]).any():
        problems.append(f"segment: {(seg != core['segment']).sum()} differ")
    abc = c["abc"].map({"A": 0, "B": 1, "C": 2}).fillna(-1).to_numpy(dtype="int64")
    if (abc != core["abc"]).any():
        problems.append(f"abc: {(abc != core['abc']).sum()} differ")
    stage = c["stage_key"].map({s: i for i, s in enumerate(STAGES)}).fillna(-1).to_numpy(dtype="int64")
    differ = stage != core["stage"]
    reactivated = stage == STAGES.index("reactivated")
    if (differ & ~reactivated).any():
        problems.append(f"stage: {(differ & ~reactivated).sum()} differ")
    for tag, mask in masks.items():
        got = result.flags[tag].to_numpy(dtype=bool)
        if ((got != mask) & ~reactivated).any():
            problems.append(f"tag {tag}: {((got != mask) & ~reactivated).sum()} differ")
    note = (f" (except {reactivated.sum():,} customers xlseg finds Reactivated: the baseline has no "
            "previous-purchase gap, so no such rule)") if reactivated.any() else ""
    return ("same answers" + note) if not problems else "DIFFERENT: " + "; ".join(problems)


# ------------------------------------------------------------------ timing
def best_of(fn, repeat: int):
    times, value = [], None
    for _ in range(repeat):
        value = None
        gc.collect()
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, value


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def machine_info() -> str:
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "n/a"
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"load avg {load}\nversions: python {platform.python_version()}, pandas {pd.__version__}, "
            f"numpy {np.__version__}")


class Steps:
    """classify's progress callback: time spent in each step of the last run."""

    def __init__(self):
        self.marks = []

    def __call__(self, message: str) -> None:
        self.marks.append((message, time.perf_counter()))

    def run(self, fn):
        self.marks = [("start", time.perf_counter())]
        value = fn(self)
        self.marks.append(("end", time.perf_counter()))
        return value

    def breakdown(self) -> str:
        parts = [f"{name} {t1 - t0:.2f}" for (name, t0), (_, t1) in zip(self.marks[1:], self.marks[2:])]
        return ", ".join(parts)


def _fmt(seconds: float) -> str:
    return f"{seconds:.3f} s"


def report(title: str, ours, base, check: str, steps: Steps | None = None) -> None:
    t_ours, all_ours, _ = ours
    t_base, all_base, _ = base
    print(f"\n{title}")
    print(f"  baseline (bare pandas): best {_fmt(t_base)}   runs {', '.join(f'{t:.3f}' for t in all_base)}")
    print(f"  xlseg classify        : best {_fmt(t_ours)}   runs {', '.join(f'{t:.3f}' for t in all_ours)}")
    if steps is not None:
        print(f"  xlseg steps (last run, s): {steps.breakdown()}")
    print(f"  ratio xlseg / baseline: {t_ours / t_base:.1f}x")
    print(f"  check: {check}")
    print(f"  peak RSS so far: {peak_rss_mb():,.0f} MB")


def part_a(n: int, repeat: int) -> None:
    t0 = time.perf_counter()
    df = make_customers(n)
    print(f"\n(a) customer sheet: {n:,} customers, 10 columns, 10 tag rules "
          f"(data made in {time.perf_counter() - t0:.1f} s)")
    cfg = Config(tag_rules=RULES_CUSTOMERS, default_tags=False, predict=False)
    base = best_of(lambda: baseline_customers(df), repeat)
    steps = Steps()
    ours = best_of(lambda: steps.run(lambda cb: classify(df, config=cfg, progress=cb)), repeat)
    core, masks = base[2]
    report(f"(a) {n:,} customers: classify(customers, config) vs bare core", ours, base,
           agreement(ours[2], core, masks), steps)


def part_b(n_lines: int, n_customers: int, repeat: int) -> None:
    t0 = time.perf_counter()
    tx = make_transactions(n_lines, n_customers)
    print(f"\n(b) transactions: {n_lines:,} lines over {tx['customer_id'].nunique():,} customers, "
          f"order_id on {tx['order_id'].notna().mean():.0%} of lines "
          f"(data made in {time.perf_counter() - t0:.1f} s)")
    # Frequency = distinct purchase days, as in the baseline (the default 'auto' would count order ids).
    cfg = Config(tag_rules=RULES_TRANSACTIONS, default_tags=False, frequency_basis="days", predict=False)
    base = best_of(lambda: baseline_transactions(tx), repeat)
    steps = Steps()
    ours = best_of(lambda: steps.run(lambda cb: classify(transactions=tx, config=cfg, progress=cb)), repeat)
    agg, core, masks = base[2]
    report(f"(b) {n_lines:,} lines: classify(transactions=..., config) vs bare groupby + core", ours, base,
           agreement(ours[2], core, masks, ids=agg.index), steps)


def bare_prediction(data: pd.DataFrame, bg, gg) -> dict:
    """The closed forms, plainly vectorised over every customer (no distinct-pair sharing)."""
    from scipy.special import hyp2f1

    x, t_x, T, m = (data[c].to_numpy() for c in ("x", "t_x", "T", "m"))
    r, alpha, a, b = bg.r, bg.alpha, bg.a, bg.b
    with np.errstate(divide="ignore", invalid="ignore"):
        alive = np.where(x > 0, 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)), 1.0)

        def expected(t):
            z = t / (alpha + T + t)
            return alive * (a + b + x - 1) / (a - 1) * (1 - (1 - z) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))

        ok = (x > 0) & (m > 0)
        spend = np.where(ok, (gg.gamma + m * x) * gg.p / (gg.p * x + gg.q - 1), gg.p * gg.gamma / (gg.q - 1))
        clv = np.zeros(len(x))
        before = np.zeros(len(x))
        for i in range(1, 13):
            now = expected(i * 365 / 12)
            clv += (now - before) / 1.01 ** i
            before = now
    return {"p_alive": alive, "expected_purchases": expected(365.0), "expected_spend": spend, "clv": clv * spend}


def make_histories(n: int, seed: int = 3) -> pd.DataFrame:
    """Customer metrics drawn from the BG/NBD story (r 0.25, alpha 30 days, a 0.8, b 2.5) with Gamma-Gamma
    spend (p 6, q 4, gamma 20): first/last purchase, purchase count and total spend as of AS_OF."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(0.25, 1 / 30.0, n)
    drop = rng.beta(0.8, 2.5, n)
    T = rng.integers(30, 1000, n).astype("float64")
    x = np.zeros(n)
    t_x = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    while alive.any():  # one purchase per living customer per step
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx])
        alive[idx] &= t[idx] <= T[idx]
        idx = idx[alive[idx]]
        x[idx] += 1
        t_x[idx] = np.floor(t[idx])
        alive[idx] &= rng.random(len(idx)) >= drop[idx]
    nu = rng.gamma(4.0, 1 / 20.0, n)
    spend = rng.gamma(6.0 * (x + 1), 1 / nu)  # the sum of x + 1 purchases of mean 6 / nu
    first = (AS_OF - T.astype("timedelta64[D]")).astype("datetime64[ns]")
    return pd.DataFrame({"first_purchase": first, "last_purchase": first + t_x.astype("timedelta64[D]"),
                         "frequency": x + 1, "monetary": spend.round(2)},
                        index=pd.Index(np.arange(n), name="customer_id"))


def part_c(n: int, repeat: int) -> None:
    t0 = time.perf_counter()
    m = make_histories(n)
    as_of = pd.Timestamp(AS_OF)
    print(f"\n(c) predicted value: {n:,} customers, {int((m['frequency'] > 1).sum()):,} repeat buyers "
          f"(data made in {time.perf_counter() - t0:.1f} s)")
    steps = Steps()

    def ours_run(cb):
        cb("fit + predict")
        return predict.predict(m, as_of)

    ours = best_of(lambda: steps.run(ours_run), repeat)
    pred = ours[2]
    data = predict.inputs(m, as_of)
    have = data["x"].notna().to_numpy()
    t_fit = best_of(lambda: (predict.bgnbd.fit(*(data[c].to_numpy()[have] for c in ("x", "t_x", "T"))),
                             predict.gammagamma.fit(data["x"].to_numpy(), data["m"].to_numpy())), 1)[0]
    base = best_of(lambda: bare_prediction(data, pred.bgnbd, pred.gammagamma), repeat)
    worst = max(float(np.nanmax(np.abs(pred.columns[k].to_numpy() / base[2][k] - 1))) for k in base[2])
    fitted = ", ".join(f"{p} {v:.4g}" for p, v in zip(pred.model["parameter"], pred.model["value"]))
    report(f"(c) {n:,} customers: predict (fit + prediction) vs bare closed forms (prediction only)", ours, base,
           f"largest relative difference from the bare closed forms {worst:.1e}; fitted {fitted}; "
           f"of which the two fits alone {t_fit:.3f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="1/10 size: 100,000 customers, 1,000,000 lines")
    ap.add_argument("--part", choices=("a", "b", "c", "all"), default="all")
    ap.add_argument("--repeat", type=int, default=3, help="runs per side; the best is reported (default 3)")
    args = ap.parse_args(argv)
    scale = 10 if args.small else 1
    print(machine_info())
    print(f"size: {'small (1/10)' if args.small else 'full'}, best of {args.repeat}")
    if args.part in ("a", "all"):
        part_a(1_000_000 // scale, args.repeat)
    if args.part in ("b", "all"):
        part_b(10_000_000 // scale, 1_000_000 // scale, args.repeat)
    if args.part in ("c", "all"):
        part_c(1_000_000 // scale, args.repeat)
    print(f"\npeak RSS: {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
