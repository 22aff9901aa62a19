"""What xlwings hands over for Excel's cells, made what xlseg's file readers give: error values as their text
(and the workbook's date system, which says what a plain number typed as a date means).

On Windows xlseg reads with ``err_to_str=True``, so xlwings itself turns the seven classic errors into their
text (``_xlwindows._clean_value_data_element``). Excel's newer errors are not in xlwings' list
(``_xlwindows.cell_errors``): pywin32 hands them over as the COM error int (``0x800A0000`` + Excel's ``xlErr``
number) and xlwings passes that int on. A cell value read through COM is never an int otherwise (numbers are
floats), so such an int can only be an error value (:func:`error_texts`). On a Mac the values come without
error information at all; xlseg reads the cells' displayed text next to them (:func:`mac_error_texts`).
"""

from __future__ import annotations

import itertools

# Excel's xlErr numbers (XlCVError) of the error values the BRIEF's convention names.
_XL_ERRORS = {2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?", 2036: "#NUM!",
              2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2050: "#CALC!"}
COM_ERRORS = {code - 2146828288: text for code, text in _XL_ERRORS.items()}
"""The int pywin32 gives for an error cell (VT_ERROR, e.g. -2146826246 for #N/A) -> its text."""


ERROR_TEXTS = frozenset(_XL_ERRORS.values())


def mac_error_texts(values: list, texts) -> list:
    """``values`` (row lists read without ``err_to_str``) with each blank whose displayed text is an error
    value replaced by that text.

    Excel for Mac's AppleScript gives an error cell's ``value`` as missing value (a blank to xlwings) and its
    ``string value`` as the error's text. xlwings' ``err_to_str`` maps that text only for the seven classic
    errors (``_xlmac.cell_errors``); ``#SPILL!``, ``#CALC!`` and ``#GETTING_DATA`` would stay blank. So on a
    Mac xlseg reads the string values itself (``Range.api.string_value.get()``, the same second Apple Event
    ``err_to_str`` sends) and maps all ten. ``texts`` is appscript's answer: a scalar for one cell, a flat list
    for one row, else row lists.
    """
    if not isinstance(texts, list):
        texts = [[texts]]
    elif texts and not isinstance(texts[0], list):  # as _xlmac.Range.raw_value's ensure_2d
        texts = [texts]
    for row, shown in zip(values, texts):
        for j, v in enumerate(row):
            if v is None and shown[j] in ERROR_TEXTS:
                row[j] = shown[j]
    return values


def error_texts(rows: list) -> list:
    """``rows`` with every COM error int replaced by its text (the same list when there is none)."""
    if int not in set(map(type, itertools.chain.from_iterable(rows))):
        return rows
    return [[COM_ERRORS.get(v, v) if type(v) is int else v for v in row] for row in rows]  # noqa: E721


def date1904(book) -> bool | None:
    """Whether ``book`` (an ``xlwings.Book``) counts dates from 1904; None when Excel does not say.

    xlwings' open API has no call for it (file mode reads ``date1904`` in workbook.xml), so this asks the
    object model behind ``.api`` as xlwings' engines expose it: COM's ``Workbook.Date1904`` on Windows
    (``_xlwindows.Book.api`` is the COM workbook), the AppleScript property ``date 1904`` on a Mac
    (``_xlmac.Book.api`` is the appscript reference; ``mac_dict.py`` names it ``date_1904``).
    """
    api = book.api
    for read in (lambda: api.Date1904, lambda: api.date_1904.get()):
        try:
            return bool(read())
        except Exception:  # noqa: BLE001 - the other platform's name (AttributeError), a COM/Apple Event refusal
            continue
    return None
