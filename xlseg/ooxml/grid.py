"""The cells a plan writes on one sheet, row by row, as worksheet XML with their cell formats.

Blocks (values) and Styles (formats over ranges) of a plan are merged here
once: rows are visited in bands over which the same blocks and styles apply,
and within a band each column is rendered in one tight loop (a 100,000-row
block costs one dictionary of column formats, not one per cell). A later
block wins over an earlier one at the same cell; a later style sets its parts
over an earlier one's (as the openpyxl adapter assigned them).
"""

from __future__ import annotations

import datetime as dt

from xlseg.ooxml.cells import render, serial
from xlseg.ooxml.styles import DATE_FORMAT, StyleBook, merge, style_key
from xlseg.ooxml.xml import bounds, letters, text
from xlseg.plan.write_plan import Formula

_RISKY = ("=", "+", "-", "@")
_EMPTY = (None, None, None, None)
BAND_ROWS = 20_000  # rows rendered at once


def width(rows) -> int:
    """Columns of a block's rows (held as columns: known without making a row)."""
    w = getattr(rows, "width", None)
    return w if w is not None else max((len(x) for x in rows), default=0)


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

    def _column(self, c: int, vals: list, first_row: int, key) -> list:
        """The ``<c>`` elements of one column for consecutive rows from ``first_row`` ('' for no cell)."""
        col = letters(c)
        plain = self._xf(key, 0)
        sp = f' s="{plain}"' if plain else ""
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

    def _bands(self):
        """Row ranges [a, b) over which the same blocks and styles apply, at most BAND_ROWS long (a band
        is rendered column by column in memory: a million-row band would hold every cell's XML at once)."""
        cuts = self.cuts
        for a, b in zip(cuts, cuts[1:]):
            for start in range(a, b, BAND_ROWS):
                yield start, min(start + BAND_ROWS, b)

    def rows(self):
        """(row number, [(column, cell XML), ...]) for every row with a cell, in order."""
        for a, b in self._bands():
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
                part = v[a - r0:b - r0]
                width = max((len(x) for x in part), default=0)
                for j in range(width):
                    columns[c0 + j] = [x[j] if j < len(x) else None for x in part]
            cols = sorted(set(styled) | set(columns))
            none = [None] * n
            rendered = [self._column(c, columns.get(c, none), a, styled.get(c, _EMPTY)) for c in cols]
            for i, cells in enumerate(zip(*rendered)):
                out = [(c, x) for c, x in zip(cols, cells) if x]
                if out:
                    yield a + i, out
