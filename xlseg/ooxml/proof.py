"""The proof after writing: every part xlseg does not own is byte-identical, and the user's cells are unchanged.

Copied parts are compared as their compressed bytes (and CRC); on a sheet
xlseg edited cell by cell, every cell outside xlseg's ranges must be there,
byte for byte, in the same row. Any difference is a refusal (it should never
happen: the editor copies by construction).
"""

from __future__ import annotations

import re

from xlseg.ooxml.package import Package
from xlseg.ooxml import rowscan
from xlseg.ooxml.rowscan import cell_col, grid_windows, regular_rows, row_spans
from xlseg.ooxml.sheet_editor import _CELL_R, cell_pattern
from xlseg.ooxml.xml import col_index, letters

MAX_REPORTED = 10


def prove(src: Package, dst_path, written) -> list:
    """Lines describing every difference outside what xlseg owns (empty: proven)."""
    problems = []
    with Package(dst_path, name=str(dst_path)) as out:
        for name in src.names():
            if name in written.owned:
                continue
            if name not in out:
                problems.append(f"part '{name}' would be missing")
                continue
            a, b = src.infos[name], out.infos[name]
            if a.CRC != b.CRC or a.file_size != b.file_size or src.raw(name)[1] != out.raw(name)[1]:
                problems.append(f"part '{name}' would change")
        for part, (title, rects) in written.edited.items():
            problems += _cells_kept(src.chunks(part), out.chunks(part), rects, title)
    return problems[:MAX_REPORTED]


def _rows(chunks, label: str):
    """(prefix, iterator of (row number, the row's inner bytes)) of a sheet part read as a stream of inflated
    ``chunks``, in order, a window of rows at a time (a million-row sheet is never held whole)."""
    prefix, windows = grid_windows(chunks, label)
    close = len(b"</" + prefix + b"row>")
    tag = b"<" + prefix + b"row"

    def rows():
        last = 0
        for body in windows:
            regular = regular_rows(body, prefix)
            if regular is None:
                for start, open_end, end, r in row_spans(body, prefix, label, last):
                    last = r
                    yield r, b"" if open_end == end else body[open_end:end - close]
                continue
            numbers, parts = regular
            for r, piece in zip(numbers, parts):
                last = int(r)
                yield last, piece[piece.find(b">", piece.find(tag)) + 1:]
    return prefix, rows()


def _cells(inner: bytes, cells_re):
    col = 0
    for cm in cells_re.finditer(inner):
        cell = cm.group(0)
        m = _CELL_R.search(cell, 0, cell.find(b">"))
        col = col_index(m.group(1).decode()) if m else col + 1
        yield col, cell


def _union(spans: list) -> list:
    out = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _cells_kept(before, after, rects: list, title: str) -> list:
    """Differences in the user's cells between two streams of a sheet part's inflated bytes."""
    prefix, a_rows = _rows(before, title)
    _p, b_rows = _rows(after, title)
    cells_re = cell_pattern(prefix)
    cell_open = b"<" + prefix + b"c "
    problems = []
    several = len(rects) != 1
    appended: list = []  # with one rectangle: what follows the user's cells in each row
    size = 0
    if not several:
        c1_, r1_, c2_, r2_ = rects[0]
        span = [(c1_, c2_)]
    b_r, out = next(b_rows, (None, None))
    for r, inner in a_rows:
        while b_r is not None and b_r < r:  # rows xlseg added
            b_r, out = next(b_rows, (None, None))
        if b_r != r:
            problems.append(f"sheet '{title}': row {r} would be missing")
            if len(problems) >= MAX_REPORTED:
                break
            continue
        ours = [(c1, c2) for c1, r1, c2, r2 in rects if r1 <= r <= r2] if several else \
            (span if r1_ <= r <= r2_ else [])
        if not ours:
            if out != inner:
                problems.append(f"sheet '{title}': row {r} would change")
        elif not several and out.startswith(inner) and out.startswith(cell_open, len(inner)):
            appended.append(out[len(inner):])  # checked a window at a time
            size += len(out) - len(inner)
            if size >= rowscan.WINDOW:
                if not _only_cells_in(b"".join(appended), prefix, span[0]):
                    problems.append(f"sheet '{title}': cells outside xlseg's columns would change")
                    appended = []
                    break
                appended, size = [], 0
        elif not _appended_only(inner, out, ours, cell_open):
            keep_a = [x for c, x in _cells(inner, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
            keep_b = [x for c, x in _cells(out, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
            if keep_a != keep_b:
                problems.append(f"sheet '{title}': cells of row {r} would change")
        if len(problems) >= MAX_REPORTED:
            break
    if appended and not _only_cells_in(b"".join(appended), prefix, span[0]):
        problems.append(f"sheet '{title}': cells outside xlseg's columns would change")
    return problems[:MAX_REPORTED]


def _only_cells_in(data: bytes, prefix: bytes, span: tuple) -> bool:
    """``data`` (cells xlseg appended to rows) holds cells in columns span[0]..span[1] only: everything that
    starts with ``<c`` is a cell with an ``r``, and the set of their column letters is within the span."""
    cols = re.findall(rb"<" + re.escape(prefix) + rb'c r="([A-Za-z]+)[0-9]', data)
    if data.count(b"<" + prefix + b"c") != len(cols):
        return False  # a cell without r first, or something else starting with <c
    return set(cols) <= {letters(c).encode() for c in range(span[0], min(span[1], 16384) + 1)}


def _appended_only(inner: bytes, out: bytes, ours: list, cell_open: bytes) -> bool:
    """The row is the user's bytes followed only by cells inside xlseg's columns (cells are in column order, so
    checking the first and the last appended cell checks them all)."""
    if not out.startswith(inner):
        return False
    if len(out) == len(inner):
        return True
    spans = _union(ours)
    n = len(inner)
    if len(spans) != 1 or not out.startswith(cell_open, n):
        return False
    first = cell_col(out, n)
    last = cell_col(out, out.rfind(cell_open, n))
    return bool(first and last and spans[0][0] <= first and last <= spans[0][1])
