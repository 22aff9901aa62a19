"""Reading a workbook file (.xlsx, .xlsm): sheets, xlseg's markers and cell values, with python-calamine.

:func:`open_book` gives a :class:`Book`: ``.state`` (sheet titles in tab order and xlseg's markers, as
:class:`xlseg.plan.build.BookState`), ``.sheets`` (per sheet: its part, kind and visibility) and
``.rows(title)``: the sheet's values from A1 as row tuples, the same values openpyxl's
``iter_rows(values_only=True)`` gives except that formula cells come as their saved value and error cells as
their error text (``"#N/A"``). Dates come as ``datetime`` (the 1904 date system honoured), whole numbers as
``int``, blank cells as None.

The workbook part, its relationships and defined names are read here with lxml (no entities, no network); cell
values by calamine. Before calamine reads a sheet, :mod:`xlseg.read.sheetscan` streams its XML once: a sheet
whose real cells fill only a sliver of the rectangle calamine would allocate (one stray cell at XFD1048576) is
read cell by cell instead (:mod:`xlseg.read.sparse`).
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import python_calamine

from xlseg.a1 import column_letter, split_ref
from xlseg.errors import WorkbookError
from xlseg.read import sparse
from xlseg.read.prefetch import ahead
from xlseg.read.package import REPAIR, Package, local
from xlseg.read.sheetcolumns import read_columns
from xlseg.read.sheetscan import SheetScan, scan_sheet
from xlseg.plan.write_plan import BookState
from xlseg.plan.write_plan import MARKER_PREFIX
from xlseg.plan.rows import Rows

OFFICE_DOC = "/officeDocument"
# calamine fills the rectangle from A1 to the last cell; read cell by cell instead when that rectangle is mostly
# air: more than DENSE_RATIO times the real cells plus DENSE_SLACK (one stray cell at A1048576 below 50 rows)
DENSE_RATIO = 10
DENSE_SLACK = 200_000
MAX_CELLS = 40_000_000  # real cells in one sheet: far beyond any sheet xlseg classifies (1,048,576 x 15)
_INT_LIMIT = float(2**53)
BAND_ROWS = 50_000  # rows taken from calamine at once (then held as columns)


@dataclass(frozen=True)
class SheetInfo:
    """One entry of the workbook's sheet list."""

    title: str
    part: str | None  # zip path of the sheet part ("xl/worksheets/sheet1.xml"); None when its relationship is missing
    kind: str  # "worksheet", "chartsheet", "dialogsheet" or "macrosheet"
    state: str  # "visible", "hidden" or "veryHidden"
    sheet_id: str | None
    rel_id: str | None


class Book:
    """A workbook file opened for reading; use as a context manager or call :meth:`close`."""

    def __init__(self, path, package: Package | None = None) -> None:
        """``package``: this file's :class:`Package`, already open (it is closed with the book)."""
        self.path = Path(path)
        self.package = Package(self.path) if package is None else package
        try:
            self._read_workbook()
        except Exception:
            self.package.close()
            raise
        self._calamine = None
        self._scans: dict = {}
        self._rows: dict = {}

    # ---------------------------------------------------------------- workbook part
    def _read_workbook(self) -> None:
        pkg = self.package
        root_rels = pkg.rels("")
        main = next((target for typ, target in root_rels.values() if typ.endswith(OFFICE_DOC)), None)
        if main is None or not pkg.has(main):
            if pkg.has("xl/workbook.xml"):
                main = "xl/workbook.xml"
            else:
                raise WorkbookError(f"'{self.path.name}' could not be read as an Excel workbook: it is a zip file "
                                    "but has no workbook part (xl/workbook.xml). Save it from Excel as .xlsx (or "
                                    ".xlsm) and try again.")
        self.workbook_part = main
        rels = pkg.rels(main)
        root = pkg.xml(main)
        self.date1904 = False
        sheets, names = [], []
        for el in root:
            tag = local(el.tag)
            if tag == "workbookPr":
                self.date1904 = (el.get("date1904") or "").lower() in ("1", "true")
            elif tag == "sheets":
                for sh in el:
                    if local(sh.tag) != "sheet":
                        continue
                    rid = next((v for k, v in sh.attrib.items() if local(k) == "id" and k.startswith("{")), None)
                    typ, target = rels.get(rid, ("", None))
                    kind = typ.rsplit("/", 1)[-1].lower() if typ else "worksheet"
                    kind = {"xlmacrosheet": "macrosheet", "xlintlmacrosheet": "macrosheet"}.get(kind, kind)
                    sheets.append(SheetInfo(sh.get("name") or "", target, kind, sh.get("state") or "visible",
                                            sh.get("sheetId"), rid))
            elif tag == "definedNames":
                names.extend(el)
        self.sheets = {s.title: s for s in sheets}
        self.titles = [s.title for s in sheets]
        self.defined_names = {}  # workbook-level names (no localSheetId) -> their formula text
        for dn in names:
            if local(dn.tag) != "definedName" or dn.get("localSheetId") is not None:
                continue
            self.defined_names[dn.get("name") or ""] = dn.text or ""
        self.state = BookState(titles=list(self.titles), markers=self._markers(), date1904=self.date1904)

    def _markers(self) -> dict:
        """xlseg's markers: name -> (sheet title, A1 ref), as file mode reads them (:func:`xlseg.a1.split_ref`);
        a broken reference (``#REF!``) is not a marker any more."""
        markers = {}
        for name, text in self.defined_names.items():
            if name.startswith(MARKER_PREFIX):
                ref = split_ref(text)
                if ref is not None:
                    markers[name] = ref
        return markers

    # ---------------------------------------------------------------- cells
    def info(self, title: str) -> SheetInfo:
        try:
            return self.sheets[title]
        except KeyError:
            raise WorkbookError(f"There is no sheet '{title}'. Sheets in this workbook: "
                                f"{', '.join(self.titles)}.") from None

    def scan(self, title: str) -> SheetScan:
        """The streaming scan of a worksheet's XML (extent, error cells, formula cells); cached."""
        if title not in self._scans:
            info = self.info(title)
            if info.kind != "worksheet":
                self._scans[title] = SheetScan()
            else:
                part = self._part(info)
                # inflated by a thread of its own (zlib lets go of the GIL) while this one scans
                self._scans[title] = scan_sheet(ahead(self.package.chunks(part)), title, self.path.name)
        return self._scans[title]

    def _part(self, info: SheetInfo) -> str:
        if info.part is None or not self.package.has(info.part):
            where = info.part or f"the part of relationship {info.rel_id}"
            raise WorkbookError(f"'{self.path.name}' is damaged: sheet '{info.title}' is listed in the workbook but "
                                f"{where} is missing from the file. {REPAIR}")
        return info.part

    def rows(self, title: str) -> list:
        """The sheet's values from A1 as a list of row tuples (see the module docstring); cached."""
        if title not in self._rows:
            self._rows[title] = self._read_rows(title)
        return self._rows[title]

    def forget(self, title: str) -> None:
        """Drop the cached rows of a sheet (read again if asked for); its scan stays."""
        self._rows.pop(title, None)

    def _read_rows(self, title: str) -> list:
        info = self.info(title)
        if info.kind != "worksheet":
            return []  # a chart sheet (or an old dialog/macro sheet) holds no cells
        if title not in self._scans:
            # one pass with numpy reads the values and finds the extent (no scan first); None: read below
            fast = read_columns(self, info, max_cells=MAX_CELLS, dense=_dense_enough)
            if fast is not None:
                cols, self._scans[title] = fast
                return Rows(pd.DataFrame(dict(enumerate(cols)), dtype=object, copy=False), row=tuple)
        scan = self.scan(title)
        if scan.cells == 0:
            return []
        if scan.cells > MAX_CELLS:
            raise WorkbookError(f"'{self.path.name}', sheet '{title}' holds {scan.cells:,} cells, more than xlseg "
                                f"reads from one sheet ({MAX_CELLS:,}). Keep the customer or order table on a sheet "
                                "of its own, or save it as CSV.")
        dense = _dense_enough(scan.max_row, scan.max_col, scan.cells)
        cols = None
        if dense:
            fast = read_columns(self, info, scan)  # None: calamine reads it
            cols = self._dense(title, info) if fast is None else fast[0]
        if cols is not None:
            _patch_columns(cols, scan)
            return Rows(pd.DataFrame(dict(enumerate(cols)), dtype=object, copy=False), row=tuple)
        if not dense and scan.unreferenced:  # cells placed by position, far apart: neither reader can bound them
            raise WorkbookError(f"'{self.path.name}', sheet '{title}' has cells without a position spread over "
                                f"{scan.max_row:,} rows, which Excel never writes. Open the file in Excel, save it "
                                "again, and try again.")
        rows = sparse.read_rows(self, info, scan)
        self._patch(rows, scan)
        return rows

    def _workbook(self):
        if self._calamine is None:
            # the parts calamine reads at open (workbook, relationships, shared strings, styles) are unpacked
            # through the size-checked package first, so a part that lies about its size stops here
            for part in self.support_parts():
                self.package.check_xml(part)
            try:
                self._calamine = python_calamine.CalamineWorkbook.from_path(str(self.path))
            except Exception as exc:  # calamine's own error types, plus Rust panics surfaced as exceptions
                raise WorkbookError(f"'{self.path.name}' could not be read ({_calamine_text(exc)}). "
                                    f"{REPAIR}") from None
        return self._calamine

    def support_parts(self) -> list:
        """Workbook-level parts every sheet read depends on (shared strings, styles)."""
        out = []
        for typ, target in self.package.rels(self.workbook_part).values():
            kind = typ.rsplit("/", 1)[-1]
            if kind in ("sharedStrings", "styles") and self.package.has(target):
                out.append(target)
        return out

    def _dense(self, title: str, info: SheetInfo) -> list | None:
        """The sheet's values from A1 as columns (object arrays), read a band of rows at a time; None when
        calamine refuses the sheet for an error value it does not know (the caller reads it cell by cell)."""
        self._part(info)
        try:
            sheet = self._workbook().get_sheet_by_name(title)
            lead = sheet.start[1] if sheet.start else 0  # iter_rows starts at the first used column, not A
            rows = sheet.iter_rows()
            bands = []
            while True:
                band = list(islice(rows, BAND_ROWS))
                if not band:
                    break
                bands.append(plain_columns(band))
        except WorkbookError:
            raise
        except Exception as exc:
            if "error value" in str(exc) and self.scan(title).errors:
                # calamine refuses Excel's newer error values (#SPILL!, #CALC!, #GETTING_DATA: "Unsupported
                # cell error value"): read this sheet cell by cell, which gives every error as its text
                return None
            raise WorkbookError(f"'{self.path.name}' is damaged: sheet '{title}' ({info.part}) could not be read "
                                f"({_calamine_text(exc)}). {REPAIR}") from None
        n = sum(len(b[0]) if b else 0 for b in bands)
        width = max((len(b) for b in bands), default=0)
        cols = [np.full(n, None, dtype=object) for _ in range(lead)]
        for j in range(width):
            cols.append(np.concatenate([b[j] if j < len(b) else np.full(len(b[0]) if b else 0, None, dtype=object)
                                        for b in bands]))
            for b in bands:  # free each band's column once joined
                if j < len(b):
                    b[j] = None
        return cols

    def _patch(self, rows: list, scan: SheetScan) -> None:
        """Put error texts where calamine left blanks (formula cells without a saved value stay None)."""
        for (r, c), text in scan.errors.items():
            if r - 1 < len(rows):
                row = list(rows[r - 1])
                if len(row) < c:
                    row.extend([None] * (c - len(row)))
                row[c - 1] = text
                rows[r - 1] = tuple(row)

    def uncached_formula_columns(self, title: str) -> dict:
        """1-based column -> first row, for columns whose formula cells have no saved value at all."""
        return self.scan(title).uncached_columns()

    def last_cols(self, title: str) -> list:
        """Per sheet row (index 0 = row 1): the last column holding a value or a formula (0: none)."""
        out = []
        for row in self.rows(title):
            n = len(row)
            while n and row[n - 1] is None:
                n -= 1
            out.append(n)
        for r, c in self.scan(title).formula_rows.items():
            if r - 1 < len(out):
                out[r - 1] = max(out[r - 1], c)
            else:
                out.extend([0] * (r - 1 - len(out)) + [c])
        return out

    def close(self) -> None:
        if self._calamine is not None:
            try:
                self._calamine.close()
            except Exception:
                pass
            self._calamine = None
        self.package.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _dense_enough(rows: int, cols: int, cells: int) -> bool:
    """Whether a sheet of ``cells`` cells reaching (``rows``, ``cols``) is read as a rectangle (else cell by cell)."""
    return rows * max(cols, 1) <= DENSE_RATIO * cells + DENSE_SLACK


def _calamine_text(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


def plain_rows(data: list) -> Rows:
    """calamine's rows as openpyxl gives them: '' -> None, whole floats -> int, date -> datetime; tuples."""
    return Rows(pd.DataFrame(dict(enumerate(plain_columns(data))), dtype=object, copy=False), row=tuple)


def plain_columns(data: list) -> list:
    """calamine's rows as columns (object arrays) of openpyxl's values (see :func:`plain_rows`).

    Converted a column at a time, choosing the cheapest loop for the kinds of value the column holds.
    """
    if not data:
        return []
    columns = []
    for col in zip(*data):
        kinds = set(map(type, col))
        if kinds <= _STR:
            out = [v or None for v in col]
        elif kinds <= _NUMBER_OR_STR:
            out = [(int(v) if v.is_integer() and -_INT_LIMIT < v < _INT_LIMIT else v) if v.__class__ is _FLOAT
                   else (v or None) for v in col]
        elif kinds <= _DATE_OR_STR:
            out = [_datetime(v.year, v.month, v.day) if v.__class__ is _DATE else (v or None) for v in col]
        else:
            out = [_cell(v) for v in col]
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        columns.append(arr)
    return columns


def _patch_columns(cols: list, scan: SheetScan) -> None:
    """:meth:`Book._patch` for a sheet held as columns."""
    n = len(cols[0]) if cols else 0
    for (r, c), text in scan.errors.items():
        if r - 1 < n:
            while len(cols) < c:
                cols.append(np.full(n, None, dtype=object))
            cols[c - 1][r - 1] = text


_DATE, _FLOAT, _MIDNIGHT, _datetime = dt.date, float, dt.time(), dt.datetime
_STR, _NUMBER_OR_STR, _DATE_OR_STR = {str}, {str, float}, {str, dt.date}


def _cell(v):
    c = v.__class__
    if c is str:
        return v or None
    if c is _FLOAT:
        return int(v) if v.is_integer() and -_INT_LIMIT < v < _INT_LIMIT else v
    if c is _DATE:
        return _datetime(v.year, v.month, v.day)
    return v


def used_headers(config) -> set:
    """Normalised header texts a run reads besides the recognised ones: Settings column mappings, tag rule fields."""
    from xlseg.core import labels as L

    out = {L.norm(v) for v in (getattr(config, "columns", None) or {}).values() if v}
    rules = getattr(config, "tag_rules", None)
    if rules is not None and hasattr(rules, "columns") and len(rules.columns) > 1:
        out |= {L.norm(v) for v in rules.iloc[:, 1].tolist() if isinstance(v, str) and v.strip()}
    return out


def check_formulas(book: Book, title: str, layout, config=None) -> None:
    """Stop when a column the run reads (``layout``: :class:`xlseg.read.table.TableLayout`) holds formulas
    whose results were never saved: calamine (and Excel itself, until it recalculates) sees them as blank.

    Columns xlseg does not read (headers it does not recognise, not mapped in Settings, not used by a tag rule)
    are left alone: their blanks change nothing.
    """
    from xlseg.core import columns
    from xlseg.core import labels as L

    scan = book.scan(title)
    uncached = scan.uncached_columns()
    if not uncached:
        return
    extra = used_headers(config)
    for col, first in sorted(uncached.items()):
        if not layout.first_col <= col <= layout.last_col or not layout.header_row < first <= layout.last_row:
            continue
        header = layout.headers[col - layout.first_col]
        if not header or not (columns.score_header([header]) or L.norm(header) in extra):
            continue
        n = scan.formulas[col][0]
        raise WorkbookError(
            f"Sheet '{title}', column {column_letter(col)} ({header!r}): its {n:,} formula "
            f"cell{'s' if n != 1 else ''} (from row {first}) have no saved results, so xlseg cannot read their "
            "values. The file was written by a program and never opened in a spreadsheet. Open it in Excel or "
            "LibreOffice, save it, and run xlseg again.")


def open_book(path, package: Package | None = None) -> Book:
    """Open ``path`` (.xlsx or .xlsm) for reading; clear :class:`WorkbookError` messages for anything else.

    ``package``: the file's :class:`Package`, already open (see :class:`xlseg.read.prefetch.EarlyPart`); the
    book closes it, and so does a refusal here."""
    path = Path(path)
    suffix = path.suffix.lower()
    if package is not None and suffix in (".xlsb", ".xls"):
        package.close()
    if suffix == ".xlsb":
        raise WorkbookError(f"'{path.name}' is an Excel binary workbook (.xlsb), which xlseg does not read. Open it "
                            "in Excel and save it as .xlsx (File > Save As > Excel Workbook), then run xlseg on it.")
    if suffix == ".xls":
        raise WorkbookError(f"'{path.name}' is an Excel 97-2003 workbook (.xls). Open it in Excel and save it as "
                            ".xlsx (File > Save As > Excel Workbook), then run xlseg on the .xlsx.")
    return Book(path, package)
