"""Build the write plan from a classification result (no I/O).

:func:`build_plan` decides every cell xlseg writes: its columns right of the
customer table, and the owned sheets Summary, Customers, Tags, Issues and
Settings. Owned sheets and columns are found by marker (workbook-level
defined names, see :mod:`xlseg.plan.write_plan`), never by position or by title
alone: a user sheet that happens to be called "Summary" is never touched.
The sheets themselves are planned in :mod:`~xlseg.plan.summary_sheet`,
:mod:`~xlseg.plan.list_sheets`, :mod:`~xlseg.plan.settings` and
:mod:`~xlseg.plan.history_sheets`; their words are in :mod:`~xlseg.plan.texts`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from xlseg.a1 import column_letter

from xlseg.core import labels as L
from xlseg.core.engine import Result
from xlseg.version import __version__
from xlseg.plan.label_styles import _header_style, label_rules
from xlseg.plan.list_sheets import customers_sheet, issues_sheet, tags_sheet
from xlseg.plan.write_plan import (
    COLUMNS_MARKER,
    OUTPUT_KEYS,
    Block,
    BookState,
    ColumnsPlan,
    SheetPlan,
    Style,
    WritePlan,
    ref,
    sheet_marker,
    values,
)
from xlseg.read.table import TableLayout
from xlseg.plan.rows import Rows
from xlseg.plan.settings import settings_sheet
from xlseg.plan.summary_sheet import summary_sheet
from xlseg.plan.texts import CUSTOMER_KEYS, OWNED, TEXT, TITLES, WIDTHS  # noqa: F401 (re-exported)


def owned_titles(state: BookState, lang: str) -> dict:
    """key -> (title, replaces): the marked sheet if there is one, else a free title."""
    out = {}
    taken = set(state.titles)
    i = L.LANGS.index(lang)
    for key in OWNED:
        marked = state.markers.get(sheet_marker(key))
        if marked and marked[0] in state.titles:
            out[key] = (marked[0], marked[0])
            continue
        title = TITLES[key][i]
        n = 1
        while title in taken:
            n += 1
            title = f"{TITLES[key][i]} (xlseg{'' if n == 2 else f' {n - 1}'})"
        taken.add(title)
        out[key] = (title, None)
    return out


# ------------------------------------------------------------------ the user's sheet
def columns_plan(result: Result, layout: TableLayout, state: BookState) -> ColumnsPlan:
    lang = result.config.lang
    marked = state.markers.get(COLUMNS_MARKER)
    # issue 12: right of everything the user has in the table's rows (headerless notes, a =SUM), not just the header
    first_col = max(layout.last_col, layout.used_last_col) + 1
    old_last = None
    if marked and marked[0] == layout.sheet:
        from xlseg.a1 import range_bounds

        c1, r1, c2, r2 = range_bounds(marked[1].replace("$", ""))
        if r1 == layout.header_row:
            first_col = c1
            old_last = r2
            # issue 7: the block grew (8 -> 10 columns). When the user has columns right of the old
            # block, the wider block moves right of them instead of overwriting them (the old one is cleared).
            if c2 - c1 + 1 < len(OUTPUT_KEYS) and max(layout.last_col, layout.used_last_col) > c2:
                first_col = max(layout.last_col, layout.used_last_col) + 1
    header = [L.header(k, lang) for k in OUTPUT_KEYS]
    cust = result.customers
    by_id = cust.set_index("customer_id")[list(OUTPUT_KEYS)]
    n = len(OUTPUT_KEYS)
    # one row per sheet row below the header (blank where no customer), held as columns: rows are made a band at
    # a time while the sheet is written (a stray value a million rows down costs no million lists)
    ids = result.row_ids
    ids = ids[(ids.index > layout.header_row) & (ids.index <= layout.last_row) & ids.notna().to_numpy()]
    at = (ids.index - (layout.header_row + 1)).to_numpy()
    body = by_id.reindex(ids.to_numpy())
    block = Block(layout.header_row, first_col, Rows(body, head=[header], at=at, n=layout.last_row - layout.header_row))
    plan = ColumnsPlan(layout.sheet, layout.header_row, first_col, block)
    col = {k: first_col + i for i, k in enumerate(OUTPUT_KEYS)}
    plan.styles.append(_header_style(layout.header_row, first_col, first_col + n - 1))
    plan.styles.append(_header_style(layout.header_row, col["r_score"], col["rfm"], "center"))
    for first, last in _runs(ids.index.to_numpy(), layout.header_row + 1, layout.last_row):
        plan.styles.append(Style(ref(first, col["r_score"], last, col["rfm"]), align="center"))
        # The Why text wraps inside its column: printed, it no longer runs on across page after page
        # of empty columns (the demo's customer sheet printed on 484 pages, now 308).
        plan.styles.append(Style(ref(first, col["why"], last, col["why"]), wrap=True))
    plan.cond_rules = label_rules(result, layout.header_row + 1, layout.last_row, col)
    plan.widths = {column_letter(col[k]): WIDTHS[k] for k in OUTPUT_KEYS}
    if old_last is not None and old_last > layout.last_row:
        plan.clear_to_row = old_last
    return plan


MAX_RUNS = 20  # styled row ranges of xlseg's columns; more gaps than that: one range over the whole table


def _runs(rows, first: int, last: int) -> list:
    """[(first, last)] row ranges to style: the whole table (first..last), or, when the customers sit in at
    most MAX_RUNS runs of consecutive rows with long gaps between, those runs - blank rows cost no cells."""
    if last < first:
        return []
    rows = np.sort(np.asarray(rows, dtype=np.int64))
    if not len(rows):
        return [(first, last)]
    breaks = np.flatnonzero(np.diff(rows) > 1)
    if len(breaks) >= MAX_RUNS or len(rows) * 2 > last - first + 1:
        return [(first, last)]
    starts = np.concatenate(([rows[0]], rows[breaks + 1]))
    ends = np.concatenate((rows[breaks], [rows[-1]]))
    return [(int(a), int(b)) for a, b in zip(starts, ends)]




def build_plan(result: Result, layout: TableLayout | None, state: BookState, *,
               generated: str | None = None, formulas: bool = False, settings_rows: list | None = None,
               tx_layout: TableLayout | None = None, history=None, run_time=None,
               settings_config=None, frames: tuple = (None, None)) -> WritePlan:
    """Everything to write, decided before the first write.

    ``settings_config``: the values a new Settings sheet holds (the run's config without
    options given for this run only, such as ``--as-of``); default: the run's config.
    ``frames``: the customer and transaction tables as read (what the formulas' data sheet compares with).
    """
    lang = result.config.lang
    titles = owned_titles(state, lang)
    generated = generated or dt.datetime.now().strftime("%Y-%m-%d %H:%M:%S") + f" · xlseg {__version__}"
    cols = columns_plan(result, layout, state) if layout is not None else None
    # issue 7: History (append-only) and Migration, planned first: their notes (History capped, full, or
    # over 500,000 rows) belong on the Summary. ``history`` is what the History sheet held
    # (xlseg.plan.history_sheets.read_previous); without it an existing History is left alone.
    from xlseg.plan import history_sheets

    if history is None and sheet_marker("history") not in state.markers:
        history = history_sheets.PreviousHistory(None, history_sheets.H.from_rows([]), 0, False)
    hist = mig = append = None
    if history is not None:
        hist, mig, append = history_sheets.plans(result, history, titles, run_time)
    sheets = [
        summary_sheet(result, *titles["summary"], titles, generated),
        customers_sheet(result, *titles["customers"]),
        tags_sheet(result, *titles["tags"]),
        issues_sheet(result, *titles["issues"]),
        _settings(result, *titles["settings"], values=settings_config),
    ]
    if hist is not None:
        sheets.insert(1, mig)
        sheets.append(hist)
    appends = [append] if append is not None else []
    plan = WritePlan(cols, sheets, appends=appends)
    if formulas:  # the columns become live Excel formulas (xlseg.plan.formulas)
        from xlseg.plan.formulas import add_formulas

        add_formulas(plan, result, layout, state, settings_rows=settings_rows, tx_layout=tx_layout,
                     frames=frames, data_title=titles["data"])
    elif titles["data"][1] is not None:  # an earlier formulas run's data sheet, still ours: nothing reads it now
        plan.remove.append(titles["data"][1])
    return plan


def _settings(result: Result, title: str, replaces, values=None) -> SheetPlan:
    """A new Settings sheet: ``values`` (the settings without this run's options), else the run's config."""
    sp = settings_sheet(values if values is not None else result.config, title)
    sp.replaces = replaces
    return sp
