"""A1 references: column letters, a range's bounds, a defined name's sheet and range.

What xlseg took from ``openpyxl.utils`` (``get_column_letter``, ``range_boundaries``)
and from openpyxl's ``DefinedName.destinations``, without importing openpyxl: importing
any part of it loads the whole package (about 0.8 s), and no workbook is read or written
with it any more (issue 12: openpyxl is the tests' second reader).
"""

from __future__ import annotations

import re

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d+)?$")
_LETTERS: dict = {}


def column_letter(c: int) -> str:
    """1 -> 'A', 27 -> 'AA', 16384 -> 'XFD'."""
    s = _LETTERS.get(c)
    if s is None:
        if not 1 <= c <= 18278:
            raise ValueError(f"Invalid column index {c}")
        n, s = c, ""
        while n:
            n, r = divmod(n - 1, 26)
            s = chr(65 + r) + s
        _LETTERS[c] = s
    return s


def column_index(letters: str) -> int:
    """'A' -> 1, 'xfd' -> 16384."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _part(ref: str, whole: str) -> tuple:
    m = _CELL.match(ref)
    if not m or not (m.group(1) or m.group(2)):
        raise ValueError(f"{whole!r} is not a valid coordinate or range")
    return (column_index(m.group(1)) if m.group(1) else None), (int(m.group(2)) if m.group(2) else None)


def range_bounds(ref: str) -> tuple:
    """(min_col, min_row, max_col, max_row) of ``'B2'``, ``'$A$1:$C$9'``, ``'A:C'`` (rows None) or ``'2:5'``
    (columns None), as openpyxl's ``range_boundaries``."""
    a, _, b = ref.partition(":")
    c1, r1 = _part(a, ref)
    c2, r2 = _part(b, ref) if b else (c1, r1)
    return c1, r1, c2, r2


def split_ref(text: str):
    """(sheet title, A1 ref) of ``'Title'!$A$1:$B$2``; None when it is not one plain reference (``#REF!``,
    several areas, a constant or a formula)."""
    text = text.strip().lstrip("=")
    if text.startswith("'"):
        i, title = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if text[i + 1:i + 2] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(ch)
            i += 1
        rest = text[i + 1:]
        title = "".join(title)
    else:
        title, sep, rest = text.partition("!")
        if not sep:
            return None
        rest = "!" + rest
    if not rest.startswith("!") or "!" in rest[1:] or "#" in rest or "," in rest:
        return None
    ref = rest[1:]
    return (title, ref) if ref else None


__all__ = ["column_letter", "column_index", "range_bounds", "split_ref"]
