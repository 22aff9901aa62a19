"""Every label xlseg writes, in English and Simplified Chinese.

Results carry stable *keys* (``champions``, ``high``, ``churn_warning``); these
tables turn keys into the words a workbook shows. ``key_of`` goes back from a
word in either language to its key, so Settings and tag rules may use either.
"""

from __future__ import annotations

import re
import unicodedata

LANGS = ("en", "zh")

SEGMENTS = {
    # rfm10
    "champions": ("Champions", "冠军客户"),
    "loyal_customers": ("Loyal Customers", "忠诚客户"),
    "potential_loyalists": ("Potential Loyalists", "潜力客户"),
    "new_customers": ("New Customers", "新客户"),
    "promising": ("Promising", "有望客户"),
    "need_attention": ("Need Attention", "需关注客户"),
    "about_to_sleep": ("About To Sleep", "即将沉睡"),
    "at_risk": ("At Risk", "流失风险"),
    "cant_lose_them": ("Can't Lose Them", "不能失去"),
    "hibernating": ("Hibernating", "沉睡客户"),
    # rfm8 (R, F, M each high or low against the buyers' mean)
    "important_value": ("Important Value", "重要价值客户"),
    "important_development": ("Important Development", "重要发展客户"),
    "important_retention": ("Important Retention", "重要保持客户"),
    "important_winback": ("Important Win-back", "重要挽留客户"),
    "general_value": ("General Value", "一般价值客户"),
    "general_development": ("General Development", "一般发展客户"),
    "general_retention": ("General Retention", "一般保持客户"),
    "general_winback": ("General Win-back", "一般挽留客户"),
}

RFM10_KEYS = list(SEGMENTS)[:10]
RFM8_KEYS = list(SEGMENTS)[10:]

TIERS = {
    "high": ("High value", "高价值"),
    "medium": ("Medium value", "一般价值"),
    "low": ("Low value", "低价值"),
    "potential": ("Potential", "潜力"),
}

STAGES = {
    "prospect": ("Prospect", "潜在客户"),
    "lost": ("Lost", "流失客户"),
    "reactivated": ("Reactivated", "回流客户"),
    "new": ("New", "新客户"),
    "churn_warning": ("Churn Warning", "流失预警"),
    "active": ("Active", "活跃客户"),
}

# Output columns appended to the customer table, in this order.
OUTPUT_HEADERS = {
    "r_score": ("R Score", "R评分"),
    "f_score": ("F Score", "F评分"),
    "m_score": ("M Score", "M评分"),
    "rfm": ("RFM", "RFM"),
    "segment": ("Segment", "客户分群"),
    "value_tier": ("Value Tier", "价值等级"),
    "stage": ("Stage", "生命周期阶段"),
    "tags": ("Tags", "标签"),
    # issue 7: the manual-override marker and the explanation
    "override": ("Override", "人工调整"),
    "why": ("Why", "分类依据"),
}

# Other computed columns (Customers sheet, tag fields, summaries).
METRIC_HEADERS = {
    "customer_id": ("Customer ID", "客户编号"),
    "name": ("Name", "客户名称"),
    "recency": ("Recency", "最近购买间隔天数"),
    "frequency": ("Frequency", "购买频次"),
    "monetary": ("Monetary", "消费金额"),
    "avg_order_value": ("Average Order Value", "客单价"),
    "first_purchase": ("First Purchase", "首次购买日期"),
    "last_purchase": ("Last Purchase", "最近购买日期"),
    "mean_gap": ("Mean Gap (days)", "平均购买间隔天数"),
    "gap_before_last": ("Gap Before Last (days)", "最近一次前间隔天数"),
    "abc": ("ABC", "ABC分类"),
    # issue 15: predicted value (BG/NBD + Gamma-Gamma)
    "p_alive": ("P(alive)", "存活概率"),
    "expected_purchases": ("Expected Purchases", "预测购买次数"),
    "expected_spend": ("Expected Spend per Purchase", "预测客单价"),
    "clv": ("CLV", "客户终身价值"),
}

HEADERS = {**METRIC_HEADERS, **OUTPUT_HEADERS}

KINDS = {"segment": SEGMENTS, "value_tier": TIERS, "stage": STAGES}


def _check(lang: str) -> int:
    if lang not in LANGS:
        from xlseg.errors import ConfigError

        raise ConfigError(f"Setting 'lang' is '{lang}'. Use one of: en, zh.")
    return LANGS.index(lang)


def label(table: dict, key, lang: str = "en"):
    """The word for ``key`` in ``lang``; None/NaN stays None."""
    if key is None or (isinstance(key, float) and key != key):
        return None
    return table[key][_check(lang)]


def labels(table: dict, lang: str = "en") -> dict:
    """key -> word for every key in ``table``."""
    i = _check(lang)
    return {k: v[i] for k, v in table.items()}


def keys_series(codes, keys, index):
    """Object Series of ``keys[code]`` (None where the code is -1): the public face of code arrays.

    numpy and pandas are imported here, not with the module: the ``xlseg`` command's start does not wait for
    them (``xlseg history`` inflates its sheet meanwhile)."""
    import numpy as np
    import pandas as pd

    return pd.Series(np.array(list(keys) + [None], dtype=object)[codes], index=index, dtype=object)


def header(key: str, lang: str = "en") -> str:
    return HEADERS[key][_check(lang)]


def norm(text) -> str:
    """Normalise a header or label for matching: NFKC, lower case, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\W_]+", "", text)


def key_of(table: dict, word) -> str | None:
    """The key whose English or Chinese word (or the key itself) matches ``word``."""
    n = norm(word)
    for k, words in table.items():
        if n == norm(k) or any(n == norm(w) for w in words):
            return k
    return None
