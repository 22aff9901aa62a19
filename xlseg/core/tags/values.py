"""Rule values as people write them: numbers, dates, lists, ranges and percentages."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


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
