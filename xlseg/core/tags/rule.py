"""One row of the tag rule table, checked and parsed (Rule, parse_rules)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import pandas as pd

from xlseg.core import labels as L
from xlseg.core.tags.operators import (
    _HEADER_ALIASES,
    _OPERATOR_LOOKUP,
    _USE_OPERATORS,
    RULE_HEADERS,
    _op_key,
)
from xlseg.core.tags.values import (
    _blank,
    _date,
    _group_name,
    _number,
    _plain,
    _row_label,
    _show,
    _split_list,
    _split_range,
)
from xlseg.errors import RuleError

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


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
