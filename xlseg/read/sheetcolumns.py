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
from xlseg.read.cellformats import date_styles, shared_strings
from xlseg.read.prefetch import ahead, in_order
from xlseg.read.sheetdata import CHUNK, INLINE, NUM, SHARED, STR, Unplain, _chunk, _joined, _pieces
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
    (a sheet holding formulas or error cells is calamine's at once, without a second pass).

    The part is taken a piece of a few megabytes at a time and each piece's values are made at once: what is
    kept of a cell is its position and value, not its bytes and parsed fields."""
    if sheet_scan is not None and (sheet_scan.errors or sheet_scan.formulas or sheet_scan.unreferenced):
        return None
    part = book._part(info)
    try:
        chunks = ahead(book.package.chunks(part, CHUNK))
        values = _Values(book)
        placed = []
        found = SheetScan()
        for piece in cell_pieces(chunks, limit=max_cells or None):
            found.cells += len(piece["row"])
            found.max_row = max(found.max_row, int(piece["row"][-1]))  # in sheet order: the last is the lowest
            found.max_col = max(found.max_col, int(piece["col"].max()))
            placed.append(values.of(piece))
        for _ in chunks:  # the rest of the part is inflated too: its size and CRC are checked as always
            pass
        if found.cells == 0 or dense is not None and not dense(found.max_row, found.max_col, found.cells):
            return None
        return values.columns(placed), found
    except XlsegError:
        raise  # the package's own messages (damaged part, sizes)
    except (Unplain, ValueError, IndexError, KeyError, OverflowError, UnicodeDecodeError):
        return None


def cell_pieces(chunks, limit: int | None = None):
    """The cells of :func:`xlseg.read.sheetdata.scan` (every value taken) a piece of a few megabytes at a time,
    as dicts like its result, in sheet order (two threads scan them); more than ``limit`` cells: Unplain."""
    last, taken = -1, 0
    for cells in filter(None, in_order(lambda piece: _chunk(piece, [None]), _pieces(chunks))):
        taken += len(cells[0])
        out = _joined({k: [v] for k, v in zip(("row", "col", "type", "style", "num", "text"), cells)})
        if (limit is not None and taken > limit) or out["row"][0] * 20_000 + out["col"][0] <= last:
            raise Unplain  # too many cells, or cells out of order across pieces
        last = out["row"][-1] * 20_000 + out["col"][-1]
        yield out


def columns_of(book, cells: dict) -> list:
    """:func:`read_columns` from the cells of :func:`xlseg.read.sheetdata.scan` (Unplain: calamine's)."""
    values = _Values(book)
    return values.columns([values.of(cells)])


class _Values:
    """Cells to values, a piece at a time (:meth:`of`), then the columns (:meth:`columns`)."""

    def __init__(self, book) -> None:
        self.book = book
        self.shared = None
        self.dates: dict = {}  # the number-styled cells' style indices -> date style or not (per style index)
        self.empty_row = self.empty_col = 0  # the furthest empty text

    def of(self, cells: dict):
        """(rows, columns, values) of a piece's cells holding a value that is not ''."""
        kind = cells["type"]
        at = np.flatnonzero(kind > 0)
        kind = kind[at]
        row, col, num = cells["row"][at], cells["col"][at], cells["num"][at]
        values = np.empty(len(at), dtype=object)
        texty = np.flatnonzero((kind == STR) | (kind == INLINE))
        if len(texty):
            values[texty] = cells["text"][at[texty]]
        shared_at = np.flatnonzero(kind == SHARED)
        if len(shared_at):
            if self.shared is None:
                self.shared = shared_strings(self.book)
            idx = num[shared_at]
            if not ((idx >= 0) & (idx < len(self.shared)) & (idx == np.floor(idx))).all():
                raise Unplain  # calamine says what is wrong
            values[shared_at] = self.shared[idx.astype(np.int64)]
        numbers = np.flatnonzero(kind == NUM)
        if len(numbers):
            style = cells["style"][at[numbers]]
            dated = self._dated(style)[style]
            plain = numbers[~dated]
            if len(plain):
                values[plain] = _numbers(num[plain])
            days = numbers[dated]
            if len(days):
                values[days] = _dates(num[days], bool(self.book.date1904))
        if len(texty) or len(shared_at):
            empty = values == ""
            if empty.any():
                self.empty_row = max(self.empty_row, int(row[empty].max()))
                self.empty_col = max(self.empty_col, int(col[empty].max()))
                full = ~empty
                row, col, values = row[full], col[full], values[full]
        return row.astype(np.int32), col.astype(np.int16), values

    def _dated(self, style: np.ndarray) -> np.ndarray:
        used = np.unique(style)
        key = used.tobytes()
        if key not in self.dates:
            self.dates[key] = date_styles(self.book, {"style": used, "type": np.full(len(used), NUM)})
        return self.dates[key]

    def columns(self, placed: list) -> list:
        """The columns from A1 to the last value (Unplain: an empty text past it, or no value at all)."""
        height = max((int(r.max()) for r, _c, _v in placed if len(r)), default=0)
        width = max((int(c.max()) for _r, c, _v in placed if len(c)), default=0)
        if not height:
            raise Unplain  # no value at all: calamine's empty range
        if self.empty_row > height or self.empty_col > width:
            raise Unplain  # an empty text past the last value: whether it widens calamine's range is its business
        out = [np.full(height, None, dtype=object) for _ in range(width)]
        for i, (row, col, values) in enumerate(placed):
            order = np.argsort(col, kind="stable")
            bounds = np.searchsorted(col[order], np.arange(1, width + 2))
            for j in np.flatnonzero(np.diff(bounds)).tolist():
                pick = order[bounds[j]:bounds[j + 1]]
                out[j][row[pick] - 1] = values[pick]
            placed[i] = None  # each piece freed once placed
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
