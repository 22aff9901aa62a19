"""The cells a plan writes on one sheet, row by row, as worksheet XML with their cell formats.

Blocks (values) and Styles (formats over ranges) of a plan are merged here
once: rows are visited in bands over which the same blocks and styles apply,
and within a band each column is rendered in one tight loop (a 100,000-row
block costs one dictionary of column formats, not one per cell), then the
columns are joined into rows. A column whose values are all text, all numbers
or all dates (blanks allowed) is rendered by one comprehension, its text
checked for characters to escape once for the whole column. A later block
wins over an earlier one at the same cell; a later style sets its parts over
an earlier one's (as the openpyxl adapter assigned them).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlseg.ooxml import arrow_cells
from xlseg.ooxml.cells import render, serial
from xlseg.ooxml.styles import DATE_FORMAT, StyleBook, merge, style_key
from xlseg.ooxml.xml import bounds, letters, text
from xlseg.plan.row_heights import DEFAULT_WIDTH, wrapped_points
from xlseg.plan.write_plan import Formula
from xlseg.read.prefetch import ahead

_RISKY = ("=", "+", "-", "@")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _needs_escape(joined: str) -> bool:
    """Whether some text of a column (joined by line breaks) needs :func:`xlseg.ooxml.xml.text`'s escaping
    (substring tests: a regular expression with alternatives is slow on a whole column)."""
    return ("&" in joined or "<" in joined or ">" in joined or "_x" in joined or
            _CONTROL.search(joined) is not None)


def _edge_space(joined: str) -> bool:
    """Whether some text starts or ends with a space, or holds a tab, a carriage return or two spaces in a
    row: XML whitespace a reader could fold unless the cell says xml:space="preserve"."""
    return (joined[:1] == " " or joined[-1:] == " " or "\n " in joined or " \n" in joined or "\t" in joined or
            "\r" in joined or "  " in joined)


def _risky_start(joined: str) -> bool:
    """Whether some text starts like a formula (=, +, -, @): written with a quote prefix."""
    return joined[:1] in _RISKY or any(f"\n{ch}" in joined for ch in _RISKY)


_EMPTY = (None, None, None, None)
_NONE = type(None)
_TEXT = frozenset((str, _NONE))
_NUMBER = frozenset((float, int, _NONE))
_DATE = frozenset((dt.datetime, dt.date, _NONE))
BAND_ROWS = 20_000  # rows rendered at once
AHEAD_ROWS = 5_000  # rows rendered at once by the thread of :meth:`Grid.rows`
ARROW_ROWS = 256  # a band at least this long renders its typed columns with Arrow


def width(rows) -> int:
    """Columns of a block's rows (held as columns: known without making a row)."""
    w = getattr(rows, "width", None)
    return w if w is not None else max((len(x) for x in rows), default=0)


def band_columns(values, lo: int, hi: int) -> list:
    """Rows ``lo``..``hi``-1 of a block's values as columns, as wide as the longest of those rows."""
    columns = getattr(values, "columns", None)
    if columns is not None:  # rows held as columns (xlseg.plan.rows.Rows)
        return columns(lo, hi)
    part = values[lo:hi]
    w = max((len(x) for x in part), default=0)
    if all(len(x) == w for x in part):
        return [list(c) for c in zip(*part)] if w else []
    return [[x[j] if j < len(x) else None for x in part] for j in range(w)]


class Grid:
    def __init__(self, blocks, styles, book: StyleBook, *, date1904: bool = False):
        self.book = book
        self.date1904 = date1904
        self.formulas = False  # set when a Formula was rendered (the workbook then recalculates on load)
        self.blocks = [(b.row, b.row + len(b.values) - 1, b.col, b.values) for b in blocks if b.values]
        self.rects = [(bounds(st.ref), style_key(st)) for st in styles]
        cuts = set()
        for r0, r1, _c, _v in self.blocks:
            cuts.update((r0, r1 + 1))
        for (c1, r1, c2, r2), _k in self.rects:
            cuts.update((r1, r2 + 1))
        self.cuts = sorted(cuts)
        rows = [r for r0, r1, *_ in self.blocks for r in (r0, r1)] + \
               [r for (c1, r1, c2, r2), _k in self.rects for r in (r1, r2)]
        cols = [c for _r0, _r1, c0, v in self.blocks for c in (c0, c0 + width(v) - 1)] + \
               [c for (c1, r1, c2, r2), _k in self.rects for c in (c1, c2)]
        self.extent = (min(cols), min(rows), max(cols), max(rows)) if rows else None
        self._dates: dict = {}

    def _xf(self, key, kind_) -> int:
        font, fill, align, numfmt = key
        if kind_ == 1 and not numfmt:
            numfmt = DATE_FORMAT
        return self.book.xf(font, fill, align, numfmt, kind_ == 2)

    def _column(self, c: int, vals, first_row: int, key) -> list:
        """The ``<c>`` elements of one column for consecutive rows from ``first_row`` ('' for no cell)."""
        col = letters(c)
        plain = self._xf(key, 0)
        sp = f' s="{plain}"' if plain else ""
        pre = f'<c r="{col}'
        rows = range(first_row, first_row + len(vals))
        kinds = set(map(type, vals))
        if kinds == {_NONE}:
            return [f'{pre}{r}"{sp}/>' for r in rows] if plain else [""] * len(vals)
        if kinds <= _TEXT:
            cells = self._text_column(pre, sp, plain, key, vals, rows)
            if cells is not None:
                return cells
        elif kinds <= _NUMBER:
            mid = f'"{sp}><v>'
            if plain:
                return [f"{pre}{r}{mid}{x!r}</v></c>" if x is not None and x - x == 0 else f'{pre}{r}"{sp}/>'
                        for r, x in zip(rows, vals)]
            return [f"{pre}{r}{mid}{x!r}</v></c>" if x is not None and x - x == 0 else ""
                    for r, x in zip(rows, vals)]
        elif kinds <= _DATE:
            serials = self._dates
            for x in set(vals) - serials.keys():
                if x is not None:
                    try:
                        serials[x] = repr(serial(x, self.date1904))
                    except (ValueError, OverflowError, TypeError):
                        serials[x] = ""
            mid = f'" s="{self._xf(key, 1)}"><v>'
            blank = f'"{sp}/>' if plain else None
            out = []
            for r, x in zip(rows, vals):
                v = serials.get(x) if x is not None else None
                out.append(f"{pre}{r}{mid}{v}</v></c>" if v else (f"{pre}{r}{blank}" if blank else ""))
            return out
        return self._column_cells(col, vals, first_row, key, plain, sp)

    def _text_column(self, pre: str, sp: str, plain: int, key, vals, rows):
        """A column of text and blanks, checked once over its distinct strings; None when a string holds a
        line break (the column is then rendered cell by cell)."""
        distinct = list({x for x in vals if x})
        joined = "\n".join(distinct)
        if joined.count("\n") != len(distinct) - 1 and distinct:
            return None
        space = ' xml:space="preserve"' if _edge_space(joined) else ""
        mid = f'"{sp} t="inlineStr"><is><t{space}>'
        blank = f'"{sp}/>' if plain else None
        if _needs_escape(joined):
            esc = dict(zip(distinct, text(joined).split("\n")))  # escaping keeps the line breaks
            vals = [esc[x] if x else x for x in vals]
        if not _risky_start(joined):
            if blank:
                return [f"{pre}{r}{mid}{x}</t></is></c>" if x else f"{pre}{r}{blank}" for r, x in zip(rows, vals)]
            return [f"{pre}{r}{mid}{x}</t></is></c>" if x else "" for r, x in zip(rows, vals)]
        quoted = f'" s="{self._xf(key, 2)}" t="inlineStr"><is><t{space}>'
        return [f"{pre}{r}{quoted if x[0] in _RISKY else mid}{x}</t></is></c>" if x else
                (f"{pre}{r}{blank}" if blank else "") for r, x in zip(rows, vals)]

    def _column_cells(self, col: str, vals, first_row: int, key, plain: int, sp: str) -> list:
        """A column of mixed values, cell by cell."""
        empty = bool(plain)
        out = []
        append = out.append
        r = first_row
        for x in vals:
            t = type(x)
            if t is float:
                if x - x == 0.0:
                    append(f'<c r="{col}{r}"{sp}><v>{x!r}</v></c>')
                else:
                    append(f'<c r="{col}{r}"{sp}/>' if empty else "")
            elif t is str:
                if not x:
                    append(f'<c r="{col}{r}"{sp}/>' if empty else "")
                elif x[0] in _RISKY:
                    s = self._xf(key, 2)
                    append(f'<c r="{col}{r}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{text(x)}</t></is></c>')
                else:
                    append(f'<c r="{col}{r}"{sp} t="inlineStr"><is><t xml:space="preserve">{text(x)}</t></is></c>')
            elif x is None:
                append(f'<c r="{col}{r}"{sp}/>' if empty else "")
            elif t is int:
                append(f'<c r="{col}{r}"{sp}><v>{x}</v></c>')
            elif isinstance(x, (dt.date, dt.time)) and t is not bool:
                v = self._dates.get(x)
                if v is None:
                    try:
                        v = repr(serial(x, self.date1904))
                    except (ValueError, OverflowError, TypeError):
                        v = ""
                    self._dates[x] = v
                s = self._xf(key, 1)
                append(f'<c r="{col}{r}" s="{s}"><v>{v}</v></c>' if v else (f'<c r="{col}{r}"{sp}/>' if empty else ""))
            else:
                if t is Formula:
                    self.formulas = True
                append(render(f"{col}{r}", x, plain, self.date1904))
            r += 1
        return out

    def _bands(self, size: int = BAND_ROWS):
        """Row ranges [a, b) over which the same blocks and styles apply, at most ``size`` long (a band
        is rendered column by column in memory: a million-row band would hold every cell's XML at once)."""
        cuts = self.cuts
        for a, b in zip(cuts, cuts[1:]):
            for start in range(a, b, size):
                yield start, min(start + size, b)

    def bands(self, size: int):
        """(first row, each row's cells as one XML string, '' for a row without a cell) bands of ``size`` rows: a list,
        or an Arrow string array when the band's big columns went through :mod:`xlseg.ooxml.arrow_cells`."""
        for a, rendered, arrow, _points in self._band_columns(size=size):
            if not arrow:
                yield a, rendered
            else:
                yield a, pc.binary_join_element_wise(*rendered, "", null_handling="replace", null_replacement="")

    def _band_columns(self, pieces: bool = False, size: int = BAND_ROWS, widths: dict | None = None):
        """(first row, the band's rows as strings, False, points) or (first row, its columns' cells as Arrow arrays,
        null or '' where a column has no cell, True, points); with ``pieces``, a column with a cell in every row may
        be :class:`arrow_cells.Pieces` instead. ``points``: with ``widths`` ({column letter: width}), the height each
        row's wrapped text needs, 0 for one line (:func:`xlseg.plan.row_heights.wrapped_points`), else None."""
        for a, b in self._bands(size):
            active = [blk for blk in self.blocks if blk[0] <= a <= blk[1]]
            styled: dict = {}
            for (c1, r1, c2, r2), key in self.rects:
                if r1 <= a <= r2:
                    for c in range(c1, c2 + 1):
                        styled[c] = merge(styled.get(c, _EMPTY), key)
            if not active and not styled:
                continue
            # the band's values, column by column (a later block wins at the same cell)
            columns: dict = {}
            n = b - a
            for r0, _r1, c0, v in active:
                typed = v.arrow_columns(a - r0, b - r0) if n >= ARROW_ROWS and hasattr(v, "arrow_columns") else None
                if typed is None:
                    for j, column in enumerate(band_columns(v, a - r0, b - r0)):
                        columns[c0 + j] = column
                else:
                    for j, arr in enumerate(typed):
                        columns[c0 + j] = (arr, v, a - r0, b - r0, j)
            cols = sorted(set(styled) | set(columns))
            none = [None] * n
            points = None if widths is None else _points(columns, styled, widths)
            if not any(type(x) is tuple for x in columns.values()):
                rendered = [self._column(c, columns.get(c, none), a, styled.get(c, _EMPTY)) for c in cols]
                yield a, list(map("".join, zip(*rendered))) if rendered else [""] * n, False, points
                continue
            numbers = arrow_cells.row_numbers(a, n)
            rendered = []
            for c in cols:
                vals, key = columns.get(c, none), styled.get(c, _EMPTY)
                if type(vals) is tuple:
                    arr, v, lo, hi, j = vals
                    cells = None if arr is None else self._arrow_column(c, arr, numbers, key, pieces)
                    if cells is not None:
                        rendered.append(cells)
                        continue
                    vals = v.columns(lo, hi, only=j)[0]
                rendered.append(pa.array(self._column(c, vals, a, key), pa.string()))
            yield a, rendered, True, points

    def _arrow_column(self, c: int, arr, numbers, key, pieces: bool = False):
        plain = self._xf(key, 0)
        return arrow_cells.render(arr, f'<c r="{letters(c)}', numbers, f' s="{plain}"' if plain else "", plain,
                                  lambda: self._xf(key, 1), lambda: self._xf(key, 2), self.date1904, pieces)

    def rows(self):
        """(row number, the row's cells as one XML string) for every row with a cell, in order. A thread renders
        the next band meanwhile (Arrow lets go of the GIL): the sheet editor splices rows as they come, and at a
        million rows half its thread's time was rendering. That thread alone adds styles to the book here. Its
        bands are a quarter of the usual: what it holds is its own (its allocator's pages are not the main
        thread's), so smaller bands keep the run's peak where it was."""
        for a, joined in ahead(self.bands(AHEAD_ROWS), depth=1):
            if not isinstance(joined, list):
                joined = joined.to_pylist()
            for i, cells in enumerate(joined):
                if cells:
                    yield a + i, cells

    def row_chunks(self, heights=None, widths: dict | None = None):
        """The ``<row>`` elements of the sheet, a band's rows at a time: a str, or the UTF-8 bytes of an Arrow
        band as a memoryview (no Python string per row).

        ``heights``: {row: points} of rows given a height (:mod:`xlseg.plan.row_heights`: header rows, each
        in a band of a few rows of its own since its style cuts the bands, so never an Arrow band).
        ``widths`` ({column letter: width}): rows whose wrapped text takes more than one line get a height too
        (data such as the Why texts; a header's height wins), without ``customHeight``: Excel fits them again."""
        tags = {r: f'<row r="{r}" ht="{h:g}">' for r, h in (heights or {}).items()}
        for a, rendered, arrow, points in self._band_columns(pieces=True, widths=widths):
            high = None if points is None else np.flatnonzero(points)
            if not arrow:
                numbered = zip(range(a, a + len(rendered)), rendered)
                band = tags
                if high is not None and len(high):
                    band = {**{a + i: f'<row r="{a + i}" ht="{int(points[i])}">' for i in high.tolist()}, **tags}
                if band and any(r in band for r in range(a, a + len(rendered))):
                    yield "".join([(band.get(r) or f'<row r="{r}">') + f"{cells}</row>" for r, cells in numbered
                                   if cells])
                else:
                    yield "".join([f'<row r="{r}">{cells}</row>' for r, cells in numbered if cells])
                continue
            # one join per band: the row tags and every column's cells, or the pieces of a column with a cell in
            # every row (nothing built twice)
            joined = [col for col in rendered if not isinstance(col, arrow_cells.Pieces)]
            n = len(joined[0]) if joined else len(rendered[0][1])  # Pieces: [pre, the row numbers, ...]
            args = [p for col in rendered for p in (col if isinstance(col, arrow_cells.Pieces) else [col])]
            close = '">'
            if high is not None and len(high):  # '" ht="45">' where the row's text wraps
                # whole points (15 or 17 a line, at most 409), written as the cell-by-cell bands write them
                text = pc.cast(pa.array(points.astype(np.int64)), pa.string())
                close = pc.if_else(pa.array(points > 0), pc.binary_join_element_wise('" ht="', text, '">', ""), '">')
            rows = pc.binary_join_element_wise('<row r="', arrow_cells.row_numbers(a, n), close, *args, "</row>", "",
                                               null_handling="replace", null_replacement="")
            width = np.zeros(n, dtype=np.int64)
            if len(joined) == len(rendered):  # else every row has a cell
                for col in joined:
                    width += pc.fill_null(pc.binary_length(col), 0).to_numpy(zero_copy_only=False)
            yield arrow_cells.concatenated(rows if len(joined) < len(rendered) or width.all()
                                           else rows.filter(pa.array(width > 0)))


def _points(columns: dict, styled: dict, widths: dict):
    """The height each row of a band needs: the most any of its wrapped text columns needs (0: one line; None: no
    such column).
    ``columns``: {column: values, or (Arrow array, rows, lo, hi, j)} as :meth:`Grid._band_columns` holds them."""
    out = None
    for c, key in styled.items():
        if not (key[2] and key[2][0]) or c not in columns:  # the style's alignment: (wrap, horizontal)
            continue
        vals = columns[c]
        if type(vals) is tuple:
            arr, v, lo, hi, j = vals
            vals = arr if arr is not None else v.columns(lo, hi, only=j)[0]
        got = wrapped_points(vals, widths.get(letters(c), DEFAULT_WIDTH))
        out = got if out is None else np.maximum(out, got)
    return out


_CELL_START = '<c r="'


def cell_columns(cells: str) -> list:
    """[(column letters, cell XML)] of a row's cells as :meth:`Grid.rows` renders them (text is escaped, so
    ``<c r="`` only ever starts a cell)."""
    out = []
    for piece in cells.split(_CELL_START)[1:]:
        k = 0
        while piece[k].isalpha():
            k += 1
        out.append((piece[:k], _CELL_START + piece))
    return out
