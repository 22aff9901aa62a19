"""File mode: classify a workbook (.xlsx, .xlsm) or a CSV file, end to end.

Everything is read and computed before anything is written; the output is
written to a temporary file next to the target by the package editor (xlseg.ooxml), proven to
leave every part xlseg does not own byte-identical (xlseg.ooxml.proof),
and only then moved into place (atomic replace). A failed run leaves every
existing file as it was. What a run decides is :func:`xlseg.plan.analyse.analyse` (shared
with live Excel); the output's checks, temporary file and backup are :mod:`xlseg.filemode.target`.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xlseg.core.engine import Result
from xlseg.errors import WorkbookError, WouldLoseDataError, XlsegError
from xlseg.read.book import check_formulas, open_book
from xlseg.read.delimited import read_delimited
from xlseg.plan.build import TITLES, BookState, owned_titles
from xlseg.plan.write_plan import WritePlan
from xlseg.plan.rows import Rows
from xlseg.plan.analyse import EXCEL_MAX_ROWS, Analysis, analyse
from xlseg.plan.analyse import SHEET_ROWS, TOP_CUSTOMERS, book_config, fit_to_sheet  # noqa: F401 (re-exported)
from xlseg.filemode.target import _check_target, _free_backup, _same_file, _tmp_next_to

SUFFIXES = (".xlsx", ".xlsm", ".csv")


@dataclass
class FileRun:
    result: Result
    plan: WritePlan
    output: Path
    backup: Path | None = None
    full: Result | None = None  # every customer, when ``result`` shows only those a sheet holds


def default_output(path: Path) -> Path:
    suffix = ".xlsm" if path.suffix.lower() == ".xlsm" else ".xlsx"
    return path.with_name(f"{path.stem}_classified{suffix}")


# ------------------------------------------------------------------ files
def _csv_sheet(path: Path, rows: list):
    """The CSV data as a user sheet written fresh (values are data: text that looks like a formula stays text)."""
    from xlseg.plan.write_plan import Block, SheetPlan, Style, ref

    title = (path.stem[:31] or "Customers").translate(str.maketrans("[]:*?/\\", "_______"))
    sp = SheetPlan("data", title)
    sp.blocks.append(Block(1, 1, rows if isinstance(rows, Rows) else [list(r) for r in rows]))
    sp.styles.append(Style(ref(1, 1, 1, max(len(rows[0]), 1)), bold=True))
    return sp


def _state_of(book) -> BookState:
    """Sheet titles and xlseg's markers, from the workbook part."""
    from xlseg.a1 import split_ref

    markers = {}
    for name, local, text in book.wb.defined_names():
        if local is None and name.startswith("xlseg_"):
            ref = split_ref(text)
            if ref is not None:
                markers[name] = ref
    return BookState(titles=[s.name for s in book.wb.sheets()], markers=markers, date1904=book.wb.date1904)


def classify_file(path, output=None, *, sheet=None, transactions=None, as_of=None, lang=None, in_place=False,
                  progress=None, generated: str | None = None, formulas: bool = False, run_time=None,
                  day_first: bool | None = None, new_settings: dict | None = None,
                  aggregated: pd.DataFrame | None = None) -> FileRun:
    """Classify ``path`` and write the result to ``output`` (default: ``<name>_classified.xlsx``).

    ``formulas=True``: xlseg's columns on the customer sheet are live Excel formulas reading their
    parameters from Settings (see :mod:`xlseg.plan.formulas`), not values.
    """
    from xlseg.memory import release_unused
    from xlseg.ooxml.editor import Book, write_plan
    from xlseg.ooxml.fresh import empty_package
    from xlseg.ooxml.package import Package
    from xlseg.ooxml.proof import prove

    path = Path(path)
    told = progress or (lambda _m: None)

    def step(message: str) -> None:
        release_unused()
        told(message)

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

        from xlseg.plan.markers import trusted

        state = trusted(_state_of(book), get_rows, book.tables_on)
    try:
        analysis = analyse(get_rows, state, sheet=sheet, transactions=transactions, as_of=as_of, lang=lang,
                           progress=step, generated=generated, formulas=formulas, run_time=run_time,
                           day_first=day_first, new_settings=new_settings,
                           right_edge=None if suffix == ".csv" else right_edge, aggregated=aggregated,
                           check=check, notes=notes, release=None if reader is None else reader.forget)
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
    from xlseg.read.history_part import history_frame as read_history

    return read_history(path)


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
