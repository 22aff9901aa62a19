"""The setup doctor's checks of a running Excel: version, dynamic arrays, VBA project access, workbook, date system.

xlwings' open API has Excel's version and the books; for dynamic arrays, access to the VBA project model and
a workbook's date system it has none, so these three read COM members through ``.api`` (Windows), exactly
as xlwings itself does where it needs them (``xlwings.udfs.has_dynamic_array``, ``import_udfs``; the date
system also through AppleScript on a Mac, ``excel.cells.date1904``). When ``.api`` cannot answer (Excel for
Mac's AppleScript, a refused call) the item says "not checked".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xlseg.excel.cells import date1904

OK, PROBLEM, WARNING, NOT_CHECKED = "ok", "problem", "warning", "not checked"


@dataclass(frozen=True)
class Finding:
    """One checked item (of the doctor's, xlseg.doctor): what was found and, when not ok, what to do."""

    key: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {OK: "[ok]", PROBLEM: "[PROBLEM]", WARNING: "[warning]", NOT_CHECKED: "[not checked]"}[self.status]
        text = f"{mark} {self.key}: {self.detail}"
        return text + (f"\n      fix: {self.fix}" if self.fix else "")


EXCEL_KEYS = ("excel", "dynamic-arrays", "vba-access", "workbook", "date-system")
ADDIN = "xlseg.xlam"
TRUST = ("In Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings > tick 'Trust access "
         "to the VBA project object model' (needed once, for Import Functions)")


def running_excel():
    """The active Excel instance, or None when none is running (or xlwings cannot reach Excel)."""
    try:
        import xlwings as xw

        return xw.apps.active if xw.apps.count else None
    except Exception:  # noqa: BLE001 - no Excel here: the doctor reports that
        return None


def installed_addin(app) -> Path | None:
    """The xlseg.xlam Excel has loaded, else the one in its startup folder; None if neither."""
    try:
        return Path(app.books[ADDIN].fullname)
    except Exception:  # noqa: BLE001 - not loaded: look in the startup folder
        pass
    try:
        path = Path(app.startup_path) / ADDIN
    except Exception:  # noqa: BLE001
        return None
    return path if path.is_file() else None


def not_here(reason: str) -> list[Finding]:
    return [Finding(key, NOT_CHECKED, reason) for key in EXCEL_KEYS]


def _api_call(action):
    """(True, value) or (False, the exception) for one COM read."""
    try:
        return True, action()
    except Exception as exc:  # noqa: BLE001 - pywintypes.com_error, AttributeError (Mac, no COM) ...
        return False, exc


def check_excel(app) -> Finding:
    try:
        version = app.version
    except Exception as exc:  # noqa: BLE001
        return Finding("excel", PROBLEM, f"Excel did not say its version ({exc})", "Restart Excel and check again")
    if version.major < 16:
        return Finding("excel", PROBLEM, f"Excel {version}: xlseg needs Excel 2016 or newer (Microsoft 365 for "
                       "spilling worksheet functions)", "Update Excel")
    return Finding("excel", OK, f"Excel {version}")


def check_dynamic_arrays(app) -> Finding:
    ok, value = _api_call(lambda: app.api.WorksheetFunction.Unique("dummy"))
    if ok:
        return Finding("dynamic-arrays", OK, "dynamic arrays: =SEG_TIER(table) spills one value per row")
    if isinstance(value, AttributeError):
        return Finding("dynamic-arrays", NOT_CHECKED, "Excel does not answer this question here (Excel for Mac "
                       "has no worksheet functions from xlwings)")
    return Finding("dynamic-arrays", WARNING, "no dynamic arrays (Excel 2019 or older): a function over a whole "
                   "table shows only its first value",
                   "Give a range of ids as the second argument (one value per id), enter it as an array formula "
                   "(Ctrl+Shift+Enter), or use Reclassify")


def check_vba_access(app) -> Finding:
    try:
        book = app.books[ADDIN]
    except Exception:  # noqa: BLE001
        book = None
    if book is None:
        return Finding("vba-access", NOT_CHECKED, "the xlseg add-in is not loaded in this Excel",
                       "Run: xlseg addin install, then restart Excel")
    ok, value = _api_call(lambda: book.api.VBProject.VBComponents.Count)
    if ok:
        return Finding("vba-access", OK, "Python may write the VBA project (Import Functions works)")
    if isinstance(value, AttributeError):
        return Finding("vba-access", NOT_CHECKED, "Excel does not answer this question here")
    return Finding("vba-access", PROBLEM, "access to the VBA project object model is not trusted: Import "
                   "Functions fails", TRUST)


def check_workbook(app, book=None) -> tuple[Finding, object]:
    if book is None:
        try:
            book = app.books.active
        except Exception:  # noqa: BLE001 - no workbook open
            book = None
    if book is None:
        return Finding("workbook", PROBLEM, "no workbook is open: Import Functions stops with VBA error 91 "
                       "(Object variable not set)", "Open or create a workbook (File > New), then click "
                       "Import Functions again"), None
    return Finding("workbook", OK, f"active workbook: {book.name}"), book


def check_date_system(book) -> Finding:
    if book is None:
        return Finding("date-system", NOT_CHECKED, "no workbook open")
    value = date1904(book)
    if value is None:
        return Finding("date-system", NOT_CHECKED, "Excel does not answer this question here")
    if value:
        return Finding("date-system", OK, f"{book.name} uses the 1904 date system; xlseg counts a number "
                       "given as a date (as_of 45000 on the Settings sheet, =TODAY() in a SEG_ function) in it")
    return Finding("date-system", OK, f"{book.name} uses the 1900 date system")


def excel_side(app, book=None) -> list[Finding]:
    workbook, book = check_workbook(app, book)
    return [check_excel(app), check_dynamic_arrays(app), check_vba_access(app), workbook, check_date_system(book)]
