"""File mode: classify a workbook (.xlsx, .xlsm) or a CSV file, end to end.

Everything is read and computed before anything is written; the output is
saved to a temporary file next to the target, checked by the no-loss guard,
and only then moved into place (atomic replace). A failed run leaves every
existing file as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlseg.core import columns
from xlseg.core.config import Config
from xlseg.core.engine import Result, classify
from xlseg.errors import InputError, WorkbookError, WouldLoseDataError, XlsegError
from xlseg.read.book import check_formulas, open_book
from xlseg.read.delimited import read_delimited
from xlseg.workbook import guard
from xlseg.workbook.build import TITLES, BookState, build_plan, owned_titles
from xlseg.workbook.plan import COLUMNS_MARKER, WritePlan, is_risky_text, sheet_marker
from xlseg.workbook.read import TableLayout, detect, read_table
from xlseg.workbook.settings import first_run_config, read_settings

EXCEL_MAX_ROWS = 1_048_576
SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass
class FileRun:
    result: Result
    plan: WritePlan
    output: Path
    backup: Path | None = None


@dataclass
class Analysis:
    """Everything decided before the first write (shared by file mode and live Excel)."""

    result: Result
    plan: WritePlan
    state: BookState
    layout: TableLayout | None
    customer_sheet: str | None
    transaction_sheet: str | None


def default_output(path: Path) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}_classified{suffix}")


def _owned_sheet_titles(state: BookState) -> set:
    return {v[0] for k, v in state.markers.items() if k.startswith("xlseg_sheet_")}


def _blank_marked_columns(rows: list, state: BookState, sheet: str) -> list:
    """Hide xlseg's own columns from the reader (so they never feed back into a run)."""
    from openpyxl.utils.cell import range_boundaries

    for name, marked in state.markers.items():
        if not name.startswith(COLUMNS_MARKER) or not marked or marked[0] != sheet:
            continue
        c1, _r1, c2, _r2 = range_boundaries(marked[1].replace("$", ""))
        out = []
        for r in rows:
            r = list(r)
            for c in range(c1 - 1, min(c2, len(r))):
                r[c] = None
            out.append(tuple(r))
        rows = out
    return rows


def analyse(get_rows, state: BookState, *, sheet=None, transactions=None, as_of=None, lang=None,
            config: Config | None = None, progress=None, generated: str | None = None,
            formulas: bool = False, run_time=None, day_first: bool | None = None,
            new_settings: dict | None = None, check=None, notes=()) -> Analysis:
    """Find the sheets, read Settings, classify and build the plan. ``get_rows(title)`` reads a sheet.

    ``as_of``, ``lang`` and ``day_first`` are for this run only; ``new_settings`` (e.g. the
    demo's ``{"lang": "zh"}``) are values a new Settings sheet is written with.

    ``state`` lists the sheet titles in tab order and xlseg's markers; owned
    sheets are never taken for user data. ``check(title, layout, config)``, when given,
    is called for the customer and the transaction table before classifying
    (file mode: stop on formula columns without saved values). ``notes``: what
    reading the input decided (a CSV's encoding and dialect), said first among
    what the run understood (printed and on the Summary).
    """
    owned = _owned_sheet_titles(state)
    overrides = {"as_of": as_of, "lang": lang, "day_first": day_first}
    settings_title = state.markers.get(sheet_marker("settings"), (None,))[0]
    # Options are for this run only: a new Settings sheet holds the values without them.
    settings_config = None
    if config is None:
        if settings_title in state.titles:
            config = read_settings(get_rows(settings_title), sheet=settings_title, **overrides)
        else:
            title_for = (lambda lang: owned_titles(state, lang)["settings"][0])
            config = first_run_config(title_for, **{**(new_settings or {}), **{k: v for k, v in overrides.items()
                                                                                if v is not None}})
            settings_config = first_run_config(title_for, **(new_settings or {}))
    elif any(v is not None for v in overrides.values()):
        settings_config = config
        config = config.replace(**{k: v for k, v in overrides.items() if v is not None})
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
    if sheet is None and transactions is None:
        raise InputError("No customer sheet found: no sheet has a header row with a customer-id column "
                         f"(e.g. 'Customer ID' or '客户编号') in its first 20 rows. Sheets: {', '.join(state.titles)}. "
                         "Add such a header or name the sheet with --sheet.")
    step = progress or (lambda _m: None)
    cust_frame, layout = (None, None)
    if sheet is not None:
        step(f"reading sheet '{sheet}'")
        cust_frame, layout = read_table(rows_of(sheet), sheet)
        if check is not None:
            check(sheet, layout, config)
    tx_frame, tx_layout = None, None
    if transactions is not None:
        step(f"reading sheet '{transactions}'")
        tx_frame, tx_layout = read_table(rows_of(transactions), transactions)
        if check is not None:
            check(transactions, tx_layout, config)
    result = classify(cust_frame, tx_frame, config, customer_sheet=sheet or "", transaction_sheet=transactions or "",
                      progress=step, explain=True)
    result.understood[:0] = list(notes) + said
    if as_of is not None and result.as_of is not None:  # say where as_of came from: this run's option
        result.understood[:] = [u.replace("set by as_of.", "given with --as-of for this run (Settings are unchanged).")
                                for u in result.understood]
    elif config.as_of is not None and result.as_of is not None:
        result.understood[:] = [u.replace("set by as_of.", f"as_of on sheet '{settings_title or 'Settings'}'.")
                                for u in result.understood]
    settings_rows = get_rows(settings_title) if formulas and settings_title in state.titles else None
    # issue 7: the History rows so far, through the same get_rows as every other sheet (both adapters)
    from xlseg.workbook.history_sheets import read_previous

    history = read_previous(get_rows, state)
    plan = build_plan(result, layout, state, generated=generated, formulas=formulas, settings_rows=settings_rows,
                      tx_layout=tx_layout, history=history, run_time=run_time, settings_config=settings_config)
    return Analysis(result, plan, state, layout, sheet, transactions)


def _quote(titles: list) -> str:
    quoted = [f"'{t}'" for t in titles]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# ------------------------------------------------------------------ files
def _load(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # openpyxl warns on stderr about parts it drops (sparklines, extensions ...); the no-loss guard
        # reports those as one clear message instead, so its warnings must not reach the user.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return openpyxl.load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise WorkbookError(f"'{path.name}' could not be read as an Excel workbook ({type(exc).__name__}: {exc}). "
                            "Save it from Excel as .xlsx (or .xlsm) and try again.") from None


def _workbook_from_rows(title: str, rows: list):
    """A fresh openpyxl workbook holding a CSV's rows (the writer until the package editor replaces it)."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, row in enumerate(rows, start=1):
        ws.append(row)
        for c, value in enumerate(row, start=1):
            if value.__class__ is str and is_risky_text(value):  # CSV cells are data, never formulas
                cell = ws.cell(r, c)
                cell.data_type = "s"
                cell.quotePrefix = True
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    return wb


def csv_title(path: Path) -> str:
    return (path.stem[:31] or "Customers").translate(str.maketrans("[]:*?/\\", "_______"))


def _save_atomic(wb, target: Path) -> Path:
    """Save next to ``target`` under a temporary name; return that path (caller replaces)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    try:
        wb.save(tmp)
    except Exception:
        os.unlink(tmp)
        raise
    return Path(tmp)


def classify_file(path, output=None, *, sheet=None, transactions=None, as_of=None, lang=None, in_place=False,
                  progress=None, generated: str | None = None, formulas: bool = False, run_time=None,
                  day_first: bool | None = None, new_settings: dict | None = None) -> FileRun:
    """Classify ``path`` and write the result to ``output`` (default: ``<name>_classified.xlsx``).

    ``formulas=True``: xlseg's columns on the customer sheet are live Excel formulas reading their
    parameters from Settings (see :mod:`xlseg.workbook.formulas`), not values.
    """
    path = Path(path)
    step = progress or (lambda _m: None)
    if not path.exists():
        raise WorkbookError(f"'{path}' does not exist. Check the path.")
    if path.is_dir():
        raise WorkbookError(f"'{path}' is a folder. Give a workbook (.xlsx, .xlsm) or a .csv file.")
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsb"):
        open_book(path)  # raises the message for these formats
    if suffix not in SUFFIXES:
        raise WorkbookError(f"'{path.name}' is not a .xlsx, .xlsm or .csv file. Save it from Excel as .xlsx "
                            "(Excel 97-2003 .xls files must be re-saved as .xlsx).")
    if in_place and output is not None:
        raise XlsegError("Use either --in-place or -o/--output, not both.")
    if in_place and suffix == ".csv":
        raise XlsegError("--in-place needs a workbook: a CSV file cannot hold xlseg's sheets. Use -o BOOK.xlsx.")
    target = path if in_place else Path(output) if output is not None else default_output(path)
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise XlsegError(f"The output '{target.name}' must end in .xlsx or .xlsm.")
    if suffix == ".xlsm" and target.suffix.lower() != ".xlsm":
        raise XlsegError(f"'{path.name}' has macros; write to an .xlsm file so they are kept (e.g. -o "
                         f"{path.stem}_classified.xlsm).")

    step("loading workbook")
    from xlseg.workbook import xlsx

    options = dict(sheet=sheet, transactions=transactions, as_of=as_of, lang=lang, progress=step,
                   generated=generated, formulas=formulas, run_time=run_time, day_first=day_first,
                   new_settings=new_settings)
    if suffix == ".csv":
        data = read_delimited(path, max_rows=EXCEL_MAX_ROWS - 1)
        title = csv_title(path)
        state = BookState(titles=[title])
        analysis = analyse(lambda _t: data.rows, state, notes=data.notes, **options)
        wb = _workbook_from_rows(title, data.rows)
    else:
        with open_book(path) as book:  # issue 12: read with calamine, never a whole openpyxl load to read
            state = book.state
            analysis = analyse(book.rows, state, check=lambda t, layout, cfg: check_formulas(book, t, layout, cfg),
                               **options)
        step("loading workbook for writing")
        wb = _load(path)  # the openpyxl writer until the package editor (issue 12, xlseg/ooxml) replaces it
    xlsx.execute(wb, analysis.plan, state, progress=step)
    step("saving")
    tmp = _save_atomic(wb, target)
    try:
        if suffix != ".csv":
            replaced = {sp.replaces for sp in analysis.plan.sheets if sp.replaces and not sp.keep_existing}
            lost = guard.losses(guard.inventory(path), guard.inventory(tmp), ignore_sheets=replaced)
            if lost:
                alt = _results_only(analysis, target)
                raise WouldLoseDataError(
                    f"Not saved: writing '{target.name}' through openpyxl would lose parts of your workbook that "
                    "xlseg cannot carry:\n  - " + "\n  - ".join(lost) +
                    f"\nYour file is unchanged. The results were written to '{alt}' instead; copy the sheets you "
                    "need from there, or run Reclassify from the xlseg ribbon in Excel, which keeps everything.")
        backup = None
        if in_place:
            backup = path.with_name(f"{path.stem}.backup{path.suffix}")
            shutil.copy2(path, backup)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return FileRun(analysis.result, analysis.plan, target, backup)


def history_frame(path) -> pd.DataFrame:
    """The History rows of a workbook file (for ``xlseg history``); empty when it has none."""
    from xlseg.workbook.history_sheets import read_previous

    with open_book(path) as book:
        return read_previous(book.rows, book.state).frame


def _results_only(analysis: Analysis, target: Path) -> Path:
    """A new workbook with only xlseg's sheets (and the classified customers), next to the target."""
    import openpyxl

    from xlseg.workbook import xlsx

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    empty = BookState(titles=[])
    titles = owned_titles(empty, analysis.result.config.lang)
    for sp in analysis.plan.sheets:
        sp = _copy_plan(sp, titles[sp.key][0])
        xlsx.write_sheet(wb, sp)
    alt = target.with_name(f"{target.stem}.xlseg-results.xlsx")
    tmp = _save_atomic(wb, alt)
    os.replace(tmp, alt)
    return alt


def _copy_plan(sp, title):
    import dataclasses

    return dataclasses.replace(sp, title=title, replaces=None, keep_existing=False)


__all__ = ["classify_file", "analyse", "history_frame", "FileRun", "Analysis", "default_output", "TITLES"]
