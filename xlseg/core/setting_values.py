"""A setting's value as typed in a Settings cell or given in Python: parsed and written back by its kind."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from xlseg.core import labels as L

CHOICES = {
    "lang": ("en", "zh"),
    "segment_scheme": ("rfm10", "rfm8"),
    "score_method": ("rank", "cuts"),
    "tier_method": ("abc", "threshold", "quantile", "clv"),
    "frequency_basis": ("auto", "days", "orders"),
}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def _fmt_list(values) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)


_BOOL = {"true": True, "yes": True, "1": True, "on": True, "是": True, "false": False, "no": False,
         "0": False, "off": False, "否": False}


def _parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key not in _BOOL:
        raise ValueError("use TRUE or FALSE")
    return _BOOL[key]


def _parse_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def _parse_share(value) -> float:
    """0.8, '80%', 80 all mean 80 %; a share above 100 % ('150%', 150) is rejected."""
    number = _parse_number(value)
    percent_text = isinstance(value, str) and value.strip().endswith("%")
    if not percent_text and 1 < number <= 100:
        number = number / 100
    if not 0 <= number <= 1:
        raise ValueError("a share must be between 0% and 100% (e.g. 80%)")
    return number


def _parse_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    import re

    text = str(value)
    # With a semicolon, 、 or a line break as separator, commas are thousands separators ("1,000; 5,000").
    pattern = r"[;；、\n]" if re.search(r"[;；、\n]", text) else r"[,，]"
    return [p.strip() for p in re.split(pattern, text) if p.strip()]


EPOCHS = {False: dt.datetime(1899, 12, 30), True: dt.datetime(1904, 1, 1)}  # serial 0 of each date system


def serial_date(value, date1904: bool = False) -> dt.date:
    """The day an Excel serial number stands for, in the 1900 date system or (``date1904``) the 1904 one."""
    return (EPOCHS[bool(date1904)] + dt.timedelta(days=float(value))).date()


def parse_date(value):
    """A date as typed in a Settings cell or an option: a date, an Excel serial (1900 system; a reader of a
    1904 workbook turns its serials into dates first, see ``serial_date``), YYYY-MM-DD, 2024/3/5,
    2024年3月5日, or 'today' (returned as the string "today"). Raises ValueError with the fix."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return serial_date(value)
    text = str(value).strip()
    if text.lower() in ("today", "今天"):
        return "today"
    ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if pd.isna(ts):
        ts = pd.to_datetime(text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-"),
                            errors="coerce", format="%Y-%m-%d")
    if pd.isna(ts):
        raise ValueError("not a date. Use YYYY-MM-DD, an Excel date, 'today', or leave it blank "
                         "for the latest purchase date")
    return ts.date()


def _parse_segments(value) -> tuple[str, ...]:
    out = []
    for word in _parse_list(value):
        key = L.key_of(L.SEGMENTS, word)
        if key is None:
            raise ValueError(f"'{word}' is not a segment name")
        out.append(key)
    return tuple(out)


def _parse(name: str, value):
    kind = FIELD_KINDS[name]
    if kind == "choice":
        text = str(value).strip().lower()
        if text not in CHOICES[name]:
            raise ValueError(f"use one of: {', '.join(CHOICES[name])}")
        return text
    if kind == "bool":
        return _parse_bool(value)
    if kind == "int":
        number = _parse_number(value)
        if number != int(number):
            raise ValueError("expected a whole number of days")
        return int(number)
    if kind == "float":
        return _parse_number(value)
    if kind == "share":
        return _parse_share(value)
    if kind == "rate":  # 0.01 or "1%"; a bare number of 1 or more is a percentage (30 -> 30%)
        number = _parse_number(value)
        return number if str(value).strip().endswith("%") or abs(number) < 1 else number / 100
    if kind == "cuts":
        return tuple(_parse_number(v) for v in _parse_list(value))
    if kind == "date":
        return parse_date(value)
    if kind == "segments":
        return _parse_segments(value)
    return str(value).strip()


FIELD_KINDS = {
    "lang": "choice", "as_of": "date", "day_first": "bool", "segment_scheme": "choice",
    "score_method": "choice", "r_cuts": "cuts", "f_cuts": "cuts", "m_cuts": "cuts",
    "tier_method": "choice", "abc_a": "share", "abc_b": "share", "quantile_a": "share",
    "quantile_b": "share", "threshold_high": "float", "threshold_medium": "float",
    "potential_overlay": "bool", "potential_segments": "segments", "new_days": "int",
    "active_days": "int", "lost_days": "int", "churn_gap_multiple": "float",
    "churn_min_purchases": "int", "predict": "bool", "predict_days": "int", "clv_months": "int",
    "discount_rate": "rate", "palive_warning": "rate", "frequency_basis": "choice", "home_country": "text",
    "default_tags": "bool", "customer_sheet": "text", "transaction_sheet": "text",
    "history_keep_runs": "int",
}


def _format(key, value):
    if value is None:
        return None
    kind = FIELD_KINDS[key]
    if kind == "cuts":
        return _fmt_list(value)
    if kind == "segments":
        return ", ".join(L.SEGMENTS[k][0] for k in value)
    if kind in ("share", "rate"):
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else value
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return value
