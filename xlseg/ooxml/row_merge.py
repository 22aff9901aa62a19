"""The rows of a worksheet's grid as the sheet editor writes them: xlseg's cells put into a user's row, byte for
byte around them (:func:`_merge_row`), a row of xlseg's cells only (:func:`_new_row`), a row's ``spans`` widened.
"""

from __future__ import annotations

import re

from xlseg.ooxml.grid import cell_columns
from xlseg.ooxml.rowscan import cell_col
from xlseg.ooxml.xml import col_index

_SPANS = re.compile(rb'\sspans="(\d+):(\d+)"')
_CELL_R = re.compile(rb'\sr="([A-Za-z]{1,3})(\d+)"')
_TAGS = re.compile(r"<(/?)(c|v|is|t|f|row)\b")


def cell_pattern(prefix: bytes):
    p = re.escape(prefix)
    return re.compile(rb"<" + p + rb"c\b[^>]*?(?:/>|>.*?</" + p + rb"c>)", re.S)


def _new_row(r: int, cells: str, pfx: str) -> bytes:
    """A row of xlseg's cells only (a row the user's sheet does not have)."""
    return _prefixed(f'<row r="{r}">{cells}</row>', pfx).encode()


def _prefixed(s: str, pfx: str) -> str:
    return _TAGS.sub(lambda m: f"<{m.group(1)}{pfx}{m.group(2)}", s) if pfx else s


def _with_spans(piece: bytes, tag: bytes, mine: str) -> bytes:
    i = piece.find(tag)
    gt = piece.find(b">", i) + 1
    return piece[:i] + _spans(piece[i:gt], mine) + piece[gt:]


def _letters(cells: str, at: int) -> str:
    """The column letters of the cell whose ``<c r="`` starts at ``at`` in xlseg's rendered ``cells``."""
    k = at + 6
    j = k
    while cells[j].isalpha():
        j += 1
    return cells[k:j]


def _merge_row(row: bytes, open_end: int, mine: str | None, clear, prefix: bytes, pfx: str, cells_re, cell_open,
               row_close, floor: int) -> bytes:
    """The user's row with xlseg's cells ``mine`` put in; ``floor`` is the leftmost column xlseg writes on the
    sheet (a row whose last cell is left of it only gets xlseg's cells appended)."""
    self_closing = open_end == len(row) and row.endswith(b"/>")
    tag_open = row[:open_end]
    if self_closing:
        tag_open = tag_open[:-2].rstrip() + b">"
        inner = b""
    else:
        inner = row[open_end:len(row) - len(row_close)]
    if mine:
        if not clear:
            last = inner.rfind(cell_open)
            c = cell_col(inner, last) if last >= 0 else None
            if last < 0 or (c is not None and (c < floor or c < col_index(_letters(mine, 0)))):
                return _spans(tag_open, mine) + inner + _prefixed(mine, pfx).encode() + row_close
        ours = [(col_index(c), x) for c, x in cell_columns(mine)]
        spans = _spans(tag_open, mine)
    else:
        spans, ours = tag_open, []
    our_cols = {c for c, _x in ours}
    kept = []
    col = 0
    for cm in cells_re.finditer(inner):
        cell = cm.group(0)
        m = _CELL_R.search(cell, 0, cell.find(b">"))
        col = col_index(m.group(1).decode()) if m else col + 1
        if col in our_cols or any(c1 <= col <= c2 for c1, _r1, c2, _r2 in clear):
            continue
        kept.append((col, cell))
    merged = sorted(kept + [(c, _prefixed(x, pfx).encode()) for c, x in ours], key=lambda t: t[0])
    # anything between cells that is not a cell (an extLst inside a row) stays at the end
    rest = cells_re.sub(b"", inner)
    return spans + b"".join(x for _c, x in merged) + rest + row_close


def _spans(tag_open: bytes, mine: str) -> bytes:
    """The row's ``spans`` (when it has one) widened to xlseg's first and last cell in ``mine``."""
    if b"spans=" not in tag_open:
        return tag_open
    m = _SPANS.search(tag_open)
    if m is None:
        return tag_open
    lo = min(int(m.group(1)), col_index(_letters(mine, 0)))
    hi = max(int(m.group(2)), col_index(_letters(mine, mine.rfind('<c r="'))))
    return tag_open[:m.start()] + f' spans="{lo}:{hi}"'.encode() + tag_open[m.end():]
