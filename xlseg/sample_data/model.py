"""Behaviour model of the synthetic customers: archetypes and their purchase histories."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

DEFAULT_AS_OF = dt.date(2026, 6, 30)

CUSTOMER_COLUMNS = {
    "en": ["Customer ID", "Name", "Customer Type", "Source", "Region", "Country", "City", "Industry",
           "Company Size", "Satisfaction", "Interactions", "Account Manager"],
    "zh": ["客户编号", "客户名称", "客户类型", "客户来源", "地区", "国家", "城市", "行业",
           "企业规模", "满意度", "互动次数", "客户经理"],
}
TRANSACTION_COLUMNS = {
    "en": ["Customer ID", "Order ID", "Order Date", "Amount"],
    "zh": ["客户编号", "订单号", "下单日期", "金额"],
}

TEMPLATE_NAMES = ("retail_b2c", "b2b_key_accounts", "cross_border")

# ------------------------------------------------------------------ behaviour model
# Archetypes drive the purchase history. Their mix makes every lifecycle stage occur.
PROSPECT, NEW, ACTIVE, REACTIVATED, CHURN_WARNING, LOST = range(6)
ARCHETYPES = ("prospect", "new", "active", "reactivated", "churn_warning", "lost")
DEMO_MIX = (0.08, 0.08, 0.46, 0.04, 0.15, 0.19)

WINDOW_DAYS = 730  # two years of history ending at as_of


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _check_lang(lang: str) -> int:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang is {lang!r}; use 'en' or 'zh'.")
    return 0 if lang == "en" else 1


def _allocate(rng: np.random.Generator, n: int, shares) -> np.ndarray:
    """Archetype code per customer: exact counts by largest remainder, shuffled.

    Every archetype with a positive share gets at least one customer when n allows.
    """
    shares = np.asarray(shares, dtype=float)
    shares = shares / shares.sum()
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    if rest:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    positive = np.flatnonzero(shares > 0)
    if n >= len(positive):
        for i in positive:
            if counts[i] == 0:
                counts[i] = 1
                counts[np.argmax(counts)] -= 1
    return rng.permutation(np.repeat(np.arange(len(shares)), counts))


def _uniform_int(rng, lo, hi) -> np.ndarray:
    """Uniform integers in [lo, hi] (inclusive, element-wise)."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    return lo + np.floor(rng.random(lo.shape) * (hi - lo + 1)).astype(np.int64)


class _Sim(NamedTuple):
    arch: np.ndarray        # archetype per customer
    row_cust: np.ndarray    # transaction rows: customer index
    row_order: np.ndarray   # order number (1.. in date order); a refund repeats its order's number
    row_ago: np.ndarray     # days before as_of
    row_amount: np.ndarray  # rounded to cents; refunds negative
    orders: np.ndarray      # per customer: purchase orders
    first_ago: np.ndarray   # per customer: days since first purchase (-1: none)
    last_ago: np.ndarray    # per customer: days since last purchase (-1: none)
    monetary: np.ndarray    # per customer: net spend


def _simulate(rng: np.random.Generator, arch: np.ndarray, is_ent: np.ndarray, *,
              order_median=(280.0, 6000.0), order_sigma=(0.9, 1.1), rate_median=4.0,
              refund_share=0.015) -> _Sim:
    """Purchase histories for customers of the given archetypes (vectorised)."""
    n = len(arch)
    last_day = WINDOW_DAYS - 1
    # --- one or two purchase spans per buyer: (customer, first day ago, last day ago)
    c_parts, f_parts, l_parts, k_parts = [], [], [], []

    def add(idx, f, l, kind):
        c_parts.append(idx)
        f_parts.append(np.asarray(f, dtype=np.int64))
        l_parts.append(np.asarray(l, dtype=np.int64))
        k_parts.append(np.full(len(idx), kind))

    idx = np.flatnonzero(arch == NEW)
    f = _uniform_int(rng, np.zeros(len(idx)), np.full(len(idx), 89))
    add(idx, f, np.floor(f * rng.random(len(idx))), NEW)

    idx = np.flatnonzero(arch == ACTIVE)
    # recent buyers are denser near as_of: squared uniform
    l_ = np.floor(181 * rng.random(len(idx)) ** 1.5)
    add(idx, _uniform_int(rng, np.maximum(l_, 91), np.full(len(idx), last_day)), l_, ACTIVE)

    idx = np.flatnonzero(arch == CHURN_WARNING)
    l_ = _uniform_int(rng, np.full(len(idx), 181), np.full(len(idx), 365))
    add(idx, _uniform_int(rng, l_, np.full(len(idx), last_day)), l_, CHURN_WARNING)

    idx = np.flatnonzero(arch == LOST)
    l_ = _uniform_int(rng, np.full(len(idx), 366), np.full(len(idx), last_day))
    add(idx, _uniform_int(rng, l_, np.full(len(idx), last_day)), l_, LOST)

    idx = np.flatnonzero(arch == REACTIVATED)
    f = _uniform_int(rng, np.full(len(idx), 500), np.full(len(idx), last_day))
    add(idx, f, _uniform_int(rng, np.full(len(idx), 500), f), LOST)        # before the long gap
    f = _uniform_int(rng, np.zeros(len(idx)), np.full(len(idx), 130))
    add(idx, f, np.floor(f * rng.random(len(idx))), NEW)                 # back again recently

    s_cust = np.concatenate(c_parts) if c_parts else np.zeros(0, np.int64)
    s_f = np.concatenate(f_parts) if f_parts else np.zeros(0, np.int64)
    s_l = np.concatenate(l_parts) if l_parts else np.zeros(0, np.int64)
    s_kind = np.concatenate(k_parts) if k_parts else np.zeros(0, np.int64)

    # --- number of orders per span: heavy-tailed personal rate (orders per year) x span length
    rate = rate_median * rng.lognormal(0.0, 0.85, n) * np.where(is_ent, 1.4, 1.0)
    s_n = 1 + rng.poisson(rate[s_cust] * (s_f - s_l) / 365.0)
    s_n = np.minimum(s_n, 150)
    one = s_n == 1
    # a single order sits at the span's last day; an "active" one-timer bought 91-180 days ago
    act1 = one & (s_kind == ACTIVE)
    s_l[act1] = _uniform_int(rng, np.full(act1.sum(), 91), np.full(act1.sum(), 180))
    s_f[one] = s_l[one]

    # --- expand spans into orders: first at f, last at l, the rest uniform in between
    n_orders = int(s_n.sum())
    span = np.repeat(np.arange(len(s_n)), s_n)
    start = np.repeat(np.cumsum(s_n) - s_n, s_n)
    k = np.arange(n_orders) - start
    size = s_n[span]
    u = rng.random(n_orders)
    u[k == 0] = 0.0
    u[(k == size - 1) & (size > 1)] = 1.0
    o_ago = np.rint(s_f[span] - u * (s_f - s_l)[span]).astype(np.int64)
    o_cust = s_cust[span]

    # --- order values: customer level (lognormal, enterprises bigger) x order noise
    med = np.where(is_ent, order_median[1], order_median[0])
    sig = np.where(is_ent, order_sigma[1], order_sigma[0])
    level = med * np.exp(sig * rng.standard_normal(n))
    o_value = level[o_cust] * rng.lognormal(0.0, 0.35, n_orders)
    o_value = np.maximum(o_value, 5.0)

    # order numbers in date order (oldest first)
    o_no = np.empty(n_orders, dtype=np.int64)
    o_no[np.lexsort((rng.random(n_orders), -o_ago))] = np.arange(1, n_orders + 1)

    # --- line items: 80 % one line, 14 % two, 6 % three; same order number and date
    r = rng.random(n_orders)
    m = 1 + (r > 0.80) + (r > 0.94)
    line_of = np.repeat(np.arange(n_orders), m)
    w = rng.gamma(3.0, 1.0, len(line_of))
    w /= np.bincount(line_of, weights=w, minlength=n_orders)[line_of]
    l_amount = np.maximum(np.round(o_value[line_of] * w, 2), 0.5)
    o_total = np.bincount(line_of, weights=l_amount, minlength=n_orders)

    # --- refunds: a few orders of repeat customers, full or partial, up to 14 days later
    orders_per_cust = np.bincount(o_cust, minlength=n)
    eligible = np.flatnonzero(orders_per_cust[o_cust] >= 2)
    n_ref = min(len(eligible), max(3, int(round(refund_share * n_orders)))) if len(eligible) else 0
    ref = np.sort(rng.choice(eligible, n_ref, replace=False)) if n_ref else np.zeros(0, np.int64)
    frac = np.where(rng.random(n_ref) < 0.35, 1.0, rng.uniform(0.1, 0.6, n_ref))
    ref_amount = -np.round(o_total[ref] * frac, 2)
    ref_ago = np.maximum(o_ago[ref] - _uniform_int(rng, np.zeros(n_ref), np.full(n_ref, 14)), 0)

    row_cust = np.concatenate([o_cust[line_of], o_cust[ref]])
    row_order = np.concatenate([o_no[line_of], o_no[ref]])
    row_ago = np.concatenate([o_ago[line_of], ref_ago])
    row_amount = np.concatenate([l_amount, ref_amount])
    is_ref = np.concatenate([np.zeros(len(line_of), bool), np.ones(n_ref, bool)])
    order = np.lexsort((is_ref, row_order, -row_ago))

    first_ago = np.full(n, -1, dtype=np.int64)
    last_ago = np.full(n, 10**9, dtype=np.int64)
    np.maximum.at(first_ago, o_cust, o_ago)
    np.minimum.at(last_ago, o_cust, o_ago)
    last_ago[last_ago == 10**9] = -1
    monetary = np.round(np.bincount(row_cust, weights=row_amount, minlength=n), 2)
    return _Sim(arch, row_cust[order], row_order[order], row_ago[order], row_amount[order],
                orders_per_cust, first_ago, last_ago, monetary)
