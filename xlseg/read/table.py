"""Turn a sheet's cell values into a DataFrame, whoever read them.

Both adapters hand over the same thing: the sheet's used values as a list of
row tuples starting at cell A1 (openpyxl's ``iter_rows(values_only=True)``,
xlwings' ``used_range.value`` padded from A1). :func:`read_table` finds the
header row (any of the first 20, the one with the most recognised names), the
table's columns (first to last non-blank header cell) and returns a frame whose
index is the sheet row number, so issue records point at the right row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlseg.core import columns
from xlseg.errors import InputError


@dataclass(frozen=True)
class TableLayout:
    sheet: str
    header_row: int  # 1-based sheet row of the header
    first_col: int  # 1-based
    last_col: int  # 1-based, last non-blank header cell
    last_row: int  # 1-based, last row with any value in the table's columns
    headers: tuple  # header texts as on the sheet
    used_last_col: int = 0  # 1-based, last column with any value in the table's rows (notes right of it too)

    @property
    def n_rows(self) -> int:
        return self.last_row - self.header_row


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def detect(rows: list, sheet: str, *, kind: str | None = None) -> TableLayout | None:
    """Where the table is on a sheet, or None when no row looks like a header."""
    head = [list(r) for r in rows[:20]]
    idx = columns.find_header_row(head)
    if idx is None:
        return None
    header = list(rows[idx])
    filled = [i for i, v in enumerate(header) if not _blank(v)]
    first, last = filled[0], filled[-1]
    last_row = idx
    for r in range(len(rows) - 1, idx, -1):
        if any(not _blank(v) for v in rows[r][first:last + 1]):
            last_row = r
            break
    return TableLayout(sheet, idx + 1, first + 1, last + 1, last_row + 1,
                       tuple("" if _blank(v) else str(v).strip() for v in header[first:last + 1]))


def read_table(rows: list, sheet: str, layout: TableLayout | None = None, *,
               blank_rows: bool = False) -> tuple[pd.DataFrame, TableLayout]:
    """(frame indexed by sheet row, layout). Raises InputError when the sheet has no table.

    Rows with nothing in the table's columns are left out (the core would drop them anyway), so a
    stray value a million rows down costs one row, not a million; ``blank_rows=True`` keeps them
    (every row from below the header to the last row, e.g. when results go back row by row).
    Columns are built one at a time as object arrays, never as a list of row lists.
    """
    if not rows or all(all(_blank(v) for v in r) for r in rows):
        raise InputError(f"Sheet '{sheet}' is empty. Put one customer per row under a header row "
                         "(e.g. Customer ID, Name, Last Purchase, Orders, Total Spend).")
    layout = layout or detect(rows, sheet)
    if layout is None:
        raise InputError(f"Sheet '{sheet}': no header row found in the first 20 rows. The header needs a "
                         "customer-id column such as 'Customer ID' or '客户编号'.")
    headers = _unique_headers(layout.headers)
    c0, c1 = layout.first_col - 1, layout.last_col
    sheet_rows, cols = table_columns(rows, layout.header_row, layout.last_row, c0, c1, blank_rows=blank_rows)
    if len(sheet_rows) and sheet_rows[-1] - sheet_rows[0] == len(sheet_rows) - 1:
        index = pd.RangeIndex(sheet_rows[0], sheet_rows[-1] + 1, name="row")
    else:
        index = pd.Index(sheet_rows, dtype="int64", name="row")
    frame = pd.DataFrame(dict(zip(range(len(cols)), cols)), index=index, dtype=object, copy=False) if cols \
        else pd.DataFrame(index=index, dtype=object)
    frame.columns = headers
    blank_header = [h for h in headers if h.startswith("(column ")]
    if blank_header:
        frame = frame.drop(columns=[h for h in blank_header if frame[h].map(_blank).all()])
    return frame, layout


def table_columns(rows, r0: int, r1: int, c0: int, c1: int, *, blank_rows: bool = False):
    """(1-based sheet row numbers as an int array, one object array per column c0..c1-1) for the
    0-based rows r0..r1-1; rows blank in those columns left out unless ``blank_rows``."""
    width = c1 - c0
    if hasattr(rows, "table_columns"):  # a reader that holds columns (xlseg.read.cells.Cells)
        numbers, cols = rows.table_columns(r0, r1, c0, c1)
    else:
        src = rows[r0:r1]
        numbers = np.flatnonzero(np.fromiter((len(r) > c0 for r in src), dtype=bool, count=len(src)))
        cols = []
        if len(numbers) == len(src):
            part = [r[c0:c1] for r in src]
        else:
            part = [src[i][c0:c1] for i in numbers]
        for j in range(width):
            cols.append(np.fromiter((r[j] if j < len(r) else None for r in part), dtype=object, count=len(part)))
        del part
        numbers = numbers + (r0 + 1)
    if not blank_rows and len(numbers):
        keep = ~blank_row_mask(cols)
        if not keep.all():
            numbers = numbers[keep]
            cols = [c[keep] for c in cols]
    if blank_rows and len(numbers) != r1 - r0:  # put back the rows that hold nothing, as blanks
        full = np.arange(r0 + 1, r1 + 1)
        at = numbers - (r0 + 1)
        out = []
        for c in cols:
            col = np.full(len(full), None, dtype=object)
            col[at] = c
            out.append(col)
        numbers, cols = full, out
    return numbers, cols


def blank_row_mask(cols: list) -> np.ndarray:
    """Per row: every cell is None, NaN or whitespace. Column by column over the rows still blank so far."""
    n = len(cols[0]) if cols else 0
    blank = np.ones(n, dtype=bool)
    for col in cols:
        at = np.flatnonzero(blank)
        if not len(at):
            break
        vals = col[at]
        na = pd.isna(vals)
        rest = np.flatnonzero(~na)
        if len(rest):
            na[rest] = np.fromiter((v.__class__ is str and not v.strip() for v in vals[rest]), dtype=bool,
                                   count=len(rest))
        blank[at] = na
    return blank


def _unique_headers(headers) -> list[str]:
    out, seen = [], {}
    for i, h in enumerate(headers):
        name = h or f"(column {i + 1})"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return out
