"""The ribbon's entry point: Reclassify the active workbook in Excel.

``xlseg.main()`` is what the add-in's ribbon macro runs (``RunPython "import
xlseg;xlseg.main()"``). Everything is read and computed before the first
write; the user sees progress in the status bar and, on any problem, one alert
with the same message the CLI prints - never a traceback.
"""

from __future__ import annotations

from xlseg.errors import XlsegError

TITLE = "xlseg"


def _alert(app, message: str) -> None:
    try:
        app.alert(message, title=TITLE, buttons="ok", mode="critical")
    except Exception:  # the alert itself failed (e.g. Excel busy): nothing more we can do safely
        pass


def reclassify(book, *, sheet: str | None = None, progress=None, generated: str | None = None, run_time=None,
               formulas: bool = False):
    """Reclassify ``book`` (an ``xlwings.Book``); returns the Analysis, or None after an alert."""
    from xlseg.core import columns
    from xlseg.excel.adapter import ExcelBook
    from xlseg.read.table import detect
    from xlseg.plan.analyse import analyse

    app = book.app
    excel = ExcelBook(book)

    def status(message: str) -> None:
        app.status_bar = f"xlseg: {message}…"

    step = progress or status
    old_screen, old_calc = app.screen_updating, app.calculation
    try:
        step("reading the workbook")
        state = excel.state()
        owned = {v[0] for k, v in state.markers.items() if k.startswith("xlseg_sheet_")}
        active = excel.active_title()
        if sheet is None and active is not None and active not in owned:
            layout = detect(excel.rows(active), active)
            if layout is not None and columns.looks_like(list(layout.headers), "customers") and \
                    not columns.looks_like(list(layout.headers), "transactions"):
                sheet = active
        analysis = analyse(excel.rows, state, sheet=sheet, progress=step, generated=generated, run_time=run_time,
                           formulas=formulas)
        app.screen_updating = False
        app.calculation = "manual"
        excel.execute(analysis.plan, state, progress=step)
        return analysis
    except XlsegError as exc:
        _alert(app, str(exc))
    except Exception as exc:  # noqa: BLE001 - no traceback reaches the user
        _alert(app, f"xlseg hit an unexpected problem ({type(exc).__name__}: {exc}). Your own cells were not "
                    "changed. Save a copy of the workbook and report the problem.")
    finally:
        for restore in (lambda: setattr(app, "calculation", old_calc),
                        lambda: setattr(app, "screen_updating", old_screen),
                        lambda: setattr(app, "status_bar", False)):
            try:
                restore()
            except Exception:  # keep restoring the rest
                pass
    return None


def main() -> None:
    """Reclassify the workbook that called us (the ribbon's Reclassify button)."""
    import xlwings as xw

    reclassify(xw.Book.caller())
