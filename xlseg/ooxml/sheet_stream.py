"""A worksheet part read as a stream of inflated chunks, twice, for the sheet editor (issue 12: a full sheet's
part is ~470 MB, never held whole).

The first pass (:func:`outline`) keeps only what lies around the cell grid: the head (before ``<sheetData>``)
and the tail (after the *last* ``</sheetData>``), where the grid starts and ends, and what the editor decides
on the whole grid (its rows are all regular; no cell is at or right of xlseg's first column). The second pass
(:func:`grid`) yields the grid itself, a window of :data:`xlseg.ooxml.rowscan.WINDOW` bytes at a time.
:func:`grid_windows` gives the proof the same grid in one pass, in windows that end after a ``</row>``.

Every window but the last ends right after a ``>`` (after a ``</row>`` when it holds one). None of the
patterns searched for (``<row``, ``</row>``, ``</sheetData>``, a cell reference) holds a ``>`` anywhere but
at its end, so none of them can straddle two windows: counts and searches per window add up to the same as
over the whole grid.
"""

from __future__ import annotations

import re
from array import array

from xlseg.errors import WorkbookError
from xlseg.ooxml import rowscan
from xlseg.ooxml.rowscan import SHEET_DATA, columns_from, no_grid


class Outline:
    """What the first pass keeps: ``head``, ``prefix``, ``tail``, the grid's ``start`` and ``end`` (offsets in
    the part) and, when asked for, ``regular`` and ``appendable`` (as :func:`rowscan.regular_rows` and
    ``not rowscan.cells_from`` would find them on the whole grid)."""

    def __init__(self, head: bytes, prefix: bytes, tail: bytes, start: int, end: int, regular=None,
                 appendable=None):
        self.head, self.prefix, self.tail = head, prefix, tail
        self.start, self.end = start, end
        self.regular, self.appendable = regular, appendable
        self.numbers = None  # a regular grid's row numbers in order (an array), when the first pass kept them


def _cut(data: bytes, close: bytes) -> int:
    """Where a window may end: after its last ``</row>``, else after its last ``>``; 0: not in ``data``."""
    k = data.rfind(close)
    return k + len(close) if k >= 0 else data.rfind(b">") + 1


def windows(chunks, close: bytes, start: int = 0, end: int | None = None, window: int | None = None):
    """The bytes ``start:end`` of a stream of ``chunks`` (``end`` None: to the stream's end) as consecutive windows
    of about ``window`` bytes (default :data:`rowscan.WINDOW`), each but the last ending after a ``>``
    (:func:`_cut`, ``close`` being the row's end tag). A window with no ``>`` reads on (twice as far each time)."""
    window = window or rowscan.WINDOW
    pos, pending, size, want = 0, [], 0, window
    try:
        for chunk in chunks:
            a = max(start - pos, 0)
            b = len(chunk) if end is None else min(end - pos, len(chunk))
            pos += len(chunk)
            if a < b:
                piece = chunk if a == 0 and b == len(chunk) else chunk[a:b]
                pending.append(piece)
                size += len(piece)
                if size >= want:
                    k = _cut(piece, close)  # in the newest piece: one copy of the window, not two
                    if k > 0:
                        pending[-1] = piece[:k]
                        yield b"".join(pending)
                        data = piece[k:]
                        want = window
                    else:
                        data = b"".join(pending)
                        k = _cut(data, close)
                        if k > 0:
                            yield data[:k]
                            data = data[k:]
                            want = window
                        else:
                            want = 2 * size
                    pending, size = [data], len(data)
            if end is not None and pos >= end:
                break
        data = b"".join(pending)
        if data:
            yield data
    finally:
        if hasattr(chunks, "close"):
            chunks.close()


def outline(chunks, label: str, floor: int | None = None) -> Outline:
    """The first pass over a sheet part's ``chunks``: its :class:`Outline`, with the same refusals as a split of
    the whole part (no grid; a grid that does not end). ``floor``: xlseg's first column on the sheet, when the
    grid's rows are to be looked at (a first run: ``regular`` and ``appendable`` are set); None skips that."""
    it = iter(chunks)
    m, buf = _grid_start(it, chunks, label)
    head, prefix, start = bytes(buf[:m.start()]), bytes(m.group(1)), m.end()
    rest = bytes(buf[start:])
    del buf
    if m.group(2):  # <sheetData/>
        tail = rest + b"".join(it)
        _close(chunks)
        return Outline(head, prefix, tail, start, start, True, True)
    end_grid = b"</" + prefix + b"sheetData>"
    tag, close = b"<" + prefix + b"row", b"</" + prefix + b"row>"
    looking = floor is not None
    odd = re.compile(re.escape(tag) + rb'(?! r="\d+")')  # a row whose r is not first (regular_rows' b"")
    numbers_re = rowscan.row_numbers(prefix)
    numbers = array("q") if looking else None  # every <row r="N">'s N, for the second pass (None: not kept)
    wide = re.compile(rb'r="' + columns_from(floor).encode() + rb"[0-9]") if looking else None  # cells_from
    opens = closes = 0
    first_odd = first_wide = last = None
    after: list = []
    pos = start
    for w in windows(_chained(rest, it, chunks), close):
        if looking:
            found = numbers_re.findall(w)  # b"" for a row whose r is not first
            opens += len(found)
            closes += w.count(close)
            if b"" in found:
                if first_odd is None:
                    first_odd = pos + odd.search(w).start()
                numbers = None
            elif numbers is not None:
                try:
                    numbers.extend(map(int, found))
                except OverflowError:  # a row number no sheet has: the second pass reads them itself
                    numbers = None
            if first_wide is None and (f := wide.search(w)) is not None:
                first_wide = pos + f.start()
        k = w.rfind(end_grid)
        if k >= 0:
            last, after = pos + k, [w[k + len(end_grid):]]
        elif last is not None:
            after.append(w)
        pos += len(w)
    if last is None:
        raise WorkbookError(f"The sheet part '{label}' is not well-formed XML (its cell grid does not end). Open "
                            "the file in Excel, save it again and retry; nothing was written.")
    tail = b"".join(after)
    out = Outline(head, prefix, tail, start, last)
    if looking:  # what was counted after the grid's end is in the tail (the end tag holds neither pattern)
        in_tail = len(numbers_re.findall(tail))
        opens -= in_tail
        closes -= tail.count(close)
        out.regular = opens == closes and (first_odd is None or first_odd >= last)
        out.appendable = first_wide is None or first_wide >= last
        if out.regular and numbers is not None:
            out.numbers = numbers[:len(numbers) - in_tail]
    return out


def _chained(first: bytes, it, chunks):
    if first:
        yield first
    yield from it


def _grid_start(it, chunks, label: str):
    """(the ``<sheetData>`` match, the bytes read) once ``it``'s chunks hold that tag whole; a part without it
    is refused (``no_grid``) after its ``chunks`` are closed."""
    buf = bytearray()
    m = None
    while m is None:
        lo = buf.rfind(b">") + 1  # a <sheetData> tag not whole yet starts after the last '>'
        more = next(it, None)
        if more is None:
            _close(chunks)
            no_grid(label)
        buf += more
        m = SHEET_DATA.search(buf, lo)
    return m, buf


def _close(chunks) -> None:
    if hasattr(chunks, "close"):
        chunks.close()


def grid(chunks, line: Outline):
    """The second pass: the cell grid (``line.start:line.end`` of the part) as :func:`windows`."""
    if line.end <= line.start:
        _close(chunks)
        return iter(())
    return windows(chunks, b"</" + line.prefix + b"row>", line.start, line.end)


def grid_windows(chunks, label: str, window: int | None = None):
    """(prefix, windows) of a sheet part read as a stream of inflated ``chunks``, for the proof: ``windows``
    yields the cell grid - from ``<sheetData>`` to the part's *last* ``</sheetData>``, as :func:`outline` finds
    it for the editor - as consecutive pieces of about ``window`` bytes that each end after a ``</row>`` (the
    last one where the grid ends), so a million-row sheet is never held whole. What follows a ``</sheetData>``
    is held until the part ends or another one comes; a grid without any ``</row>`` is read on, not joined
    again per chunk."""
    it = iter(chunks)
    m, buf = _grid_start(it, chunks, label)
    prefix, rest = bytes(m.group(1)), bytes(buf[m.end():])
    del buf
    if m.group(2):
        return prefix, iter(())
    end_grid = b"</" + prefix + b"sheetData>"
    close = b"</" + prefix + b"row>"

    def rows():
        held: list = []  # grid bytes after the last </row> yielded
        after = None  # from the last </sheetData> seen on: the part's end, unless another one follows
        for w in windows(_chained(rest, it, None), close, window=window):
            k = w.rfind(end_grid)  # whole in one window: it holds a '>' only at its end
            if k >= 0:
                grid, after = (after or []) + [w[:k]], [w[k:]]
            elif after is not None:
                after.append(w)
                continue
            else:
                grid = [w]
            for g in grid:
                cut = g.rfind(close)
                if cut < 0:
                    held.append(g)
                    continue
                cut += len(close)
                yield b"".join(held + [g[:cut]])
                held = [g[cut:]] if cut < len(g) else []
        if after is None:
            rowscan._broken(label)
        last = b"".join(held)
        if last:
            yield last

    return prefix, rows()
