"""Why an add-in cannot be built or installed: the errors, each naming the file or setting and the fix."""

from __future__ import annotations

from xlseg.errors import XlsegError


class AddinError(XlsegError):
    """The add-in cannot be built or installed as asked.

    The message names the file or setting involved and what to do about it.
    """


class AddinBuildError(AddinError):
    """The xlwings ribbon template is missing or not the shape xlseg expects.

    Reinstall xlwings (``pip install --force-reinstall xlwings``); if a new
    xlwings release changed the template, review it and update ``xlseg/addin/build.py``.
    """


class ExcelNotAvailableError(AddinError):
    """The add-in needs desktop Excel (Windows or macOS), which is not on this machine.

    Use ``xlseg classify BOOK.xlsx`` instead: it gives the same results without Excel.
    """


def _no_excel_message(platform: str) -> str:
    return (
        f"Excel is not available on {'Linux' if platform.startswith('linux') else platform}, "
        "so the xlseg add-in cannot be installed here. Use 'xlseg classify BOOK.xlsx' to "
        "classify a workbook without Excel; install the add-in on Windows or macOS."
    )
