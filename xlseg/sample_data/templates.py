"""The data of the three template workbooks (retail_b2c, b2b_key_accounts, cross_border)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xlseg.sample_data.demo import _tidy_text
from xlseg.sample_data.model import (
    DEFAULT_AS_OF,
    DEMO_MIX,
    TEMPLATE_NAMES,
    _allocate,
    _as_date,
    _simulate,
)
from xlseg.sample_data.people import (
    _company_names,
    _dates,
    _geography,
    _ids,
    _norm_w,
    _person_names,
    _pick,
    _satisfaction,
    _word,
)
from xlseg.sample_data.vocab import (
    COUNTRIES,
    CROSS_BORDER_REGIONS,
    CROSS_BORDER_WEIGHTS,
    INDUSTRIES,
    MANAGERS,
    REGIONS,
    SOURCES,
)


def template_frames(name: str, seed: int = 11, n: int | None = None,
                    as_of: dt.date = DEFAULT_AS_OF) -> dict:
    """Data of a template workbook: {"customers", "transactions" (or None), "lang", "as_of"}.

    - ``retail_b2c`` (zh, 300): individual shoppers, one row per customer with
      首次购买日期, 最近购买日期, 购买次数, 消费金额 and 会员等级; no transaction sheet.
    - ``b2b_key_accounts`` (en, 200): enterprises with Revenue spread so that the
      1,000,000 / 100,000 thresholds split them 10 % / 40 % / 50 %.
    - ``cross_border`` (en, 300): an international storefront with a transaction sheet.
    """
    as_of = _as_date(as_of)
    rng = np.random.default_rng(seed)
    if name == "retail_b2c":
        return _retail_b2c(rng, n or 300, as_of)
    if name == "b2b_key_accounts":
        return _b2b_key_accounts(rng, n or 200, as_of)
    if name == "cross_border":
        return _cross_border(rng, n or 300, as_of)
    raise ValueError(f"unknown template {name!r}; use one of: {', '.join(TEMPLATE_NAMES)}.")


RETAIL_TIERS = (("普通会员", 0.0), ("银卡会员", 1000.0), ("金卡会员", 4000.0), ("钻石会员", 12000.0))


def _retail_b2c(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, (0.06, 0.10, 0.50, 0.0, 0.16, 0.18))
    is_ent = np.zeros(n, dtype=bool)
    sim = _simulate(rng, arch, is_ent, order_median=(260.0, 0.0), order_sigma=(0.85, 1.0), rate_median=3.5)
    country, region, city_en, city_zh, culture = _geography(rng, n, {"CN": 1.0})
    names = _person_names(rng, culture, "zh")
    online = rng.random(n) < 0.65
    spend = np.maximum(sim.monetary, 0.0)
    tier = np.array([t[0] for t in RETAIL_TIERS], dtype=object)[
        np.searchsorted([t[1] for t in RETAIL_TIERS], spend, side="right") - 1]
    monetary = np.where(sim.orders > 0, sim.monetary, 0.0)
    customers = pd.DataFrame({
        "客户编号": _ids("M", n),
        "客户名称": names,
        "客户类型": "个人",
        "客户来源": _word(SOURCES, np.where(online, "online", "offline"), "zh"),
        "会员等级": tier,
        "地区": _word(REGIONS, region, "zh"),
        "城市": city_zh,
        "首次购买日期": _dates(as_of, sim.first_ago),
        "最近购买日期": _dates(as_of, sim.last_ago),
        "购买次数": sim.orders.astype(np.int64),
        "消费金额": np.round(monetary, 2),
        "满意度": _satisfaction(rng, arch, 0.15),
        "互动次数": rng.poisson(1.0 + 0.6 * sim.orders).astype(np.int64),
    })
    return {"customers": _tidy_text(customers), "transactions": None, "lang": "zh", "as_of": as_of}


def _b2b_key_accounts(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, (0.0, 0.08, 0.62, 0.0, 0.18, 0.12))
    is_ent = np.ones(n, dtype=bool)
    sim = _simulate(rng, arch, is_ent, rate_median=6.0, refund_share=0.0)
    country, region, city_en, city_zh, culture = _geography(rng, n, {"CN": 70, "US": 8, "DE": 6, "UK": 5,
                                                                     "JP": 5, "SG": 4, "AU": 2})
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    company = _company_names(rng, country, city_en, city_zh, industry, "en")
    employees = np.clip(np.rint(np.exp(rng.normal(np.log(400), 1.5, n))), 5, 120_000).astype(np.int64)

    # revenue bands with exact shares: >= 1,000,000 (10 %), >= 100,000 (40 %), the rest (50 %)
    n_hi = int(round(0.10 * n))
    n_mid = int(round(0.40 * n))
    n_lo = n - n_hi - n_mid
    hi = np.minimum(1_000_000 * (1 + rng.pareto(1.8, n_hi)), 25_000_000)
    mid = np.minimum(np.exp(rng.uniform(np.log(100_000), np.log(1_000_000), n_mid)), 999_999.99)
    lo = np.minimum(np.exp(rng.uniform(np.log(6_000), np.log(100_000), n_lo)), 99_999.99)
    values = np.sort(np.round(np.concatenate([hi, mid, lo]), 2))[::-1]
    latent = np.log1p(np.maximum(sim.monetary, 0)) + rng.normal(0, 0.6, n) + 0.3 * np.log(employees)
    revenue = np.empty(n)
    revenue[np.argsort(-latent, kind="stable")] = values

    customers = pd.DataFrame({
        "Customer ID": _ids("KA", n, 4),
        "Company": company,
        "Industry": np.array([r[0] for r in INDUSTRIES], dtype=object)[industry],
        "Company Size": employees,
        "Account Manager": np.array([m[0] for m in MANAGERS], dtype=object)[rng.integers(0, len(MANAGERS), n)],
        "Satisfaction": _satisfaction(rng, arch, 0.08),
        "First Purchase": _dates(as_of, sim.first_ago),
        "Last Purchase": _dates(as_of, sim.last_ago),
        "Orders": sim.orders.astype(np.int64),
        "Revenue": revenue,
    })
    return {"customers": _tidy_text(customers), "transactions": None, "lang": "en", "as_of": as_of}


NEEDS = ("Product", "Service", "Both")


def _cross_border(rng, n: int, as_of: dt.date) -> dict:
    arch = _allocate(rng, n, DEMO_MIX)
    is_ent = rng.random(n) < 0.15
    sim = _simulate(rng, arch, is_ent, order_median=(45.0, 900.0), order_sigma=(0.8, 1.0))
    in_region = {}
    for code, w in CROSS_BORDER_WEIGHTS.items():
        in_region[COUNTRIES[code][2]] = in_region.get(COUNTRIES[code][2], 0.0) + w
    weights = {code: CROSS_BORDER_REGIONS[COUNTRIES[code][2]] * w / in_region[COUNTRIES[code][2]]
               for code, w in CROSS_BORDER_WEIGHTS.items()}
    country, region, city_en, city_zh, culture = _geography(rng, n, weights)
    industry = rng.choice(len(INDUSTRIES), n, p=_norm_w([r[2] for r in INDUSTRIES]))
    names = _person_names(rng, culture, "en")
    ent = np.flatnonzero(is_ent)
    names[ent] = _company_names(rng, country[ent], city_en[ent], city_zh[ent], industry[ent], "en")
    online = rng.random(n) < 0.85
    needs = _pick(rng, NEEDS, n, p=[0.70, 0.10, 0.20])
    needs[ent] = _pick(rng, NEEDS, len(ent), p=[0.35, 0.25, 0.40])
    customers = pd.DataFrame({
        "Customer ID": _ids("CB", n),
        "Name": names,
        "Country": _word({k: v[:2] for k, v in COUNTRIES.items()}, country, "en"),
        "Region": _word(REGIONS, region, "en"),
        "Source": _word(SOURCES, np.where(online, "online", "offline"), "en"),
        "Needs": needs,
    })
    ids = customers["Customer ID"].to_numpy(dtype=object)
    transactions = pd.DataFrame({
        "Customer ID": ids[sim.row_cust],
        "Order ID": _ids("WEB-", int(sim.row_order.max()) if len(sim.row_order) else 0, 6)[sim.row_order - 1],
        "Date": _dates(as_of, sim.row_ago),
        "Amount": sim.row_amount,
    })
    return {"customers": _tidy_text(customers), "transactions": _tidy_text(transactions), "lang": "en",
            "as_of": as_of}


