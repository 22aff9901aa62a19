"""Tags: a rule table of plain data, applied to every customer at once.

The rule table (Settings sheet, or ``Config.tag_rules``) has the columns
``Tag | Field | Operator | Value | Group`` (headers matched case-insensitively,
English or Chinese: 标签 | 字段 | 运算符 | 值 | 组) and optionally ``row``, the
Settings row of each rule (used in messages; without it the frame index is
used). ``Value`` and ``Group`` may be left out when no rule needs them. Rows
that are blank in Tag, Field, Operator and Value are ignored.

A tag applies when ANY of its groups matches; a group matches when ALL its rows
match. A blank Group is group ``1``, so the blank-group rows of a tag are ANDed
together. Tags come out in the order they first appear in the table.

Rules are data, never code: no cell of the table is ever passed to ``eval``,
``exec``, ``pandas.eval`` or ``DataFrame.query``; a Value such as ``=1+1`` is the
text ``=1+1``.

Operators (English, symbol and Chinese spellings are all accepted)
-----------------------------------------------------------------

==================  ===========================  ============================================
operator            also written                 meaning
==================  ===========================  ============================================
``=``               ==, 等于                      equal
``<>``              !=, ≠, 不等于                 not equal (missing cells do NOT match)
``>`` ``>=``        ≥ ≧, 大于, 大于等于             greater (or equal)
``<`` ``<=``        ≤ ≦, 小于, 小于等于             less (or equal)
``between``         介于                          low <= cell <= high, both ends included;
                                                 Value ``low~high`` or ``low,high`` (also
                                                 ``至``/``到``); use ``~`` when the numbers
                                                 have thousands separators (``1,000~5,000``);
                                                 the two ends may come in either order
``in``              属于                          one of a list: items separated by
                                                 ``, ; ， ； 、 |`` or new lines
``not in``          不属于                         none of the list (missing cells do NOT match)
``contains``        包含                          case-insensitive substring
``starts with``     开头是                         case-insensitive prefix
``is blank``        为空                          missing: empty cell, NaN/NaT/None, spaces only
``not blank``       不为空                         anything else (Value is ignored for both)
``within days``     最近天数内                      date column, 0 <= as_of - date <= N days
``older than days`` 超过天数                       date column, as_of - date > N days
``top %``           前%                          among the best p % (largest values)
``bottom %``        后%                          among the lowest p %
==================  ===========================  ============================================

How a cell is compared depends on the column:

* **numeric** column: the Value is a number; ``1,000``, ``¥1,000``, full-width
  digits and ``80%`` (= 0.8, as Excel stores it) are accepted. ``=`` and the
  ordered comparisons treat numbers within 1e-9 (relative) as equal, so sums
  like 0.1 + 0.2 equal 0.3.
* **date** column: the Value is a date (``YYYY-MM-DD``, ``YYYY/MM/DD``,
  ``2024年3月1日``, an Excel date cell, or ``today``/``今天`` = as_of); cells are
  compared by calendar day.
* **label** columns Segment, Value Tier and Stage (``segment``/``segment_key``,
  ``value_tier``/``tier_key``, ``stage``/``stage_key``): ``=``, ``<>``, ``in``
  and ``not in`` compare label *keys*, so ``Champions`` and ``冠军客户`` are the
  same Value whatever the output language; a Value that is no label of that
  column is an error. ``contains``/``starts with`` match the label in either
  language. Ordered comparisons, days and % operators do not apply.
* any other column is **text**: cells and Value are compared after NFKC,
  strip, collapsing inner spaces and case folding. ``>``/``<``/``between`` on
  text compare numerically when the Value is a number (cells that are not
  numbers then never match), otherwise alphabetically.
* ``within days`` / ``older than days`` need a date column; N is a whole number
  of days (``30``, ``30 days``, ``30天``).
* ``top %`` / ``bottom %`` need a numeric or date column (for dates, top =
  latest). p is 0-100, with or without ``%``; a *numeric* Value cell between 0
  and 1 is read as a fraction (Excel stores a typed ``5%`` as 0.05), a text
  Value is always percent (``"0.5"`` = 0.5 %). Tie-consistent: with ``r`` the
  descending min-rank (1 = largest) and ``n`` the number of non-missing cells,
  a cell is selected when (r - 1) / n < p / 100 (so equal values are always
  selected together); ``bottom %`` ranks ascending.

Missing values (blank, NaN, NaT, None, spaces only) never match any operator
except ``is blank`` -- not even ``<>`` or ``not in``.

Fields
------

A rule's Field is matched with :func:`xlseg.core.labels.norm` against, in
order: the ``fields`` mapping passed to :func:`evaluate` (display name ->
column), the frame's column names, then the known names of the canonical
fields (``Customer Type``, ``客户类型``, ``Monetary``, ``消费金额``, ...), which
resolve to the canonical column (``customer_type``, ``monetary``). A Field that
matches none of these is a :class:`~xlseg.errors.RuleError` listing the
available fields. A Field that names a known canonical field whose column is
simply absent from this data is *skipped*, not an error: the group it belongs
to is dropped, and a tag left with no group is left out of the result.
:func:`evaluate` reports this in ``result.attrs["skipped"]``, a list of
``(tag, reason)`` pairs, one per dropped group.
"""

from __future__ import annotations

import datetime as dt
import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cached_property
from math import ceil
from typing import Any

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.errors import ConfigError, RuleError

__all__ = [
    "Rule",
    "OPERATORS",
    "DEFAULT_TAG_NAMES",
    "RULE_HEADERS",
    "parse_rules",
    "evaluate",
    "default_rules",
    "tags_column",
    "tags_long",
]

# ------------------------------------------------------------------ vocabulary
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


# ------------------------------------------------------------------ the rule
@dataclass(frozen=True)
class Rule:
    """One row of the rule table, checked and parsed.

    ``operator`` is the canonical English spelling (one of :data:`OPERATORS`);
    ``value`` the Value cell as given (None when blank); ``arg`` the parsed
    Value: a tuple of item texts (in / not in), a (low, high) pair of cell
    values (between), an int (days), a :class:`~fractions.Fraction` percent
    (top / bottom %), the cell value itself (= <> > >= < <= contains
    starts with) or None (is blank / not blank). ``group`` is the normalised
    group name ("1" when blank); ``row`` the Settings row used in messages.
    """

    tag: str
    field: str
    operator: str
    value: Any
    group: str
    row: Any
    arg: Any = None


# ------------------------------------------------------------------ small helpers
def _plain(value):
    """numpy / pandas scalars as plain Python values; every kind of missing as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        value = value.item()
        if isinstance(value, float) and value != value:
            return None
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value)
    return value


def _blank(value) -> bool:
    value = _plain(value)
    return value is None or (isinstance(value, str) and not value.strip())


def _show(value) -> str:
    """A cell value as it appears in a message."""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime)) and value == pd.Timestamp(value).normalize():
        return pd.Timestamp(value).date().isoformat()
    return str(value).strip() if isinstance(value, str) else str(value)


def _text(value) -> str | None:
    """Normalised text of a cell for comparing: NFKC, stripped, inner spaces collapsed, case-folded.

    None for missing values and for strings of spaces only.
    """
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (pd.Timestamp, dt.datetime)):
        ts = pd.Timestamp(value)
        text = ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    text = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    return text or None


_CURRENCY = re.compile(r"^[¥$€£₩]")


def _number(value) -> float | None:
    """A number typed by a person ('1,000', '¥1,000', '80%' = 0.8, full-width digits), else None."""
    value = _plain(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip()
        text = _CURRENCY.sub("", text)
        text = re.sub(r"[\s,_]", "", text)
        percent = text.endswith("%")
        if percent:
            text = text[:-1]
        if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
            return None
        number = float(text) / (100 if percent else 1)
    else:
        return None
    return number if np.isfinite(number) else None


def _date(value, as_of_day: int | None = None) -> int | None:
    """A date typed by a person as days since 1970-01-01, else None.

    Accepts date/datetime cells, Excel serial numbers, YYYY-MM-DD (any ISO 8601),
    YYYY/MM/DD, 2024年3月1日 and 'today'/'今天' (= as_of).
    """
    value = _plain(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        ts = pd.Timestamp(value)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return _day_number(ts)
    if isinstance(value, (int, float)):
        if not 0 < value < 2958466:  # Excel's date range
            return None
        return _day_number(pd.Timestamp("1899-12-30") + pd.Timedelta(days=float(value)))
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if text.casefold() in ("today", "今天"):
        return as_of_day
    if not re.search(r"\d{4}", text):
        return None
    ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if pd.isna(ts):
        loose = re.sub(r"[年月/.]", "-", text).replace("日", "").strip()
        ts = pd.to_datetime(loose, errors="coerce", format="%Y-%m-%d")
    if pd.isna(ts):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return _day_number(ts)


def _day_number(ts: pd.Timestamp) -> int:
    return int(np.datetime64(ts.date(), "D").astype("int64"))


def _split_list(value) -> tuple[str, ...]:
    value = _plain(value)
    if not isinstance(value, str):
        return (value,) if value is not None else ()
    parts = re.split(r"[,;，；、|\n]", unicodedata.normalize("NFKC", value).replace("、", ","))
    return tuple(p.strip() for p in parts if p.strip())


def _split_range(value) -> tuple[str, ...]:
    value = _plain(value)
    if not isinstance(value, str):
        return (value,)
    text = unicodedata.normalize("NFKC", value)
    if re.search(r"[~至到]", text):
        parts = re.split(r"[~至到]", text)
    else:
        parts = re.split(r"[,;|]", text)
    return tuple(p.strip() for p in parts)


def _row_label(row) -> Any:
    row = _plain(row)
    if isinstance(row, float) and row.is_integer():
        return int(row)
    return row


def _group_name(value) -> str:
    if _blank(value):
        return "1"
    number = _number(value)
    if number is not None and number.is_integer() and "%" not in str(value):
        return str(int(number))
    return _text(value) or "1"


# ------------------------------------------------------------------ parse_rules
def _find_columns(table: pd.DataFrame, sheet: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    names = {k: (k, *v, *_HEADER_ALIASES.get(k, ())) for k, v in RULE_HEADERS.items()}
    names["row"] = _HEADER_ALIASES["row"]
    for column in table.columns:
        n = L.norm(column)
        for key, words in names.items():
            if key not in found and any(n == L.norm(w) for w in words):
                found[key] = column
                break
    missing = [RULE_HEADERS[k][0] for k in ("tag", "field", "operator") if k not in found]
    if missing:
        raise RuleError(
            f"{sheet}: the tag rule table has no {', '.join(missing)} column. "
            f"Give it the headers Tag, Field, Operator, Value, Group (or 标签, 字段, 运算符, 值, 组)."
        )
    return found


def parse_rules(table: pd.DataFrame, *, sheet: str = "Settings") -> list[Rule]:
    """Check the rule table and return its rules in table order.

    ``table`` has the columns Tag, Field, Operator, Value, Group (English or
    Chinese headers, any case; Value and Group may be absent) and optionally
    ``row`` (the Settings row of each rule; default: the frame index). Fully
    blank rows are ignored. The first bad rule raises
    :class:`~xlseg.errors.RuleError` naming its Settings row, the cell and the fix.
    """
    if table is None or len(table) == 0:
        return []
    cols = _find_columns(table, sheet)

    def cells(key):
        if key in cols:
            return table[cols[key]].tolist()
        return [None] * len(table)

    rows = cells("row") if "row" in cols else list(table.index)
    out: list[Rule] = []
    for tag, field, op, value, group, row in zip(
        cells("tag"), cells("field"), cells("operator"), cells("value"), cells("group"), rows
    ):
        if all(_blank(v) for v in (tag, field, op, value)):
            continue
        row = _row_label(row)
        out.append(_parse_rule(tag, field, op, _plain(value), group, row, sheet))
    return out


def _parse_rule(tag, field, op, value, group, row, sheet) -> Rule:
    where = f"{sheet} row {row}"
    if _blank(tag):
        raise RuleError(f"{where}: Tag is blank. Write the name of the tag this rule gives (for example VIP), "
                        f"or clear the whole row.")
    if _blank(field):
        raise RuleError(f"{where}: Field is blank. Write the column the rule looks at "
                        f"(for example Monetary, Segment or a header of the customer sheet).")
    if _blank(op):
        raise RuleError(f"{where}: Operator is blank. {_USE_OPERATORS}")
    op_text = _show(op)
    operator = _OPERATOR_LOOKUP.get(_op_key(op_text))
    if operator is None:
        raise RuleError(f"{where}: operator '{op_text}' is not known. {_USE_OPERATORS}")
    tag_text, field_text = _show(tag), _show(field)
    arg: Any = None
    if operator not in ("is blank", "not blank"):
        if _blank(value):
            raise RuleError(f"{where}: Value is blank, but operator '{operator}' needs one. "
                            f"Write the value to compare with, or use 'is blank' / 'not blank'.")
        arg = _parse_value(operator, value, where)
    return Rule(tag=tag_text, field=field_text, operator=operator, value=value,
                group=_group_name(group), row=row, arg=arg)


def _parse_value(operator: str, value, where: str):
    shown = _show(value)
    if operator in ("in", "not in"):
        items = _split_list(value)
        if not items:
            raise RuleError(f"{where}: Value '{shown}' has no items, but operator '{operator}' needs a list. "
                            f"Separate the items with commas, e.g. Online, Web, App.")
        return items
    if operator == "between":
        parts = _split_range(value)
        if len(parts) != 2 or any(_number(p) is None and _date(p, 0) is None for p in parts):
            raise RuleError(f"{where}: Value '{shown}' for 'between' must be two numbers or two dates. "
                            f"Write them as low~high or low,high, e.g. 10~20 or 2024-01-01~2024-03-31.")
        return parts
    if operator in ("within days", "older than days"):
        number = _plain(value)
        if isinstance(number, str):
            number = re.sub(r"\s*(days?|d|天)$", "", unicodedata.normalize("NFKC", number).strip(),
                            flags=re.IGNORECASE)
        number = None if isinstance(number, str) and "%" in number else _number(number)
        if number is None or not number.is_integer() or number < 0:
            raise RuleError(f"{where}: Value '{shown}' for '{operator}' is not a whole number of days. "
                            f"Write a number such as 30.")
        return int(number)
    if operator in ("top %", "bottom %"):
        percent = _percent(value)
        if percent is None:
            raise RuleError(f"{where}: Value '{shown}' for '{operator}' is not a percentage from 0 to 100. "
                            f"Write a number such as 10 or 10%.")
        return percent
    return value


def _percent(value) -> Fraction | None:
    value = _plain(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        p = Fraction(Decimal(repr(float(value))))
        if 0 < p < 1:  # an Excel cell typed as 5% holds 0.05
            p *= 100
    elif isinstance(value, str):
        text = re.sub(r"[\s,]", "", unicodedata.normalize("NFKC", value))
        text = text[:-1] if text.endswith("%") else text
        if not re.fullmatch(r"\d+\.?\d*|\.\d+", text):
            return None
        try:
            p = Fraction(Decimal(text))
        except InvalidOperation:
            return None
    else:
        return None
    return p if 0 <= p <= 100 else None


# ------------------------------------------------------------------ columns
class _Column:
    """One frame column, viewed the ways rules need it; every view is computed once."""

    def __init__(self, frame: pd.DataFrame, name):
        self.frame = frame
        self.name = name
        series = frame[name]
        if isinstance(series, pd.DataFrame):  # duplicate header: the first one
            series = series.iloc[:, 0]
        self.series = series
        dtype = series.dtype
        if name in _LABEL_COLUMNS:
            self.kind = "label"
        elif pd.api.types.is_bool_dtype(dtype):
            self.kind = "text"
        elif pd.api.types.is_numeric_dtype(dtype):
            self.kind = "number"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            self.kind = "date"
        else:
            self.kind = "text"

    # --- numbers / dates
    @cached_property
    def numbers(self) -> np.ndarray:
        """float64, NaN where missing (numeric columns; text columns coerced per unique value)."""
        if self.kind == "number":
            return self.series.to_numpy(dtype="float64", na_value=np.nan)
        if self.kind == "date":
            out = self.days.astype("float64")
            out[self.missing] = np.nan
            return out
        values = np.array([np.nan if v is None else v for v in map(_number, self.uniques)] + [np.nan],
                          dtype="float64")
        return values[self.codes]

    @cached_property
    def days(self) -> np.ndarray:
        """int64 days since 1970-01-01 (date columns); garbage where missing."""
        series = self.series
        if getattr(series.dtype, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return series.to_numpy().astype("datetime64[D]").astype("int64")

    # --- unique values
    @cached_property
    def _factorized(self):
        source = self.series
        if self.kind == "label":
            key_column = _LABEL_COLUMNS[self.name][1]
            if key_column in self.frame.columns:
                source = self.frame[key_column]
        return pd.factorize(source, use_na_sentinel=True)

    @property
    def codes(self) -> np.ndarray:
        return self._factorized[0]

    @property
    def uniques(self) -> list:
        return list(self._factorized[1])

    @cached_property
    def texts(self) -> list[str | None]:
        return [_text(u) for u in self.uniques]

    @cached_property
    def keys(self) -> list[str | None]:
        """Label key of every unique value (label columns); None when not a label."""
        table = _LABEL_COLUMNS[self.name][0]
        return [None if t is None else L.key_of(table, u) for u, t in zip(self.uniques, self.texts)]

    def per_unique(self, flags) -> np.ndarray:
        """Spread one boolean per unique value to every row (missing rows: False)."""
        return np.append(np.asarray(list(flags), dtype=bool), False)[self.codes]

    @cached_property
    def missing(self) -> np.ndarray:
        if self.kind == "number":
            return np.isnan(self.numbers)
        if self.kind == "date":
            return self.series.isna().to_numpy()
        return self.per_unique(t is None for t in self.texts) | (self.codes < 0)


# ------------------------------------------------------------------ evaluate
def _close(a: np.ndarray, b: float) -> np.ndarray:
    return np.abs(a - b) <= 1e-9 * max(1.0, abs(b))


def _compare(op: str, a: np.ndarray, b, *, tolerant: bool) -> np.ndarray:
    if tolerant:
        eq = _close(a, b)
        return {"=": eq, "<>": ~eq, ">": (a > b) & ~eq, ">=": (a > b) | eq,
                "<": (a < b) & ~eq, "<=": (a < b) | eq}[op]
    return {"=": a == b, "<>": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[op]


_TEXT_OPS = {"=": "__eq__", "<>": "__ne__", ">": "__gt__", ">=": "__ge__", "<": "__lt__", "<=": "__le__"}


class _Evaluator:
    def __init__(self, frame, as_of, fields, sheet):
        self.frame = frame
        self.sheet = sheet
        ts = pd.Timestamp(as_of) if as_of is not None else pd.NaT
        if ts is not pd.NaT and ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        self.as_of_day = None if ts is pd.NaT else _day_number(ts)
        self.fields = fields or {}
        self.columns: dict[Any, _Column] = {}
        self.lookup: dict[str, Any] = {}
        for display, column in self.fields.items():
            self.lookup.setdefault(L.norm(display), column)
        for column in frame.columns:
            self.lookup.setdefault(L.norm(column), column)

    def where(self, rule: Rule) -> str:
        return f"{self.sheet} row {rule.row}"

    def resolve(self, rule: Rule):
        """The frame column of the rule's field, or None when it is a known field absent here."""
        n = L.norm(rule.field)
        column = self.lookup.get(n)
        if column is not None and column in self.frame.columns:
            return column
        if column is None:
            canonical = _KNOWN_FIELDS.get(n)
            if canonical is None:
                raise RuleError(f"{self.where(rule)}: field '{rule.field}' is not a column of the data. "
                                f"Use one of: {', '.join(self.available())}.")
            if canonical in self.frame.columns:
                return canonical
        return None

    def available(self) -> list[str]:
        names: list[str] = []
        mapped = set()
        for display, column in self.fields.items():
            if column in self.frame.columns and column not in mapped:  # one name per column
                mapped.add(column)
                names.append(str(display))
        for column in self.frame.columns:
            if column not in mapped and column not in _HIDDEN_COLUMNS:
                names.append(str(column))
        return list(dict.fromkeys(names))

    def column(self, name) -> _Column:
        if name not in self.columns:
            self.columns[name] = _Column(self.frame, name)
        return self.columns[name]

    # --- one rule
    def mask(self, rule: Rule, name) -> np.ndarray:
        col = self.column(name)
        op = rule.operator
        if op == "is blank":
            return col.missing.copy()
        if op == "not blank":
            return ~col.missing
        if op in ("contains", "starts with"):
            return self._substring(rule, col)
        if col.kind == "label":
            return self._label(rule, col)
        if op in ("within days", "older than days"):
            if col.kind != "date":
                raise RuleError(f"{self.where(rule)}: operator '{op}' needs a date field, and "
                                f"'{rule.field}' does not hold dates. Use a date field such as Last Purchase.")
            if self.as_of_day is None:
                raise RuleError(f"{self.where(rule)}: operator '{op}' counts days back from the as_of date, "
                                f"and there is none. Set as_of in Settings (a date or 'today').")
            age = self.as_of_day - col.days
            hit = (age >= 0) & (age <= rule.arg) if op == "within days" else age > rule.arg
            return hit & ~col.missing
        if op in ("top %", "bottom %"):
            if col.kind not in ("number", "date"):
                raise RuleError(f"{self.where(rule)}: operator '{op}' needs a numeric or date field, and "
                                f"'{rule.field}' holds text. Use a field such as Monetary or Frequency.")
            return _top(col.numbers, rule.arg, top=(op == "top %"))
        if col.kind == "number":
            return self._numeric(rule, col, col.numbers)
        if col.kind == "date":
            return self._dates(rule, col)
        return self._text(rule, col)

    def _value_number(self, rule: Rule, value) -> float:
        number = _number(value)
        if number is None:
            raise RuleError(f"{self.where(rule)}: Value '{_show(value)}' is not a number, but field "
                            f"'{rule.field}' holds numbers. Write a number such as 1000.")
        return number

    def _value_day(self, rule: Rule, value) -> int:
        day = _date(value, self.as_of_day)
        if day is None:
            raise RuleError(f"{self.where(rule)}: Value '{_show(value)}' is not a date, but field "
                            f"'{rule.field}' holds dates. Write a date as YYYY-MM-DD.")
        return day

    def _numeric(self, rule: Rule, col: _Column, values: np.ndarray) -> np.ndarray:
        op = rule.operator
        present = ~np.isnan(values)
        if op == "between":
            low, high = sorted(self._value_number(rule, v) for v in rule.arg)
            hit = _compare(">=", values, low, tolerant=True) & _compare("<=", values, high, tolerant=True)
        elif op in ("in", "not in"):
            hit = np.zeros(len(values), dtype=bool)
            for item in rule.arg:
                hit |= _close(values, self._value_number(rule, item))
            if op == "not in":
                hit = ~hit
        else:
            hit = _compare(op, values, self._value_number(rule, rule.arg), tolerant=True)
        return hit & present

    def _dates(self, rule: Rule, col: _Column) -> np.ndarray:
        op, days = rule.operator, col.days
        if op == "between":
            low, high = sorted(self._value_day(rule, v) for v in rule.arg)
            hit = (days >= low) & (days <= high)
        elif op in ("in", "not in"):
            hit = np.isin(days, [self._value_day(rule, v) for v in rule.arg])
            if op == "not in":
                hit = ~hit
        else:
            hit = _compare(op, days, self._value_day(rule, rule.arg), tolerant=False)
        return hit & ~col.missing

    def _text(self, rule: Rule, col: _Column) -> np.ndarray:
        op = rule.operator
        if op in ("in", "not in"):
            items = {_text(v) for v in rule.arg}
            flags = [t is not None and ((t in items) == (op == "in")) for t in col.texts]
            return col.per_unique(flags)
        if op == "between":
            if all(_number(v) is not None for v in rule.arg):
                return self._numeric(rule, col, col.numbers)
            low, high = sorted(_text(v) for v in rule.arg)
            return col.per_unique(t is not None and low <= t <= high for t in col.texts)
        if op in (">", ">=", "<", "<=") and _number(rule.arg) is not None:
            return self._numeric(rule, col, col.numbers)
        value = _text(rule.arg)
        method = _TEXT_OPS[op]
        return col.per_unique(t is not None and getattr(t, method)(value) for t in col.texts)

    def _substring(self, rule: Rule, col: _Column) -> np.ndarray:
        value = _text(rule.arg)
        test = (lambda t: value in t) if rule.operator == "contains" else (lambda t: t.startswith(value))
        if col.kind == "label":
            table = _LABEL_COLUMNS[col.name][0]
            flags = []
            for key, text in zip(col.keys, col.texts):
                words = [text] if key is None else [_text(w) for w in table[key]]
                flags.append(text is not None and any(test(w) for w in words))
            return col.per_unique(flags)
        return col.per_unique(t is not None and test(t) for t in col.texts)

    def _label(self, rule: Rule, col: _Column) -> np.ndarray:
        op = rule.operator
        table, _, what = _LABEL_COLUMNS[col.name]
        if op not in ("=", "<>", "in", "not in"):
            raise RuleError(f"{self.where(rule)}: operator '{op}' does not apply to {what} labels. "
                            f"Use =, <>, in, not in, contains, starts with, is blank or not blank.")
        items = rule.arg if op in ("in", "not in") else (rule.arg,)
        wanted = set()
        for item in items:
            key = L.key_of(table, item)
            if key is None:
                raise RuleError(f"{self.where(rule)}: Value '{_show(item)}' is not a {what}. Use one of: "
                                f"{', '.join(words[0] for words in table.values())} (or the Chinese names).")
            wanted.add(key)
        positive = op in ("=", "in")
        return col.per_unique(k is not None and ((k in wanted) == positive) for k in col.keys)


def _top(values: np.ndarray, percent: Fraction, *, top: bool) -> np.ndarray:
    """Cells among the best ``percent`` % (ties selected together); NaN never selected."""
    present = values[~np.isnan(values)]
    n = len(present)
    # (r - 1) / n < p / 100  <=>  r - 1 < p n / 100: the first ceil(p n / 100) ranks are in.
    count = min(n, ceil(percent * n / 100))
    if count == 0:
        return np.zeros(len(values), dtype=bool)
    if top:
        threshold = np.partition(present, n - count)[n - count]
        return values >= threshold
    threshold = np.partition(present, count - 1)[count - 1]
    return values <= threshold


def evaluate(
    frame: pd.DataFrame,
    rules: list[Rule],
    *,
    as_of: pd.Timestamp,
    fields: dict[str, str] | None = None,
    sheet: str = "Settings",
) -> pd.DataFrame:
    """Apply ``rules`` to every row of ``frame``.

    Returns a boolean DataFrame with ``index = frame.index`` and one column per
    tag, in the order tags first appear in ``rules``. ``fields`` maps display
    names (either language, sheet headers) to columns of ``frame``.
    ``result.attrs["skipped"]`` lists ``(tag, reason)`` for every group dropped
    because a field is a known field absent from this data; a tag all of whose
    groups were dropped has no column. Unknown fields and Values that do not
    fit the column raise :class:`~xlseg.errors.RuleError`.

    ``as_of`` anchors ``within days`` / ``older than days`` and the Value
    ``today``; None is allowed when no rule needs it. Read ``attrs`` straight
    away: later pandas operations need not carry it along. Text and label
    columns are factorised once per column (whatever the number of rules);
    columns of ``category`` dtype make that step nearly free.
    """
    ev = _Evaluator(frame, as_of, fields, sheet)
    # Resolve every field first, so an unknown field is reported even in a skipped group.
    resolved = [ev.resolve(rule) for rule in rules]

    groups: dict[str, dict[str, list[tuple[Rule, Any]]]] = {}
    for rule, column in zip(rules, resolved):
        groups.setdefault(rule.tag, {}).setdefault(rule.group, []).append((rule, column))

    n = len(frame)
    out: dict[str, np.ndarray] = {}
    skipped: list[tuple[str, str]] = []
    for tag, tag_groups in groups.items():
        hit = np.zeros(n, dtype=bool)
        dropped = []
        for group, members in tag_groups.items():
            absent = next((rule for rule, column in members if column is None), None)
            if absent is not None:
                dropped.append((group, absent))
                continue
            group_hit = np.ones(n, dtype=bool)
            for rule, column in members:
                group_hit &= ev.mask(rule, column)
            hit |= group_hit
        whole = len(dropped) == len(tag_groups)
        for group, rule in dropped:
            what = "the tag is skipped" if whole else f"group {group} of the tag is skipped"
            skipped.append((tag, f"{ev.where(rule)}: field '{rule.field}' is not in this data, so {what}."))
        if not whole:
            out[tag] = hit
    result = pd.DataFrame(out, index=frame.index, columns=list(out))
    result = result.astype(bool) if result.shape[1] else result
    result.attrs["skipped"] = skipped
    return result


# ------------------------------------------------------------------ defaults
_FIELD_DISPLAY = {
    "customer_type": FIELD_NAMES["customer_type"][:2],
    "source": FIELD_NAMES["source"][:2],
    "country": FIELD_NAMES["country"][:2],
    "satisfaction": FIELD_NAMES["satisfaction"][:2],
    **{k: L.HEADERS[k] for k in ("monetary", "value_tier", "stage", "m_score")},
}


def _home_words(home: str) -> tuple[str, ...]:
    n = L.norm(home)
    for words in COUNTRY_EQUIVALENTS:
        if any(L.norm(w) == n for w in words):
            return words
    return (home.strip(),)


# The Value of the built-in International rule when home_country is blank: the engine puts the
# home country in its place (Settings home_country, else the most common country in the data).
HOME_TOKEN = ("(home country)", "（本国）")


def is_home_token(value) -> bool:
    return isinstance(value, str) and L.norm(value) in {L.norm(w) for w in HOME_TOKEN}


def resolve_home(rules: list, home: str | None) -> list:
    """``rules`` with every "(home country)" Value replaced by the names of ``home``.

    A rule whose Value is the token while no home country is known stays as it
    is and matches nothing (its field, country, is then absent anyway).
    """
    if not home:
        return rules
    words = _home_words(home)
    out = []
    for rule in rules:
        if rule.operator in ("in", "not in") and len(rule.arg or ()) == 1 and is_home_token(rule.arg[0]):
            rule = dataclasses.replace(rule, value=", ".join(words), arg=tuple(words))
        elif rule.operator in ("=", "<>") and is_home_token(rule.value):
            op = "in" if rule.operator == "=" else "not in"
            rule = dataclasses.replace(rule, operator=op, value=", ".join(words), arg=tuple(words))
        out.append(rule)
    return out


def default_rules(lang: str, config: Config | None = None, available: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """The built-in rule table in ``lang`` ('en' or 'zh'): headers, tag names, fields, operators, values.

    ``available`` holds the canonical names of the columns the classified
    frame has, computed ones included (``customer_type``, ``source``,
    ``country``, ``satisfaction``, ``monetary``, ``m_score``, ``value_tier``,
    ``stage``); a default tag whose fields are not all available is left out.
    ``config`` supplies ``home_country`` (None: the default Config; a blank
    home_country writes the Value "(home country)", see :func:`resolve_home`). Whether to
    use the defaults at all (``config.default_tags``) is the caller's decision.
    International assumes nothing but a country column; Dissatisfied assumes a
    1-5 satisfaction scale (satisfaction < 3).
    """
    if lang not in L.LANGS:
        raise ConfigError(f"Setting 'lang' is '{lang}'. Use one of: {', '.join(L.LANGS)}.")
    i = L.LANGS.index(lang)
    if config is None:
        config = Config()
    sep = ", " if lang == "en" else "、"

    def words(ws):
        return sep.join(ws)

    def label_of(table, key):
        return table[key][i]

    home = str(config.home_country or "").strip() or HOME_TOKEN[i]
    candidates = [
        ("enterprise", [("customer_type", "in", words(ENTERPRISE_WORDS))]),
        ("individual", [("customer_type", "in", words(INDIVIDUAL_WORDS))]),
        ("online", [("source", "in", words(ONLINE_WORDS))]),
        ("offline", [("source", "in", words(OFFLINE_WORDS))]),
        ("international", [("country", "not blank", None),
                           ("country", "not in", home if home == HOME_TOKEN[i] else words(_home_words(home)))]),
        ("key_account", [("value_tier", "=", label_of(L.TIERS, "high")),
                         ("customer_type", "in", words(ENTERPRISE_WORDS))]),
        ("vip", [("monetary", "top %", 5)]),
        ("winback", [("stage", "in", words([label_of(L.STAGES, "lost"), label_of(L.STAGES, "churn_warning")])),
                     ("m_score", ">=", 4)]),
        ("dissatisfied", [("satisfaction", "<", 3)]),
    ]
    records = []
    for key, rows in candidates:
        if rows is None or any(fld not in available for fld, _, _ in rows):
            continue
        for fld, op, value in rows:
            records.append((DEFAULT_TAG_NAMES[key][i], _FIELD_DISPLAY[fld][i],
                            op if lang == "en" else OPERATORS_ZH[op], value, 1))
    return pd.DataFrame(records, columns=[h[i] for h in RULE_HEADERS.values()], dtype=object)


# ------------------------------------------------------------------ output
def tags_column(flags: pd.DataFrame, sep: str = "; ") -> pd.Series:
    """The tag names of each row joined with ``sep`` ("" when none), as an object Series.

    Each row's flags become an integer bitmask; the text is built once per
    distinct mask and spread back, so the cost is one pass over the rows.
    """
    names = [str(c) for c in flags.columns]
    n = len(flags)
    if not names or n == 0:
        return pd.Series([""] * n, index=flags.index, dtype=object)
    if len(names) <= 63:
        mask = np.zeros(n, dtype=np.int64)
        for j in range(len(names)):
            mask |= flags.iloc[:, j].to_numpy(dtype=bool).astype(np.int64) << j
        codes, masks = pd.factorize(mask)
        texts = [sep.join(name for j, name in enumerate(names) if (int(m) >> j) & 1) for m in masks]
    else:  # more tags than bits in an int64: distinct rows of the flag matrix
        masks, codes = np.unique(flags.to_numpy(dtype=bool), axis=0, return_inverse=True)
        texts = [sep.join(name for name, on in zip(names, row) if on) for row in masks]
    out = np.array(texts, dtype=object)[np.asarray(codes).reshape(-1)]
    return pd.Series(out, index=flags.index, dtype=object)


def tags_long(flags: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """One row per customer x tag: columns ``customer_id, tag``, in customer order then tag order.

    ``ids`` holds one customer id per row of ``flags``, in the same order.
    """
    if len(ids) != len(flags):
        raise ValueError(f"tags_long: {len(ids)} ids for {len(flags)} rows of flags")
    rows, cols = np.nonzero(flags.to_numpy(dtype=bool))
    names = np.array([str(c) for c in flags.columns], dtype=object)
    ids = pd.Series(ids)
    return pd.DataFrame({
        "customer_id": pd.Series(ids.array.take(rows)),  # a take keeps the dtype, no string re-checked
        "tag": pd.Series(names[cols], dtype=object),
    })
