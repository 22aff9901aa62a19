"""The user's raw input workbook written from sample frames (by the package writer, xlseg.ooxml)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xlseg.ooxml.xml import letters
from xlseg.plan.rows import Rows
from xlseg.plan.write_plan import Block, SheetPlan, Style, ref

DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"


def input_sheets(customers: pd.DataFrame, transactions: pd.DataFrame | None = None, *,
                 customer_sheet: str = "Customers", transaction_sheet: str = "Transactions") -> list:
    """The raw input workbook as sheet plans (key ``"data"``): one per frame, in that order.

    Header row bold and frozen; dates ``yyyy-mm-dd``; money ``#,##0.00`` (on the
    column's data rows); column widths from the content.
    """
    sheets = [(customer_sheet, customers)]
    if transactions is not None:
        sheets.append((transaction_sheet, transactions))
    return [_sheet(title, df) for title, df in sheets]


def write_input_workbook(path, customers: pd.DataFrame, transactions: pd.DataFrame | None = None, *,
                         customer_sheet: str = "Customers", transaction_sheet: str = "Transactions") -> None:
    """Write a plain input workbook, the user's raw data before xlseg runs (see :func:`input_sheets`).

    Written by the package writer every xlseg output goes through (:mod:`xlseg.ooxml.new_book`),
    streamed a band of rows at a time; strings that start with ``=`` are text, never formulas.
    """
    from xlseg.ooxml.new_book import write_new_book

    write_new_book(path, input_sheets(customers, transactions, customer_sheet=customer_sheet,
                                      transaction_sheet=transaction_sheet))


def _sheet(title: str, df: pd.DataFrame) -> SheetPlan:
    columns, kinds = _column_values(df)
    n, width = len(df), len(df.columns)
    sp = SheetPlan("data", title, freeze="A2")
    frame = pd.DataFrame({j: _objects(vals) for j, vals in enumerate(columns)}, index=range(n))
    sp.blocks.append(Block(1, 1, Rows(frame, head=[[str(c) for c in df.columns]])))
    if width:
        sp.styles.append(Style(ref(1, 1, 1, width), bold=True))
    for j, (header, vals, kind) in enumerate(zip(df.columns, columns, kinds), start=1):
        sp.widths[letters(j)] = _width(header, vals, kind)
        if kind and n:
            sp.styles.append(Style(ref(2, j, n + 1, j), number_format=DATE_FORMAT if kind == "date" else AMOUNT_FORMAT))
    return sp


def _objects(vals: list) -> np.ndarray:
    out = np.empty(len(vals), dtype=object)
    out[:] = vals
    return out


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
