"""The proof after writing: every part xlseg does not own is byte-identical, and the user's cells are unchanged.

Copied parts are compared as their compressed bytes (and CRC); on a sheet
xlseg edited cell by cell, every cell outside xlseg's ranges must be there,
byte for byte, in the same row. Any difference is a refusal (it should never
happen: the editor copies by construction).
"""

from __future__ import annotations

import re
from itertools import islice

import numpy as np

from xlseg.ooxml.package import Package
from xlseg.read.prefetch import ahead
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
            # each version inflated by a thread of its own (zlib lets go of the GIL) while this one compares
            problems += _cells_kept(ahead(src.chunks(part)), ahead(out.chunks(part)), rects, title)
    return problems[:MAX_REPORTED]


def _windows(chunks, label: str):
    """(prefix, iterator of (row numbers, the rows)) of a sheet part read as a stream of inflated ``chunks``, a
    window of rows at a time, in order (a million-row sheet is never held whole). A row is its bytes up to its
    end tag (what precedes its start tag may come first): :func:`_inner` gives its cells."""
    prefix, windows = grid_windows(chunks, label)
    close = len(b"</" + prefix + b"row>")

    def gen():
        last = 0
        for body in windows:
            regular = regular_rows(body, prefix)
            if regular is None:
                nums, rows = [], []
                for start, open_end, end, r in row_spans(body, prefix, label, last):
                    last = r
                    nums.append(r)
                    rows.append(body[start:end] if open_end == end else body[start:end - close])
            else:
                numbers, parts = regular
                nums = list(map(int, numbers))
                rows = list(islice(parts, len(nums)))
            if nums:
                last = nums[-1]
                yield nums, rows
    return prefix, gen()


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


def _cells_kept(before, after, rects: list, title: str) -> list:
    """Differences in the user's cells between two streams of a sheet part's inflated bytes.

    Rows are compared a window at a time. Where every row of a window is in xlseg's one rectangle and the
    output has each of them with the user's bytes first (the first run's append), the window is checked in
    bulk; anything else goes row by row, cell by cell where needed."""
    prefix, a_windows = _windows(before, title)
    _p, b_windows = _windows(after, title)
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
    b_nums: list = []
    b_rows: list = []
    k = 0  # the next output row not yet passed

    def fill(r: int) -> None:
        """Read output windows until row ``r`` (or the end) is in b_nums; rows already passed are dropped."""
        nonlocal b_nums, b_rows, k
        while not b_nums[k:] or b_nums[-1] < r:
            w = next(b_windows, None)
            if w is None:
                return
            b_nums, b_rows, k = b_nums[k:] + w[0], b_rows[k:] + w[1], 0

    def flush() -> bool:
        nonlocal appended, size
        ok = _only_cells_in(b"".join(appended), prefix, span[0])
        appended, size = [], 0
        if not ok:
            problems.append(f"sheet '{title}': cells outside xlseg's columns would change")
        return ok

    for nums, rows in a_windows:
        fill(nums[-1])
        if not several and r1_ <= nums[0] and nums[-1] <= r2_ and k < len(b_nums):
            here = np.asarray(b_nums[k:])
            at = np.searchsorted(here, nums)
            if (at < len(here)).all() and (here[np.minimum(at, len(here) - 1)] == nums).all():
                outs = [b_rows[k + j] for j in at.tolist()]
                if all(map(bytes.startswith, outs, rows)):  # the row's tag too: unchanged (no spans to widen)
                    tails = [o[len(i):] for o, i in zip(outs, rows)]
                    if all(t.startswith(cell_open) for t in tails if t):
                        appended += tails
                        size += sum(map(len, tails))
                        k += int(at[-1]) + 1
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
        if len(problems) >= MAX_REPORTED or (size >= rowscan.WINDOW and not flush()):
            break
    if appended and len(problems) < MAX_REPORTED:
        flush()
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
