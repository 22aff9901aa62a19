"""A worksheet's values as columns, read from its part's bytes with numpy instead of python-calamine.

:func:`read_columns` gives what :meth:`xlseg.read.book.Book._dense` gives for a sheet (object columns from
A1, openpyxl's values: '' -> None, whole numbers as ``int``, date-styled numbers as ``datetime``), from
:func:`xlseg.read.sheetdata.scan` (the plain sheetData grammar) instead of calamine's per-cell Python
objects: numbers and texts are parsed once per distinct value and each distinct value is one Python object.

Whatever it leaves to calamine returns None, and the caller reads the sheet with calamine as before:
everything :mod:`xlseg.read.sheetdata` does not take (formulas, error and boolean cells, rich text, another
attribute, a namespace prefix ...), a number format this module does not judge, a date that is not a whole
day between 1900-03-01 and 9999-12-31, an empty text at the edge of the used range (whether calamine counts
it there is calamine's business), a shared-string index that is not one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.errors import XlsegError
from xlseg.read.history_part import _date_styles, _shared_strings
from xlseg.read.prefetch import ahead
from xlseg.read.sheetdata import CHUNK, INLINE, NUM, SHARED, STR, Unplain, scan
from xlseg.read.sheetscan import SheetScan

_INT_LIMIT = float(2**53)
# the serial range read here as dates: whole days from 1900-03-01 (below it calamine's 1900 leap-year rule
# and times of day) to 9999-12-31 (above it calamine gives the number)
_FIRST_DAY, _LAST_DAY = 61, 2_958_465
_EPOCH = {False: np.datetime64("1899-12-30", "D"), True: np.datetime64("1904-01-01", "D")}


def read_columns(book, info, sheet_scan=None, max_cells: int = 0, dense=None):
    """(the sheet's values from A1 as object columns (see the module docstring), its :class:`SheetScan`), or
    None: calamine reads it.

    The one pass over the part finds the sheet's extent too: the scan returned holds its cells, last row and
    column (no error or formula cells: the pass leaves those to calamine). ``max_cells``: more cells than this,
    or a rectangle that ``dense(rows, columns, cells)`` refuses, returns None (the caller's own scan then says
    what is wrong, or reads the sheet cell by cell). ``sheet_scan``: the sheet's scan when it was made already
    (a sheet holding formulas or error cells is calamine's at once, without a second pass)."""
    if sheet_scan is not None and (sheet_scan.errors or sheet_scan.formulas or sheet_scan.unreferenced):
        return None
    part = book._part(info)
    try:
        chunks = ahead(book.package.chunks(part, CHUNK))
        cells = scan(chunks, limit=max_cells or None)
        for _ in chunks:  # the rest of the part is inflated too: its size and CRC are checked as always
            pass
        found = SheetScan(cells=len(cells["row"]), max_row=int(cells["row"].max(initial=0)),
                          max_col=int(cells["col"].max(initial=0)))
        if found.cells == 0 or dense is not None and not dense(found.max_row, found.max_col, found.cells):
            return None
        return columns_of(book, cells), found
    except XlsegError:
        raise  # the package's own messages (damaged part, sizes)
    except (Unplain, ValueError, IndexError, KeyError, OverflowError, UnicodeDecodeError):
        return None


def columns_of(book, cells: dict) -> list:
    """:func:`read_columns` from the cells of :func:`xlseg.read.sheetdata.scan` (Unplain: calamine's)."""
    kind = cells["type"]
    at = np.flatnonzero(kind > 0)
    if len(at) == 0:
        raise Unplain  # no value at all: calamine's empty range
    kind = kind[at]
    row, col = cells["row"][at], cells["col"][at]
    num = cells["num"][at]
    values = np.empty(len(at), dtype=object)
    texty = np.flatnonzero((kind == STR) | (kind == INLINE))
    if len(texty):
        values[texty] = cells["text"][at[texty]]
    shared_at = np.flatnonzero(kind == SHARED)
    if len(shared_at):
        shared = _shared_strings(book)
        idx = num[shared_at]
        if not ((idx >= 0) & (idx < len(shared)) & (idx == np.floor(idx))).all():
            raise Unplain  # calamine says what is wrong
        values[shared_at] = shared[idx.astype(np.int64)]
    numbers = np.flatnonzero(kind == NUM)
    if len(numbers):
        dated = _date_styles(book, {"style": cells["style"][at], "type": kind})[cells["style"][at[numbers]]]
        plain = numbers[~dated]
        if len(plain):
            values[plain] = _numbers(num[plain])
        days = numbers[dated]
        if len(days):
            values[days] = _dates(num[days], bool(book.date1904))
    empty = np.zeros(len(at), bool)
    if len(texty) or len(shared_at):
        empty = values == ""
    full = ~empty
    if not full.any():
        raise Unplain
    height, width = int(row[full].max()), int(col[full].max())
    if empty.any():
        if (row[empty] > height).any() or (col[empty] > width).any():
            raise Unplain  # an empty text past the last value: whether it widens calamine's range is its business
        values[empty] = None
    out = [np.full(height, None, dtype=object) for _ in range(width)]
    order = np.argsort(col, kind="stable")
    bounds = np.searchsorted(col[order], np.arange(1, width + 2))
    for j in range(width):
        pick = order[bounds[j]:bounds[j + 1]]
        if len(pick):
            out[j][row[pick] - 1] = values[pick]
    return out


def _numbers(x: np.ndarray) -> np.ndarray:
    """Numbers as openpyxl gives them (whole ones as ``int``), one object per distinct number."""
    codes, uniq = pd.factorize(x, use_na_sentinel=False)
    objs = np.empty(len(uniq), dtype=object)
    objs[:] = [int(v) if v.is_integer() and -_INT_LIMIT < v < _INT_LIMIT else v for v in uniq.tolist()]
    return objs[codes]


def _dates(x: np.ndarray, date1904: bool) -> np.ndarray:
    """Date-styled numbers as ``datetime`` (whole days only: anything else is calamine's)."""
    days = x + (1462 if date1904 else 0)  # calamine counts 1904 serials from 1900's epoch
    if not ((days >= _FIRST_DAY) & (days <= _LAST_DAY) & (x == np.floor(x))).all():
        raise Unplain
    codes, uniq = pd.factorize(x, use_na_sentinel=False)
    stamps = (_EPOCH[date1904] + np.asarray(uniq).astype(np.int64).astype("timedelta64[D]")).astype("datetime64[us]")
    objs = np.empty(len(uniq), dtype=object)
    objs[:] = stamps.astype(object).tolist()
    return objs[codes]
