"""Kinds of cell values (numbers, datetimes, strings) and the string helpers every cleaner shares."""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import numbers
import unicodedata

import numpy as np
import pandas as pd

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
