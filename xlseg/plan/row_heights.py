"""Heights of the header rows whose text wraps, so every spreadsheet program shows the whole header.

Excel fits a row without a stored height to its wrapped text when it opens
the workbook. LibreOffice does not: it draws the lines that do not fit over
the rows around (a white "(days)" over the Summary's first number, read as
73.7 instead of 78.7). A header row of an owned sheet whose text needs more
than one line therefore gets a height, without ``customHeight``: it is a
measure of its content, not the user's choice, and Excel may fit it again.

The number of lines is estimated, on the generous side (a row one line too
high costs nothing; one line too low hides words): the header font is bold,
a full-width character (Chinese) counts as two, and words wrap at spaces as
both programs wrap them. Only small styled ranges are measured (at most
``HEADER_ROWS`` rows): long wrapped columns such as Why are the data, whose
rows Excel fits as it opens the file. Live Excel needs none of this: it fits a
row to wrapped text as values are written, so the xlwings adapter sets no height.
"""

from __future__ import annotations

import math
import unicodedata

from xlseg.a1 import column_letter, range_bounds

LINE_POINTS = 15.0  # the sheets' default row height (Calibri 11)
DEFAULT_WIDTH = 8.43  # a column's width without a <col> element, in characters
HEADER_ROWS = 3  # a wrapped range this short is a header; a longer one is data
BOLD = 1.15  # a bold character is wider than the width unit (the digit 0 of the body font)
PADDING = 1.0  # characters of the column lost to the cell's margins


def text_units(s: str) -> float:
    """Width of ``s`` in characters of the body font: two for a full-width (East Asian) character."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s))


def lines_needed(s: str, width: float, bold: bool = True) -> int:
    """Lines ``s`` takes in a wrapped cell ``width`` characters wide: words wrap at spaces, a word longer than
    the line (or text without spaces, such as Chinese) breaks anywhere."""
    room = max(width - PADDING, 1.0)
    factor = BOLD if bold else 1.0
    lines = 0
    for paragraph in str(s).split("\n"):
        used, lines = 0.0, lines + 1
        for word in paragraph.split(" "):
            w = text_units(word) * factor
            if used and used + factor + w <= room:
                used += factor + w
                continue
            if used:
                lines += 1
            if w > room:  # broken anywhere: whole lines, and what is left on the last
                full = math.ceil(w / room) - 1
                lines += full
                w -= full * room
            used = w
    return max(lines, 1)


def header_heights(sp) -> dict:
    """{row: height in points} for the header rows of sheet plan ``sp`` that need more than one line."""
    rows: dict = {}
    for st in list(sp.styles) + list(getattr(sp, "refresh_styles", [])):
        if not st.wrap:
            continue
        c1, r1, c2, r2 = range_bounds(st.ref)
        if r2 - r1 + 1 > HEADER_ROWS:
            continue
        for r in range(r1, r2 + 1):
            rows.setdefault(r, set()).update(range(c1, c2 + 1))
    if not rows:
        return {}
    values = _cells(sp, set(rows))
    heights = {}
    for r, cells in rows.items():
        lines = 1
        for c in cells:
            v = values.get((r, c))
            if isinstance(v, str) and v:  # measured as bold: headers are, by their style or their table's
                lines = max(lines, lines_needed(v, sp.widths.get(column_letter(c), DEFAULT_WIDTH)))
        if lines > 1:
            heights[r] = lines * LINE_POINTS
    return heights


def _cells(sp, wanted: set) -> dict:
    """{(row, col): value} of the plan's blocks on the rows in ``wanted`` (a later block wins)."""
    out = {}
    for b in list(sp.blocks) + list(getattr(sp, "refresh_blocks", [])):
        for r in wanted:
            if b.row <= r < b.row + len(b.values):
                for j, v in enumerate(b.values[r - b.row]):
                    out[(r, b.col + j)] = v
    return out
