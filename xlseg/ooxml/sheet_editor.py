"""Edit an existing worksheet part as a stream: xlseg's cells go in, the user's cells stay byte for byte.

The cell grid (``<sheetData>``) is not parsed as a tree: rows are found with a
regular expression, a row xlseg does not write to is copied as it is, and
into a row it does write to xlseg's cells are inserted in column order (its
old cells removed first). Only the rest of the sheet (a few KB: dimension,
column widths, conditional formats, table parts) is edited as a tree. The part
is read as a stream, twice (:mod:`xlseg.ooxml.sheet_stream`), never held whole.
"""

from __future__ import annotations

import re

from xlseg.ooxml.grid import Grid
from xlseg.ooxml.row_merge import _merge_row, _new_row, _prefixed, _with_spans, cell_pattern
from xlseg.ooxml.rowscan import cell_col, row_numbers, row_spans
from xlseg.ooxml.sheet_stream import grid as grid_windows, outline
from xlseg.ooxml.sheet_writer import cond_xml
from xlseg.ooxml.styles import StyleBook
from xlseg.ooxml.xml import NS_R, bounds, col_index, letters, parse

ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
         "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
         "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks",
         "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
         "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
         "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
FLUSH = 10_000  # pieces written at once


class Edit:
    """What xlseg changes on one existing sheet."""

    def __init__(self, blocks=(), styles=(), *, clear=(), widths=None, cond_rules=(), drop_cf=None,
                 table_rids=()):
        self.blocks = list(blocks)
        self.styles = list(styles)
        self.clear = list(clear)  # (c1, r1, c2, r2): xlseg's old cells, removed
        self.widths = dict(widths or {})
        self.cond_rules = list(cond_rules)
        self.drop_cf = drop_cf  # (c1, c2): conditional formats wholly inside these columns are xlseg's old ones
        self.table_rids = list(table_rids)


def _elements(data: bytes, prefix: bytes, name: str):
    """Matches of top-level-looking ``<prefix:name ...>...</prefix:name>`` (or empty) elements."""
    p = re.escape(prefix) + name.encode()
    return list(re.finditer(rb"<" + p + rb"\b[^>]*?(?:/>|>.*?</" + p + rb">)", data, re.S))


def _insert_at(data: bytes, prefix: bytes, name: str) -> int:
    """Offset in ``data`` (the part after the cell grid) where a new ``name`` element goes (schema order)."""
    later = ORDER[ORDER.index(name) + 1:]
    best = None
    for m in re.finditer(rb"<" + re.escape(prefix) + rb"([A-Za-z]+)\b", data):
        if m.group(1).decode() in later:
            best = m.start()
            break
    if best is None:
        best = data.rfind(b"</")
    return best


def _cols(head: bytes, prefix: bytes, widths: dict) -> bytes:
    p = re.escape(prefix)
    m = re.search(rb"<" + p + rb"cols\b[^>]*?(?:/>|>.*?</" + p + rb"cols>)", head, re.S)
    ours = {col_index(k): w for k, w in widths.items()}
    items = []
    if m is not None:
        for cm in re.finditer(rb"<" + p + rb"col\b[^>]*?/>|<" + p + rb"col\b[^>]*?>.*?</" + p + rb"col>",
                              m.group(0), re.S):
            el = cm.group(0)
            lo = re.search(rb'\smin="(\d+)"', el)
            hi = re.search(rb'\smax="(\d+)"', el)
            if lo is None:
                continue
            lo_, hi_ = int(lo.group(1)), int(hi.group(1)) if hi else int(lo.group(1))
            start = lo_
            for c in range(lo_, hi_ + 2):
                if c > hi_ or c in ours:
                    if start <= c - 1:
                        piece = re.sub(rb'\smin="\d+"', f' min="{start}"'.encode(), el, count=1)
                        piece = re.sub(rb'\smax="\d+"', f' max="{c - 1}"'.encode(), piece, count=1)
                        items.append((start, piece))
                    start = c + 1
    pfx = prefix.decode()
    for c, w in ours.items():
        items.append((c, f'<{pfx}col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>'.encode()))
    new = f"<{pfx}cols>".encode() + b"".join(x for _c, x in sorted(items, key=lambda t: t[0])) + \
        f"</{pfx}cols>".encode()
    if m is not None:
        return head[:m.start()] + new + head[m.end():]
    return head + new  # <cols> comes right before <sheetData>


def _outline_edit(head: bytes, prefix: bytes, tail: bytes, edit: Edit, book: StyleBook, extent, label: str):
    """The sheet before and after its cells, edited in place byte by byte; returns (new head, new tail).

    Only the elements xlseg changes are touched (dimension, cols, xlseg's conditional formats, table
    parts); everything else (extLst, sparklines, protection ...) keeps its bytes.
    """
    parse(head + b"<" + prefix + b"sheetData/>" + tail, label)  # well-formed, or a clear refusal
    pfx = prefix.decode()
    p = re.escape(prefix)
    if extent is not None:
        m = re.search(rb"<" + p + rb'dimension\b[^>]*?\sref="([^"]*)"', head)
        if m is not None:
            c1, r1, c2, r2 = extent
            try:
                d1, e1, d2, e2 = bounds(m.group(1).decode())
                c1, r1, c2, r2 = min(c1, d1), min(r1, e1), max(c2, d2), max(r2, e2)
            except ValueError:
                pass
            head = head[:m.start(1)] + f"{letters(c1)}{r1}:{letters(c2)}{r2}".encode() + head[m.end(1):]
    if edit.widths:
        head = _cols(head, prefix, edit.widths)
    priority = max([int(x) for x in re.findall(rb'\spriority="(\d+)"', tail)] or [0])
    if edit.drop_cf is not None:
        a, b = edit.drop_cf
        for m in reversed(_elements(tail, prefix, "conditionalFormatting")):
            sq = re.search(rb'\ssqref="([^"]*)"', m.group(0))
            try:
                ranges = [bounds(r) for r in sq.group(1).decode().split()] if sq else []
            except ValueError:
                continue
            if ranges and all(a <= c1 and c2 <= b for c1, _r1, c2, _r2 in ranges):
                tail = tail[:m.start()] + tail[m.end():]
    if edit.cond_rules:
        frag = cond_xml(edit.cond_rules, book, priority + 1)
        if pfx:
            frag = re.sub(r"<(/?)(conditionalFormatting|cfRule|formula)\b", rf"<\1{pfx}\2", frag)
        found = _elements(tail, prefix, "conditionalFormatting")
        at = found[-1].end() if found else _insert_at(tail, prefix, "conditionalFormatting")
        tail = tail[:at] + frag.encode() + tail[at:]
    if edit.table_rids:
        tp = "".join(f'<{pfx}tablePart r:id="{rid}" xmlns:r="{NS_R}"/>' for rid in edit.table_rids).encode()
        found = _elements(tail, prefix, "tableParts")
        if found:
            m = found[0]
            inner = m.group(0)
            n = len(re.findall(rb"<" + p + rb"tablePart\b", inner)) + len(edit.table_rids)
            close = f"</{pfx}tableParts>".encode()
            body = inner[:-len(close)] if inner.endswith(close) else inner[:-2] + b">"
            body = re.sub(rb'\scount="\d+"', f' count="{n}"'.encode(), body, count=1)
            tail = tail[:m.start()] + body + tp + close + tail[m.end():]
        else:
            at = _insert_at(tail, prefix, "tableParts")
            tail = tail[:at] + f'<{pfx}tableParts count="{len(edit.table_rids)}">'.encode() + tp + \
                f"</{pfx}tableParts>".encode() + tail[at:]
    return head, tail


def edit_sheet(source, edit: Edit, book: StyleBook, out, *, date1904: bool = False, label: str = "") -> bool:
    """Write the edited sheet to the binary file ``out``; True when xlseg's cells hold formulas.

    ``source``: a function giving the part afresh as a stream of inflated chunks (``lambda: pkg.chunks(part)``),
    or the part's bytes. It is read twice (:mod:`xlseg.ooxml.sheet_stream`): once for what lies around the
    cell grid, once for the grid, a window at a time, so a full sheet's part (~470 MB) is never held (issue 12).
    """
    if isinstance(source, (bytes, bytearray)):
        data = source
        source = lambda: (data,)  # noqa: E731
    grid = Grid(edit.blocks, edit.styles, book, date1904=date1904)
    extent = grid.extent
    line = outline(source(), label, None if edit.clear else (extent[0] if extent else 1))
    new_head, new_tail = _outline_edit(line.head, line.prefix, line.tail, edit, book, extent, label)
    pfx = line.prefix.decode()
    open_tag, close_tag = f"<{pfx}sheetData>".encode(), f"</{pfx}sheetData>".encode()
    out.write(new_head + open_tag)
    _stream_rows(grid_windows(source(), line), line, grid, edit.clear, out, label)
    out.write(close_tag + new_tail)
    return grid.formulas


def _stream_rows(windows, line, grid: Grid, clear: list, out, label: str = "") -> None:
    """The grid's rows, given as consecutive ``windows`` of its bytes, written to ``out`` with xlseg's cells.

    The output does not depend on where the windows are cut: a row that does not end in its window is
    carried into the next one, and the choice of the regular pass is made on the whole grid (``line``)."""
    prefix = line.prefix
    if not clear and line.regular:
        return _stream_regular(windows, prefix, grid, out, appendable=line.appendable, numbers=line.numbers)
    pfx = prefix.decode()
    cells_re = cell_pattern(prefix)
    cell_open = b"<" + prefix + b"c "
    row_close = b"</" + prefix + b"row>"
    ours = grid.rows()
    nxt = next(ours, None)
    floor = grid.extent[0] if grid.extent else 1
    pieces = []
    last = 0
    carry = b""

    def flush():
        out.write(b"".join(pieces))
        pieces.clear()

    windows = iter(windows)
    w = next(windows, None)
    while w is not None:
        body = carry + w if carry else w
        w = next(windows, None)
        carry = b""
        pos = 0
        for start, open_end, end, r in row_spans(body, prefix, label, last, more=w is not None):
            if r is None:  # the row goes on in the next window
                carry = body[start:]
                body = body[:start]
                break
            last = r
            if nxt is not None and nxt[0] < r:
                pieces.append(body[pos:start])
                pos = start
                while nxt is not None and nxt[0] < r:  # a stray cell a million rows down: as many new rows
                    pieces.append(_new_row(*nxt, pfx))
                    nxt = next(ours, None)
                    if len(pieces) >= FLUSH:
                        flush()
            hit_clear = [c for c in clear if c[1] <= r <= c[3]] if clear else None
            mine = nxt[1] if nxt is not None and nxt[0] == r else None
            if mine is None and not hit_clear:
                continue
            pieces.append(body[pos:start])
            pos = end
            if mine is not None:
                nxt = next(ours, None)
            pieces.append(_merge_row(body[start:end], open_end - start, mine, hit_clear or (), prefix, pfx,
                                     cells_re, cell_open, row_close, floor))
            if len(pieces) >= FLUSH:
                flush()
        pieces.append(body[pos:])
    while nxt is not None:  # rows below the user's last row (flushed as above: they may be a million)
        pieces.append(_new_row(*nxt, pfx))
        nxt = next(ours, None)
        if len(pieces) >= FLUSH:
            flush()
    flush()


def _split_rows(windows, prefix: bytes, end: list, numbers=None):
    """(row number, piece) of every row of a regular grid given as consecutive ``windows``: the grid split at
    each ``</row>`` (piece i is row i without its end tag), as :func:`xlseg.ooxml.rowscan.regular_rows` splits
    the whole grid; what follows the last row is put in ``end``. A piece cut by a window's end is joined.
    ``numbers``: the grid's row numbers in order, as the first pass found them (else each window is searched)."""
    numbers_re = row_numbers(prefix)
    close = b"</" + prefix + b"row>"
    nums: list = []
    parts: list = []
    carry = b""
    taken = 0
    for w in windows:
        ps = w.split(close)
        if carry:
            ps[0] = carry + ps[0]
        carry = ps.pop()
        if numbers is not None:  # the i-th number goes with the i-th piece, as below
            yield from zip(numbers[taken:taken + len(ps)], ps)
            taken += len(ps)
            continue
        nums += numbers_re.findall(w)
        parts += ps
        k = min(len(nums), len(parts))
        if k == len(nums) == len(parts):
            yield from zip(nums, parts)
            nums, parts = [], []
        elif k:
            yield from zip(nums[:k], parts[:k])
            del nums[:k], parts[:k]
    end.append(carry)


def _stream_regular(windows, prefix: bytes, grid: Grid, out, *, appendable: bool, numbers=None) -> None:
    """:func:`_stream_rows` for a grid of regular rows (:func:`xlseg.ooxml.rowscan.regular_rows`) and nothing
    to clear (a first run): one pass over the split rows, xlseg's cells appended where the user's row ends left
    of them, the general merge otherwise. ``appendable``: no cell of the grid is at or right of xlseg's first
    column (one search found none), so every row is appended to without looking at its cells."""
    pfx = prefix.decode()
    tag = b"<" + prefix + b"row"
    cell_open = b"<" + prefix + b"c "
    row_close = b"</" + prefix + b"row>"
    cells_re = cell_pattern(prefix)
    floor = grid.extent[0] if grid.extent else 1
    ours = grid.rows()
    nxt = next(ours, None)
    pieces = []
    append = pieces.append
    end: list = []
    for number, piece in _split_rows(windows, prefix, end, numbers):
        r = int(number)
        while nxt is not None and nxt[0] < r:  # new rows between the user's
            append(_new_row(*nxt, pfx))
            nxt = next(ours, None)
        if nxt is None or nxt[0] != r:
            append(piece)
            append(row_close)
        else:
            mine = nxt[1]
            nxt = next(ours, None)
            last = -1 if appendable else piece.rfind(cell_open)
            c = cell_col(piece, last) if last >= 0 else 0
            if c is not None and c < floor:
                gt = piece.find(b">") + 1
                append(piece if piece.find(b"spans=", 0, gt) < 0 else _with_spans(piece, tag, mine))
                append(_prefixed(mine, pfx).encode())
                append(row_close)
            else:
                i = piece.find(tag)
                gt = piece.find(b">", i) + 1
                append(piece[:i])
                append(_merge_row(piece[i:] + row_close, gt - i, mine, (), prefix, pfx, cells_re, cell_open,
                                  row_close, floor))
        if len(pieces) >= FLUSH:
            out.write(b"".join(pieces))
            pieces.clear()
    append(end[0])  # what follows the last row
    while nxt is not None:  # rows below the user's last row
        append(_new_row(*nxt, pfx))
        nxt = next(ours, None)
        if len(pieces) >= FLUSH:
            out.write(b"".join(pieces))
            pieces.clear()
    out.write(b"".join(pieces))
