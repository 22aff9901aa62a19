"""Why each customer got its scores, segment, value tier and stage, in words, with the numbers.

:func:`why` returns one text per customer in the workbook's language, e.g.::

    R 4: last purchase 23 days ago (<= 30). F 2: 2 purchases (>= 2). M 3: spent 1,250.00 (>= 980.50).
    Segment Potential Loyalists: R 4, F 2. Value tier Potential: class B (customers spending more made
    83.12% of revenue, >= 80% and < 95%) and segment Potential Loyalists. Stage Churn Warning: 95 days
    since last purchase > 2 x mean gap of 40 days (5 purchases >= 3).

Numbers are written so they can be parsed back: integers as ``1,234``, other
values with two decimals (``1,234.57``), shares as ``42.13%``; cut points are
the ones in ``Result.cut_points`` (``rule`` column) and the stage settings.
The explanation is for the *computed* values; a manual override is appended
(``Override: ...``). Built column by column (no per-row Python logic beyond
number formatting), so it stays well under a second per 100,000 customers.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from xlseg.core import labels as L
from xlseg.core import segments as S

T = {
    "r": ("R {s}: last purchase {v} days ago ({rule}).", "R {s}：最近一次购买在 {v} 天前（{rule}）。"),
    "f": ("F {s}: {v} purchase(s) ({rule}).", "F {s}：购买 {v} 次（{rule}）。"),
    "m": ("M {s}: spent {v} ({rule}).", "M {s}：消费 {v}（{rule}）。"),
    "seg10": ("Segment {seg}: R {r}, F {f}.", "分群 {seg}：R {r}，F {f}。"),
    "seg8": ("Segment {seg}: recency {r} days {rop} mean {rm}, frequency {f} {fop} mean {fm}, "
             "monetary {m} {mop} mean {mm}.",
             "分群 {seg}：最近购买间隔 {r} 天 {rop} 平均 {rm}，购买频次 {f} {fop} 平均 {fm}，"
             "消费金额 {m} {mop} 平均 {mm}。"),
    "tier": ("Value tier {tier}: class {cls} ({why}){pot}.", "价值等级 {tier}：{cls} 类（{why}）{pot}。"),
    "pot": (" and segment {seg}", "且分群为 {seg}"),
    "abc_share": ("customers spending more made {p} of revenue, {cmp}", "消费更高的客户占收入 {p}，{cmp}"),
    "abc_zero": ("spent {v} <= 0", "消费 {v} <= 0"),
    "thr": ("spent {v}, {cmp}", "消费 {v}，{cmp}"),
    "qua": ("top {p} of buyers by spend, {cmp}", "消费排名前 {p}，{cmp}"),
    "clv_share": ("customers with a higher CLV make {p} of the predicted value, {cmp}",
                  "预测价值更高的客户占预测总价值 {p}，{cmp}"),
    "clv_zero": ("CLV {v} <= 0", "预测价值 {v} <= 0"),
    "prospect": ("Stage {st}: no purchase.", "阶段 {st}：没有购买记录。"),
    "lost": ("Stage {st}: {v} days since last purchase > {d}.", "阶段 {st}：距最近购买 {v} 天 > {d}。"),
    "reactivated": ("Stage {st}: {v} days between the last two purchases > {d}.",
                    "阶段 {st}：最近两次购买间隔 {v} 天 > {d}。"),
    "new": ("Stage {st}: first purchase {v} days ago <= {d}.", "阶段 {st}：首次购买在 {v} 天前 <= {d}。"),
    "churn_days": ("Stage {st}: {v} days since last purchase > {d}.", "阶段 {st}：距最近购买 {v} 天 > {d}。"),
    "churn_gap": ("Stage {st}: {v} days since last purchase > {k} x mean gap of {g} days ({n} purchases >= {mn}).",
                  "阶段 {st}：距最近购买 {v} 天 > {k} x 平均间隔 {g} 天（购买 {n} 次 >= {mn}）。"),
    "churn_palive": ("Stage {st}: P(alive) {p} < {w}.", "阶段 {st}：P(alive) {p} < {w}。"),
    "active": ("Stage {st}: {v} days since last purchase <= {d}{gap}.", "阶段 {st}：距最近购买 {v} 天 <= {d}{gap}。"),
    "active_gap": (" and <= {k} x mean gap of {g} days", "且 <= {k} x 平均间隔 {g} 天"),
    "override": ("Override: {text}.", "人工调整：{text}。"),
}


def num(x) -> str:
    """1234 -> '1,234'; 1234.5 -> '1,234.50' (the format every number in a Why text uses)."""
    x = float(x)
    return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"


def _format_unique(arr: np.ndarray, ok: np.ndarray, texts) -> pa.Array:
    """``texts`` of the distinct values where ``ok`` (Arrow text, one per distinct value), '' elsewhere."""
    if not ok.any():
        return pa.array(np.full(len(arr), "", dtype=object), type=pa.string())
    uniq, inverse = np.unique(arr[ok], return_inverse=True)
    where = np.full(len(arr), len(uniq), dtype=np.int64)
    where[ok] = inverse
    return pa.concat_arrays([texts(uniq), pa.array([""], type=pa.string())]).take(pa.array(where))


def _grouped(n: np.ndarray) -> pa.Array:
    """Non-negative integers below 1e15 with thousands separators: 1234567 -> '1,234,567'."""
    groups = np.ones(len(n), dtype=np.int64)  # how many groups of three digits
    for j in range(1, 5):
        groups += n >= 1000 ** j
    top = n // np.power(1000, groups - 1)
    pieces = [pc.cast(pa.array(top), pa.string())]
    for j in range(3, -1, -1):
        if not (groups > j + 1).any():
            continue
        three = pc.utf8_lpad(pc.cast(pa.array((n // 1000 ** j) % 1000), pa.string()), width=3, padding="0")
        pieces.append(pc.if_else(pa.array(groups > j + 1), pc.binary_join_element_wise(",", three, ""), ""))
    return pc.binary_join_element_wise(*pieces, "")


def _fixed(values: np.ndarray, num_style: bool, python) -> pa.Array:
    """Finite ``values`` written as Python writes them, character for character, as Arrow text:
    ``num_style``: :func:`num` (``f"{v:,.0f}"`` for a whole number, else ``f"{v:,.2f}"``); otherwise
    ``f"{v:.2f}"``.

    Python rounds the exact binary value to cents; ``rint(v * 100)`` is that rounding except where ``v * 100``
    lies within two units in the last place of a half cent, or where cents would not fit an int64 exactly:
    those values (few, or none) are written by ``python`` itself."""
    neg = np.signbit(values)
    a = np.abs(values)
    whole = (a == np.floor(a)) if num_style else np.zeros(len(a), dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        y = np.where(whole, 0.0, a * 100.0)
        near = np.abs(y - np.floor(y) - 0.5) <= 2 * np.spacing(y)
    slow = np.where(whole, a >= 1e15, (a >= 1e11) | near)
    cents = np.rint(np.where(slow, 0.0, y)).astype(np.int64)
    units = np.where(whole, np.where(slow, 0.0, a).astype(np.int64), cents // 100)
    text = _grouped(units) if num_style else pc.cast(pa.array(units), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), width=2, padding="0")
    text = pc.if_else(pa.array(whole), text, pc.binary_join_element_wise(text, frac, "."))
    text = pc.if_else(pa.array(neg), pc.binary_join_element_wise("-", text, ""), text)
    if slow.any():
        exact = pa.array([python(v) for v in values[slow]], type=pa.string())
        text = pc.replace_with_mask(text, pa.array(slow), exact)
    return text


def _num_texts(values: np.ndarray) -> pa.Array:
    """:func:`num` of each (finite) value, as Arrow text."""
    return _fixed(values, True, num)


def _pct_texts(values: np.ndarray) -> pa.Array:
    """``f"{v:.2%}"`` of each (finite) value, as Arrow text: Python multiplies by 100 first, in floating point,
    then writes two decimals (no thousands separators) and a percent sign."""
    with np.errstate(over="ignore"):
        hundred = values * 100.0
    ok = np.isfinite(hundred)
    text = pc.binary_join_element_wise(_fixed(np.where(ok, hundred, 0.0), False, lambda v: f"{v:.2f}"), "%", "")
    if not ok.all():
        text = pc.replace_with_mask(text, pa.array(~ok), pa.array([f"{v:.2%}" for v in values[~ok]], pa.string()))
    return text


def _nums(values) -> pa.Array:
    arr = np.asarray(values, dtype="float64")
    return _format_unique(arr, np.isfinite(arr), _num_texts)


def _pct(values) -> pa.Array:
    arr = np.asarray(values, dtype="float64")
    return _format_unique(arr, np.isfinite(arr), _pct_texts)


def _text(v, rows=None):
    """Arrow text of a part: arrays become string arrays ('' for a missing value), anything else a str.
    ``rows``: the positions wanted (an Arrow int64 array), taken before any conversion; None for all."""
    if isinstance(v, (pa.Array, pa.ChunkedArray)):
        return pc.fill_null(v if rows is None else v.take(rows), "")
    if isinstance(v, (np.ndarray, pd.Series, list)):
        v = np.asarray(v, dtype=object)
        if rows is not None:
            v = v[rows.to_numpy()]
        return pc.fill_null(pa.array(v, type=pa.string(), from_pandas=True), "")
    return str(v)


def _fill(template: str, mask: np.ndarray, **parts) -> pa.Array:
    """``template`` filled row by row where ``mask``; null elsewhere. ``parts``: arrays or scalars.

    Built by Arrow's element-wise concatenation of the literal pieces and the parts' columns,
    not by a ``str.format`` call per row, and only for the rows of ``mask`` (a stage's or a tier
    method's template applies to a few of them).
    """
    import string

    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return pa.nulls(len(mask), pa.string())
    rows = None if mask.all() else pa.array(np.flatnonzero(mask))
    columns = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            columns.append(literal)
        if name is not None:
            columns.append(_text(parts[name], rows))
    if not any(isinstance(c, pa.Array) for c in columns):
        size = len(mask) if rows is None else len(rows)
        columns.append(pa.array(np.full(size, "", dtype=object), type=pa.string()))
    filled = pc.binary_join_element_wise(*columns, "")
    if rows is None:
        return filled
    return pc.replace_with_mask(pa.nulls(len(mask), pa.string()), pa.array(mask), filled)


def _labels(keys, words: dict) -> tuple[pa.Array, np.ndarray]:
    """The words of ``keys`` (a key that is not text, or unknown, gives ''), as Arrow text, and where they are
    not ''. Looked up once per distinct key."""
    codes, uniques = pd.factorize(np.asarray(keys, dtype=object))
    found = [words.get(k, "") if isinstance(k, str) else "" for k in uniques] + [""]
    codes = np.where(codes < 0, len(uniques), codes)
    has = np.array([w != "" for w in found])[codes]
    return pa.array(found, type=pa.string()).take(pa.array(codes)), has


def _where(mask: np.ndarray, a: pa.Array, b: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), a, b)


def _mean(x) -> str:
    return "" if x is None or x != x else num(round(float(x), 2))


def _rules(cut_points: pd.DataFrame, letter: str) -> dict:
    cp = cut_points[cut_points["metric"] == letter]
    return {int(s): r for s, r in zip(cp["score"], cp["rule"]) if r}


def _score_text(c, cut_points, letter, col, metric, lang, i) -> pa.Array:
    score = c[col]
    ok = score.notna().to_numpy() & c[metric].notna().to_numpy()
    rules = _rules(cut_points, letter.upper())
    s = score.astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    which = np.full(len(s), len(rules), dtype=np.int64)  # each customer's rule (its score's), len(rules): none
    for k, score_value in enumerate(rules):
        which[s == score_value] = k
    rule = pa.array(list(rules.values()) + [""], type=pa.string()).take(pa.array(which))
    ok &= which < len(rules)
    return _fill(T[letter][i], ok, s=_nums(s), v=_nums(c[metric].to_numpy(dtype="float64")), rule=rule)


def _tier_inputs(c, cfg) -> dict:
    """What the value tier's reason needs from every customer at once: the money ranked (spend, or CLV) and,
    per customer, the share of revenue made by customers above (abc) or the rank position (quantile)."""
    use_clv = cfg.tier_method == "clv" and "clv" in c and c["clv"].notna().any()  # else abc on spend
    money = (c["clv"].fillna(0.0) if use_clv else c["monetary"]).where(c["is_buyer"].astype(bool)).astype("float64")
    share = np.full(len(c), np.nan)
    if cfg.tier_method == "quantile":
        valid = money.notna()
        n = int(valid.sum())
        if n:
            share[valid.to_numpy()] = ((money[valid].rank(method="min", ascending=False) - 1) / n).to_numpy()
    elif cfg.tier_method != "threshold":
        positive = money[money > 0]
        total = positive.sum()
        if total > 0:
            groups = positive.groupby(positive).sum().sort_index(ascending=False)
            before = (groups.cumsum() - groups) / total
            share[(money > 0).to_numpy()] = before.reindex(positive.to_numpy()).to_numpy()
    return {"use_clv": use_clv, "money": money.to_numpy(), "share": share}


def _tier_reason(abc_class, cfg, lang, i, m, share, use_clv) -> pa.Array:
    """The tier's reason for some customers (``m``, their money, and ``share``: from :func:`_tier_inputs`)."""
    cls = abc_class.to_numpy(dtype=object)
    out = pa.nulls(len(m), pa.string())
    has = pd.notna(cls) & np.isfinite(m)
    if cfg.tier_method == "threshold":
        v = _nums(m)
        hi, med = num(cfg.threshold_high), num(cfg.threshold_medium)
        cmp_ = np.select([cls == "A", cls == "B"], [f">= {hi}", f">= {med} and < {hi}"], f"< {med}")
        if lang == "zh":
            cmp_ = np.select([cls == "A", cls == "B"], [f">= {hi}", f">= {med} 且 < {hi}"], f"< {med}")
        return _fill(T["thr"][i], has, v=v, cmp=cmp_)
    a, b = cfg.abc_a, cfg.abc_b
    if cfg.tier_method == "quantile":
        a, b = cfg.quantile_a, cfg.quantile_b
        tmpl = T["qua"][i]
    else:
        zero = has & ~np.isfinite(share)
        out = _fill(T["clv_zero" if use_clv else "abc_zero"][i], zero, v=_nums(np.where(zero, m, np.nan)))
        tmpl = T["clv_share" if use_clv else "abc_share"][i]
    lo, hi = f"{a:.0%}", f"{b:.0%}"
    both = "且" if lang == "zh" else "and"
    cmp_ = np.select([cls == "A", cls == "B"], [f"< {lo}", f">= {lo} {both} < {hi}"], f">= {hi}")
    ok = has & np.isfinite(share)
    filled = _fill(tmpl, ok, p=_pct(share), cmp=cmp_)
    return _where(ok, filled, out)


BAND = 1 << 16  # customers whose texts are built at once: a band's parts are a few MB, a full sheet's ~400 MB
WORKERS = min(4, os.cpu_count() or 1)  # bands built at once (each holds a band's parts)


def why(customers: pd.DataFrame, computed: pd.DataFrame, cut_points: pd.DataFrame, config,
        as_of) -> pd.Series:
    """One explanation per customer (index of ``customers``), as a text column (pandas' Arrow ``str``).

    ``customers``: the result's customer frame (metrics, scores, labels,
    ``override``). ``computed``: the keys before overrides - columns
    ``segment_key``, ``abc``, ``tier_key``, ``stage_key`` (same row order).
    What compares a customer with all others (rfm8's means, the revenue shares) is computed once; the
    texts are then built :data:`BAND` customers at a time, and never become Python strings.
    """
    c = customers
    whole = _tier_inputs(c, config)
    if config.segment_scheme == "rfm8":
        flags = S.rfm8_flags(c.assign(is_buyer=c["is_buyer"].astype(bool)))
        whole["means"] = flags.attrs["means"]
        for letter, col in (("r", "r_high"), ("f", "f_high"), ("m", "m_high")):
            high = flags[col].fillna(False).astype(bool).to_numpy()
            whole[f"{letter}op"] = np.where(high, "<", ">=") if letter == "r" else np.where(high, ">", "<=")
    # Arrow's kernels release the GIL: bands are built side by side (1M customers, 2 cores: 3.8 -> 2.7 s), each
    # 1/workers of BAND, so that those in the making hold together what one band held
    workers = max(1, min(WORKERS, -(-len(c) // BAND)))
    size = max(1, BAND // workers)
    jobs = []
    for lo in range(0, len(c), size):
        part = slice(lo, lo + size)
        band = {k: (v[part] if isinstance(v, np.ndarray) else v) for k, v in whole.items()}
        jobs.append((c.iloc[part], computed.iloc[part], cut_points, config, as_of, band))
    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="xlseg-why") as pool:
            bands = list(pool.map(lambda job: _band(*job), jobs))
    else:
        bands = [_band(*job) for job in jobs]
    text = pa.chunked_array(bands, type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(text, dtype=pd.StringDtype("pyarrow", na_value=np.nan)),
                     index=c.index)


def _band(c, computed, cut_points, config, as_of, whole: dict) -> pa.Array:
    """The texts of the customers ``c`` (a band of the frame); ``whole``: their part of what :func:`why`
    computed over every customer."""
    lang = config.lang
    i = L.LANGS.index(lang)
    parts = []
    for letter, col, metric in (("r", "r_score", "recency"), ("f", "f_score", "frequency"),
                                ("m", "m_score", "monetary")):
        parts.append(_score_text(c, cut_points, letter, col, metric, lang, i))

    seg_key = computed["segment_key"].to_numpy(dtype=object)
    seg_words = L.labels(L.SEGMENTS, lang)
    seg, has_seg = _labels(seg_key, seg_words)
    if config.segment_scheme == "rfm8":
        means = whole["means"]
        parts.append(_fill(T["seg8"][i], has_seg, seg=seg, r=_nums(c["recency"]), f=_nums(c["frequency"]),
                           m=_nums(c["monetary"]), rop=whole["rop"], fop=whole["fop"], mop=whole["mop"],
                           rm=_mean(means["r"]), fm=_mean(means["f"]), mm=_mean(means["m"])))
    else:
        parts.append(_fill(T["seg10"][i], has_seg, seg=seg, r=_nums(c["r_score"].astype("float64")),
                           f=_nums(c["f_score"].astype("float64"))))

    tier_key = computed["tier_key"].to_numpy(dtype=object)
    tier_words = L.labels(L.TIERS, lang)
    tier, has_tier = _labels(tier_key, tier_words)
    abc_class = computed["abc"]
    reason = _tier_reason(abc_class, config, lang, i, whole["money"], whole["share"], whole["use_clv"])
    pot = _fill(T["pot"][i], tier_key == "potential", seg=seg)
    cls = abc_class.astype(object).where(abc_class.notna(), "").to_numpy()
    has_reason = reason.is_valid().to_numpy(zero_copy_only=False)
    parts.append(_fill(T["tier"][i], has_tier & has_reason, tier=tier, cls=cls, why=reason, pot=pot))

    parts.append(_stage_text(c, computed["stage_key"].to_numpy(dtype=object), config, as_of, lang, i))

    if "override" in c.columns:
        ov = c["override"].fillna("").astype(str).to_numpy(dtype=object)
        parts.append(_fill(T["override"][i], ov != "", text=ov))

    sep = "" if lang == "zh" else " "
    return pc.binary_join_element_wise(*parts, sep, null_handling="skip").cast(pa.large_string())


def _stage_text(c, stage_key, cfg, as_of, lang, i) -> pa.Array:
    words = L.labels(L.STAGES, lang)
    st, _has = _labels(stage_key, words)
    rec = c["recency"].to_numpy(dtype="float64")
    freq = c["frequency"].to_numpy(dtype="float64")
    gap = c["mean_gap"].to_numpy(dtype="float64")
    if as_of is not None:
        since_first = ((pd.Timestamp(as_of) - c["first_purchase"]) / pd.Timedelta(days=1)).to_numpy(dtype="float64")
    else:
        since_first = np.full(len(c), np.nan)
    k = num(cfg.churn_gap_multiple)
    rec_txt, gap_txt_all = _nums(rec), _nums(gap)
    out = pa.nulls(len(c), pa.string())
    is_ = {key: stage_key == key for key in words}
    out = _where(is_["prospect"], _fill(T["prospect"][i], is_["prospect"], st=st), out)
    out = _where(is_["lost"], _fill(T["lost"][i], is_["lost"], st=st, v=rec_txt, d=num(cfg.lost_days)), out)
    out = _where(is_["reactivated"], _fill(T["reactivated"][i], is_["reactivated"], st=st,
                                             v=_nums(c["gap_before_last"].to_numpy(dtype="float64")),
                                             d=num(cfg.lost_days)), out)
    out = _where(is_["new"], _fill(T["new"][i], is_["new"], st=st, v=_nums(since_first), d=num(cfg.new_days)),
                   out)
    with np.errstate(invalid="ignore"):
        by_days = is_["churn_warning"] & (rec > cfg.active_days)
    out = _where(by_days, _fill(T["churn_days"][i], by_days, st=st, v=rec_txt, d=num(cfg.active_days)), out)
    with np.errstate(invalid="ignore"):
        gap_rule = (freq >= cfg.churn_min_purchases) & (rec > cfg.churn_gap_multiple * gap)
    by_gap = is_["churn_warning"] & ~by_days & (gap_rule | ("p_alive" not in c))
    by_palive = is_["churn_warning"] & ~by_days & ~by_gap
    if by_palive.any():  # the P(alive) rule (Settings palive_warning)
        p_alive = c["p_alive"].to_numpy(dtype="float64")
        out = _where(by_palive, _fill(T["churn_palive"][i], by_palive, st=st, p=_pct(p_alive),
                                        w=f"{cfg.palive_warning * 100:g}%"), out)
    out = _where(by_gap, _fill(T["churn_gap"][i], by_gap, st=st, v=rec_txt, k=k, g=gap_txt_all,
                                 n=_nums(freq), mn=num(cfg.churn_min_purchases)), out)
    act = is_["active"]
    with np.errstate(invalid="ignore"):
        gap_applies = act & (freq >= cfg.churn_min_purchases) & np.isfinite(gap)
    gap_txt = _fill(T["active_gap"][i], gap_applies, k=k, g=gap_txt_all)
    out = _where(act, _fill(T["active"][i], act, st=st, v=rec_txt, d=num(cfg.active_days), gap=gap_txt), out)
    return out


def why_one(result, customer_id) -> str:
    """The Why text of one customer of ``result`` (for ``=SEG_EXPLAIN``); '' when the id is unknown."""
    c = result.customers
    hit = c.index[c["customer_id"].astype(str) == str(customer_id)]
    if not len(hit) or "why" not in c.columns:
        return ""
    return str(c.at[hit[0], "why"])
