"""What every run decides before writing (file mode and live Excel): the sheets, the config, the result, the plan."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd

from xlseg.core import columns
from xlseg.core.config import Config
from xlseg.core.engine import Result, classify
from xlseg.errors import InputError
from xlseg.plan.build import BookState, build_plan, owned_titles
from xlseg.plan.write_plan import COLUMNS_MARKER, WritePlan, sheet_marker
from xlseg.read.table import TableLayout, blank_row_mask, detect, read_table, table_columns
from xlseg.plan.rows import Rows
from xlseg.plan.settings import first_run_config, read_settings

EXCEL_MAX_ROWS = 1_048_576
SHEET_ROWS = EXCEL_MAX_ROWS - 1  # customers one sheet holds below its header row
TOP_CUSTOMERS = 100_000  # customers a workbook shows when there are more than SHEET_ROWS


@dataclass
class Analysis:
    """Everything decided before the first write (shared by file mode and live Excel)."""

    result: Result
    plan: WritePlan
    state: BookState
    layout: TableLayout | None
    customer_sheet: str | None
    transaction_sheet: str | None
    full: Result | None = None  # every customer, when ``result`` shows only those a sheet holds


def _owned_sheet_titles(state: BookState) -> set:
    return {v[0] for k, v in state.markers.items() if k.startswith("xlseg_sheet_")}


def _blank_marked_columns(rows: list, state: BookState, sheet: str) -> list:
    """Hide xlseg's own columns from the reader (so they never feed back into a run)."""
    from xlseg.a1 import range_bounds

    for name, marked in state.markers.items():
        if not name.startswith(COLUMNS_MARKER) or not marked or marked[0] != sheet:
            continue
        c1, _r1, c2, _r2 = range_bounds(marked[1].replace("$", ""))
        if isinstance(rows, Rows):
            rows = rows.blanked(c1, c2)
            continue
        out = []
        for r in rows:
            r = list(r)
            for c in range(c1 - 1, min(c2, len(r))):
                r[c] = None
            out.append(tuple(r))
        rows = out
    return rows


def _rightmost(rows, layout: TableLayout) -> int:
    """The last column holding anything in the table's rows (header to last row)."""
    right = layout.last_col
    width = getattr(rows, "width", None)
    if width is None:
        width = max((len(r) for r in rows[layout.header_row - 1:layout.last_row]), default=0)
    if width <= right:
        return right
    _numbers, cols = table_columns(rows, layout.header_row - 1, layout.last_row, right, width)
    for j in range(len(cols) - 1, -1, -1):  # columns right of the table, from the far end
        if len(cols[j]) and not blank_row_mask([cols[j]]).all():
            return right + j + 1
    return right


def analyse(get_rows, state: BookState, *, sheet=None, transactions=None, as_of=None, lang=None,
            config: Config | None = None, progress=None, generated: str | None = None,
            formulas: bool = False, run_time=None, day_first: bool | None = None,
            new_settings: dict | None = None, right_edge=None, aggregated: pd.DataFrame | None = None,
            check=None, notes=(), release=None) -> Analysis:
    """Find the sheets, read Settings, classify and build the plan. ``get_rows(title)`` reads a sheet.

    ``as_of``, ``lang`` and ``day_first`` are for this run only; ``new_settings`` (e.g. the
    demo's ``{"lang": "zh"}``) are values a new Settings sheet is written with.

    ``right_edge(title, first_row, last_row)``, when given, is the last column the user occupies in
    those rows beyond what the values show (merged ranges, formulas without saved values): xlseg's
    columns go right of it.

    ``state`` lists the sheet titles in tab order and xlseg's markers; owned
    sheets are never taken for user data. ``check(title, layout, config)``, when given,
    is called for the customer and the transaction table before classifying
    (file mode: stop on formula columns without saved values). ``notes``: what
    reading the input decided (a CSV's encoding and dialect), said first among
    what the run understood (printed and on the Summary). ``aggregated``: per-customer metrics
    from order files (``xlseg.engines``), used instead of a transaction sheet. ``release(title)``, when given,
    is called for the customer and the transaction sheet once their tables are read: nothing here reads their
    rows again, so the reader may forget them (file mode: a full sheet's values are ~500 MB, issue 12).
    """
    owned = _owned_sheet_titles(state)
    settings_title = state.markers.get(sheet_marker("settings"), (None,))[0]
    config, settings_config = book_config(get_rows, state, as_of=as_of, lang=lang, day_first=day_first,
                                          config=config, new_settings=new_settings)
    candidates = [t for t in state.titles if t not in owned]
    sheet = sheet or config.customer_sheet
    transactions = transactions or config.transaction_sheet
    for name in (sheet, transactions):
        if name and name not in state.titles:
            raise InputError(f"There is no sheet '{name}'. Sheets in this workbook: {', '.join(state.titles)}.")

    cache = {}

    def rows_of(title):
        if title not in cache:
            cache[title] = _blank_marked_columns(get_rows(title), state, title)
        return cache[title]

    said = []  # which sheets were taken, and why (issue 11)
    if sheet is None or transactions is None:
        found_c, found_t = None, None
        more_c, more_t = [], []
        for title in candidates:
            if title in (sheet, transactions):
                continue
            layout = detect(rows_of(title), title)
            if layout is None:
                continue
            headers = list(layout.headers)
            if columns.looks_like(headers, "transactions"):
                (more_t if found_t is not None else []).append(title)
                found_t = found_t or title
            elif columns.looks_like(headers, "customers"):
                (more_c if found_c is not None else []).append(title)
                found_c = found_c or title
        for kind, found, more, option, detected in (("customer", found_c, more_c, "--sheet", sheet is None),
                                                    ("order", found_t, more_t, "--transactions", transactions is None)):
            if detected and found and more:
                said.append(f"Sheet '{found}' was used as the {kind} sheet: it is the first (leftmost) sheet that "
                            f"looks like one; {_quote(more)} also {'look' if len(more) > 1 else 'looks'} like "
                            f"{kind} sheets and {'were' if len(more) > 1 else 'was'} not used. Choose with {option} "
                            f"or {'customer_sheet' if kind == 'customer' else 'transaction_sheet'} in Settings.")
        if sheet is None and transactions is None:
            sheet, transactions = found_c, found_t
        elif sheet is None:
            sheet = found_c
        else:
            transactions = found_t
    if aggregated is not None:
        transactions = None  # the order files replace any transaction sheet
    if sheet is None and transactions is None and aggregated is None:
        raise InputError("No customer sheet found: no sheet has a header row with a customer-id column "
                         f"(e.g. 'Customer ID' or '客户编号') in its first 20 rows. Sheets: {', '.join(state.titles)}. "
                         "Add such a header or name the sheet with --sheet.")
    step = progress or (lambda _m: None)
    cust_frame, layout = (None, None)
    if sheet is not None:
        step(f"reading sheet '{sheet}'")
        cust_frame, layout = read_table(rows_of(sheet), sheet)
        right = _rightmost(rows_of(sheet), layout)
        if right_edge is not None:
            right = max(right, right_edge(sheet, layout.header_row, layout.last_row))
        layout = dataclasses.replace(layout, used_last_col=right)
        if check is not None:
            check(sheet, layout, config)
    tx_frame, tx_layout = None, None
    if transactions is not None:
        step(f"reading sheet '{transactions}'")
        tx_frame, tx_layout = read_table(rows_of(transactions), transactions)
        if check is not None:
            check(transactions, tx_layout, config)
    for title in {sheet, transactions} - {None}:  # the tables are read: their rows are not needed again
        cache.pop(title, None)
        if release is not None:
            release(title)
    result = classify(cust_frame, tx_frame, config, customer_sheet=sheet or "", transaction_sheet=transactions or "",
                      progress=step, explain=True, aggregated=aggregated)
    result.understood[:0] = list(notes) + said
    if as_of is not None and result.as_of is not None:  # say where as_of came from: this run's option
        result.understood[:] = [u.replace("set by as_of.", "given with --as-of for this run (Settings are unchanged).")
                                for u in result.understood]
    elif config.as_of is not None and result.as_of is not None:
        result.understood[:] = [u.replace("set by as_of.", f"as_of on sheet '{settings_title or 'Settings'}'.")
                                for u in result.understood]
    settings_rows = get_rows(settings_title) if formulas and settings_title in state.titles else None
    # issue 7: the History rows so far, through the same get_rows as every other sheet (both adapters)
    from xlseg.plan.history_sheets import read_previous

    history = read_previous(get_rows, state)
    full, result = result, fit_to_sheet(result)
    plan = build_plan(result, layout, state, generated=generated, formulas=formulas, settings_rows=settings_rows,
                      tx_layout=tx_layout, history=history, run_time=run_time, settings_config=settings_config,
                      frames=(cust_frame, tx_frame))
    return Analysis(result, plan, state, layout, sheet, transactions, full=full)


def book_config(get_rows, state: BookState, *, as_of=None, lang=None, day_first=None, config: Config | None = None,
                new_settings: dict | None = None):
    """(the run's Config, the Config a new Settings sheet is written with, or None).

    The workbook's Settings sheet (or the one a first run writes); the options win for this run only.
    """
    overrides = {"as_of": as_of, "lang": lang, "day_first": day_first}
    settings_title = state.markers.get(sheet_marker("settings"), (None,))[0]
    # Options are for this run only: a new Settings sheet holds the values without them.
    settings_config = None
    if config is None:
        if settings_title in state.titles:
            config = read_settings(get_rows(settings_title), sheet=settings_title, date1904=state.date1904,
                                   **overrides)
        else:
            title_for = (lambda lang: owned_titles(state, lang)["settings"][0])
            config = first_run_config(title_for, **{**(new_settings or {}), **{k: v for k, v in overrides.items()
                                                                                if v is not None}})
            settings_config = first_run_config(title_for, **(new_settings or {}))
    elif any(v is not None for v in overrides.values()):
        settings_config = config
        config = config.replace(**{k: v for k, v in overrides.items() if v is not None})
    return config, settings_config


def fit_to_sheet(result: Result) -> Result:
    """At most SHEET_ROWS customers: all those of the customer sheet, then the TOP_CUSTOMERS most valuable others.

    Only order files can bring that many (``xlseg.filemode.orders``); the Summary says so in a note.
    """
    c = result.customers
    if len(c) <= SHEET_ROWS:
        return result
    on_sheet = c["source_row"].notna().to_numpy()
    others = c.loc[~on_sheet, "monetary"].sort_values(ascending=False, kind="stable").index[:TOP_CUSTOMERS]
    keep = c.index[on_sheet].append(others).sort_values()
    shown = c.loc[keep]
    note = (f"The Customers sheet shows {len(shown):,} of {len(c):,} customers: those on the customer sheet, then "
            f"the most valuable (a sheet holds {SHEET_ROWS:,} rows). Every customer's result: --customers-out FILE.")
    return dataclasses.replace(result, customers=shown, flags=result.flags.loc[keep],
                               tags=result.tags[result.tags["customer_id"].isin(set(shown["customer_id"]))],
                               notes=[note] + list(result.notes))


def _quote(titles: list) -> str:
    quoted = [f"'{t}'" for t in titles]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
