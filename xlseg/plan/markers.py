"""Which of xlseg's markers (defined names) to trust: only those pointing at something that still looks like xlseg's.

A marker that points at the user's content (columns the user cleared and
re-used, a forged name naming a user sheet) is dropped, so the user's cells
are never taken for xlseg's and never written over.
"""

from __future__ import annotations

from xlseg.core import labels as L
from xlseg.plan.build import BookState, OUTPUT_KEYS
from xlseg.plan.texts import TEXT
from xlseg.plan.write_plan import COLUMNS_MARKER, MARKER_PREFIX, sheet_marker

# Owned sheets recognised by the Excel Table xlseg puts on them (name prefix; Excel may add a number).
SHEET_TABLES = {"customers": "xlsegCustomers", "tags": "xlsegTags", "issues": "xlsegIssues",
                "history": "xlsegHistory", "settings": "xlsegSettings"}


def _a1_titles() -> dict:
    from xlseg.plan.history_sheets import TEXT as HT

    return {"summary": {L.norm(t) for t in TEXT["title"]}, "migration": {L.norm(t) for t in HT["title"]}}


def _column_headers() -> set:
    from xlseg.plan.formulas import TEXT as FT

    words = {L.norm(L.header(k, lang)) for k in OUTPUT_KEYS for lang in L.LANGS}
    words |= {L.norm(w) for pair in FT["tx_head"] for w in pair}
    return words


def _cell(rows, r: int, c: int):
    if r - 1 < len(rows) and c - 1 < len(rows[r - 1]):
        return rows[r - 1][c - 1]
    return None


def trusted(state: BookState, get_rows, sheet_tables) -> BookState:
    """``state`` without the markers that no longer point at xlseg's own content.

    ``get_rows(title)`` reads a sheet's values; ``sheet_tables(title)`` lists the
    names of the Excel Tables on a sheet.
    """
    from xlseg.ooxml.xml import bounds

    keep = {}
    a1 = None
    headers = None
    for name, (title, ref) in state.markers.items():
        if title not in state.titles or not name.startswith(MARKER_PREFIX):
            continue
        try:
            c1, r1, c2, _r2 = bounds(ref)
        except ValueError:
            continue
        ok = False
        if name.startswith(COLUMNS_MARKER):
            headers = headers or _column_headers()
            rows = get_rows(title)
            cells = [_cell(rows, r1, c) for c in range(c1, c2 + 1)]
            ok = bool(cells) and all(v is not None and L.norm(v) in headers for v in cells)
        else:
            key = next((k for k in (*SHEET_TABLES, "summary", "migration", "data") if name == sheet_marker(k)), None)
            if key == "data":  # the formulas' data sheet: its own header row
                from xlseg.plan.formula_data import HEAD

                first = [_cell(get_rows(title), 1, c) for c in range(1, 8)]
                ok = any(first == list(h[:7]) for h in HEAD.values())
            elif key in SHEET_TABLES:
                ok = any(t.startswith(SHEET_TABLES[key]) for t in sheet_tables(title))
            elif key is not None:
                a1 = a1 or _a1_titles()
                v = _cell(get_rows(title), 1, 1)
                ok = v is not None and L.norm(v) in a1[key]
            else:
                ok = True  # xlseg's other names (formula parameters) point at owned sheets' cells
        if ok:
            keep[name] = (title, ref)
    return BookState(titles=list(state.titles), markers=keep, date1904=state.date1904)
