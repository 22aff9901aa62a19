"""The History sheet read fast, for ``xlseg history``: its one sheet part, scanned with numpy.

:func:`history_frame` gives the same frame as reading the sheet with the general reader
(:meth:`xlseg.read.book.Book.rows`, then :func:`xlseg.core.history.from_rows`), without its
per-cell Python work: :func:`xlseg.read.sheetdata.scan` gives the cells of that one part as
arrays (no other sheet is read, calamine is not used), and the History columns are typed from
them here: numbers, dates by their cell style (1900 or 1904 system), ids and labels as text.

Whatever the scan leaves to the general reader (see :mod:`xlseg.read.sheetdata`), and whatever
the History columns would need the general reader's conversions for - text in a number or date
column, a date-styled id, a number format this module does not judge - makes :func:`fast_frame`
return None, and the general reader reads the sheet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core import history as H
from xlseg.errors import XlsegError
from xlseg.read.cellformats import date_styles as _date_styles, shared_strings as _shared_strings
from xlseg.read.prefetch import ahead
from xlseg.read.sheetdata import CHUNK, INLINE, NUM, SHARED, STR, Unplain, scan

_INT_LIMIT = float(2**53)
_EPOCH = {False: np.datetime64("1899-12-30", "ms"), True: np.datetime64("1904-01-01", "ms")}


def history_frame(path, fast: bool = True, columns=None, early=None) -> pd.DataFrame:
    """The History rows of a workbook file (columns :data:`xlseg.core.history.COLUMNS`); empty when none.

    ``fast=False`` reads the sheet with the general reader only (what the fast path must equal).
    ``columns``: the History columns the caller uses (default: all, :data:`xlseg.core.history.COLUMNS`);
    ``run`` is always read. The others are left blank (NaT, NA, NaN or None, typed as
    :func:`blank_columns` types them): the fast path does not parse their cells.
    ``early``: a :class:`xlseg.read.prefetch.EarlyPart` of ``path`` (its package is this book's; its chunks
    are read only when they are the History sheet's part, as this function finds it).
    """
    from xlseg.plan.write_plan import sheet_marker
    from xlseg.read.book import open_book

    keep = _kept(columns)
    try:
        with open_book(path, package=None if early is None else early.package) as book:
            marked = book.state.markers.get(sheet_marker("history"))
            if fast and marked and marked[0] in book.state.titles:
                frame = fast_frame(book, marked[0], keep, early)
                if frame is not None:
                    return blank_columns(frame, keep)
            if early is not None:
                early.stop()
            from xlseg.plan.history_sheets import read_previous

            return blank_columns(read_previous(book.rows, book.state).frame, keep)
    finally:
        if early is not None:
            early.stop()


def _kept(columns) -> list:
    if columns is None:
        return list(H.COLUMNS)
    unknown = set(columns) - set(H.COLUMNS)
    if unknown:
        raise ValueError(f"not History columns: {sorted(unknown)}")
    return [k for k in H.COLUMNS if k in columns or k == "run"]


def blank_columns(frame: pd.DataFrame, keep) -> pd.DataFrame:
    """``frame`` with the History columns not in ``keep`` blank (the same types whichever reader read it)."""
    drop = [k for k in H.COLUMNS if k not in keep]
    if not drop or len(frame) == 0:
        return frame
    frame = frame.copy(deep=False)  # the kept columns are not copied
    n = len(frame)
    for k in drop:
        if k in ("run_time", "as_of"):
            frame[k] = np.full(n, np.datetime64("NaT"), "datetime64[us]")
        elif k in ("r_score", "f_score", "m_score"):
            frame[k] = pd.arrays.IntegerArray(np.zeros(n, np.int64), np.ones(n, bool))
        elif k == "monetary":
            frame[k] = np.full(n, np.nan)
        else:
            frame[k] = pd.Series([None] * n, dtype=object, index=frame.index)
    return frame


def fast_frame(book, title: str, keep=None, early=None) -> pd.DataFrame | None:
    """The History frame of sheet ``title`` of ``book`` (:class:`xlseg.read.book.Book`), or None (see above).

    ``keep``: the History columns whose cells are read (default all); the others come as no values.
    ``early``: see :func:`history_frame`."""
    info = book.info(title)
    if info.kind != "worksheet":
        return None
    part = book._part(info)
    keep = list(H.COLUMNS) if keep is None else keep
    try:
        pick = None if len(keep) == len(H.COLUMNS) else _picker(book, keep)
        chunks = None if early is None else early.chunks(part)
        cells = scan(ahead(book.package.chunks(part, CHUNK)) if chunks is None else chunks, pick)
        return _frame(book, cells, keep)
    except XlsegError:
        raise  # the package's own messages (damaged part, sizes)
    except (Unplain, ValueError, IndexError, KeyError, OverflowError, UnicodeDecodeError):
        # outside the plain grammar, or bytes the scan cannot make sense of (invalid UTF-8, an entity beyond
        # U+10FFFF, a shared-string index out of range): the general reader reads it, or says what is wrong
        return None


def _picker(book, keep):
    """The ``pick`` of :func:`xlseg.read.sheetdata.scan`: the sheet columns of the History columns in ``keep``,
    from the header row (None, all columns, when the header cannot be judged here)."""
    def pick(cells):
        header = _header(book, cells)
        pos = H.header_positions(header) if header is not None else None
        return None if pos is None else {pos[k] + 1 for k in keep if k in pos}
    return pick


def _header(book, cells) -> list | None:
    """Row 1's values (None for a date-styled number: left to :func:`_frame`)."""
    valued = np.flatnonzero(cells["type"] > 0)
    if len(valued) == 0:
        return None
    shared = _shared_strings(book) if (cells["type"] == SHARED).any() else None
    header = [None] * int(cells["col"][valued].max())
    for i in valued.tolist():
        kd, x = int(cells["type"][i]), float(cells["num"][i])
        if kd == NUM:
            header[cells["col"][i] - 1] = int(x) if x.is_integer() and -_INT_LIMIT < x < _INT_LIMIT else x
        else:
            header[cells["col"][i] - 1] = (shared[int(x)] if kd == SHARED else cells["text"][i]) or None
    return header


def _frame(book, cells: dict, keep) -> pd.DataFrame:
    row, col, kind = cells["row"], cells["col"], cells["type"]
    valued = kind > 0
    if not valued.any():
        return H.from_rows([])
    big = np.iinfo(np.int64).max
    if row.min(where=valued, initial=big) != 1 or col.min(where=valued, initial=big) != 1:
        raise Unplain  # calamine's range starts at the first used cell: leave that to the general reader
    shared = _shared_strings(book) if (kind == SHARED).any() else None
    dates = _date_styles(book, cells)
    head_at = np.flatnonzero((row == 1) & valued)
    width = int(col[head_at].max())
    header = [None] * width
    for i in head_at.tolist():
        header[col[i] - 1] = _value(cells, i, shared, dates)
    pos = H.header_positions(header)
    if pos is None:
        return H.from_rows([])
    n = int(row.max()) - 1
    body = np.flatnonzero((row > 1) & valued)
    body_col = col[body]
    data = {}
    for k in H.COLUMNS:
        if k in pos and k in keep:
            at = body[body_col == pos[k] + 1]
            data[k] = _column(k, cells, at, n, shared, dates, book.date1904)
        elif k in ("run_time", "as_of"):
            data[k] = np.full(n, np.datetime64("NaT"), "datetime64[us]")
        elif k in ("run", "r_score", "f_score", "m_score", "monetary"):
            data[k] = np.full(n, np.nan)
        else:
            data[k] = [None] * n
    ids = data["customer_id"]
    plain = all(v is None or (v.__class__ is str and not v[:1].isspace() and not v[-1:].isspace()) for v in ids)
    for k in ("customer_id", "segment", "value_tier", "stage") if plain else ("segment", "value_tier", "stage"):
        data[k] = _str_array(data[k])
    return H.frame_from_columns(data, ids_are_text=plain)


def _str_array(values: list):
    """A column of str and None as the str array pandas makes of that list (``pd.DataFrame`` infers str
    when every value is a str or None, and one is a str), built by one pyarrow call: pandas' own inference
    takes about twice as long. Anything else, or text pyarrow refuses (a lone surrogate from ``&#xD800;``),
    stays the list pandas is given."""
    import pyarrow as pa
    from pandas.arrays import ArrowStringArray

    if not any(v is not None for v in values) or set(map(type, values)) - {str, type(None)}:
        return values
    try:
        array = pa.array(values, type=pa.large_string())
    except (pa.ArrowException, UnicodeError, TypeError, ValueError):
        return values
    return ArrowStringArray(array, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _column(k, cells, at, n, shared, dates, date1904: bool):
    """Column ``k`` for :func:`xlseg.core.history.frame_from_columns`: typed where the fast path can."""
    if len(at) == 0:
        return [None] * n
    kind, num, rows = cells["type"][at], cells["num"][at], cells["row"][at] - 2
    is_num = kind == NUM
    is_date = is_num & dates[cells["style"][at]]
    if k in ("run", "r_score", "f_score", "m_score", "monetary", "run_time", "as_of"):
        if not is_num.all():
            blank = _blank_texts(cells, at, shared)
            if not (is_num | blank).all():
                raise Unplain  # text in a number or date column: to_numeric / to_datetime would parse it
            rows, num, is_date = rows[is_num], num[is_num], is_date[is_num]
        if len(rows) == 0:
            return [None] * n
        if k in ("run_time", "as_of"):
            if not is_date.all() or (num < 61).any() or (num > 2_958_465).any():
                raise Unplain
            out = np.full(n, np.datetime64("NaT"), "datetime64[us]")
            ms = np.round(num * 86_400_000.0).astype(np.int64)
            out[rows] = (_EPOCH[bool(date1904)] + ms.astype("timedelta64[ms]")).astype("datetime64[us]")
            return out
        if is_date.any() or (np.abs(num) >= _INT_LIMIT).any():
            raise Unplain
        if k != "monetary" and (num != np.floor(num)).any():
            raise Unplain  # the general reader's Int64 conversion has the last word on fractions
        out = np.full(n, np.nan)
        out[rows] = num
        return out
    vals = np.empty(len(at), dtype=object)
    texty = (kind == STR) | (kind == INLINE)
    vals[texty] = cells["text"][at[texty]]
    if (kind == SHARED).any():
        vals[kind == SHARED] = shared[num[kind == SHARED].astype(np.int64)]
    for j in np.flatnonzero(is_num).tolist():
        if is_date[j] or k != "customer_id":
            raise Unplain  # a date id, a number as a segment: the general reader's conversions
        x = float(num[j])
        vals[j] = int(x) if x.is_integer() and -_INT_LIMIT < x < _INT_LIMIT else x
    vals[vals == ""] = None
    out = np.full(n, None, dtype=object)
    out[rows] = vals
    return out.tolist()


def _blank_texts(cells, at, shared) -> np.ndarray:
    kind = cells["type"][at]
    out = np.zeros(len(at), bool)
    texty = (kind == STR) | (kind == INLINE)
    out[texty] = cells["text"][at[texty]] == ""
    if (kind == SHARED).any():
        out[kind == SHARED] = shared[cells["num"][at[kind == SHARED]].astype(np.int64)] == ""
    return out


def _value(cells, i, shared, dates):
    kd, x = int(cells["type"][i]), float(cells["num"][i])
    if kd == NUM:
        if dates[cells["style"][i]]:
            raise Unplain
        return int(x) if x.is_integer() and -_INT_LIMIT < x < _INT_LIMIT else x
    v = shared[int(x)] if kd == SHARED else cells["text"][i]
    return v or None  # calamine's '' is openpyxl's None
