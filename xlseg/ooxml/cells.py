"""One cell as worksheet XML: values are data (inline strings), only xlseg's Formula objects become formulas."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from xlseg.ooxml.xml import attr, text
from xlseg.plan.write_plan import Formula

EPOCH_1900 = dt.datetime(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)
KIND_PLAIN, KIND_DATE, KIND_RISKY = 0, 1, 2  # what a cell's format must add (a date format, a quote prefix)


def serial(value, date1904: bool = False) -> float:
    """A date, datetime, time or timedelta as an Excel serial number."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    epoch = EPOCH_1904 if date1904 else EPOCH_1900
    delta = value - epoch
    days = delta.days
    if not date1904 and 0 < days <= 60:
        days -= 1  # Excel's 1900 leap-year bug: serials before 1900-03-01 are one lower
    return days + delta.seconds / 86400 + delta.microseconds / 86400e6


def _num(v) -> str:
    return repr(v)


def kind(value) -> int:
    """Which extra format a value needs: dates need a date format, formula-like text a quote prefix."""
    if isinstance(value, (dt.date, dt.time)):
        return KIND_DATE
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return KIND_RISKY
    return KIND_PLAIN


def render(ref: str, value, s: int, date1904: bool = False) -> str:
    """``<c>`` for ``value`` at ``ref`` with cell format ``s`` ('' for an empty unstyled cell)."""
    st = f' s="{s}"' if s else ""
    t = type(value)
    if t is str:
        if value == "":
            return f'<c r="{ref}"{st}/>' if s else ""
        return f'<c r="{ref}"{st} t="inlineStr"><is><t xml:space="preserve">{text(value)}</t></is></c>'
    if t is float:
        if value != value or value in (math.inf, -math.inf):
            return f'<c r="{ref}"{st}/>' if s else ""
        return f'<c r="{ref}"{st}><v>{value!r}</v></c>'
    if t is int:
        return f'<c r="{ref}"{st}><v>{value}</v></c>'
    if value is None:
        return f'<c r="{ref}"{st}/>' if s else ""
    if t is bool or isinstance(value, np.bool_):
        return f'<c r="{ref}"{st} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, Formula):
        f = value.text[1:] if value.text.startswith("=") else value.text
        return f'<c r="{ref}"{st}><f>{text(f)}</f></c>'
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        try:
            return f'<c r="{ref}"{st}><v>{serial(value, date1904)!r}</v></c>'
        except (ValueError, OverflowError):
            return f'<c r="{ref}"{st}/>' if s else ""
    if isinstance(value, (np.integer,)):
        return f'<c r="{ref}"{st}><v>{int(value)}</v></c>'
    if isinstance(value, (float, np.floating)):
        return render(ref, float(value), s, date1904)
    if isinstance(value, int):
        return render(ref, int(value), s, date1904)
    if isinstance(value, str):
        return render(ref, str(value), s, date1904)
    return render(ref, str(value), s, date1904)


__all__ = ["render", "serial", "kind", "attr", "KIND_PLAIN", "KIND_DATE", "KIND_RISKY"]
