"""Moving cell values between Python and Excel: one round trip on Windows, chunks under the Apple Event cap on a Mac.

Every read gives error cells as their text (``err_to_str`` and :mod:`xlseg.excel.cells`; on a Mac the string
values read by xlseg), as file mode does.

Excel for Mac answers each read or write with one Apple Event whose size is capped: xlwings' own comment on
``_xlmac.Range.max_cells_per_read`` (0.37.8) says 2,000,000 float cells fail with -1741 and 1,500,000 work,
and that text-heavy ranges hit the cap sooner because it is in bytes. xlwings' engine says so by declaring a
read budget below the shared default (``base_classes.DEFAULT_MAX_CELLS_PER_READ``); that is how a Mac is
recognised here. There reads go in blocks of rows of at most :data:`MAC_READ_CELLS` cells, halved and retried
when Excel refuses one (a block of long texts), and writes in blocks of at most :data:`MAC_WRITE_BYTES`
estimated bytes. On Windows (COM has no such cap) a read or a write is one round trip whatever the size.
"""

from __future__ import annotations

from xlwings import base_classes

from xlseg.excel.cells import error_texts, mac_error_texts

MAC_READ_CELLS = 100_000
"""Cells per Mac read: 1/15 of the 1.5 million numbers one Apple Event holds, room for text of ~130 characters."""
MAC_WRITE_BYTES = 8_000_000
"""Estimated bytes per Mac write (a number 16, a text 16 + 2 per character), below the measured cap."""
MAC_WRITE_CELLS = 100_000
"""And at most this many cells per Mac write (xlwings' own write budget, base_classes.DEFAULT_MAX_CELLS_PER_WRITE)."""


def event_limited(rng) -> bool:
    """True when xlwings' engine caps one transfer (Excel for Mac)."""
    return rng.impl.max_cells_per_read < base_classes.DEFAULT_MAX_CELLS_PER_READ


def _read(sheet, first: int, last: int, ncols: int) -> list:
    return sheet.range((first, 1), (last, ncols)).options(ndim=2, chunksize=None, err_to_str=True).value


def _read_mac(sheet, first: int, last: int, ncols: int) -> list:
    """Two Apple Events, as ``err_to_str`` sends: the values, then the displayed texts of the error cells'
    (all ten error values, see ``cells.mac_error_texts``)."""
    rng = sheet.range((first, 1), (last, ncols))
    values = rng.options(ndim=2, chunksize=None).value
    return mac_error_texts(values, rng.api.string_value.get())


def read_values(sheet, nrows: int, ncols: int) -> list:
    """The values of ``sheet`` from A1 to (nrows, ncols) as a list of row lists; error cells as their text."""
    if not event_limited(sheet.range((1, 1))):
        return error_texts(_read(sheet, 1, nrows, ncols))
    out: list = []
    step = max(1, MAC_READ_CELLS // max(1, ncols))
    row = 1
    while row <= nrows:
        n = min(step, nrows - row + 1)
        try:
            out.extend(_read_mac(sheet, row, row + n - 1, ncols))
        except Exception:  # noqa: BLE001 - appscript's CommandError (-1741, event too big): a smaller block
            if n == 1:
                raise
            step = max(1, n // 2)
            continue
        row += n
    return error_texts(out)


def _size(v) -> int:
    if v is None:
        return 8
    if isinstance(v, str):
        return 16 + 2 * len(v)
    return 16


def write_values(sheet, row: int, col: int, values: list) -> None:
    """Write the rectangular ``values`` (row lists of equal length) with its top-left cell at (row, col)."""
    width = len(values[0])
    target = sheet.range((row, col), (row + len(values) - 1, col + width - 1))
    if not event_limited(target):
        target.options(chunksize=None).value = values
        return
    start, size = 0, 0
    for i, r in enumerate(values):
        row_size = sum(map(_size, r))
        if i > start and (size + row_size > MAC_WRITE_BYTES or (i - start + 1) * width > MAC_WRITE_CELLS):
            _write_block(sheet, row + start, col, values[start:i])
            start, size = i, 0
        size += row_size
    _write_block(sheet, row + start, col, values[start:])


def _write_block(sheet, row: int, col: int, values: list) -> None:
    rng = sheet.range((row, col), (row + len(values) - 1, col + len(values[0]) - 1))
    rng.options(chunksize=None).value = values
