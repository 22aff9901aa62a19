"""The proof after writing: every part xlseg does not own is byte-identical, and the user's cells are unchanged.

Copied parts are compared as their compressed bytes (and CRC); on a sheet
xlseg edited cell by cell, every cell outside xlseg's ranges must be there,
byte for byte, in the same row. Any difference is a refusal (it should never
happen: the editor copies by construction).
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import repeat

import numpy as np

from xlseg.ooxml.package import Package
from xlseg.read.prefetch import ahead
from xlseg.ooxml import rowscan
from xlseg.ooxml.rowscan import cell_col, regular_rows, row_spans
from xlseg.ooxml.row_merge import _CELL_R, cell_pattern
from xlseg.ooxml.sheet_stream import grid_windows
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
            # each version inflated by a thread of its own (zlib lets go of the GIL) while this one compares
            problems += _cells_kept(ahead(src.chunks(part)), ahead(out.chunks(part)), rects, title)
    return problems[:MAX_REPORTED]


def _windows(chunks, label: str):
    """(prefix, iterator of (row numbers, the rows)) of a sheet part read as a stream of inflated ``chunks``, a
    window of rows at a time, in order (a million-row sheet is never held whole). A row is its bytes up to its
    end tag (what precedes its start tag may come first): :func:`_inner` gives its cells."""
    prefix, windows = grid_windows(chunks, label)

    def gen():
        last = 0
        for body in windows:
            regular = regular_rows(body, prefix)
            if regular is None:
                nums, rows = _walked(body, prefix, label, last)
            else:
                numbers, rows = regular
                nums = list(map(int, numbers))
            if nums:
                last = nums[-1]
                yield nums, rows
    return prefix, gen()


def _walked(body: bytes, prefix: bytes, label: str, last: int) -> tuple[list, list]:
    """(row numbers, rows) of a window that is not regular, by :func:`row_spans` (``last``: the number of the
    row before the window); a row is its bytes up to its end tag, as :func:`_windows` gives them."""
    close = len(b"</" + prefix + b"row>")
    nums, rows = [], []
    for start, open_end, end, r in row_spans(body, prefix, label, last):
        nums.append(r)
        rows.append(body[start:end] if open_end == end else body[start:end - close])
    return nums, rows


def _inner(row: bytes, tag: bytes) -> bytes:
    """The cells of a row given as :func:`_windows` does ('' for ``<row .../>``)."""
    gt = row.find(b">", row.find(tag)) + 1
    return b"" if row[gt - 2:gt] == b"/>" else row[gt:]


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


class _Output:
    """The output's rows not yet passed (``rows[k:]``), read a window at a time.

    While the user's rows come back in order (the first run's append), the output's windows are only split at
    ``</row>`` and the pieces paired with the user's rows by position (:meth:`pieces`): a piece that starts with
    the user's row - whose tag holds its number - is that row. ``nums`` is None then; :meth:`fill` reads the
    numbers as :func:`_windows` does (the pieces held joined again) for the walk by number, which passes over
    rows xlseg added. ``general``: a window was not regular, its rows are not pieces: numbers only from then on.
    """

    def __init__(self, windows, prefix: bytes, label: str):
        self.windows, self.prefix, self.label = windows, prefix, label
        self.close = b"</" + prefix + b"row>"
        self.rows: list = []
        self.nums: list | None = []
        self.k = 0
        self.rest = b""  # what follows the last </row> read (empty but where the grid ends)
        self.last = 0  # the number of the row before rows[k] (a row without r is the one after it)
        self.general = False

    def pieces(self, n: int) -> list | None:
        """The next ``n`` rows as pieces of the output split at ``</row>``; None when there are fewer."""
        if self.general:
            return None
        while len(self.rows) - self.k < n:
            w = next(self.windows, None)
            if w is None:
                return None
            ps = (self.rest + w).split(self.close)
            self.rest = ps.pop()
            self.rows, self.k, self.nums = self.rows[self.k:] + ps, 0, None
        return self.rows[self.k:self.k + n]

    def passed(self, k: int) -> None:
        """Rows up to ``k`` (excluded) are passed."""
        if 0 < k <= len(self.nums or ()):
            self.last = self.nums[k - 1]
        self.k = k

    def _add(self, body: bytes) -> None:
        regular = regular_rows(body, self.prefix)
        if regular is None:
            self.general = True
            nums, rows = _walked(body, self.prefix, self.label, self.nums[-1] if self.nums else self.last)
            self.nums += nums
            self.rows += rows
        else:
            numbers, parts = regular
            self.nums += map(int, numbers)
            self.rows += parts

    def fill(self, r: int) -> None:
        """Number the rows held, then read windows until row ``r`` (or the end) is in ``nums``."""
        if self.nums is None:  # the pieces held, as the bytes they were split from
            body = b"".join([x + self.close for x in self.rows[self.k:]] + [self.rest])
            self.rows, self.nums, self.k, self.rest = [], [], 0, b""
            self._add(body)
        while not self.nums[self.k:] or self.nums[-1] < r:
            w = next(self.windows, None)
            if w is None:
                return
            self.rows, self.nums, self.k = self.rows[self.k:], self.nums[self.k:], 0
            self._add(self.rest + w)
            self.rest = b""


def _cells_kept(before, after, rects: list, title: str) -> list:
    """Differences in the user's cells between two streams of a sheet part's inflated bytes.

    Rows are compared a window at a time. Where every row of a window is in xlseg's one rectangle and the
    output has each of them with the user's bytes first (the first run's append), the window is checked in
    bulk: the output's next rows by position, else the rows of the same numbers; anything else goes row by row,
    cell by cell where needed. What xlseg appended to rows is checked a window at a time (:func:`_only_cells_in`).
    """
    prefix, a_windows = _windows(before, title)
    b_prefix, b_windows = grid_windows(after, title)
    dst = _Output(b_windows, b_prefix, title)
    cells_re = cell_pattern(prefix)
    cell_open = b"<" + prefix + b"c "
    tag = b"<" + prefix + b"row"
    problems: list = []
    several = len(rects) != 1
    appended: list = []  # with one rectangle: what follows the user's cells in each row, checked a window at a time
    size = 0
    if not several:
        c1_, r1_, c2_, r2_ = rects[0]
        span = [(c1_, c2_)]

    def flush() -> bool:
        nonlocal appended, size
        ok = _only_cells_in(b"".join(appended), prefix, span[0])
        appended, size = [], 0
        if not ok:
            problems.append(f"sheet '{title}': cells outside xlseg's columns would change")
        return ok

    for nums, rows in a_windows:
        inside = not several and r1_ <= min(nums) and max(nums) <= r2_
        if inside:  # the output's next rows, by position: each starts with the user's row (its tag: the same r)
            outs = dst.pieces(len(rows))
            if outs is not None and all(map(bytes.startswith, outs, rows)):
                tails = list(map(bytes.removeprefix, outs, rows))
                if sum(map(bytes.startswith, tails, repeat(cell_open))) == len(tails) - tails.count(b""):
                    appended += tails
                    size += sum(map(len, tails))
                    dst.k += len(rows)
                    dst.last = nums[-1]
                    if size >= rowscan.WINDOW and not flush():
                        break
                    continue
        dst.fill(nums[-1])
        b_nums, b_rows, k = dst.nums, dst.rows, dst.k
        if inside and k < len(b_nums):  # the rows of the same numbers (rows xlseg added are passed over)
            here = np.asarray(b_nums[k:])
            at = np.searchsorted(here, nums)
            if (at < len(here)).all() and (here[np.minimum(at, len(here) - 1)] == nums).all():
                outs = [b_rows[k + j] for j in at.tolist()]
                if all(map(bytes.startswith, outs, rows)):  # the row's tag too: unchanged (no spans to widen)
                    tails = [o[len(i):] for o, i in zip(outs, rows)]
                    if all(t.startswith(cell_open) for t in tails if t):
                        appended += tails
                        size += sum(map(len, tails))
                        dst.passed(k + int(at[-1]) + 1)
                        if size >= rowscan.WINDOW and not flush():
                            break
                        continue
        for r, row in zip(nums, rows):  # row by row
            inner = _inner(row, tag)
            while k < len(b_nums) and b_nums[k] < r:  # rows xlseg added
                k += 1
            if k >= len(b_nums) or b_nums[k] != r:
                problems.append(f"sheet '{title}': row {r} would be missing")
                if len(problems) >= MAX_REPORTED:
                    break
                continue
            out = _inner(b_rows[k], tag)
            ours = [(c1, c2) for c1, r1, c2, r2 in rects if r1 <= r <= r2] if several else \
                (span if r1_ <= r <= r2_ else [])
            if not ours:
                if out != inner:
                    problems.append(f"sheet '{title}': row {r} would change")
            elif not several and out.startswith(inner) and out.startswith(cell_open, len(inner)):
                appended.append(out[len(inner):])
                size += len(out) - len(inner)
            elif not _appended_only(inner, out, ours, cell_open):
                keep_a = [x for c, x in _cells(inner, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
                keep_b = [x for c, x in _cells(out, cells_re) if not any(c1 <= c <= c2 for c1, c2 in ours)]
                if keep_a != keep_b:
                    problems.append(f"sheet '{title}': cells of row {r} would change")
            if len(problems) >= MAX_REPORTED:
                break
        dst.passed(k)  # the row last found stays: the next window's walk by number may find it again
        if len(problems) >= MAX_REPORTED or (size >= rowscan.WINDOW and not flush()):
            break
    if appended and len(problems) < MAX_REPORTED:
        flush()
    return problems[:MAX_REPORTED]


@lru_cache(maxsize=8)
def _outside(prefix: bytes, c1: int, c2: int):
    """A pattern finding a ``<c`` in ``prefix``'s namespace that is not a cell whose ``r`` is in columns c1..c2 (as
    ``letters`` writes them: upper case, then a digit); None for a span too wide to list."""
    if c2 - c1 > 1000:
        return None
    cols = b"|".join(letters(c).encode() for c in range(c1, min(c2, 16384) + 1))
    return re.compile(rb"<" + re.escape(prefix) + rb'c(?! r="(?:' + cols + rb')[0-9])')


def _only_cells_in(data: bytes, prefix: bytes, span: tuple) -> bool:
    """``data`` (cells xlseg appended to rows) holds cells in columns span[0]..span[1] only: everything that
    starts with ``<c`` is a cell with an ``r``, and the set of their column letters is within the span (one
    search for the first ``<c`` that is not such a cell; no object per cell)."""
    outside = _outside(prefix, span[0], span[1])
    if outside is not None:
        return outside.search(data) is None
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
