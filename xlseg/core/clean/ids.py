"""Text and customer ids: whitespace, full-width forms, numbers that are ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.clean.base import LONG_ID, _Findings
from xlseg.core.clean.values import (
    _BLANK,
    _DT,
    _NUM,
    _OTHER,
    _STR,
    _is_plain_number_dtype,
    _new,
    _nfkc,
    _nfkc_each,
    _scan,
    _split,
    _squash,
)
from xlseg.core.issues import IssueLog


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
