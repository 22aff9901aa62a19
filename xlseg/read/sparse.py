"""Reading a sheet cell by cell (lxml), for sheets whose cells fill a sliver of their rectangle.

calamine allocates every cell from A1 to the last one; a 50-row sheet with one
stray value at XFD1048576 would be 17 billion cells. This reader keeps only
the cells that exist: rows without cells are ``()``, other rows end at their
last cell. Values follow :mod:`xlseg.read.book` (dates as datetime, whole
numbers as int, errors as their text); it is slower per cell than calamine
and used only where calamine's rectangle would not fit.
"""

from __future__ import annotations

import datetime as dt
import re

from lxml import etree

from xlseg.errors import WorkbookError
from xlseg.read.package import REPAIR, local, xml_error

_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})$")
_EXTRA_DATE_IDS = set(range(27, 37)) | set(range(50, 59))  # East Asian built-in date formats
_INT_LIMIT = float(2**53)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _iter(book, part: str, tag: str):
    """Elements named ``tag`` (any namespace) of ``part``, parsed incrementally and cleared as they go."""
    with book.package.zip.open(part) as fh:
        events = etree.iterparse(fh, events=("end",), resolve_entities=False, no_network=True, load_dtd=False,
                                 huge_tree=False, remove_comments=True)
        try:
            for _event, el in events:
                if local(el.tag) == tag:
                    yield el
                    el.clear(keep_tail=False)
        except etree.XMLSyntaxError as exc:
            raise book.package.damaged(part, f"is not well-formed XML ({xml_error(exc)})") from None


def _text(si) -> str:
    """A shared string item's text: its <t> runs, without phonetic (<rPh>) runs."""
    parts = []
    for el in si.iter():
        if local(el.tag) == "t" and local(el.getparent().tag) != "rPh" and el.text:
            parts.append(el.text)
    return "".join(parts)


def shared_strings(book) -> list:
    for typ, target in book.package.rels(book.workbook_part).values():
        if typ.endswith("/sharedStrings") and book.package.has(target):
            return [_text(si) for si in _iter(book, target, "si")]
    return []


def date_styles(book) -> dict:
    """Style index -> "date", "timedelta" or absent, from styles.xml's cellXfs and numFmts."""
    # openpyxl's number-format rules, loaded only on this rare path (never for a sheet calamine reads)
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    target = next((t for typ, t in book.package.rels(book.workbook_part).values() if typ.endswith("/styles")), None)
    if target is None or not book.package.has(target):
        return {}
    root = book.package.xml(target)
    custom, out = {}, {}
    for el in root.iter():
        if local(el.tag) == "numFmt":
            custom[el.get("numFmtId")] = el.get("formatCode") or ""
    xfs = next((el for el in root if local(el.tag) == "cellXfs"), None)
    for i, xf in enumerate(xfs if xfs is not None else []):
        fid = xf.get("numFmtId") or "0"
        code = custom.get(fid)
        if code is None and fid.isdigit():
            code = BUILTIN_FORMATS.get(int(fid))
            if code is None and int(fid) in _EXTRA_DATE_IDS:
                out[i] = "date"
                continue
        if code and is_timedelta_format(code):
            out[i] = "timedelta"
        elif code and is_date_format(code):
            out[i] = "date"
    return out


def read_rows(book, info, scan) -> list:
    """The sheet's rows, sparse (see the module docstring)."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    strings = shared_strings(book)
    styles = date_styles(book)
    epoch = CALENDAR_MAC_1904 if book.date1904 else CALENDAR_WINDOWS_1900
    cells: dict = {}
    name = book.path.name
    for c in _iter(book, info.part, "c"):
        m = _REF.match(c.get("r") or "")
        if not m:
            continue
        row, col = int(m.group(2)), _col(m.group(1))
        t = c.get("t") or "n"
        v = next((el.text for el in c if local(el.tag) == "v"), None)
        if t == "inlineStr":
            is_ = next((el for el in c if local(el.tag) == "is"), None)
            value = _text(is_) if is_ is not None else None
        elif v is None or v == "":
            continue
        elif t == "s":
            try:
                value = strings[int(v)]
            except (ValueError, IndexError):
                raise WorkbookError(f"'{name}' is damaged: sheet '{info.title}' cell {m.group(0)} points at shared "
                                    f"string {v}, which does not exist. {REPAIR}") from None
        elif t in ("str", "e"):
            value = v
        elif t == "b":
            value = v.strip() in ("1", "true")
        elif t == "d":
            try:
                value = dt.datetime.fromisoformat(v.strip())
            except ValueError:
                value = v
        else:
            try:
                number = float(v)
            except ValueError:
                raise WorkbookError(f"'{name}' is damaged: sheet '{info.title}' cell {m.group(0)} holds '{v[:40]}' "
                                    f"as a number. {REPAIR}") from None
            kind = styles.get(int(c.get("s") or 0)) if (c.get("s") or "0").isdigit() else None
            if kind == "date":
                try:
                    value = from_excel(number, epoch)
                except (ValueError, OverflowError):
                    value = number
            elif kind == "timedelta":
                value = from_excel(number, epoch, timedelta=True)
            else:
                value = int(number) if number.is_integer() and -_INT_LIMIT < number < _INT_LIMIT else number
        if value is None or value == "":
            continue
        cells.setdefault(row, {})[col] = value
    if not cells:
        return []
    out = [()] * max(cells)
    for row, vals in cells.items():
        line = [None] * max(vals)
        for col, value in vals.items():
            line[col - 1] = value
        out[row - 1] = tuple(line)
    return out
