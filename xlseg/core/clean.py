"""Values as people type them: dates, amounts, counts, ids and text.

Every function takes a Series whose index is the sheet row number (see
``docs/architecture.md``) and returns a *new* Series with the same index and
name; the input is never changed. Each cell that is fixed or rejected gets one
:class:`~xlseg.core.issues.Issue` in ``log`` with ``row`` = the index label,
``column`` = the user's header, ``value`` = the original cell. Cells that are
already clean get no record: a number in a number column, a datetime in a date
column, a plain ISO date string without a zone (``2024-03-05``,
``2024-03-05 10:20``, ``2024-03-05T10:20:30.5``) or a plain number string
(``1234.5``, ``-120``). Blank cells (None, NaN, NaT, whitespace)
become NaN / NaT / None with no record, unless the function is called with
``required=True``.

Issue vocabulary (``problem`` -> ``action``; problems are fixed strings so the
Issues sheet can be filtered and pivoted by them; actions of fixes name the
value that was read):

====================================  =================================================
problem                               action
====================================  =================================================
date written as text                  read as 2024-03-05 [(month/day/year) |
                                      (day/month/year) | (yyyymmdd) | (Excel serial)]
date written as a number              read as 2023-03-15 (Excel serial) | (yyyymmdd)
date written day first                read as 2024-12-31 (day/month/year)
date written month first              read as 2024-12-31 (month/day/year)
not a date                            left blank; use YYYY-MM-DD or an Excel date
date out of range                     left blank; use a date between 1900 and 2199
amount written as text                read as 1234.5
not an amount                         left blank; use a number such as 1234.50
count written as text                 read as 3
not a count                           left blank; use a whole number, 0 or more
not a whole number                    (same)
negative count                        (same)
blank                                 row skipped              (``required=True`` only)
id too long for an Excel number       kept as 123456789012346000; format the id column
                                      as text so no digits are lost
totals row                            skipped
no customer id                        skipped
====================================  =================================================

With ``required=True`` (transaction sheets: every line needs a date and an
amount) "left blank" reads "row skipped" instead: the caller must drop every
row whose parsed value is missing, and each such row has exactly one record.

At most :data:`ISSUE_LIMIT` records are written per column and problem in one
call; the rest are counted in one further record (``row`` and ``value`` "", as
in :meth:`IssueLog.add_many`; the same ``problem``; action ``"same for N more
rows (not listed)"``), so a million Excel serial dates cost a hundred records.

Dates come back as ``datetime64[ns]`` at midnight (times are dropped), amounts
and counts as ``float64`` (NaN when missing), ids and text as ``object``
(str or None). Work is done with masks by kind of value (numbers, datetimes,
strings) and, for strings, once per *distinct* string: a column of a million
rows with a few thousand distinct dates parses a few thousand strings.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import operator
import numbers
import re
import unicodedata

import numpy as np
import pandas as pd

from xlseg.core.issues import IssueLog

__all__ = [
    "ISSUE_LIMIT",
    "parse_dates",
    "parse_amounts",
    "parse_counts",
    "parse_text",
    "normalise_ids",
    "drop_blank_and_total_rows",
    "rows_to_drop",
]

ISSUE_LIMIT = 100

# ------------------------------------------------------------------ vocabulary
DATE_TEXT = "date written as text"
DATE_NUMBER = "date written as a number"
DATE_DAY_FIRST = "date written day first"
DATE_MONTH_FIRST = "date written month first"
NOT_A_DATE = "not a date"
DATE_RANGE = "date out of range"
AMOUNT_TEXT = "amount written as text"
NOT_AN_AMOUNT = "not an amount"
COUNT_TEXT = "count written as text"
NOT_A_COUNT = "not a count"
NOT_WHOLE = "not a whole number"
NEGATIVE_COUNT = "negative count"
BLANK = "blank"
LONG_ID = "id too long for an Excel number"
TOTALS_ROW = "totals row"
NO_ID = "no customer id"

ROW_SKIPPED = "row skipped"
SKIPPED = "skipped"
_USE_DATE = "use YYYY-MM-DD or an Excel date"
_USE_RANGE = "use a date between 1900 and 2199"
_USE_AMOUNT = "use a number such as 1234.50"
_USE_COUNT = "use a whole number, 0 or more"


def _reject(required: bool, hint: str) -> str:
    return f"{'row skipped' if required else 'left blank'}; {hint}"


# ------------------------------------------------------------------ findings -> records
class _Findings:
    """Rows to report, gathered as (positions, problem, action) chunks and written once.

    ``action`` is a string, an array aligned with the positions, or a callable
    that builds the actions for the (at most ISSUE_LIMIT) positions reported.
    """

    def __init__(self) -> None:
        self.chunks: list[tuple[np.ndarray, str, object]] = []

    def add(self, pos, problem: str, action) -> None:
        pos = np.asarray(pos, dtype=np.intp)
        if len(pos):
            self.chunks.append((pos, problem, action))

    def emit(self, log: IssueLog, column: str, index: pd.Index, values: np.ndarray) -> None:
        grouped: dict[str, list] = {}
        for pos, problem, action in self.chunks:
            grouped.setdefault(problem, []).append((pos, action))
        rows, overflow = [], []
        for problem, parts in grouped.items():
            total = sum(len(p) for p, _ in parts)
            picked = []
            for pos, action in parts:
                first = pos[:ISSUE_LIMIT]  # positions come sorted (flatnonzero)
                if isinstance(action, str):
                    acts = [action] * len(first)
                elif callable(action):
                    acts = list(action(first))
                else:
                    acts = list(action[:ISSUE_LIMIT])
                picked.extend(zip(first.tolist(), acts))
            picked.sort(key=lambda pa: pa[0])
            rows.extend((p, problem, a) for p, a in picked[:ISSUE_LIMIT])
            if total > ISSUE_LIMIT:
                overflow.append((problem, total - ISSUE_LIMIT))
        rows.sort(key=lambda r: r[0])
        for p, problem, action in rows:
            log.add(index[p], column, _cell(values[p]), problem, action)
        for problem, more in overflow:
            log.add("", column, "", problem, f"same for {more} more rows (not listed)")


def _cell(value):
    """The original cell for a record; blanks (NaN, NaT, None) as None."""
    try:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value


# ------------------------------------------------------------------ kinds of values
_BLANK, _STR, _NUM, _DT, _OTHER = 0, 1, 2, 3, 4


def _kind_of_type(t: type) -> int:
    if issubclass(t, str):
        return _STR
    if issubclass(t, (bool, np.bool_)):
        return _OTHER
    if issubclass(t, (numbers.Number, decimal.Decimal)) and not issubclass(t, (complex, np.complexfloating)):
        return _NUM
    if issubclass(t, (dt.date, np.datetime64)):  # datetime, Timestamp and date
        return _DT
    if t is type(None) or t is type(pd.NaT):
        return _BLANK
    return _OTHER


# pandas' infer_dtype answers that mean "every non-blank cell is of this kind" (bools, decimals,
# complex numbers, time zones and mixes take the per-type path below).
_INFERRED_KINDS = {"string": _STR, "floating": _NUM, "integer": _NUM, "mixed-integer-float": _NUM,
                   "datetime": _DT, "date": _DT, "datetime64": _DT}


def _split(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(values as an object array, kind of each value); NaN/None/NaT are _BLANK."""
    values = s.to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
        # pandas' str dtype holds str or its missing value; NaN is the one value not equal to itself.
        na = (values != values) if isinstance(getattr(s.dtype, "na_value", None), float) else pd.isna(values)
        kinds = np.where(na, _BLANK, _STR).astype(np.int8)
        return values, kinds
    na = pd.isna(values)
    # One C-level pass usually tells that a column holds one kind of value (plus blanks).
    kind = _INFERRED_KINDS.get(pd.api.types.infer_dtype(values, skipna=True))
    if kind is not None:
        return values, np.where(na, _BLANK, kind).astype(np.int8)
    types = np.frompyfunc(type, 1, 1)(values)
    codes, uniques = pd.factorize(types)
    table = np.array([_kind_of_type(t) for t in uniques] + [_BLANK], dtype=np.int8)
    kinds = table[codes]  # code -1 (never, types are not NA) falls on _BLANK
    kinds[na] = _BLANK
    return values, kinds


def _distinct_strings(values: np.ndarray, kinds: np.ndarray):
    """Positions of string cells, their codes into the distinct strings, and those strings."""
    spos = np.flatnonzero(kinds == _STR)
    codes, uniques = pd.factorize(values[spos])
    return spos, codes, list(uniques)


def _nfkc(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


# Elementwise string operations on object arrays, calling C-level str methods (no Python lambda).
_strip = np.frompyfunc(str.strip, 1, 1)
_split_words = np.frompyfunc(str.split, 1, 1)
_join_words = np.frompyfunc(" ".join, 1, 1)
_nfkc_each = np.frompyfunc(functools.partial(unicodedata.normalize, "NFKC"), 1, 1)


# A string that " ".join(s.split()) would change has whitespace other than a plain space (tab,
# newline, U+3000, no-break space ...: every character str.isspace() accepts, listed here and
# checked in a test), a double space, or a space at either end. The strings are scanned joined by
# NUL, with str.find (a fast C scan) for each of these few substrings.
_OTHER_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_UNSQUASHED = tuple((c, 0) for c in _OTHER_SPACES) + (("  ", 0), ("\x00 ", 1), (" \x00", 0))
_UNSQUASHED_ASCII = tuple((c, shift) for c, shift in _UNSQUASHED if c.isascii())


def _find_all(text: str, sub: str):
    at = text.find(sub)
    while at >= 0:
        yield at
        at = text.find(sub, at + 1)


def _scan(strings: np.ndarray) -> tuple[np.ndarray, bool]:
    """(which strings of an object array of str are not already stripped and collapsed, all ASCII?).

    A few substring scans over all the strings joined, instead of a split and a join
    per string (a million clean ids cost ~0.03 s, not ~1 s). A NUL inside a string can
    only flag extra strings (harmless: squashing leaves a clean string as it is).
    """
    items = strings.tolist()
    joined = "\x00".join(items)
    ascii_only = joined.isascii()  # a flag of the str object, not a scan
    hits = [at + shift for sub, shift in (_UNSQUASHED_ASCII if ascii_only else _UNSQUASHED)
            for at in _find_all(joined, sub)]
    if joined.startswith(" "):
        hits.append(0)
    if joined.endswith(" "):
        hits.append(len(joined) - 1)
    need = np.zeros(len(items), dtype=bool)
    if hits:  # which string each hit is in (only now: the usual clean column never needs it)
        lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
        starts = np.cumsum(lengths + 1) - (lengths + 1)
        need[np.searchsorted(starts, hits, side="right") - 1] = True
    return need, ascii_only


def _squash(strings: np.ndarray, need: np.ndarray | None = None) -> np.ndarray:
    """Strip and collapse every run of whitespace (also full-width and no-break spaces) to one space.

    ``need``: :func:`_scan`'s flags when the caller has them.
    """
    if not len(strings):
        return np.zeros(0, dtype=object)
    out = np.array(strings, dtype=object)  # a copy: callers' arrays are never changed
    need = _scan(out)[0] if need is None else need
    if need.any():
        out[need] = _join_words(_split_words(out[need]))
    return out


def _is_plain_number_dtype(dtype) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _fmt_number(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def _new(data: np.ndarray, s: pd.Series, dtype=None) -> pd.Series:
    """A Series over an array this module just built (no copy), with the input's index and name."""
    return pd.Series(data, index=s.index, name=s.name, dtype=dtype, copy=False)


# ------------------------------------------------------------------ dates
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


# ------------------------------------------------------------------ amounts and counts
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


# ------------------------------------------------------------------ text and ids
def _clean_strings(sub: np.ndarray, nfkc: bool) -> np.ndarray:
    """Strip and collapse whitespace runs (and NFKC when asked) on an object array of str; '' -> None."""
    need, ascii_only = _scan(sub)
    # NFKC leaves ASCII text as it is: skip the per-string call when every string is ASCII.
    if nfkc and not ascii_only:
        sub = _nfkc_each(sub)
        need = _scan(sub)[0]
    out = _squash(sub, need)
    out[out == ""] = None
    return out


def _factorized_clean(strings: np.ndarray, nfkc: bool) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct cleaned texts) of an object array of str: ``texts[codes]`` is the cleaned array.

    Each distinct text is cleaned once. Codes are in order of first appearance; a
    text that cleans to nothing gets -1; two texts that clean to the same (``'C1'``,
    ``' C1'``) share a code, so ``len(texts)`` is the number of distinct cleaned values.
    """
    codes, distinct = pd.factorize(strings)
    distinct = np.asarray(distinct, dtype=object)
    cleaned = _clean_strings(distinct, nfkc=nfkc)
    if (cleaned != distinct).any():  # some changed: they may now equal another one, or nothing
        recode, cleaned = pd.factorize(cleaned)
        codes = np.append(recode, -1)[codes]
    return codes, np.asarray(cleaned, dtype=object)


def _mostly_repeated(strings: np.ndarray) -> bool:
    """Whether a column repeats its values (types, sources, cities), judged on a spread sample.

    Worth hashing every cell to clean each distinct value once; a column of names or
    notes (mostly distinct) is cleaned cell by cell instead, which is cheaper there.
    """
    step = max(1, len(strings) // 4096)
    sample = strings[::step].tolist()
    return 2 * len(set(sample)) < len(sample)


def parse_text(s: pd.Series, *, categorical: bool = False) -> pd.Series:
    """Free text (names, cities, types): strip, collapse runs of whitespace; blank -> None.

    Returns ``object``. The text is otherwise kept as typed (no NFKC: matching
    uses :func:`xlseg.core.labels.norm`, which folds width and case). Cells that
    are not strings (numbers, dates) are kept as they are; a column of a
    non-text dtype is returned as an unchanged copy.

    ``categorical=True``: a column of text cells (and blanks) whose values repeat
    comes back as a Categorical of the same values (missing: NaN), which later
    steps group and match by code.
    """
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s.copy()
    values, kinds = _split(s)
    out = values.copy()
    out[kinds == _BLANK] = None
    spos = np.flatnonzero(kinds == _STR)
    if not len(spos):
        return _new(out, s, dtype=object)
    strings = values[spos]
    if not _mostly_repeated(strings):
        out[spos] = _clean_strings(strings, nfkc=False)
        return _new(out, s, dtype=object)
    codes, texts = _factorized_clean(strings, nfkc=False)
    if categorical and len(spos) == int((kinds != _BLANK).sum()):  # only text and blanks
        full = np.full(len(values), -1, dtype=codes.dtype)
        full[spos] = codes
        return _new(pd.Categorical.from_codes(full, categories=texts), s)
    out[spos] = np.append(texts, None)[codes]
    return _new(out, s, dtype=object)


_LONG_ID = 1e15  # Excel keeps 15 significant digits: a number id this long has lost some


def _float_ids(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Float ids -> (text, too long): 1001.0 -> '1001', 1001.5 -> '1001.5'.

    An id of 16 digits or more is shown with the 15 significant digits Excel keeps
    (123456789012345678 -> '123456789012346000'), the way Excel displays it.
    """
    out = np.empty(len(x), dtype=object)
    whole = np.floor(x) == x
    long = whole & (np.abs(x) >= _LONG_ID)
    short = whole & ~long
    if short.any():
        out[short] = x[short].astype(np.int64).astype(str).astype(object)
    for i in np.flatnonzero(~short):
        out[i] = str(int(float(f"{x[i]:.15g}"))) if long[i] else repr(float(x[i]))
    return out, long


def _is_int_type(t: type) -> bool:
    return issubclass(t, (int, np.integer)) and not issubclass(t, (bool, np.bool_))


def normalise_ids(s: pd.Series, *, column: str, log: IssueLog, codes: bool = False):
    """Customer ids as keys: text, NFKC, stripped, inner whitespace collapsed; blank -> None.

    Numbers become their digits (Excel gives ``1001`` as ``1001.0`` -> ``'1001'``),
    so a numeric id on one sheet matches the same id typed as text on another.
    Case is kept (``c001`` and ``C001`` are different ids). Integers keep every
    digit; a *float* id of 16 digits or more has already lost digits in Excel:
    it is kept as Excel shows it and reported ("id too long for an Excel number").

    ``codes=True`` returns ``(ids, codes, texts)``: for a column of text ids
    (and blanks), ``ids == texts[codes]`` with -1 for no id, ``texts`` the
    distinct ids and codes numbered in order of first appearance (each id was
    hashed and cleaned once; ``len(texts)`` tells whether there are
    duplicates); ``(ids, None, None)`` for other columns.
    """
    id_codes = texts = None
    out = np.full(len(s), None, dtype=object)
    long = np.zeros(len(s), dtype=bool)
    values = s.to_numpy(dtype=object)
    if pd.api.types.is_integer_dtype(s.dtype):
        out = s.astype("str").to_numpy(dtype=object, na_value=None)
    elif _is_plain_number_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.flatnonzero(np.isfinite(x))
        out[ok], long[ok] = _float_ids(x[ok])
    else:
        values, kinds = _split(s)
        spos = np.flatnonzero(kinds == _STR)
        if len(spos):
            text_codes, texts = _factorized_clean(values[spos], nfkc=True)
            out[spos] = np.append(texts, None)[text_codes]
            id_codes = np.full(len(values), -1, dtype=text_codes.dtype)
            id_codes[spos] = text_codes
        npos = np.flatnonzero(kinds == _NUM)
        if len(npos):
            type_codes, types = pd.factorize(np.frompyfunc(type, 1, 1)(values[npos]))
            is_int = np.array([_is_int_type(t) for t in types], dtype=bool)[type_codes]
            ipos, fpos = npos[is_int], npos[~is_int]
            if len(ipos):
                out[ipos] = [str(int(v)) for v in values[ipos]]
            if len(fpos):
                x = values[fpos].astype("float64")
                ok = np.isfinite(x)
                out[fpos[ok]], long[fpos[ok]] = _float_ids(x[ok])
        for i in np.flatnonzero((kinds == _DT) | (kinds == _OTHER)):
            out[i] = _nfkc(str(values[i])) or None
        if len(spos) < int((kinds != _BLANK).sum()):
            id_codes = texts = None  # numbers or dates too (1001 and '1001' are one id): no codes
    if long.any():
        findings = _Findings()
        findings.add(np.flatnonzero(long), LONG_ID,
                     lambda p: [f"kept as {out[i]}; format the id column as text so no digits are lost"
                                for i in p])
        findings.emit(log, column, s.index, values)
    ids = _new(out, s, dtype=object)
    return (ids, id_codes, texts) if codes else ids


# ------------------------------------------------------------------ error cells
# Error cells reach the core as their exact text in every reader (BRIEF: shared conventions).
ERROR_TEXTS = frozenset(("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
                         "#GETTING_DATA"))


def error_text(value) -> str | None:
    """The error text when ``value`` is an error cell (``#N/A`` ...), else None."""
    if isinstance(value, str) and value.startswith("#"):
        text = value.strip()
        return text if text in ERROR_TEXTS else None
    return None


def error_cells(s: pd.Series) -> np.ndarray:
    """Which cells of ``s`` are error cells (``#N/A``, ``#VALUE!`` ...), as a boolean array.

    A column with no ``#`` anywhere (the usual case) is answered by one scan of
    its strings joined, without hashing every cell.
    """
    out = np.zeros(len(s), dtype=bool)
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return out
    if not pd.api.types.is_object_dtype(s.dtype):  # pandas' str dtype: a vectorised search, no conversion
        hits = s.str.contains("#", regex=False).to_numpy(dtype=bool, na_value=False)
        if hits.any():
            out[hits] = s[hits].str.strip().isin(ERROR_TEXTS).to_numpy(dtype=bool)
        return out
    values = s.to_numpy(dtype=object)
    try:  # a column of strings only (the usual case) is answered by one scan
        if "#" not in "\x00".join(values.tolist()):
            return out
    except TypeError:
        pass
    values, kinds = _split(s)
    spos = np.flatnonzero(kinds == _STR)
    if not len(spos) or "#" not in "\x00".join(values[spos].tolist()):
        return out
    out[spos] = pd.Series(_strip(values[spos]), dtype=object).isin(ERROR_TEXTS).to_numpy(dtype=bool)
    return out


def blank_error_cells(s: pd.Series, *, column: str, log: IssueLog, required: bool = False) -> pd.Series:
    """``s`` with error cells counted as blank, one record each ("error value #N/A").

    The action says "row skipped" when the field is ``required`` (a transaction's
    date or amount), else "counted as blank". Returns ``s`` itself when it has none.
    """
    bad = error_cells(s)
    if not bad.any():
        return s
    findings = _Findings()
    values = s.to_numpy(dtype=object)
    texts = pd.Series(_strip(values[bad]), dtype=object)
    pos = np.flatnonzero(bad)
    for text in pd.unique(texts):
        findings.add(pos[(texts == text).to_numpy()], f"error value {text}",
                     "row skipped" if required else "counted as blank")
    findings.emit(log, column, s.index, values)
    out = values.copy()
    out[bad] = None
    return _new(out, s, dtype=object)


# ------------------------------------------------------------------ blank and totals rows
TOTAL_WORDS = ("total", "totals", "grand total", "grandtotal", "sub total", "subtotal", "sub-total", "sum",
               "合计", "总计", "小计", "共计", "总和")
# As typed: any of the usual capitalisations, with or without a colon (compared after strip).
_TOTAL_FORMS = frozenset(
    form + end
    for word in TOTAL_WORDS
    for form in (word, word.upper(), word.title(), word.capitalize())
    for end in ("", ":", "：", " :")
)


def _strings_of(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kinds, positions of string cells, those strings stripped) for one column."""
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        kinds = np.where(col.isna().to_numpy(), _BLANK, _NUM).astype(np.int8)
        return kinds, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    values, kinds = _split(col)
    spos = np.flatnonzero(kinds == _STR)
    return kinds, spos, (_strip(values[spos]) if len(spos) else np.zeros(0, dtype=object))


def _blank_cells(cells) -> np.ndarray:
    kinds, spos, stripped = cells
    blank = kinds == _BLANK
    blank[spos[stripped == ""]] = True
    return blank


def _total_cells(cells) -> np.ndarray:
    kinds, spos, stripped = cells
    total = np.zeros(len(kinds), dtype=bool)
    if len(spos):
        total[spos[pd.Series(stripped, dtype=object).isin(_TOTAL_FORMS).to_numpy(dtype=bool)]] = True
    return total


def drop_blank_and_total_rows(df: pd.DataFrame, *, id_column, log: IssueLog, sheet: str,
                              name_column=None) -> pd.DataFrame:
    """Rows that are not customers (or order lines), removed; a new frame. See :func:`rows_to_drop`."""
    drop = rows_to_drop(df, id_column=id_column, log=log, sheet=sheet, name_column=name_column)
    return df.loc[~drop].copy() if drop.any() else df.copy(deep=False)  # copy-on-write: never shares edits


def not_an_id(values: np.ndarray) -> np.ndarray:
    """Per cell: why it cannot be a customer id (a date, TRUE/FALSE, an error cell), or None."""
    out = np.full(len(values), None, dtype=object)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "empty"):
        return out
    if inferred == "string":  # the usual case: only error cells can be wrong
        bad = error_cells(pd.Series(values, dtype=object))
        for i in np.flatnonzero(bad):
            out[i] = f"error value {values[i].strip()}"
        return out
    types = np.frompyfunc(type, 1, 1)(values)
    codes, uniques = pd.factorize(types)
    for code, t in enumerate(uniques):
        kind = _kind_of_type(t)
        sel = codes == code
        if issubclass(t, (bool, np.bool_)):
            out[sel] = "not a customer id (TRUE/FALSE)"
        elif kind == _DT:
            out[sel] = "not a customer id (a date)"
        elif kind == _STR:
            where = np.flatnonzero(sel)
            bad = error_cells(pd.Series(values[where], dtype=object))
            for i in where[bad]:
                out[i] = f"error value {values[i].strip()}"
    return out


def rows_to_drop(df: pd.DataFrame, *, id_column, log: IssueLog, sheet: str, name_column=None,
                 ids: tuple[np.ndarray, np.ndarray] | None = None, id_problems: np.ndarray | None = None,
                 limit: int | None = None) -> np.ndarray:
    """Which rows are not customers (or order lines), as a boolean array; records for them.

    * entirely blank rows: dropped, no record (sheets often have blank
      separator rows);
    * totals rows (the id or name cell is Total, Grand Total, Subtotal, Sum,
      合计, 总计, 小计, 共计 ..., any case, optional colon): one record each,
      "totals row" / "skipped", column and value of the cell that said so;
    * rows with a blank id but other values: "no customer id" / "skipped".

    ``id_column`` and ``name_column`` are the frame's column labels (the
    user's headers). Records go to ``sheet``.

    ``ids``: the id column already normalised, as the ``(codes, texts)`` that
    ``normalise_ids(..., codes=True)`` gives. Blank and totals ids are then
    judged on those cleaned values, once per distinct id, instead of the
    column being read again (so ``ＴＯＴＡＬ`` and ``Grand  Total`` count too).
    """
    if ids is not None:
        codes, texts = ids
        id_blank = codes < 0
        totals_id = np.append(pd.Series(texts, dtype=object).isin(_TOTAL_FORMS).to_numpy(dtype=bool), False)[codes]
    else:
        id_cells = _strings_of(df[id_column])
        id_blank = _blank_cells(id_cells)
        totals_id = _total_cells(id_cells)
    totals_name = (_total_cells(_strings_of(df[name_column])) & ~totals_id if name_column is not None
                   else np.zeros(len(df), dtype=bool))
    # Only a row with a blank id can be entirely blank: check the other cells of those rows only.
    candidates = np.flatnonzero(id_blank & ~totals_name)
    all_blank = np.zeros(len(df), dtype=bool)
    if len(candidates):
        sub = df.iloc[candidates]
        empty = np.ones(len(candidates), dtype=bool)
        for j in range(sub.shape[1]):
            empty &= _blank_cells(_strings_of(sub.iloc[:, j]))
        all_blank[candidates[empty]] = True
    no_id = id_blank & ~all_blank & ~totals_name

    index = df.index
    id_values = df[id_column].to_numpy(dtype=object)
    name_values = df[name_column].to_numpy(dtype=object) if name_column is not None else None
    reported = np.flatnonzero(totals_id | totals_name | no_id)
    more: dict[str, int] = {}
    per_problem: dict[str, int] = {}
    for i in reported:
        if totals_id[i]:
            column, value, problem = str(id_column), id_values[i], TOTALS_ROW
        elif totals_name[i]:
            column, value, problem = str(name_column), name_values[i], TOTALS_ROW
        else:
            why = id_problems[i] if id_problems is not None else None
            column, value, problem = str(id_column), _cell(id_values[i]), why or NO_ID
        seen = per_problem[problem] = per_problem.get(problem, 0) + 1
        if limit is not None and seen > limit:
            more[problem] = more.get(problem, 0) + 1
            continue
        log.add(index[i], column, value, problem, SKIPPED, sheet=sheet)
    for problem, n in more.items():  # the rest counted in one record, as in parse_dates
        log.add("", str(id_column), "", problem, f"same for {n} more rows (not listed)", sheet=sheet)
    return all_blank | totals_id | totals_name | no_id
