"""File mode: classify a workbook (.xlsx, .xlsm) or a CSV file, end to end.

Everything is read and computed before anything is written; the output is
written to a temporary file next to the target by the package editor (xlseg.ooxml), proven to
leave every part xlseg does not own byte-identical (xlseg.ooxml.proof),
and only then moved into place (atomic replace). A failed run leaves every
existing file as it was.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlseg.core import columns
from xlseg.core.config import Config
from xlseg.core.engine import Result, classify
from xlseg.errors import InputError, WorkbookError, WouldLoseDataError, XlsegError
from xlseg.read.book import check_formulas, open_book
from xlseg.read.delimited import read_delimited
from xlseg.workbook.build import TITLES, BookState, build_plan, owned_titles
from xlseg.workbook.plan import COLUMNS_MARKER, WritePlan, sheet_marker
from xlseg.workbook.read import TableLayout, detect, read_table
from xlseg.workbook.settings import first_run_config, read_settings

EXCEL_MAX_ROWS = 1_048_576
SHEET_ROWS = EXCEL_MAX_ROWS - 1  # customers one sheet holds below its header row
TOP_CUSTOMERS = 100_000  # customers a workbook shows when there are more than SHEET_ROWS
SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass
class FileRun:
    result: Result
    plan: WritePlan
    output: Path
    backup: Path | None = None
    full: Result | None = None  # every customer, when ``result`` shows only those a sheet holds


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


def _rightmost(rows: list, layout: TableLayout) -> int:
    """The last column holding anything in the table's rows (header to last row)."""
    right = layout.last_col
    for row in rows[layout.header_row - 1:layout.last_row]:
        for c in range(len(row) - 1, right - 1, -1):
            v = row[c]
            if v is not None and not (isinstance(v, str) and not v.strip()):
                right = c + 1
                break
    return right


def analyse(get_rows, state: BookState, *, sheet=None, transactions=None, as_of=None, lang=None,
            config: Config | None = None, progress=None, generated: str | None = None,
            formulas: bool = False, run_time=None, day_first: bool | None = None,
            new_settings: dict | None = None, right_edge=None, aggregated: pd.DataFrame | None = None,
            check=None, notes=()) -> Analysis:
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
    from order files (``xlseg.engines``), used instead of a transaction sheet.
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
    from xlseg.workbook.history_sheets import read_previous

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
            config = read_settings(get_rows(settings_title), sheet=settings_title, **overrides)
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

    Only order files can bring that many (``xlseg.workbook.orders``); the Summary says so in a note.
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


# ------------------------------------------------------------------ files
def _csv_sheet(path: Path, rows: list):
    """The CSV data as a user sheet written fresh (values are data: text that looks like a formula stays text)."""
    from xlseg.workbook.plan import Block, SheetPlan, Style, ref

    title = (path.stem[:31] or "Customers").translate(str.maketrans("[]:*?/\\", "_______"))
    sp = SheetPlan("data", title)
    sp.blocks.append(Block(1, 1, [list(r) for r in rows]))
    sp.styles.append(Style(ref(1, 1, 1, max(len(rows[0]), 1)), bold=True))
    return sp


def _state_of(book) -> BookState:
    """Sheet titles and xlseg's markers, from the workbook part."""
    from xlseg.ooxml.workbook_part import split_ref

    markers = {}
    for name, local, text in book.wb.defined_names():
        if local is None and name.startswith("xlseg_"):
            ref = split_ref(text)
            if ref is not None:
                markers[name] = ref
    return BookState(titles=[s.name for s in book.wb.sheets()], markers=markers)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _free_backup(path: Path) -> Path:
    """``book.backup.xlsx``, or the first free ``book.backup-N.xlsx``: an earlier backup is never overwritten."""
    backup = path.with_name(f"{path.stem}.backup{path.suffix}")
    n = 2
    while backup.exists():
        backup = path.with_name(f"{path.stem}.backup-{n}{path.suffix}")
        n += 1
    return backup


def _check_target(target: Path) -> None:
    """A clear refusal before any work when the output cannot be written."""
    folder = target.parent
    if not folder.exists():
        raise WorkbookError(f"The folder '{folder}' does not exist. Create it, or choose another output with -o.")
    if not folder.is_dir():
        raise WorkbookError(f"'{folder}' is not a folder. Choose another output with -o.")
    for lock in (folder / f"~${target.name}", folder / f".~lock.{target.name}#"):
        if lock.exists():
            raise WorkbookError(f"'{target.name}' is open in Excel or LibreOffice (lock file '{lock.name}'). Close "
                                "it there and run again; nothing was written.")
    if target.exists() and (not os.access(target, os.W_OK) or not target.stat().st_mode & 0o200):
        raise WorkbookError(f"'{target}' is read-only. Make it writable (or choose another output with -o) and "
                            "run again; nothing was written.")
    if not os.access(folder, os.W_OK):
        raise WorkbookError(f"The folder '{folder}' is not writable. Choose another output with -o; nothing "
                            "was written.")


def _tmp_next_to(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)


def classify_file(path, output=None, *, sheet=None, transactions=None, as_of=None, lang=None, in_place=False,
                  progress=None, generated: str | None = None, formulas: bool = False, run_time=None,
                  day_first: bool | None = None, new_settings: dict | None = None,
                  aggregated: pd.DataFrame | None = None) -> FileRun:
    """Classify ``path`` and write the result to ``output`` (default: ``<name>_classified.xlsx``).

    ``formulas=True``: xlseg's columns on the customer sheet are live Excel formulas reading their
    parameters from Settings (see :mod:`xlseg.workbook.formulas`), not values.
    """
    from xlseg.ooxml.editor import Book, write_plan
    from xlseg.ooxml.fresh import empty_package
    from xlseg.ooxml.package import Package
    from xlseg.ooxml.proof import prove

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
    if not in_place and target.exists() and _same_file(target, path):
        in_place = True  # -o naming the input itself: edited in place, with a backup
    if target.is_symlink() or in_place:
        target = target.resolve()  # edit the file a link points to; the link stays a link
    if in_place:
        path = target
    if target.suffix.lower() not in (".xlsx", ".xlsm"):
        raise XlsegError(f"The output '{target.name}' must end in .xlsx or .xlsm.")
    if suffix == ".xlsm" and target.suffix.lower() != ".xlsm":
        raise XlsegError(f"'{path.name}' has macros; write to an .xlsm file so they are kept (e.g. -o "
                         f"{path.stem}_classified.xlsm).")

    _check_target(target)
    step("loading workbook")
    base_sheets = []
    reader, notes, check = None, (), None
    if suffix == ".csv":
        data = read_delimited(path, max_rows=EXCEL_MAX_ROWS - 1)
        rows, notes = data.rows, data.notes
        base = _csv_sheet(path, rows)
        base_sheets = [base]
        pkg = Package(empty_package(), name=path.name)
        state = BookState(titles=[base.title])
        get_rows = {base.title: rows}.__getitem__
    else:
        # issue 12: values read with calamine (xlseg.read), never a whole openpyxl load; the reader checks the
        # container, sizes and parts first, so its messages (password, zip bomb, damage) come before any other
        reader = open_book(path)
        try:
            pkg = Package(path, name=path.name)
        except BaseException:
            reader.close()
            raise
        book = Book(pkg)
        get_rows = reader.rows

        def check(title, layout, config):
            check_formulas(reader, title, layout, config)

        def right_edge(title, first_row, last_row):
            """Merged ranges (the editor's book) and formulas without a saved value (blank to calamine)."""
            formulas = reader.scan(title).formula_rows
            return max([book.right_edge(title, first_row, last_row)] +
                       [c for r, c in formulas.items() if first_row <= r <= last_row])

        from xlseg.workbook.markers import trusted

        state = trusted(_state_of(book), get_rows, book.tables_on)
    try:
        analysis = analyse(get_rows, state, sheet=sheet, transactions=transactions, as_of=as_of, lang=lang,
                           progress=step, generated=generated, formulas=formulas, run_time=run_time,
                           day_first=day_first, new_settings=new_settings,
                           right_edge=None if suffix == ".csv" else right_edge, aggregated=aggregated,
                           check=check, notes=notes)
        step("saving")
        tmp = _tmp_next_to(target)
        try:
            written = write_plan(pkg, tmp, analysis.plan, state.markers, macro=target.suffix.lower() == ".xlsm",
                                 base_sheets=base_sheets, customers_title=analysis.plan.sheet("customers").title)
            if suffix != ".csv":
                step("checking")
                lost = prove(pkg, tmp, written)
                if lost:
                    alt = _results_only(analysis, target)
                    raise WouldLoseDataError(
                        f"Not saved: writing '{target.name}' would change parts of your workbook that xlseg does "
                        "not own:\n  - " + "\n  - ".join(lost) +
                        f"\nYour file is unchanged. The results were written to '{alt}' instead; copy the sheets "
                        "you need from there, or run Reclassify from the xlseg ribbon in Excel, which keeps "
                        "everything.")
            backup = None
            os.chmod(tmp, (target if target.exists() else path).stat().st_mode & 0o7777)
            if in_place:
                backup = _free_backup(path)
                shutil.copy2(path, backup)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
    finally:
        pkg.close()
        if reader is not None:
            reader.close()
    return FileRun(analysis.result, analysis.plan, target, backup, full=analysis.full)


def history_frame(path) -> pd.DataFrame:
    """The History rows of a workbook file (for ``xlseg history``); empty when it has none."""
    from xlseg.workbook.history_sheets import read_previous

    with open_book(path) as book:
        return read_previous(book.rows, book.state).frame


def _results_only(analysis: Analysis, target: Path) -> Path:
    """A new workbook with only xlseg's sheets (and the classified customers), next to the target."""
    from xlseg.ooxml.editor import write_plan
    from xlseg.ooxml.fresh import empty_package
    from xlseg.ooxml.package import Package

    empty = BookState(titles=[])
    titles = owned_titles(empty, analysis.result.config.lang)
    sheets = [_copy_plan(sp, titles[sp.key][0]) for sp in analysis.plan.sheets]
    alt = target.with_name(f"{target.stem}.xlseg-results.xlsx")
    tmp = _tmp_next_to(alt)
    try:
        with Package(empty_package(), name=alt.name) as pkg:
            write_plan(pkg, tmp, WritePlan(None, sheets), {})
        os.replace(tmp, alt)
    finally:
        if tmp.exists():
            tmp.unlink()
    return alt


def _copy_plan(sp, title):
    import dataclasses

    return dataclasses.replace(sp, title=title, replaces=None, keep_existing=False)


__all__ = ["classify_file", "analyse", "history_frame", "FileRun", "Analysis", "default_output", "TITLES"]
