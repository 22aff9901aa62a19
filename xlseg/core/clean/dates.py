"""Dates as people type them: Excel serials, ISO and local strings, day or month first."""

from __future__ import annotations

import datetime as dt
import operator
import re

import numpy as np
import pandas as pd

from xlseg.core.clean.base import (
    _USE_DATE,
    _USE_RANGE,
    BLANK,
    DATE_DAY_FIRST,
    DATE_MONTH_FIRST,
    DATE_NUMBER,
    DATE_RANGE,
    DATE_TEXT,
    NOT_A_DATE,
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
    _is_plain_number_dtype,
    _new,
    _nfkc,
    _split,
    _strip,
)
from xlseg.core.issues import IssueLog

_DAY = np.timedelta64(1, "D")
_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's 1900 date system
_LO = np.datetime64("1900-01-01", "D")
_HI = np.datetime64("2200-01-01", "D")  # exclusive
_SERIAL_MIN = 61  # 1900-03-01; serials below fall in Excel's phantom 1900-02-29 range
_SERIAL_MAX = int((_HI - _EPOCH) / _DAY)  # exclusive
_NAT_D = np.datetime64("NaT", "D")

# An optional time (and zone) after a date; the date is taken as written, the time dropped.
_TIME = r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
_ISO_LENGTHS = (10, 13, 16, 19, 21, 22, 23, 24, 25, 26)  # YYYY-MM-DD[ HH[:MM[:SS[.ffffff]]]], no zone
_YMD = re.compile(r"([0-9]{4}) ?[-/.年] ?([0-9]{1,2}) ?[-/.月] ?([0-9]{1,2}) ?[日号]?" + _TIME)
_COMPACT = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_ABY = re.compile(r"([0-9]{1,2}) ?[-/.] ?([0-9]{1,2}) ?[-/.] ?([0-9]{4}|[0-9]{2})" + _TIME)
_D_MON_Y = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?[ ,/-]*([A-Za-z]+)\.?[ ,/-]*([0-9]{4})" + _TIME)
_MON_D_Y = re.compile(r"([A-Za-z]+)\.?[ /-]*([0-9]{1,2})(?:st|nd|rd|th)?,?[ ,/-]+([0-9]{4})" + _TIME)
_SERIAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_MONTHS = {name: i + 1 for i, full in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"]) for name in (full, full[:3])}
_MONTHS["sept"] = 9


def _year2(text: str) -> int:
    """Two-digit years as Excel reads them: 00-29 -> 2000s, 30-99 -> 1900s."""
    y = int(text)
    if len(text) == 4:
        return y
    return 2000 + y if y < 30 else 1900 + y


def _ymd(y: int, m: int, d: int):
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _date_text(raw: str, day_first: bool, required: bool):
    """One distinct string -> (date or None, problem, action); problem None = clean."""
    t = _nfkc(raw)
    suffix, problem = "", DATE_TEXT
    date = None
    if m := _YMD.fullmatch(t):
        date = _ymd(int(m[1]), int(m[2]), int(m[3]))
    elif m := _COMPACT.fullmatch(t):
        date, suffix = _ymd(int(m[1]), int(m[2]), int(m[3])), " (yyyymmdd)"
    elif m := _ABY.fullmatch(t):
        a, b, y = int(m[1]), int(m[2]), _year2(m[3])
        month, day = (b, a) if day_first else (a, b)
        date = _ymd(y, month, day)
        suffix = " (day/month/year)" if day_first else " (month/day/year)"
        if date is None and _ymd(y, day, month) is not None:
            date = _ymd(y, day, month)
            problem = DATE_MONTH_FIRST if day_first else DATE_DAY_FIRST
            suffix = " (month/day/year)" if day_first else " (day/month/year)"
    elif (m := _D_MON_Y.fullmatch(t)) and m[2].lower() in _MONTHS:
        date = _ymd(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    elif (m := _MON_D_Y.fullmatch(t)) and m[1].lower() in _MONTHS:
        date = _ymd(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    elif _SERIAL_TEXT.fullmatch(t):
        serial = float(t)
        if _SERIAL_MIN <= serial < _SERIAL_MAX:
            date = (dt.datetime(1899, 12, 30) + dt.timedelta(days=int(serial))).date()
            suffix = " (Excel serial)"
    if date is None:
        return None, NOT_A_DATE, _reject(required, _USE_DATE)
    if not _LO <= np.datetime64(date, "D") < _HI:
        return None, DATE_RANGE, _reject(required, _USE_RANGE)
    return date, problem, f"read as {date.isoformat()}{suffix}"


def _dates_from_numbers(x: np.ndarray):
    """Excel serials and yyyymmdd numbers -> (datetime64[D], how: 0 not a date, 1 serial, 2 yyyymmdd)."""
    out = np.full(len(x), _NAT_D)
    how = np.zeros(len(x), dtype=np.int8)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(x)
        serial = finite & (x >= _SERIAL_MIN) & (x < _SERIAL_MAX)
        ymd = finite & (x >= 19000101) & (x <= 21991231) & (np.floor(x) == x)
    if serial.any():
        out[serial] = _EPOCH + np.floor(x[serial]).astype(np.int64) * _DAY
        how[serial] = 1
    if ymd.any():
        v = x[ymd].astype(np.int64)
        parsed = pd.to_datetime(pd.DataFrame({"year": v // 10000, "month": v // 100 % 100, "day": v % 100}),
                                errors="coerce").to_numpy().astype("datetime64[D]")
        out[ymd] = parsed
        how[np.flatnonzero(ymd)[~np.isnat(parsed)]] = 2
    return out, how


def _to_day(values) -> np.ndarray:
    """datetime-like objects -> datetime64[D] (time dropped; time zones dropped, wall time kept)."""
    try:
        # cache=False: hashing a million date objects to convert each distinct one once costs more
        parsed = pd.to_datetime(pd.Series(values, dtype=object), errors="coerce", cache=False)
    except (TypeError, ValueError):  # mixed time zones
        parsed = pd.to_datetime(pd.Series([pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tz else v
                                           for v in values], dtype=object), errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy().astype("datetime64[D]")


_len_each = np.frompyfunc(len, 1, 1)
_char_at = {i: np.frompyfunc(operator.itemgetter(i), 1, 1) for i in (4, 7, 19)}
_fraction = np.frompyfunc(operator.itemgetter(slice(20, None)), 1, 1)
_is_digits = np.frompyfunc(str.isdigit, 1, 1)


def _iso_candidates(stripped: np.ndarray) -> np.ndarray:
    """Strings shaped like YYYY-MM-DD[ HH[:MM[:SS[.ffffff]]]] without a time zone.

    Cheap elementwise checks before the bulk ISO parse, which is slow on strings
    it rejects and refuses a mix of zones.
    """
    if not len(stripped):
        return np.zeros(0, dtype=bool)
    lengths = _len_each(stripped).astype(np.int64)
    cand = np.isin(lengths, _ISO_LENGTHS)
    where = np.flatnonzero(cand)
    if len(where):
        sub = stripped[where]
        cand[where] = (_char_at[4](sub) == "-") & (_char_at[7](sub) == "-")
    where = np.flatnonzero(cand & (lengths > 19))
    if len(where):
        sub = stripped[where]
        cand[where] = (_char_at[19](sub) == ".") & _is_digits(_fraction(sub)).astype(bool)
    return cand


def _out_of_range(days: np.ndarray) -> np.ndarray:
    return ~np.isnat(days) & ((days < _LO) | (days >= _HI))


def parse_dates(s: pd.Series, *, column: str, log: IssueLog, day_first: bool = False,
                required: bool = False) -> pd.Series:
    """Dates as typed -> ``datetime64[ns]`` at midnight (NaT when missing or rejected).

    Accepts datetime/date/Timestamp cells; Excel serial numbers (1900 system,
    1900-03-01 to 2199-12-31) and yyyymmdd numbers (``19970101``, the CDNOW
    data), also as text; ISO ``2024-03-05`` (optionally with a time);
    ``2024/3/5``, ``2024.3.5``, ``2024年3月5日``; ``3/5/2024`` month first
    unless ``day_first`` (a reading that is only possible the other way round,
    ``31/12/2024``, is accepted and reported); ``5 Mar 2024`` and ``March 5,
    2024``; two-digit years as Excel reads them; full-width digits and stray
    spaces. Impossible dates (``31/02/2024``) and dates outside 1900-2199 are
    rejected. ``required=True``: blank cells are reported too ("blank", "row
    skipped").
    """
    findings = _Findings()
    order_note = None
    if pd.api.types.is_datetime64_any_dtype(s.dtype):  # fast path: already dates
        d = s.dt.tz_localize(None) if isinstance(s.dtype, pd.DatetimeTZDtype) else s
        days = d.to_numpy().astype("datetime64[D]")
        missing = np.isnat(days)
        if required and missing.any():
            findings.add(np.flatnonzero(missing), BLANK, ROW_SKIPPED)
        bad = _out_of_range(days)
        if bad.any():
            days = days.copy()
            days[bad] = _NAT_D
            findings.add(np.flatnonzero(bad), DATE_RANGE, _reject(required, _USE_RANGE))
        if findings.chunks:
            findings.emit(log, column, s.index, s.to_numpy(dtype=object))
        return _new(days.astype("datetime64[ns]"), s)

    if _is_plain_number_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        values, kinds = None, np.where(np.isnan(x), _BLANK, _NUM).astype(np.int8)
    else:
        values, kinds = _split(s)
        x = None

    days = np.full(len(s), _NAT_D)
    npos = np.flatnonzero(kinds == _NUM)
    if len(npos):
        nums = x[npos] if x is not None else values[npos].astype("float64")
        got, how = _dates_from_numbers(nums)
        days[npos] = got
        for code, name in ((1, " (Excel serial)"), (2, " (yyyymmdd)")):
            sel = how == code
            if sel.any():
                at = npos[sel]
                findings.add(at, DATE_NUMBER,
                             lambda p, name=name: [f"read as {d}{name}"
                                                   for d in np.datetime_as_string(days[p], unit="D")])
        findings.add(npos[how == 0], NOT_A_DATE, _reject(required, _USE_DATE))

    dpos = np.flatnonzero(kinds == _DT)
    if len(dpos):
        got = _to_day(values[dpos])
        bad = _out_of_range(got) | np.isnat(got)
        got[bad] = _NAT_D
        days[dpos] = got
        findings.add(dpos[bad], DATE_RANGE, _reject(required, _USE_RANGE))

    findings.add(np.flatnonzero(kinds == _OTHER), NOT_A_DATE, _reject(required, _USE_DATE))

    blank = kinds == _BLANK
    if (kinds == _STR).any():
        spos, codes, uniques = _distinct_strings(values, kinds)
        u_days = np.full(len(uniques), _NAT_D)
        u_problem = np.full(len(uniques), None, dtype=object)
        u_action = np.full(len(uniques), None, dtype=object)
        u_blank = np.zeros(len(uniques), dtype=bool)
        # Vectorised pass for plain ISO strings (the common case): clean, no record.
        stripped = _strip(np.asarray(uniques, dtype=object))
        iso = _iso_candidates(stripped)
        if iso.any():
            try:
                got = pd.to_datetime(pd.Series(stripped[iso], dtype=object), format="ISO8601", errors="coerce")
                if isinstance(got.dtype, pd.DatetimeTZDtype):
                    got = got.dt.tz_localize(None)
                got = got.to_numpy().astype("datetime64[D]")
            except (TypeError, ValueError):  # left to the one-by-one reader below
                got = np.full(int(iso.sum()), _NAT_D)
            ok = ~np.isnat(got) & ~_out_of_range(got)
            where = np.flatnonzero(iso)
            u_days[where[ok]] = got[ok]
            iso[where[~ok]] = False  # impossible or out-of-range ISO dates: read (and reported) below
        day_first, order_note = _column_order([uniques[i] for i in np.flatnonzero(~iso)], day_first)
        for i in np.flatnonzero(~iso):
            raw = uniques[i]
            if not raw.strip():
                u_blank[i] = True
                continue
            date, problem, action = _date_text(raw, day_first, required)
            if date is not None:
                u_days[i] = np.datetime64(date, "D")
            u_problem[i], u_action[i] = problem, action
        days[spos] = u_days[codes]
        row_problem = u_problem[codes]
        for problem in pd.unique(u_problem[pd.notna(u_problem)]):
            sel = row_problem == problem
            findings.add(spos[sel], problem, u_action[codes[sel]])
        blank = blank.copy()
        blank[spos[u_blank[codes]]] = True

    if required:
        findings.add(np.flatnonzero(blank), BLANK, ROW_SKIPPED)
    if findings.chunks:
        findings.emit(log, column, s.index, values if values is not None else s.to_numpy(dtype=object))
    out = _new(days.astype("datetime64[ns]"), s)
    if order_note:
        out.attrs["date_order"] = order_note
    return out


def _column_order(strings: list, day_first: bool) -> tuple[bool, str | None]:
    """One day/month order for a whole column, decided from all its a/b/yyyy strings.

    A first part above 12 anywhere (``31/12/2024``) decides day first, a second part
    above 12 month first; a column with neither follows ``day_first`` (Settings or
    ``--day-first``); a column with both follows ``day_first`` too and reports the
    values that can only be read the other way. Returns (day_first, the choice in
    words, or None when the column has no such dates).
    """
    day_only = month_only = ambiguous = None
    for raw in strings:
        m = _ABY.fullmatch(_nfkc(raw))
        if not m:
            continue
        a, b = int(m[1]), int(m[2])
        if a > 12 >= b and day_only is None:
            day_only = raw
        elif b > 12 >= a and month_only is None:
            month_only = raw
        elif a <= 12 and b <= 12 and ambiguous is None:
            ambiguous = raw
    setting = "day_first = TRUE" if day_first else "day_first = FALSE"
    if day_only is not None and month_only is None:
        return True, f"dates read day first (dd/mm/yyyy) for the whole column: '{day_only}' can only be day first."
    if month_only is not None and day_only is None:
        return False, (f"dates read month first (mm/dd/yyyy) for the whole column: '{month_only}' can only be "
                       "month first.")
    if day_only is not None:
        return day_first, (f"both orders appear ('{day_only}' and '{month_only}'): read "
                           f"{'day' if day_first else 'month'} first ({setting}); the dates only possible the "
                           "other way round are on the Issues sheet.")
    if ambiguous is not None:
        return day_first, (f"dates such as '{ambiguous}' fit either order throughout: read "
                           f"{'day' if day_first else 'month'} first ({setting}). Set day_first in Settings or "
                           "use --day-first if that is wrong.")
    return day_first, None
