"""Applying parsed rules to every customer at once: one boolean column per tag."""

from __future__ import annotations

from fractions import Fraction
from math import ceil
from typing import Any

import numpy as np
import pandas as pd

from xlseg.core import labels as L
from xlseg.core.tags.operators import _HIDDEN_COLUMNS, _KNOWN_FIELDS, _LABEL_COLUMNS
from xlseg.core.tags.rule import Rule
from xlseg.core.tags.values import _date, _day_number, _number, _show, _text
from xlseg.core.tags.views import _Column
from xlseg.errors import RuleError

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


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
