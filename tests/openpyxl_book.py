"""openpyxl as the tests' second reader: a workbook's titles and xlseg's markers, a sheet's values from A1.

What xlseg's own reader (:mod:`xlseg.read.book`, python-calamine) finds is checked against what
openpyxl finds here. The product writes every workbook through the package writer (xlseg.ooxml)
and reads through calamine; openpyxl is not imported by xlseg outside a few cell-reference helpers.
"""

from __future__ import annotations

from openpyxl.utils.datetime import CALENDAR_MAC_1904

from xlseg.plan.build import BookState
from xlseg.plan.write_plan import MARKER_PREFIX


def book_state(wb) -> BookState:
    """Sheet titles, xlseg's markers (a name whose reference is broken is none) and the date system."""
    markers = {}
    for name, dn in wb.defined_names.items():
        if not name.startswith(MARKER_PREFIX):
            continue
        try:
            dests = list(dn.destinations)
        except Exception:  # a broken reference (#REF!) is not a marker any more
            continue
        if dests:  # openpyxl keeps a quoted title's doubled quotes ('It''s'): the sheet's name has one
            title, ref = dests[0]
            markers[name] = (title.replace("''", "'"), ref)
    return BookState(titles=list(wb.sheetnames), markers=markers, date1904=wb.epoch == CALENDAR_MAC_1904)


def sheet_rows(ws) -> list:
    """Cell values from A1 as a list of tuples (the common reader input)."""
    return list(ws.iter_rows(min_row=1, min_col=1, values_only=True))
