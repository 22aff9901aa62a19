"""A column of cells rendered as worksheet XML by Arrow's compute kernels (C++), without a Python call per cell.

The grid (:mod:`xlseg.ooxml.grid`) hands a band's typed columns here: text,
numbers and naive datetimes, blanks allowed, which is what the big sheets hold
(the customer sheet's columns, Customers, Tags, Run History). The XML is the
same as the cell-by-cell path writes, but for the lexical form of numbers
(Arrow writes the shortest text that reads back as the same double, e.g. ``3``
for ``3.0``, ``1e-7`` for ``1e-07``): the values read back are identical.
Anything else (a formula, a boolean, mixed types, text with control
characters or ``_x`` sequences that need Excel's escapes) returns None and is
rendered cell by cell.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DAY_US = 86_400_000_000
_EPOCH_1900 = np.datetime64("1899-12-30T00:00:00", "us").astype(np.int64)
_EPOCH_1904 = np.datetime64("1904-01-01T00:00:00", "us").astype(np.int64)
_NEEDS_EXCEL_ESCAPE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x{fffe}\\x{ffff}]|_x"
_XML_SPECIAL = "[&<>]"
_EDGE_SPACE = "^\\s|\\s$|[\\t\\r\\n]|  "
_RISKY = "^[=+\\-@]"


def row_numbers(first: int, n: int) -> pa.Array:
    """The row numbers ``first``..``first + n - 1`` as text (once per band, shared by its columns)."""
    return pc.cast(pa.array(np.arange(first, first + n, dtype=np.int64)), pa.string())


def concatenated(arr: pa.Array) -> memoryview:
    """The UTF-8 bytes of all the strings of ``arr`` one after the other (no nulls), without a copy: a string
    array keeps its values back to back in one buffer."""
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    if pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string()) if arr.nbytes < 2**31 - 1 else arr
    _validity, offsets, data = arr.buffers()
    if not len(arr) or data is None:
        return memoryview(b"")
    kind = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    ends = np.frombuffer(offsets, dtype=kind, count=len(arr) + 1, offset=arr.offset * np.dtype(kind).itemsize)
    return memoryview(data)[int(ends[0]):int(ends[-1])]


_SPACE = np.array([9, 10, 12, 13, 32], dtype=np.uint8)  # RE2's \\s
_RISKY_FIRST = np.array([61, 43, 45, 64], dtype=np.uint8)  # = + - @


def _has(data: bytes, needle: bytes) -> bool:
    """``needle in data``, its first byte looked for first: a single byte is found by memchr at memory speed,
    while a search for two or three bytes runs at about 0.5 GB/s and most texts lack the first byte."""
    return needle[:1] in data and needle in data


def text_checks(words: pa.Array) -> tuple:
    """For a column's distinct strings: (some need Excel's escapes (control characters, U+FFFE/U+FFFF, ``_x``),
    some hold ``& < >``, some need xml:space (an edge space, a tab or line break, two spaces), and a boolean
    Arrow array of the strings that start like a formula, or None when none does).

    The same answers as the regular expressions ``_NEEDS_EXCEL_ESCAPE``, ``_XML_SPECIAL``, ``_EDGE_SPACE`` and
    ``_RISKY`` per string, found with byte searches over the strings' one buffer (Arrow's regular expressions
    run at about 0.5 GB/s; these at memory speed). A match across two strings' boundary (``_`` ending one, ``x``
    starting the next) only sends the column down the cell-by-cell path."""
    data = bytes(concatenated(words))
    a = np.frombuffer(data, dtype=np.uint8)
    low = a < 32
    control = set(np.unique(a[low]).tolist()) if low.any() else set()
    excel_escape = bool(control - {9, 10, 13}) or _has(data, b"_x") or _has(data, b"\xef\xbf\xbe") or \
        _has(data, b"\xef\xbf\xbf")
    special = b"&" in data or b"<" in data or b">" in data
    edge_space = bool(control & {9, 10, 13})
    if not edge_space and len(a) > 1:
        space = a == 32
        edge_space = bool((space[1:] & space[:-1]).any())  # two spaces (a byte search for them is slow)
    risky = None
    if len(words):
        kind = np.int64 if pa.types.is_large_string(words.type) else np.int32
        offs = np.frombuffer(words.buffers()[1], dtype=kind, count=len(words) + 1,
                             offset=words.offset * np.dtype(kind).itemsize)
        offs = offs - offs[0]
        full = offs[1:] > offs[:-1]
        if full.any():
            first = a[offs[:-1][full]]
            last = a[offs[1:][full] - 1]
            edge_space = edge_space or bool(np.isin(first, _SPACE).any() or np.isin(last, _SPACE).any())
            starts = np.zeros(len(words), dtype=bool)
            starts[full] = np.isin(first, _RISKY_FIRST)
            if starts.any():
                risky = pa.array(starts)
    return excel_escape, special, edge_space, risky


_NULL = pa.scalar(None, pa.string())
LONG_TEXT = 48  # bytes a string on average, above which a column's texts are taken as nearly all distinct


class Pieces(list):
    """A column whose every row has a cell, as the arguments of its cells' ``binary_join_element_wise`` (the
    row's own join takes them in place of the joined cells: every byte is copied once instead of twice)."""


def _cells(parts: list, pieces: bool):
    """The cells of a column from its parts: joined (null where a part is null), or :class:`Pieces`."""
    if pieces and not any(isinstance(p, pa.Array) and p.null_count for p in parts):
        return Pieces(parts)
    return pc.binary_join_element_wise(*parts, "")


WHOLE_TEXT = 1e10  # whole doubles below this are written by Arrow as the integer they are ('3', not '3.0')


def _number_text(arr: pa.Array) -> pa.Array:
    """Arrow's text of each number (null stays null). Doubles that are all whole and below :data:`WHOLE_TEXT`
    (days, counts, scores) are cast through int64, which writes the same digits about 4x faster."""
    if pa.types.is_float64(arr.type) and len(arr):
        v = arr.to_numpy(zero_copy_only=False)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(v)
            w = v[finite]
            if np.all((w == np.floor(w)) & (np.abs(w) < WHOLE_TEXT) & ~((w == 0) & np.signbit(w))):
                return pc.cast(pa.array(np.where(finite, v, 0.0).astype(np.int64), mask=~finite), pa.string())
    return pc.cast(arr, pa.string())


def render(arr: pa.Array, pre: str, rows: pa.Array, sp: str, plain: int, date_xf, quote_xf, date1904: bool,
           pieces: bool = False):
    """The ``<c>`` elements of a column (null where there is no cell), or None when it must go cell by cell.

    ``pre`` is ``<c r="`` and the column letters; ``sp`` the ``s`` attribute of its format (``plain``);
    ``date_xf`` and ``quote_xf`` give the format of a date and of formula-like text (called when needed).
    ``pieces``: a column with a cell in every row may come back as :class:`Pieces`.
    """
    t = arr.type
    if pa.types.is_large_string(t):
        arr, t = arr.cast(pa.string()), pa.string()
    if pa.types.is_string(t):
        # checks, escaping and the text after the row number are done once per distinct string; long texts
        # (Why, notes) are nearly all distinct: then they are taken as they are (a dictionary of them would
        # only copy every byte twice more)
        enc = None if len(arr) and arr.nbytes > LONG_TEXT * len(arr) else pc.dictionary_encode(arr)
        words = arr if enc is None else enc.dictionary
        excel_escape, special, edge_space, risky = text_checks(words)
        if excel_escape:
            return None
        value = words
        if special:
            value = pc.replace_substring(value, "&", "&amp;")
            value = pc.replace_substring(pc.replace_substring(value, "<", "&lt;"), ">", "&gt;")
        space = ' xml:space="preserve"' if edge_space else ""
        mid = f'"{sp} t="inlineStr"><is><t{space}>'
        if risky is not None:
            mid = pc.if_else(risky, f'" s="{quote_xf()}" t="inlineStr"><is><t{space}>', mid)
        tails = pc.binary_join_element_wise(mid, value, "</t></is></c>", "")
        tails = pc.if_else(pc.equal(pc.binary_length(words), 0), _NULL, tails)
        if enc is not None:
            tails = tails.take(enc.indices)
        cells = _cells([pre, rows, tails], pieces)  # null where no text
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        text = _number_text(arr)
        if pa.types.is_floating(t):
            ok = pc.is_finite(arr)
            if not pc.all(ok).as_py():  # NaN, infinities and nulls: no cell
                text = pc.if_else(ok, text, _NULL)
        cells = _cells([pre, rows, f'"{sp}><v>', text, "</v></c>"], pieces)
    elif pa.types.is_timestamp(t) and t.tz is None:
        us = arr.cast(pa.timestamp("us"))
        empty = pc.is_null(us).to_numpy(zero_copy_only=False)
        stamp = pc.fill_null(us.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
        delta = stamp - (_EPOCH_1904 if date1904 else _EPOCH_1900)
        days = delta // _DAY_US
        rest = delta - days * _DAY_US
        if not date1904:  # Excel's 1900 leap-year bug: serials before 1900-03-01 are one lower
            days = np.where((days > 0) & (days <= 60), days - 1, days)
        # the same operations, in the same order, as xlseg.ooxml.cells.serial: the same doubles
        serials = days + (rest // 1_000_000) / 86400 + (rest % 1_000_000) / 86400e6
        cells = _cells([pre, rows, f'" s="{date_xf()}"><v>', pc.cast(pa.array(serials, mask=empty), pa.string()),
                        "</v></c>"], pieces)
    else:
        return None
    if isinstance(cells, Pieces):
        return cells
    if plain and cells.null_count:  # a styled column has a cell in every row: its format, no value
        return pc.if_else(pc.is_null(cells), pc.binary_join_element_wise(pre, rows, f'"{sp}/>', ""), cells)
    return cells
