"""A sheet's rows held as columns: row lists are made only for the rows asked for, a band at a time.

A 1,048,575-row sheet as Python row lists costs millions of list and cell
objects; the same cells as a frame's columns cost a few arrays. :class:`Rows`
is a read-only sequence of rows over such columns, so code that reads rows
(the plan's blocks, the grid that renders them, the table finder) keeps
working, while :meth:`Rows.table_columns` gives ``read_table`` the columns
directly. Cells convert as :func:`xlseg.plan.write_plan.values` converts them
(NaN/NaT/<NA> -> None, datetimes as ``datetime``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from xlseg.plan.write_plan import plain_column

CHUNK = 20_000  # rows made at once when iterating


class Rows(Sequence):
    """``head`` rows (as given), then one row per row of ``frame``.

    ``at`` (sorted ints) places the frame's rows among ``n`` body rows; the others are blank (all None).
    ``row=tuple`` gives tuples (a reader's rows), ``row=list`` lists (a plan's block); ``trim=True`` drops a
    row's trailing blanks (as the csv module gives short rows).
    """

    def __init__(self, frame: pd.DataFrame, *, head=(), at=None, n: int | None = None, row=list, trim=False):
        self.frame = frame
        self.head = [row(h) for h in head]
        self.at = None if at is None else np.asarray(at, dtype=np.int64)
        self.n = len(frame) if at is None else int(n)
        self.row = row
        self.trim = trim
        self.width = max([frame.shape[1]] + [len(h) for h in self.head])

    def __len__(self) -> int:
        return len(self.head) + self.n

    def _rows(self, lo: int, hi: int) -> list:
        """The frame's rows lo..hi-1 as row objects."""
        cols = [plain_column(self.frame.iloc[lo:hi, j]) for j in range(self.frame.shape[1])]
        if not cols:
            return [self.row(()) for _ in range(hi - lo)]
        rows = list(zip(*cols)) if self.row is tuple else [list(r) for r in zip(*cols)]
        if self.trim:  # rows ending in blanks lose them (only those rows are touched)
            last = np.zeros(hi - lo, dtype=np.int64)
            for j, c in enumerate(cols):
                last[np.not_equal(c, None)] = j + 1
            for i in np.flatnonzero(last < len(cols)).tolist():
                rows[i] = rows[i][:last[i]]
        return rows

    def _body(self, a: int, b: int) -> list:
        if self.at is None:
            return self._rows(a, b)
        lo, hi = np.searchsorted(self.at, [a, b])
        out = [self.row([None] * self.width) for _ in range(b - a)]
        for k, r in zip((self.at[lo:hi] - a).tolist(), self._rows(int(lo), int(hi))):
            out[k] = r
        return out

    def __getitem__(self, i):
        h = len(self.head)
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            if step != 1:
                return [self[k] for k in range(start, stop, step)]
            out = self.head[start:max(min(stop, h), start)]
            a, b = max(start - h, 0), max(stop - h, 0)
            if b > a:
                out = out + self._body(a, b)
            return out
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("row index out of range")
        return self.head[i] if i < h else self._body(i - h, i - h + 1)[0]

    def __iter__(self):
        yield from self.head
        for a in range(0, self.n, CHUNK):
            yield from self._body(a, min(a + CHUNK, self.n))

    def __eq__(self, other) -> bool:
        if isinstance(other, (Rows, list, tuple)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self) -> str:
        return f"Rows({len(self)} rows x {self.width})"

    def columns(self, lo: int, hi: int, only: int | None = None) -> list:
        """Rows ``lo``..``hi``-1 as columns (the grid renders a band column by column), as many as the
        longest of those rows has (a ``trim`` sheet's rows count at full width: only blanks differ);
        ``only``: just that column (0-based), as a one-item list."""
        h = len(self.head)
        n = hi - lo
        heads = self.head[lo:min(hi, h)] if lo < h else []
        a, b = max(lo - h, 0), max(hi - h, 0)
        widths = [len(x) for x in heads]
        span = None
        if b > a:
            if self.at is None:
                widths.append(self.frame.shape[1])
            else:
                span = np.searchsorted(self.at, [a, b])
                if span[1] > span[0]:
                    widths.append(self.frame.shape[1])
                if span[1] - span[0] < b - a:  # blank rows are full-width rows of None
                    widths.append(self.width)
        cols = []
        for j in range(max(widths, default=0)) if only is None else [only]:
            col = np.full(n, None, dtype=object)
            for k, row in enumerate(heads):
                if j < len(row):
                    col[k] = row[j]
            if b > a and j < self.frame.shape[1]:
                if span is None:
                    col[len(heads):] = plain_column(self.frame.iloc[a:b, j])
                elif span[1] > span[0]:
                    col[self.at[span[0]:span[1]] - a + len(heads)] = plain_column(self.frame.iloc[span[0]:span[1], j])
            cols.append(col)
        return cols

    def arrow_columns(self, lo: int, hi: int):
        """Body rows ``lo``..``hi``-1 as one Arrow array per frame column (None for a column of Python
        objects: rendered cell by cell), or None when the range holds head rows or the row would be wider."""
        h = len(self.head)
        if lo < h or self.width != self.frame.shape[1]:
            return None
        a, b = lo - h, hi - h
        if self.at is None:
            take, (s0, s1) = None, (a, b)
        else:
            s0, s1 = (int(x) for x in np.searchsorted(self.at, [a, b]))
            index = np.full(b - a, -1, dtype=np.int64)
            index[self.at[s0:s1] - a] = np.arange(s1 - s0)
            take = pa.array(index, mask=index < 0)
        out = []
        for j in range(self.frame.shape[1]):
            arr = _arrow(self.frame.iloc[s0:s1, j])
            if arr is not None and take is not None:
                arr = arr.take(take)
            out.append(arr)
        return out

    def blanked(self, c1: int, c2: int) -> "Rows":
        """The same rows with columns c1..c2 (1-based) blank (xlseg's own columns hidden from the reader)."""
        frame = self.frame.copy(deep=False)
        for j in range(c1 - 1, min(c2, frame.shape[1])):
            frame.isetitem(j, np.full(len(frame), None, dtype=object))
        out = Rows(frame, head=[[None if c1 - 1 <= j < c2 else v for j, v in enumerate(h)] for h in self.head],
                   at=self.at, n=self.n, row=self.row, trim=self.trim)
        return out

    def table_columns(self, r0: int, r1: int, c0: int, c1: int):
        """(1-based sheet row numbers, one object array per column c0..c1-1) of the 0-based rows r0..r1-1
        (:func:`xlseg.read.table.table_columns`); rows without a cell there are left out only by the caller."""
        h = len(self.head)
        numbers = np.arange(r0 + 1, r1 + 1)
        cols = []
        for c in range(c0, c1):
            col = np.full(r1 - r0, None, dtype=object)
            for k in range(r0, min(r1, h)):  # head rows (a few)
                if c < len(self.head[k]):
                    col[k - r0] = self.head[k][c]
            a, b = max(r0 - h, 0), max(r1 - h, 0)
            if b > a and c < self.frame.shape[1]:
                if self.at is None:
                    col[a + h - r0:b + h - r0] = plain_column(self.frame.iloc[a:b, c])
                else:
                    lo, hi = np.searchsorted(self.at, [a, b])
                    col[self.at[lo:hi] + h - r0] = plain_column(self.frame.iloc[lo:hi, c])
            cols.append(col)
        return numbers, cols


def _arrow(s: pd.Series):
    """A frame column as an Arrow array for the grid's Arrow path: text, numbers and naive datetimes only (a
    column of Python objects too when they are all of one such kind, as a reader's columns are)."""
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype) or (dtype.kind in "iuf" and not pd.api.types.is_bool_dtype(dtype)) or \
            (dtype.kind == "M" and getattr(dtype, "tz", None) is None) or dtype == object:
        try:
            # the values, not the Series: pyarrow's attribute probes on a Series look the name up in its index,
            # which builds a hash table of a fresh slice's index every time (milliseconds a column)
            arr = pa.array(s.array if isinstance(dtype, pd.StringDtype) else s.to_numpy(), from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            return None
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if dtype == object and not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or
                                    pa.types.is_int64(arr.type) or pa.types.is_float64(arr.type) or
                                    (pa.types.is_timestamp(arr.type) and arr.type.tz is None)):
            return None  # booleans, dates, decimals, nothing but blanks: cell by cell
        return arr
    return None
