"""The user's raw input workbook written from sample frames (openpyxl)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

WRITE_ONLY_ROWS = 20_000
DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


def write_input_workbook(path, customers: pd.DataFrame, transactions: pd.DataFrame | None = None, *,
                         customer_sheet: str = "Customers", transaction_sheet: str = "Transactions",
                         write_only: bool | None = None) -> None:
    """Write a plain input workbook, the user's raw data before xlseg runs.

    Header row bold and frozen; dates ``yyyy-mm-dd``; money ``#,##0.00``; column
    widths from the content. Above 20,000 rows in all (or ``write_only=True``) the
    workbook is streamed with openpyxl's write-only mode. Strings that start with
    ``=`` are written as text, never as formulas.
    """
    from openpyxl import Workbook

    sheets = [(customer_sheet, customers)]
    if transactions is not None:
        sheets.append((transaction_sheet, transactions))
    if write_only is None:
        write_only = sum(len(df) for _, df in sheets) > WRITE_ONLY_ROWS
    wb = Workbook(write_only=write_only)
    if not write_only:
        wb.remove(wb.active)
    for title, df in sheets:
        columns, kinds = _column_values(df)
        widths = [_width(h, vals, kind) for h, vals, kind in zip(df.columns, columns, kinds)]
        ws = wb.create_sheet(title)
        if write_only:
            _write_streaming(ws, df, columns, kinds, widths)
        else:
            _write_normal(ws, df, columns, kinds, widths)
    wb.save(path)


def _column_values(df: pd.DataFrame) -> tuple[list[list], list[str | None]]:
    """Each column as a list of plain Python values (None for blanks) and its format kind."""
    columns, kinds = [], []
    for name in df.columns:
        s = df[name]
        kind = None
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            vals = [None if v is pd.NaT else v.to_pydatetime() for v in s.astype(object)]
            kind = "date"
        elif pd.api.types.is_bool_dtype(s.dtype):
            vals = [None if pd.isna(v) else bool(v) for v in s.astype(object)]
        elif pd.api.types.is_integer_dtype(s.dtype):
            vals = [None if v is pd.NA else int(v) for v in s.astype(object)] if s.hasnans else s.tolist()
        elif pd.api.types.is_float_dtype(s.dtype):
            arr = s.to_numpy(dtype=float, na_value=np.nan)
            vals = [None if v != v else v for v in arr.tolist()]
            finite = arr[np.isfinite(arr)]
            if len(finite) and np.any(finite != np.round(finite)):
                kind = "money"
        else:
            vals = [_plain(v) for v in s.tolist()]
            sample = [v for v in vals[:2000] if v is not None]
            if sample:
                n_dates = sum(isinstance(v, dt.date) for v in sample)
                n_money = sum(isinstance(v, float) and v != round(v) for v in sample)
                if n_dates > len(sample) / 2:
                    kind = "date"
                elif n_money > len(sample) / 2:
                    kind = "money"
        columns.append(vals)
        kinds.append(kind)
    return columns, kinds


def _plain(v):
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float):
        return None if v != v else v
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        v = v.item()
        return None if isinstance(v, float) and v != v else v
    return v


def _text_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _width(header, vals: list, kind) -> float:
    sample = [v for v in vals[:500] if v is not None]
    widest = _text_width(str(header)) + 2  # room for the bold header / filter button
    for v in sample:
        if kind == "date" and isinstance(v, dt.date):
            w = 10
        elif kind == "money" and isinstance(v, (int, float)):
            w = len(f"{v:,.2f}")
        else:
            w = _text_width(str(v))
        widest = max(widest, w)
    return float(min(max(widest + 2, 8), 50))


def _formula_safe(value):
    """Strings starting with '=' would become formulas in openpyxl: keep them text."""
    return isinstance(value, str) and value.startswith("=")


def _write_normal(ws, df, columns, kinds, widths) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([str(c) for c in df.columns])
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    for row in zip(*columns):
        ws.append(row)
    n = len(df)
    for j, (vals, kind) in enumerate(zip(columns, kinds), start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = widths[j - 1]
        has_text = any(isinstance(v, str) for v in vals)
        if kind is None and not has_text:
            continue
        for (cell,) in ws.iter_rows(min_row=2, max_row=n + 1, min_col=j, max_col=j):
            v = cell.value
            if kind == "date" and isinstance(v, dt.date):
                cell.number_format = DATE_FORMAT
            elif kind == "money" and isinstance(v, (int, float)) and not isinstance(v, bool):
                cell.number_format = AMOUNT_FORMAT
            elif _formula_safe(v):
                cell.data_type = "s"
    ws.freeze_panes = "A2"


def _write_streaming(ws, df, columns, kinds, widths) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in df.columns:
        cell = WriteOnlyCell(ws, value=str(c))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    # one styled cell per formatted column, re-used: each row is serialised when appended
    styled = {}
    for j, kind in enumerate(kinds):
        if kind:
            cell = WriteOnlyCell(ws)
            cell.number_format = DATE_FORMAT if kind == "date" else AMOUNT_FORMAT
            styled[j] = (kind, cell)
    text_cols = [j for j, vals in enumerate(columns) if any(_formula_safe(v) for v in vals)]
    if not styled and not text_cols:
        for row in zip(*columns):
            ws.append(row)
        return
    for row in zip(*columns):
        row = list(row)
        for j, (kind, cell) in styled.items():
            v = row[j]
            if v is None:
                continue
            if (kind == "date" and isinstance(v, dt.date)) or (
                    kind == "money" and isinstance(v, (int, float)) and not isinstance(v, bool)):
                cell.value = v
                row[j] = cell
        for j in text_cols:
            v = row[j]
            if _formula_safe(v):
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"
                row[j] = cell
        ws.append(row)
