"""XML basics shared by the part modules: namespaces, a safe parser, escaping, A1 references."""

from __future__ import annotations

import re

from lxml import etree

from xlseg.errors import WorkbookError

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument."
CT_SHEET = CT + "spreadsheetml.worksheet+xml"
CT_TABLE = CT + "spreadsheetml.table+xml"
CT_DRAWING = CT + "drawing+xml"
CT_CHART = CT + "drawingml.chart+xml"
CT_WORKBOOK = CT + "spreadsheetml.sheet.main+xml"
CT_WORKBOOK_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_STYLES = CT + "spreadsheetml.styles+xml"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False)


def parse(data: bytes, what: str):
    """An lxml tree of an untrusted part (no entities, no network); WorkbookError when malformed."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise WorkbookError(f"The workbook's part '{what}' is not well-formed XML ({exc}). Open the file in Excel, "
                            "save it again and retry; nothing was written.") from None


def tostring(root) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(tag: str, ns: str = NS_MAIN) -> str:
    return f"{{{ns}}}{tag}"


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def _esc_char(m) -> str:
    ch = m.group(0)
    return "_x005F_" if ch == "_" else f"_x{ord(ch):04X}_"


_SPECIAL = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x")


def text(value: str) -> str:
    """A string as XML character data of a cell (control characters as Excel's _xHHHH_ escapes)."""
    if _SPECIAL.search(value) is None:
        return value
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(_esc_char, value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(value: str) -> str:
    return text(str(value)).replace('"', "&quot;")


def col_letter(c: int) -> str:
    s = ""
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


_LETTERS = [col_letter(i) for i in range(1, 16385)]


def letters(c: int) -> str:
    return _LETTERS[c - 1]


def col_index(letters_: str) -> int:
    n = 0
    for ch in letters_.upper():
        n = n * 26 + ord(ch) - 64
    return n


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def cell(ref: str) -> tuple:
    """(row, col) of an A1 cell reference."""
    m = _CELL.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), col_index(m.group(1))


def bounds(ref: str) -> tuple:
    """(c1, r1, c2, r2) of an A1 range (or a single cell)."""
    a, _, b = ref.replace("$", "").partition(":")
    r1, c1 = cell(a)
    r2, c2 = cell(b) if b else (r1, c1)
    return c1, r1, c2, r2
