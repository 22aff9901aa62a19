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
both programs wrap them. Small styled ranges (at most ``HEADER_ROWS`` rows)
are headers (:func:`header_heights`). Longer wrapped columns are data, such as
the Why texts: on the sheets xlseg writes whole (owned sheets, a CSV's sheet),
the package writer gives their rows heights as it writes them, a band at a time
(:func:`wrapped_lines`, ``xlseg.ooxml.grid.Grid.row_chunks``); without them
LibreOffice drew a page of Why texts over each other. The user's own rows on a
workbook's customer sheet keep their row elements as they were (issue 12), so
there the Why column relies on the program fitting it (Excel does). Live Excel
needs none of this: it fits a row to wrapped text as values are written, so the
xlwings adapter sets no height.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from xlseg.a1 import column_letter, range_bounds

LINE_POINTS = 15.0  # the sheets' default row height (Calibri 11)
WIDE_LINE_POINTS = 17.0  # a line of Chinese text in LibreOffice (Noto Sans CJK at 11 pt: about 16 pt)
DEFAULT_WIDTH = 8.43  # a column's width without a <col> element, in characters
HEADER_ROWS = 3  # a wrapped range this short is a header; a longer one is data
BOLD = 1.15  # a bold character is wider than the width unit (the digit 0 of the body font)
PADDING = 1.0  # characters of the column lost to the cell's margins
MAX_POINTS = 409.0  # Excel's highest row (409.5 points)
# Widths are counted in whole hundredths of a character (a bold character 115, a space 100 or 115): the sums are
# exact, so the vectorised count equals lines_needed's, and a word broken over lines leaves at most a line.
_HUNDREDTHS = 100


def _room(width: float) -> int:
    """The room of a line, in hundredths of a character (at least one character)."""
    return max(round((width - PADDING) * _HUNDREDTHS), _HUNDREDTHS)


def text_units(s: str) -> float:
    """Width of ``s`` in characters of the body font: two for a full-width (East Asian) character."""
    return float(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s))


def lines_needed(s: str, width: float, bold: bool = True) -> int:
    """Lines ``s`` takes in a wrapped cell ``width`` characters wide: words wrap at spaces, a word longer than
    the line (or text without spaces, such as Chinese) breaks anywhere."""
    room = _room(width)
    factor = round(BOLD * _HUNDREDTHS) if bold else _HUNDREDTHS
    lines = 0
    for paragraph in str(s).split("\n"):
        used, lines = 0, lines + 1
        for word in paragraph.split(" "):
            w = int(text_units(word)) * factor
            if used and used + factor + w <= room:
                used += factor + w
                continue
            if used:
                lines += 1
            if w > room:  # broken anywhere: whole lines, and what is left on the last
                full = (w - 1) // room
                lines += full
                w -= full * room
            used = w
    return max(lines, 1)


def wrapped_points(texts, width: float) -> np.ndarray:
    """The height in points each text of a column needs in a wrapped cell ``width`` characters wide (body font),
    0 where one line is enough: :func:`wrapped_lines` lines of :data:`LINE_POINTS`, or of
    :data:`WIDE_LINE_POINTS` for a text with characters beyond ASCII (Chinese: LibreOffice's CJK font draws
    taller lines, and a 4-line text ran into the next row)."""
    lines, wide = _measure(texts, width)
    return np.where(lines > 1, np.minimum(lines * np.where(wide, WIDE_LINE_POINTS, LINE_POINTS), MAX_POINTS), 0.0)


def wrapped_lines(texts, width: float) -> np.ndarray:
    """Lines each text of a column takes in a wrapped cell ``width`` characters wide (body font); see
    :func:`_measure`."""
    return _measure(texts, width)[0]


def _measure(texts, width: float) -> tuple[np.ndarray, np.ndarray]:
    """(lines, has a character beyond ASCII) of each text of a column in a wrapped cell ``width`` characters
    wide (body font): the lines as :func:`lines_needed` counts them, for a whole band at once (the Why column of
    a million customers).

    ``texts``: an Arrow string array or a list (what is not text takes one line). Words are the pieces between
    spaces, found in the array's UTF-8 bytes; a word is as wide as its bytes less half its continuation bytes
    (Chinese and full-width forms 2 a character, as :func:`text_units` counts them; accented letters 1.5, on
    the generous side). Lines are filled greedily, all rows side by side, a line at a time: a line's last word
    is found by a binary search in the running sum of the words' widths. A text with a line break is measured
    by :func:`lines_needed`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else \
        pa.array([str(x) if isinstance(x, str) else None for x in texts], pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if getattr(pa.types, "is_string_view", lambda _t: False)(arr.type):
        arr = arr.cast(pa.string())
    n = len(arr)
    if not n or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return np.ones(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    room = _room(width)
    bufs = arr.buffers()
    offs = np.frombuffer(bufs[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    offs = offs[arr.offset:arr.offset + n + 1].astype(np.int64)
    lo, hi = int(offs[0]), int(offs[-1])
    data = np.frombuffer(bufs[2], dtype=np.uint8)[lo:hi] if bufs[2] is not None and hi > lo else \
        np.zeros(0, np.uint8)
    offs -= lo
    # the words: row r's first word, then one after each space of the row, numbered in order over all rows. A word
    # ends at a space or at its row's end (the row ends go in among the spaces, in one pass)
    sp = np.flatnonzero(data == 32)
    before = np.searchsorted(sp, offs)  # spaces before each row's start (and the end)
    first = np.arange(n) + before[:-1]  # each row's first word
    last = np.arange(1, n + 1) + before[1:] - 1  # each row's last word
    ends = np.insert(sp, before[1:], offs[1:])
    starts = np.empty(len(ends), dtype=np.int64)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    starts[first[1:]] -= 1  # a row's first word starts where the row before ended, not after a space
    units = (ends - starts) * _HUNDREDTHS
    if len(data) and data.max() >= 0x80:  # continuation bytes count half
        cont = np.zeros(len(data) + 1, dtype=np.int64 if len(data) >= 2**31 else np.int32)
        np.cumsum((data & 0xC0) == 0x80, out=cont[1:])
        units -= (cont[ends] - cont[starts]) * (_HUNDREDTHS // 2)
        wide = cont[offs[1:]] > cont[offs[:-1]]
    else:
        wide = np.zeros(n, dtype=bool)
    csum = np.cumsum(units + _HUNDREDTHS)  # a word and the space before it
    long = bool(len(units)) and units.max() > room  # a word longer than a line breaks anywhere
    empty = bool(len(units)) and units.min() == 0  # an empty word (two spaces): nothing is added to an empty line
    lines = np.ones(n, dtype=np.int64)
    rows, s, e = np.arange(n), first, last  # the rows still being filled, where their line starts, their last word
    count = np.ones(n, dtype=np.int64)
    while len(rows):
        w = units[s]
        if long:
            full = np.where(w > room, (w - 1) // room, 0)
            count += full
            w = w - full * room
        # the line runs on while the next word and its space fit
        j = np.clip(np.searchsorted(csum, csum[s] + (room - w), side="right") - 1, s, e)  # a line holds its first word
        if empty:
            j = np.where(w != 0, j, s)
        more = j < e
        count += (more & (w != 0)) if empty else more
        done = ~more
        lines[rows[done]] = count[done]
        rows, s, e, count = rows[more], j[more] + 1, e[more], count[more]
    if len(data) and (data == 10).any():  # a line break: by the text
        for i in np.flatnonzero(pc.match_substring(arr, "\n").to_numpy(zero_copy_only=False)).tolist():
            lines[i] = lines_needed(arr[i].as_py(), width, bold=False)
    return lines, wide


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
            heights[r] = min(lines * LINE_POINTS, MAX_POINTS)
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
