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


def read_table(rows: list, sheet: str, layout: TableLayout | None = None) -> tuple[pd.DataFrame, TableLayout]:
    """(frame indexed by sheet row, layout). Raises InputError when the sheet has no table."""
    if not rows or all(all(_blank(v) for v in r) for r in rows):
        raise InputError(f"Sheet '{sheet}' is empty. Put one customer per row under a header row "
                         "(e.g. Customer ID, Name, Last Purchase, Orders, Total Spend).")
    layout = layout or detect(rows, sheet)
    if layout is None:
        raise InputError(f"Sheet '{sheet}': no header row found in the first 20 rows. The header needs a "
                         "customer-id column such as 'Customer ID' or '客户编号'.")
    headers = _unique_headers(layout.headers)
    c0, c1 = layout.first_col - 1, layout.last_col
    body = [list(r[c0:c1]) + [None] * (c1 - c0 - len(r[c0:c1])) for r in rows[layout.header_row:layout.last_row]]
    index = pd.RangeIndex(layout.header_row + 1, layout.header_row + 1 + len(body), name="row")
    frame = pd.DataFrame(body, columns=headers, index=index, dtype=object) if body else \
        pd.DataFrame(columns=headers, index=index, dtype=object)
    blank_header = [h for h in headers if h.startswith("(column ")]
    if blank_header:
        frame = frame.drop(columns=[h for h in blank_header if frame[h].map(_blank).all()])
    return frame, layout


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
