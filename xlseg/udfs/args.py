"""The worksheet functions' arguments: ranges as 2-D lists, arguments left out, as_of, lang, metric; errors."""

from __future__ import annotations

import itertools

from xlseg.core import labels as L
from xlseg.core.config import parse_date
from xlseg.errors import InputError
from xlseg.excel.cells import date1904, error_texts

ERROR = "#xlseg: "
DAYS_1900_TO_1904 = 1462  # serial 0 of the 1904 date system (1904-01-01) is serial 1462 of the 1900 system
# Names of the ranges in messages ("Sheet 'table' is empty" reads "The table range is empty").
TABLE, ORDERS, SETTINGS = "table", "orders", "Settings"
METRICS = {"r": "r_score", "recency": "r_score", "f": "f_score", "frequency": "f_score", "m": "m_score",
           "monetary": "m_score"}
LANG_WORDS = {"en": "en", "english": "en", "英文": "en", "zh": "zh", "zhcn": "zh", "cn": "zh", "chinese": "zh",
              "中文": "zh"}


def _grid(value, name: str) -> list:
    """A range argument as a 2-D list (xlwings passes 2-D lists with ndim=2; tests may pass lists). Not copied
    unless it holds one of Excel's newer error values, which become their text (xlseg.excel.cells)."""
    if isinstance(value, (list, tuple)):
        if all(isinstance(r, (list, tuple)) for r in value):
            return error_texts(value)
        return error_texts([[v] for v in value])
    if value is None:
        raise InputError(f"{name} is empty. Give a range with a header row, e.g. Customers!A1:L2001.")
    return error_texts([[value]])


def _given(value):
    """None for an argument left out or all empty, else the value.

    Excel passes an argument skipped in the middle (``=SEG_TIER(t, , Orders!A1:D9)``) as a blank, which
    xlwings turns into ``[[None]]`` with ndim=2 (xlwings.udfs.call_udf, xlwings issue 892), so an argument
    whose every cell is empty means "not given" - also a reference to empty cells.
    """
    if isinstance(value, (list, tuple)):
        cells = itertools.chain.from_iterable(r if isinstance(r, (list, tuple)) else (r,) for r in value)
        return value if any(v is not None and v != "" for v in cells) else None
    return None if value is None or value == "" else value


def _as_of(value):
    """None, "today" or a date; InputError naming the value otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or (isinstance(value, (int, float)) and not 1 <= value < 2958466):
        raise InputError(f"as_of is not a date: {value!r}. Use a date, YYYY-MM-DD, \"today\", or leave it blank "
                         "for the latest purchase date.")
    try:
        return parse_date(value)
    except (ValueError, OverflowError, TypeError):
        raise InputError(f"as_of is not a date: {value!r}. Use a date, YYYY-MM-DD, \"today\", or leave it blank "
                         "for the latest purchase date.") from None


def _lang(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    lang = LANG_WORDS.get(L.norm(value))
    if lang is None:
        raise InputError(f'lang is {value!r}. Use "en" or "zh", or leave it blank.')
    return lang


def _metric(value) -> str:
    key = METRICS.get(L.norm(value)) if isinstance(value, str) else None
    if key is None:
        raise InputError(f'metric is {value!r}. Use "R" (recency), "F" (frequency) or "M" (monetary).')
    return key


def _message(exc: Exception) -> str:
    text = str(exc)
    for name in (TABLE, ORDERS):
        text = text.replace(f"Sheet '{name}'", f"The {name} range").replace(f"sheet '{name}'", f"the {name} range")
    return ERROR + text


def _date1904(caller) -> bool:
    """Whether the calling cell's workbook counts dates from 1904 (Excel for Mac's old default).

    The caller is the cell xlwings passes as the reserved ``caller`` argument; ``excel.cells.date1904``
    asks its workbook (COM on Windows, AppleScript on a Mac). No caller or no answer -> 1900."""
    if caller is None:
        return False
    try:
        return bool(date1904(caller.sheet.book))
    except Exception:  # noqa: BLE001 - a caller without a workbook (a Python caller): the 1900 system
        return False
