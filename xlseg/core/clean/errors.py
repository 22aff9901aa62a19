"""Excel error cells (#N/A, #VALUE! ...) and values that cannot be customer ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.clean.base import _Findings
from xlseg.core.clean.values import _STR, _new, _split, _strip
from xlseg.core.issues import IssueLog

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
