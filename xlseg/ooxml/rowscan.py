"""The rows of a worksheet's cell grid, found by byte search (no regular expression runs over a row's cells).

A row starts at ``<row`` and ends at its own ``/>`` or at the next ``</row>``
(rows do not nest, and text inside cells is escaped, so neither can appear
inside a row's cells). Both the sheet editor and the proof walk a sheet's
rows this way: a 100,000-row sheet is a few hundred thousand ``find`` calls.
"""

from __future__ import annotations

import re

from xlseg.errors import WorkbookError

ROW_R = re.compile(rb'\sr="(\d+)"')
SHEET_DATA = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData\b[^>]*?(/?)>")
_AFTER_NAME = (b" ", b">", b"/", b"\t", b"\n", b"\r")


def row_spans(body: bytes, prefix: bytes, label: str = "", last: int = 0, more: bool = False):
    """(start, end of the opening tag, end, row number) of every ``<row>`` in ``body``, in order.

    A row without ``r`` is the row after the previous one (as Excel reads it); ``last`` is the row before
    ``body`` (when it is a window of a longer grid). ``more``: more of the grid follows ``body``, so a row that
    does not end in it is not refused: ``(start, -1, -1, None)`` is yielded for it, last.
    """
    tag = b"<" + prefix + b"row"
    close = b"</" + prefix + b"row>"
    n = len(tag)
    find = body.find
    pos = 0
    while True:
        start = find(tag, pos)
        if start < 0:
            return
        if body[start + n:start + n + 1] not in _AFTER_NAME:  # <rowX...>: not a row
            if more and start + n >= len(body):
                yield start, -1, -1, None
                return
            pos = start + n
            continue
        open_end = find(b">", start) + 1
        if open_end == 0:
            if more:
                yield start, -1, -1, None
                return
            _broken(label)
        if body[open_end - 2] == 0x2F:  # <row .../>
            end = open_end
        else:
            end = find(close, open_end)
            if end < 0:
                if more:
                    yield start, -1, -1, None
                    return
                _broken(label)
            end += len(close)
        k = find(b' r="', start, open_end)
        q = find(b'"', k + 4, open_end) if k >= 0 else -1
        if q > k + 4 and body[k + 4:q].isdigit():
            r = int(body[k + 4:q])
        else:
            rm = ROW_R.search(body, start, open_end)
            r = int(rm.group(1)) if rm else last + 1
        last = r
        yield start, open_end, end, r
        pos = end


def no_grid(label: str):
    raise WorkbookError(f"The sheet part '{label}' has no cell grid (sheetData). Open the file in Excel, save it "
                        "again and retry; nothing was written.")


def _broken(label: str):
    raise WorkbookError(f"The sheet part '{label}' is not well-formed XML (a row does not end). Open the file in "
                        "Excel, save it again and retry; nothing was written.")


_CELL_R = re.compile(rb'\sr="([A-Za-z]{1,3})\d+"')


def cell_col(buf: bytes, start: int) -> int | None:
    """The column (1-based) of the cell whose tag starts at ``start`` in ``buf``, from its ``r``; None without."""
    gt = buf.find(b">", start)
    k = buf.find(b' r="', start, gt)
    if k < 0:
        m = _CELL_R.search(buf, start, gt)
        if m is None:
            return None
        k = m.start(1) - 4
    c = 0
    j = k + 4
    while True:
        ch = buf[j]
        if 65 <= ch <= 90:
            c = c * 26 + ch - 64
        elif 97 <= ch <= 122:
            c = c * 26 + ch - 96
        else:
            return c or None
        j += 1


WINDOW = 8 << 20  # bytes of a sheet split at a time. The proof holds a few windows of both versions and what xlseg
# appended: on a full sheet its step peaked at 2,129 MB with 32 MB windows, 1,799 MB with 8 MB, no slower.


def row_numbers(prefix: bytes):
    """The pattern whose ``findall`` lists every ``<row``'s number, b"" for a row whose ``r`` is not first."""
    return re.compile(re.escape(b"<" + prefix + b"row") + rb'(?: r="(\d+)")?')


def regular_rows(body: bytes, prefix: bytes):
    """(row numbers, rows) when every row of ``body`` (a window of a grid) is ``<row r="N" ...>...</row>`` with
    ``r`` first (as Excel, LibreOffice and openpyxl write them): ``rows`` is ``body`` split at each ``</row>``
    (row i without its end tag), what follows the last one left out; the end tags are counted by that split.
    None otherwise (a row without ``r``, an empty ``<row/>``): the caller then walks :func:`row_spans`.
    Splitting costs no Python call per row.
    """
    numbers = row_numbers(prefix).findall(body)
    rows = body.split(b"</" + prefix + b"row>")
    if len(rows) - 1 != len(numbers) or b"" in numbers:
        return None
    rows.pop()
    return numbers, rows


def columns_from(first: int) -> str:
    """A regular expression (text) for the column letters of column ``first`` (1-based) and every column right of
    it (A to XFD), case-insensitive by construction."""
    from xlseg.ooxml.xml import letters
    word = letters(first)
    k = len(word)
    alts = [f"[A-Za-z]{{{k + 1},3}}"] if k < 3 else []
    for i, ch in enumerate(word):
        if ch != "Z":
            alts.append(word[:i] + f"[{chr(ord(ch) + 1)}-Z{chr(ord(ch) + 33)}-z]" + ("[A-Za-z]" * (k - i - 1)))
    alts.append(word)
    return "(?:" + "|".join(alts) + ")"


def cells_from(body: bytes, prefix: bytes, first: int) -> bool:
    """Whether any cell of ``body`` may be in column ``first`` or right of it (one search over the whole grid).

    The search is for ``r="`` and such a reference anywhere, not only in a ``<c>`` tag (a literal prefix
    scans 5x faster than a pattern per tag): a text or another attribute that looks like one only sends the
    caller down the general path, which reads every row's cells; a cell there is never missed."""
    del prefix  # any element, any namespace prefix: a superset of the cells
    return re.search(rb'r="' + columns_from(first).encode() + rb"[0-9]", body) is not None
