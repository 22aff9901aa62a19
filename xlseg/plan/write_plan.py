"""The write plan: every write xlseg makes to a workbook, as plain data.

Both adapters (openpyxl for files, xlwings for live Excel) execute the same
plan, so file mode and live Excel cannot drift apart, and the plan itself is
testable without any workbook. Cell values in a plan are *data*: a string that
starts with ``= + - @`` is written as text, never as a formula. Only
:class:`Formula` objects, which xlseg builds itself, become formulas.

References are A1 strings on the plan's own sheet (``"B2:B120"``); rows and
columns are 1-based.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from xlseg.a1 import column_letter

MARKER_PREFIX = "xlseg_"
# issue 7 appended "override" and "why": the block is 10 wide (8 before; see columns_plan for re-runs).
OUTPUT_KEYS = ("r_score", "f_score", "m_score", "rfm", "segment", "value_tier", "stage", "tags", "override", "why")
COLUMNS_MARKER = "xlseg_columns"  # workbook name -> xlseg's header cells on the customer sheet


def sheet_marker(key: str) -> str:
    """Workbook-level defined name marking an owned sheet (follows renames in Excel)."""
    return f"{MARKER_PREFIX}sheet_{key}"


@dataclass(frozen=True)
class Formula:
    """A formula xlseg wrote itself (never built from cell data)."""

    text: str


@dataclass
class Block:
    row: int
    col: int
    values: list  # 2-D list of plain values (str, int, float, bool, datetime, None, Formula)

    @property
    def ref(self) -> str:
        return ref(self.row, self.col, self.row + len(self.values) - 1,
                   self.col + max((len(r) for r in self.values), default=1) - 1)


@dataclass
class Style:
    ref: str
    bold: bool = False
    size: float | None = None
    fill: str | None = None  # hex RGB
    color: str | None = None  # font colour
    number_format: str | None = None
    wrap: bool = False
    align: str | None = None  # horizontal: "center", "left", "right"


@dataclass
class CondRule:
    """Cell value equals ``text`` -> fill and font colour (one rule per label)."""

    ref: str
    text: str
    fill: str
    color: str


@dataclass
class Table:
    name: str
    ref: str
    style: str = "TableStyleLight9"


@dataclass
class Chart:
    kind: str  # "bar" (horizontal) or "column"
    title: str
    categories: str  # A1 range on the same sheet
    values: str
    anchor: str  # top-left cell
    width_cm: float = 16.0
    height_cm: float = 9.0
    # Several value columns: one series per column, with these names in a legend (issue 15).
    series: tuple = ()


@dataclass
class Validation:
    ref: str
    choices: tuple


@dataclass
class SheetPlan:
    key: str
    title: str
    blocks: list = field(default_factory=list)
    styles: list = field(default_factory=list)
    cond_rules: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    charts: list = field(default_factory=list)
    widths: dict = field(default_factory=dict)  # column letter -> width in characters
    freeze: str | None = None
    tab_color: str | None = None
    validations: list = field(default_factory=list)
    # Printing (and LibreOffice's PDF): landscape, all columns on one page width.
    landscape: bool = False
    fit_width: bool = False
    # An existing owned sheet to replace (its current title), or None to create.
    replaces: str | None = None
    # Hidden from the tabs (the formulas' data sheet).
    hidden: bool = False
    # Created only when missing; an existing one (the user's edits) is left alone.
    keep_existing: bool = False
    # Written on every run, even into a kept sheet (the formulas' parameters in Settings).
    refresh_blocks: list = field(default_factory=list)
    refresh_styles: list = field(default_factory=list)
    # Workbook-level defined name -> absolute A1 reference on this sheet (set on every run).
    names: dict = field(default_factory=dict)

    @property
    def marker(self) -> str:
        return sheet_marker(self.key)

    def rows(self) -> list:
        """The cells this plan's blocks write, as rows of values from A1 (what a reader of the sheet sees)."""
        cells = {(b.row + i, b.col + j): v for b in self.blocks for i, row in enumerate(b.values)
                 for j, v in enumerate(row)}
        grid = [[None] * max(c for _, c in cells) for _ in range(max(r for r, _ in cells))]
        for (r, c), v in cells.items():
            grid[r - 1][c - 1] = v
        return [tuple(r) for r in grid]


@dataclass
class ColumnsPlan:
    """xlseg's columns to the right of the user's customer table."""

    sheet: str
    header_row: int
    first_col: int
    block: Block  # header row + one row per sheet row down to last_row (blanks where no customer)
    styles: list = field(default_factory=list)
    cond_rules: list = field(default_factory=list)
    widths: dict = field(default_factory=dict)
    # Rows below the new block that held xlseg values last time (the table shrank): cleared.
    clear_to_row: int | None = None
    # The defined name marking this block (xlseg_columns on the customer sheet).
    marker_name: str = COLUMNS_MARKER

    @property
    def width(self) -> int:
        return len(self.block.values[0])

    @property
    def last_row(self) -> int:
        return self.header_row + len(self.block.values) - 1

    @property
    def marker_ref(self) -> str:
        """The whole block (header to last row), so a re-run knows what it wrote before."""
        return ref(self.header_row, self.first_col, self.last_row, self.first_col + self.width - 1, absolute=True)


@dataclass
class AppendRows:
    """Rows added below the existing rows of an owned, append-only sheet (issue 7: History).

    Nothing above ``start_row`` is read, cleared or rewritten. ``values`` is a
    2-D list written from column 1 of ``start_row`` down (data strings that
    look like formulas are written as text, as in a :class:`Block`). When
    ``table`` names an Excel Table on that sheet, its ref becomes
    ``table_ref`` (it grows to cover the new rows; the header and the rows
    already in it stay where they are); a missing table is created with that
    ref. ``styles`` cover the new rows only. The sheet is the owned sheet
    marked for ``sheet_key`` (its current title is ``title``); the plan also
    holds a ``keep_existing`` :class:`SheetPlan` for it, which creates the
    sheet on a first run instead (then there is no AppendRows).
    """

    sheet_key: str
    title: str
    start_row: int
    values: list
    table: str | None = None
    table_ref: str | None = None
    styles: list = field(default_factory=list)

    @property
    def ref(self) -> str:
        width = max((len(r) for r in self.values), default=1)
        return ref(self.start_row, 1, self.start_row + len(self.values) - 1, width)

    @property
    def marker(self) -> str:
        return sheet_marker(self.sheet_key)


@dataclass
class WritePlan:
    columns: ColumnsPlan | None
    sheets: list  # SheetPlan, in tab order after the user's sheets
    # More of xlseg's columns on other user sheets (formula helpers on the transaction sheet).
    extra_columns: list = field(default_factory=list)
    # Rows appended below existing rows of append-only owned sheets, after every sheet (issue 7).
    appends: list = field(default_factory=list)
    # Owned sheets (found by their trusted marker) this run no longer writes, deleted last with the names
    # that point at them: the formulas' hidden data sheet after a run without formulas (issue 13).
    remove: list = field(default_factory=list)

    def sheet(self, key: str) -> SheetPlan:
        return next(s for s in self.sheets if s.key == key)


def ref(r1: int, c1: int, r2: int | None = None, c2: int | None = None, *, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    a = f"{d}{column_letter(c1)}{d}{r1}"
    if r2 is None or (r2 == r1 and c2 == c1):
        return a
    return f"{a}:{d}{column_letter(c2)}{d}{r2}"


def excel_string(text) -> str:
    """``text`` as an Excel string literal: in double quotes, inner double quotes doubled."""
    return '"' + str(text).replace('"', '""') + '"'


def quote_sheet(title: str) -> str:
    """A sheet title as it stands before ``!`` in a reference: in single quotes, inner ones doubled."""
    return "'" + title.replace("'", "''") + "'"


def is_risky_text(value) -> bool:
    """A string Excel would take for a formula (or a number) if typed: write it as text."""
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@")


# ------------------------------------------------------------------ the workbook as it is, cell values
@dataclass
class BookState:
    """What the plan needs to know about the workbook as it is now."""

    titles: list  # sheet titles in tab order
    markers: dict = field(default_factory=dict)  # defined name -> (sheet title, A1 ref)
    date1904: bool = False  # the workbook counts dates from 1904: a number typed as a date is a 1904 serial


def values(frame: pd.DataFrame) -> list:
    """Plain Python cell values, row-major: NaN/NaT/<NA> -> None, datetimes as datetime."""
    cols = [plain_column(frame.iloc[:, j]) for j in range(frame.shape[1])]
    if not cols:
        return [[] for _ in range(len(frame))]
    return [list(r) for r in zip(*cols)]


def plain_column(s: pd.Series) -> np.ndarray:
    """One column's plain Python cell values as an object array (see :func:`values`)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        arr = np.array(s.dt.to_pydatetime(), dtype=object)
        arr[s.isna().to_numpy()] = None
    elif pd.api.types.is_bool_dtype(s):
        arr = s.astype(object).to_numpy()
    elif pd.api.types.is_integer_dtype(s):
        arr = s.astype(object).where(s.notna(), None).to_numpy()
        arr = np.array([None if v is None else int(v) for v in arr], dtype=object)
    elif pd.api.types.is_float_dtype(s):
        f = s.to_numpy(dtype="float64")
        arr = f.astype(object)
        arr[np.isnan(f)] = None
    elif isinstance(s.dtype, pd.StringDtype):
        arr = s.to_numpy(dtype=object, na_value=None)
    else:
        arr = s.astype(object).to_numpy()
        arr = np.where(pd.isna(arr), None, arr)
    return arr
