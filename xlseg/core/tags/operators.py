"""The tag operators and their English, symbol and Chinese spellings."""

from __future__ import annotations

import re
import unicodedata

from xlseg.core import labels as L

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


# Canonical operator spellings, in the order messages list them.
OPERATORS = (
    "=", "<>", ">", ">=", "<", "<=", "between", "in", "not in", "contains", "starts with",
    "is blank", "not blank", "within days", "older than days", "top %", "bottom %",
)

# Chinese spelling of each operator (default_rules writes these when lang is zh).
OPERATORS_ZH = {
    "=": "等于", "<>": "不等于", ">": "大于", ">=": "大于等于", "<": "小于", "<=": "小于等于",
    "between": "介于", "in": "属于", "not in": "不属于", "contains": "包含", "starts with": "开头是",
    "is blank": "为空", "not blank": "不为空", "within days": "最近天数内", "older than days": "超过天数",
    "top %": "前%", "bottom %": "后%",
}

_OPERATOR_ALIASES = {
    "==": "=", "!=": "<>", "≠": "<>", "≥": ">=", "≧": ">=", "≤": "<=", "≦": "<=",
    "begins with": "starts with", "is empty": "is blank", "is not blank": "not blank",
    "not empty": "not blank", "is not empty": "not blank", "top": "top %", "top percent": "top %",
    "bottom": "bottom %", "bottom percent": "bottom %", "开头为": "starts with", "非空": "not blank",
    "前": "top %", "后": "bottom %",
}


def _op_key(text: str) -> str:
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text).casefold())


_OPERATOR_LOOKUP = {_op_key(o): o for o in OPERATORS}
_OPERATOR_LOOKUP.update({_op_key(zh): o for o, zh in OPERATORS_ZH.items()})
_OPERATOR_LOOKUP.update({_op_key(alias): o for alias, o in _OPERATOR_ALIASES.items()})

# Rule-table headers (first = English, second = Chinese; norm-matched).
RULE_HEADERS = {
    "tag": ("Tag", "标签"),
    "field": ("Field", "字段"),
    "operator": ("Operator", "运算符"),
    "value": ("Value", "值"),
    "group": ("Group", "组"),
}
_HEADER_ALIASES = {"group": ("分组",), "operator": ("op",), "row": ("row", "行", "行号")}

DEFAULT_TAG_NAMES = {
    "enterprise": ("Enterprise", "企业客户"),
    "individual": ("Individual", "个人客户"),
    "online": ("Online", "线上客户"),
    "offline": ("Offline", "线下客户"),
    "international": ("International", "海外客户"),
    "key_account": ("Key Account", "大客户"),
    "vip": ("VIP", "VIP客户"),
    "winback": ("Win-back", "待挽回"),
    "dissatisfied": ("Dissatisfied", "不满意客户"),
}

ENTERPRISE_WORDS = ("Enterprise", "Company", "Business", "B2B", "Corporate", "企业", "公司", "企业客户")
INDIVIDUAL_WORDS = ("Individual", "Person", "Personal", "Consumer", "B2C", "个人", "个人客户")
ONLINE_WORDS = ("Online", "Web", "Website", "App", "E-commerce", "Ecommerce", "Internet",
                "线上", "网店", "电商", "小程序", "官网")
OFFLINE_WORDS = ("Offline", "Store", "Retail", "Shop", "Branch", "Event", "线下", "门店", "实体店", "展会")
# A home country and the other ways people write it.
COUNTRY_EQUIVALENTS = (
    ("China", "中国", "CN", "CHN", "PRC", "P.R.C.", "People's Republic of China", "中华人民共和国",
     "Mainland China", "中国大陆"),
    ("United States", "USA", "US", "U.S.", "U.S.A.", "United States of America", "America", "美国"),
    ("United Kingdom", "UK", "GB", "Great Britain", "Britain", "英国"),
)

# Names of canonical input fields a rule may use (besides labels.HEADERS).
FIELD_NAMES = {
    "customer_type": ("Customer Type", "客户类型", "Type"),
    "source": ("Source", "客户来源", "Channel", "渠道", "来源"),
    "region": ("Region", "地区"),
    "country": ("Country", "国家"),
    "city": ("City", "城市"),
    "industry": ("Industry", "行业"),
    "company_size": ("Company Size", "企业规模", "Employees"),
    "orders": ("Orders", "购买次数", "Order Count", "订单数"),
    "interactions": ("Interactions", "互动次数", "Visits"),
    "satisfaction": ("Satisfaction", "满意度", "CSAT", "NPS"),
}

# Label columns: column -> (label table, key column, display name).
_LABEL_COLUMNS = {
    "segment": (L.SEGMENTS, "segment_key", "Segment"),
    "segment_key": (L.SEGMENTS, "segment_key", "Segment"),
    "value_tier": (L.TIERS, "tier_key", "Value Tier"),
    "tier_key": (L.TIERS, "tier_key", "Value Tier"),
    "stage": (L.STAGES, "stage_key", "Stage"),
    "stage_key": (L.STAGES, "stage_key", "Stage"),
}
_HIDDEN_COLUMNS = {"segment_key", "tier_key", "stage_key"}


def _known_fields() -> dict[str, str]:
    """norm(name) -> canonical column, for every name of a canonical field."""
    out: dict[str, str] = {}
    table = {**{k: v for k, v in L.HEADERS.items() if k != "tags"}, **FIELD_NAMES}
    for canonical, names in table.items():
        for name in (canonical, *names):
            out.setdefault(L.norm(name), canonical)
    return out


_KNOWN_FIELDS = _known_fields()
_USE_OPERATORS = "Use one of: " + ", ".join(OPERATORS) + "."
