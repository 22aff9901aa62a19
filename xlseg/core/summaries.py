"""Summary tables as tidy DataFrames (labels in the run's language).

* :func:`segment_table` - per segment: customers, share, revenue, share of
  revenue, mean recency / frequency / monetary, mean R / F / M score.
* :func:`tier_stage` - value tier x stage customer counts (wide, with totals).
* :func:`tag_counts` - tag, customers, share (long form).
* :func:`kpis` - key, label, value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core.stages import ORDER as STAGE_ORDER

TIER_ORDER = ("high", "medium", "potential", "low")

SEGMENT_COLUMNS = {
    "segment": ("Segment", "客户分群"),
    "customers": ("Customers", "客户数"),
    "customer_share": ("Share of customers", "客户占比"),
    "revenue": ("Revenue", "消费金额"),
    "revenue_share": ("Share of revenue", "金额占比"),
    "mean_recency": ("Mean recency (days)", "平均最近购买间隔天数"),
    "mean_frequency": ("Mean frequency", "平均购买频次"),
    "mean_monetary": ("Mean monetary", "平均消费金额"),
    "mean_r": ("Mean R", "平均R评分"),
    "mean_f": ("Mean F", "平均F评分"),
    "mean_m": ("Mean M", "平均M评分"),
}

KPI_LABELS = {
    "customers": ("Customers", "客户总数"),
    "buyers": ("Buyers", "有购买客户数"),
    "prospects": ("Prospects (no purchase)", "潜在客户数（未购买）"),
    "revenue": ("Revenue", "消费总额"),
    "monetary_per_buyer": ("Revenue per buyer", "人均消费金额"),
    "avg_order_value": ("Average order value", "客单价"),
    "repeat_rate": ("Repeat buyers", "复购率"),
    "median_recency": ("Median recency (days)", "最近购买间隔天数中位数"),
    "as_of": ("As of", "统计截止日期"),
}

NO_TIER = ("(no purchase)", "（无购买）")
TOTAL = ("Total", "合计")


def segment_keys(config) -> list[str]:
    if config.segment_scheme == "rfm8":
        return list(L.RFM8_KEYS)
    in_grid = {k for row in config.grid for k in row}
    return [k for k in L.SEGMENTS if k in in_grid]


def segment_table(customers: pd.DataFrame, config) -> pd.DataFrame:
    lang = config.lang
    used = ["monetary", "recency", "frequency", "r_score", "f_score", "m_score"]
    # Grouped by integer codes (a Categorical's own, or factorised once), never by a million strings.
    codes, keys_found = pd.factorize(customers["segment_key"])
    has_segment = codes >= 0
    buyers = pd.DataFrame({c: customers[c].to_numpy()[has_segment] for c in used}, copy=False)
    total_n = len(buyers)
    total_rev = buyers["monetary"].sum()
    g = buyers.groupby(codes[has_segment], sort=False)
    stats = pd.DataFrame({
        "customers": g.size(),
        "revenue": g["monetary"].sum(),
        "mean_recency": g["recency"].mean(),
        "mean_frequency": g["frequency"].mean(),
        "mean_monetary": g["monetary"].mean(),
        "mean_r": g["r_score"].mean(),
        "mean_f": g["f_score"].mean(),
        "mean_m": g["m_score"].mean(),
    })
    stats.index = pd.Index(np.asarray(keys_found, dtype=object)[stats.index.to_numpy()], dtype=object)
    keys = segment_keys(config)
    stats = stats.reindex(keys)
    stats["customers"] = stats["customers"].fillna(0).astype("int64")
    stats["revenue"] = stats["revenue"].fillna(0.0)
    stats["customer_share"] = stats["customers"] / total_n if total_n else 0.0
    stats["revenue_share"] = stats["revenue"] / total_rev if total_rev else 0.0
    stats.insert(0, "segment", [L.label(L.SEGMENTS, k, lang) for k in keys])
    stats.index.name = "segment_key"
    stats = stats.reset_index()
    cols = ["segment_key"] + list(SEGMENT_COLUMNS)
    return stats[cols]


def _positions(values: pd.Series, wanted: list, missing: int) -> np.ndarray:
    """Position of each value in ``wanted`` (-1 when it is not there, ``missing`` when it is missing)."""
    codes, found = pd.factorize(values)
    where = {k: i for i, k in enumerate(wanted)}
    return np.array([where.get(k, -1) for k in found] + [missing], dtype=np.int64)[codes]


def tier_stage(customers: pd.DataFrame, config) -> pd.DataFrame:
    """Rows: value tiers (+ no purchase), columns: stages; counts with totals."""
    lang = config.lang
    i = L.LANGS.index(lang)
    tier = _positions(customers["tier_key"], list(TIER_ORDER), missing=len(TIER_ORDER))
    stage = _positions(customers["stage_key"], list(STAGE_ORDER), missing=-1)
    n_rows, n_cols = len(TIER_ORDER) + 1, len(STAGE_ORDER)
    ok = (tier >= 0) & (stage >= 0)
    counts = np.bincount(tier[ok] * n_cols + stage[ok], minlength=n_rows * n_cols).reshape(n_rows, n_cols)
    if not (tier == len(TIER_ORDER)).any():  # the "(no purchase)" row only when someone has no tier
        counts = counts[:-1]
    table = pd.DataFrame(counts, columns=list(STAGE_ORDER))
    table.index = [NO_TIER[i] if t == len(TIER_ORDER) else L.label(L.TIERS, TIER_ORDER[t], lang)
                   for t in range(len(table))]
    table.columns = [L.label(L.STAGES, s, lang) for s in STAGE_ORDER]
    table[TOTAL[i]] = table.sum(axis=1)
    table.loc[TOTAL[i]] = table.sum(axis=0)
    table.index.name = f"{L.header('value_tier', lang)} \\ {L.header('stage', lang)}"
    return table.astype("int64")


def tag_counts(flags: pd.DataFrame, n_customers: int) -> pd.DataFrame:
    counts = flags.sum(axis=0).astype("int64") if len(flags.columns) else pd.Series(dtype="int64")
    return pd.DataFrame({
        "tag": list(counts.index),
        "customers": counts.to_numpy(),
        "share": (counts / n_customers).to_numpy() if n_customers else [0.0] * len(counts),
    })


def kpis(customers: pd.DataFrame, as_of, config) -> pd.DataFrame:
    i = L.LANGS.index(config.lang)
    is_buyer = customers["is_buyer"].to_numpy(dtype=bool)
    buyers = pd.DataFrame({c: customers[c].to_numpy()[is_buyer] for c in ("frequency", "recency")}, copy=False)
    revenue = float(customers["monetary"].sum(min_count=1)) if customers["monetary"].notna().any() else 0.0
    freq = buyers["frequency"]
    values = {
        "customers": len(customers),
        "buyers": len(buyers),
        "prospects": int((~is_buyer).sum()),
        "revenue": revenue,
        "monetary_per_buyer": revenue / len(buyers) if len(buyers) else None,
        "avg_order_value": revenue / freq.sum() if freq.notna().any() and freq.sum() > 0 else None,
        "repeat_rate": float((freq >= 2).mean()) if len(buyers) and freq.notna().any() else None,
        "median_recency": float(buyers["recency"].median()) if buyers["recency"].notna().any() else None,
        "as_of": None if as_of is None else pd.Timestamp(as_of).to_pydatetime(),
    }
    return pd.DataFrame({
        "key": list(values),
        "label": [KPI_LABELS[k][i] for k in values],
        "value": list(values.values()),
    })
