"""Amounts and counts as people type them: currencies, thousands separators, (120), full-width digits."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from xlseg.core.clean.base import (
    _USE_AMOUNT,
    _USE_COUNT,
    AMOUNT_TEXT,
    BLANK,
    COUNT_TEXT,
    NEGATIVE_COUNT,
    NOT_A_COUNT,
    NOT_AN_AMOUNT,
    NOT_WHOLE,
    ROW_SKIPPED,
    _Findings,
    _reject,
)
from xlseg.core.clean.values import (
    _BLANK,
    _DT,
    _NUM,
    _OTHER,
    _STR,
    _distinct_strings,
    _fmt_number,
    _is_plain_number_dtype,
    _new,
    _nfkc,
    _split,
    _strip,
)
from xlseg.core.issues import IssueLog

_CURRENCY_WORDS = r"rmb|cny|usd|us\$|hk\$|eur|gbp|hkd|jpy|yuan|人民币|¥|\$|€|£|元|圆|块"
_LEAD_CURRENCY = re.compile(rf"(?:{_CURRENCY_WORDS}) ?", re.IGNORECASE)
_TRAIL_CURRENCY = re.compile(rf" ?(?:{_CURRENCY_WORDS})$", re.IGNORECASE)
_MULTIPLIER = {"k": 1e3, "K": 1e3, "万": 1e4, "亿": 1e8}
_COUNT_WORDS = re.compile(r" ?(?:次|单|笔|个|件|回|orders?|times?|purchases?|visits?|x)$", re.IGNORECASE)
_GROUPED = {",": re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"),
            ".": re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]*)?")}
_DIGITS = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


_COMMA_DECIMAL = re.compile(r".*[0-9],(?:[0-9]{1,2}|[0-9]{4,})(?![0-9])|.*\.[0-9]{3},[0-9]*")
_DOT_DECIMAL = re.compile(r".*[0-9]\.(?:[0-9]{1,2}|[0-9]{4,})(?![0-9])|.*,[0-9]{3}\.[0-9]*")
_DOT_THOUSANDS = re.compile(r"[-+]?[0-9]{1,3}(?:\.[0-9]{3})+")


def _column_decimal(strings) -> str | None:
    """The decimal separator of a whole column: ',' when some value can only have a decimal comma
    ('12,50', '1.234,5') and none a decimal point ('12.50', '1,234.5'); '.' the other way round;
    None when nothing decides (each value is then read on its own)."""
    comma = dot = False
    for t in strings:
        if not isinstance(t, str) or ("," not in t and "." not in t):
            continue
        t = re.sub(r"[ '’_]", "", t)
        comma = comma or bool(_COMMA_DECIMAL.match(t))
        dot = dot or bool(_DOT_DECIMAL.match(t))
        if comma and dot:
            return None
    return "," if comma else "." if dot else None


def _number_core(t: str, decimal: str | None = None) -> float | None:
    """'1,234.50', '1.234,50', '1 234,50', '1234,5' -> float; None when it is no number.

    ``decimal``: the column's decimal separator when known (see :func:`_column_decimal`):
    with ',' a single '1,234' is 1.234 and '1.234' is 1234; with '.' '1,234' is 1234.
    """
    t = re.sub(r"[ '’_]", "", t)
    if "," in t and "." in t:
        decimal_sep = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if decimal_sep == "," else ",", "").replace(",", ".")
    elif "," in t:
        if decimal == "," and t.count(",") == 1:
            t = t.replace(",", ".")
        else:
            t = t.replace(",", "") if t.count(",") > 1 or _GROUPED[","].fullmatch(t) else t.replace(",", ".")
    elif decimal == "," and _DOT_THOUSANDS.fullmatch(t.lstrip("+-")):
        t = t.replace(".", "")
    elif t.count(".") > 1:
        if not _GROUPED["."].fullmatch(t):
            return None
        t = t.replace(".", "")
    if not _DIGITS.fullmatch(t):
        return None
    return float(t)


def _amount_text(raw: str, decimal: str | None = None) -> float | None:
    """'¥1,234.50', '(120)', 'RMB 1,200', '1234元', '1.2万', '120-' -> float; None when no amount."""
    t = _nfkc(raw).replace("\u2212", "-")
    sign = 1.0
    while t:
        t = t.strip()
        if len(t) > 1 and t[0] == "(" and t[-1] == ")":
            sign, t = -sign, t[1:-1]
        elif m := _LEAD_CURRENCY.match(t):
            t = t[m.end():]
        elif m := _TRAIL_CURRENCY.search(t):
            t = t[:m.start()]
        elif t[0] in "+-":
            sign, t = (-sign if t[0] == "-" else sign), t[1:]
        elif t[-1] == "-":  # accounting: 120-
            sign, t = -sign, t[:-1]
        else:
            break
    factor = 1.0
    if t and t[-1] in _MULTIPLIER:
        factor, t = _MULTIPLIER[t[-1]], t[:-1].strip()
    value = _number_core(t, decimal)
    return None if value is None else sign * value * factor


def _count_text(raw: str, decimal: str | None = None) -> float | None:
    """'3次', '3 orders', '1,200', '１２' -> float; None when no number."""
    t = _nfkc(raw).replace("\u2212", "-")
    t = _COUNT_WORDS.sub("", t).strip()
    sign = 1.0
    if t[:1] in ("+", "-"):
        sign, t = (-1.0 if t[0] == "-" else 1.0), t[1:].strip()
    value = _number_core(t, decimal)
    return None if value is None else sign * value


def _parse_numeric(s: pd.Series, *, column: str, log: IssueLog, required: bool, text_parser,
                   text_problem: str, bad_problem: str, bad_action: str, checks) -> pd.Series:
    """Shared pipeline of parse_amounts and parse_counts.

    ``checks(x)`` returns [(mask, problem)] for parsed numbers that are still
    unacceptable (a fraction in a count); those become NaN with ``bad_action``.
    """
    findings = _Findings()
    values = None
    if _is_plain_number_dtype(s.dtype):  # fast path: already numbers
        x = s.to_numpy(dtype="float64", na_value=np.nan, copy=True)
        fixed = None
        unparsed = np.zeros(0, dtype=np.intp)
        blank = np.isnan(x) if required else None
    else:
        values, kinds = _split(s)
        x = np.full(len(s), np.nan)
        fixed = np.zeros(len(s), dtype=bool)
        npos = np.flatnonzero(kinds == _NUM)
        if len(npos):
            x[npos] = values[npos].astype("float64")
        unparsed = np.flatnonzero((kinds == _DT) | (kinds == _OTHER))
        blank = kinds == _BLANK
        if (kinds == _STR).any():
            spos, codes, uniques = _distinct_strings(values, kinds)
            u_x = np.full(len(uniques), np.nan)
            u_fixed = np.zeros(len(uniques), dtype=bool)
            u_bad = np.zeros(len(uniques), dtype=bool)
            u_blank = np.zeros(len(uniques), dtype=bool)
            stripped = _strip(np.asarray(uniques, dtype=object))
            # Plain number strings ('1234.5', '-120') are clean: converted in bulk, no record.
            u_x = pd.to_numeric(pd.Series(stripped, dtype=object), errors="coerce").to_numpy(dtype="float64", copy=True)
            plain = np.isfinite(u_x)
            decimal = _column_decimal(stripped)
            if decimal == ",":  # '1.234' is one thousand two hundred and thirty-four in this column
                plain &= ~np.array([bool(_DOT_THOUSANDS.fullmatch(t)) for t in stripped], dtype=bool)
            u_x[~plain] = np.nan
            for i in np.flatnonzero(~plain):
                if not stripped[i]:
                    u_blank[i] = True
                    continue
                value = text_parser(uniques[i], decimal)
                if value is None:
                    u_bad[i] = True
                else:
                    u_x[i], u_fixed[i] = value, True
            x[spos] = u_x[codes]
            fixed[spos] = u_fixed[codes]
            unparsed = np.union1d(unparsed, spos[u_bad[codes]])
            blank[spos[u_blank[codes]]] = True
        if not required:
            blank = None

    rejected = np.zeros(len(x), dtype=bool)
    for mask, problem in checks(x):
        mask = mask & ~rejected
        if mask.any():
            findings.add(np.flatnonzero(mask), problem, bad_action)
            rejected |= mask
    if rejected.any():
        x[rejected] = np.nan
    if fixed is not None:
        ok_fixed = np.flatnonzero(fixed & ~rejected)
        findings.add(ok_fixed, text_problem, lambda p: [f"read as {_fmt_number(v)}" for v in x[p]])
    findings.add(unparsed, bad_problem, bad_action)
    if blank is not None:
        findings.add(np.flatnonzero(blank), BLANK, ROW_SKIPPED)
    if findings.chunks:
        findings.emit(log, column, s.index, values if values is not None else s.to_numpy(dtype=object))
    return _new(x, s, dtype="float64")


def parse_amounts(s: pd.Series, *, column: str, log: IssueLog, required: bool = False) -> pd.Series:
    """Money as typed -> ``float64`` (NaN when missing or rejected).

    Numbers pass through. Text: currency signs and words (``¥ ￥ $ € £``,
    ``RMB``, ``CNY``, ``USD``, ``元`` ...) before or after, thousands
    separators (``1,234.50``, ``1.234,50``, ``1 234,50``; a single comma
    followed by exactly three digits is a thousands separator, otherwise a
    decimal comma), negatives as ``-120``, ``(120)`` or ``120-``, ``万``/``亿``/
    ``k`` multipliers, full-width digits, stray spaces. Negative amounts are
    kept (the engine decides what a refund means). Infinite numbers are not
    amounts. ``required=True``: blank cells are reported ("blank", "row
    skipped") and rejected cells say "row skipped".
    """

    def checks(x):
        with np.errstate(invalid="ignore"):
            return [(np.isinf(x), NOT_AN_AMOUNT)]

    return _parse_numeric(s, column=column, log=log, required=required, text_parser=_amount_text,
                          text_problem=AMOUNT_TEXT, bad_problem=NOT_AN_AMOUNT,
                          bad_action=_reject(required, _USE_AMOUNT), checks=checks)


def parse_counts(s: pd.Series, *, column: str, log: IssueLog) -> pd.Series:
    """Counts (orders, visits) as typed -> whole, non-negative ``float64`` (NaN when missing or rejected).

    Like :func:`parse_amounts` without currencies, plus unit words
    (``3次``, ``3单``, ``3 orders``, ``3 times``). ``2.5`` is "not a whole
    number", ``-1`` a "negative count"; both are left blank.
    """
    if pd.api.types.is_integer_dtype(s.dtype):  # fast path: only negatives can be wrong
        def checks(x):
            return [(x < 0, NEGATIVE_COUNT)]
    else:
        def checks(x):
            with np.errstate(invalid="ignore"):
                return [(np.isinf(x), NOT_A_COUNT), (np.floor(x) != x, NOT_WHOLE), (x < 0, NEGATIVE_COUNT)]

    def checks_finite(x):
        return [(m & ~np.isnan(x), p) for m, p in checks(x)]

    return _parse_numeric(s, column=column, log=log, required=False, text_parser=_count_text,
                          text_problem=COUNT_TEXT, bad_problem=NOT_A_COUNT,
                          bad_action=_reject(False, _USE_COUNT), checks=checks_finite)
