"""The no-loss guard: would saving through openpyxl drop anything of the user's?

openpyxl cannot carry everything in a workbook package (shapes, slicers,
sparklines and other ``extLst`` extensions, form and ActiveX controls,
threaded comments, timelines ...). Before xlseg replaces a file it counts
those features in the input package and in the package it is about to write;
any count that goes down is a loss, reported per sheet, and the file is not
overwritten.

Workbook XML is untrusted input: it is parsed with defusedxml.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections import Counter

from defusedxml import ElementTree as ET

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"

# Parts whose mere presence is a feature (path pattern -> description).
PART_FEATURES = {
    r"xl/slicers/": "slicers",
    r"xl/slicerCaches/": "slicer caches",
    r"xl/timelines/": "timelines",
    r"xl/timelineCaches/": "timeline caches",
    r"xl/threadedComments/": "threaded comments",
    r"xl/persons/": "comment authors (persons)",
    r"xl/ctrlProps/": "form controls",
    r"xl/activeX/": "ActiveX controls",
    r"xl/embeddings/": "embedded objects",
    r"xl/pivotTables/": "pivot tables",
    r"xl/pivotCache/": "pivot caches",
    r"xl/queryTables/": "query tables",
    r"xl/connections\.xml": "data connections",
    r"xl/externalLinks/": "external links",
    r"xl/vbaProject\.bin": "VBA project (macros)",
    r"customXml/": "custom XML parts",
    r"xl/model/": "data model",
    r"xl/chartsheets/": "chart sheets",
    r"xl/dialogsheets/": "dialog sheets",
    r"xl/richData/": "rich data (linked data types, images in cells)",
    r"xl/webextensions/|xl/webExtensions/": "Office add-in parts",
}

# Elements inside a worksheet part.
SHEET_FEATURES = {
    "sparklineGroup": "sparkline groups",
    "extLst": "extension lists (e.g. newer conditional formats or data validations)",
    "controls": "controls",
    "oleObjects": "OLE objects",
    "picture": "background pictures",
    "legacyDrawingHF": "header/footer pictures",
    "tablePart": "tables",
    "hyperlink": "hyperlinks",
    "dataValidation": "data validations",
    "conditionalFormatting": "conditional formats",
    "mergeCell": "merged cells",
    "protectedRange": "protected ranges",
    "sheetProtection": "sheet protection",
}

# Elements inside a drawing part.
DRAWING_FEATURES = {
    "sp": "shapes (text boxes, arrows)",
    "grpSp": "grouped shapes",
    "cxnSp": "connectors",
    "pic": "pictures",
    "graphicFrame": "charts and other graphic frames",
}

WORKBOOK_FEATURES = {"definedName": "defined names", "extLst": "workbook extensions"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rels(z: zipfile.ZipFile, part: str) -> dict:
    folder, name = posixpath.split(part)
    rel_path = posixpath.join(folder, "_rels", name + ".rels")
    if rel_path not in z.namelist():
        return {}
    root = ET.fromstring(z.read(rel_path))
    out = {}
    for rel in root:
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        out[rel.get("Id")] = posixpath.normpath(posixpath.join(folder, target)) if not target.startswith("/") \
            else target.lstrip("/")
    return out


_SHEET_DATA_OPEN = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>")
_FEATURE_NAMES = tuple(name.encode() for name in SHEET_FEATURES)


def _sheet_outline(xml: bytes):
    """The worksheet's XML tree without its cells, when the cells hold none of the counted features.

    The cell grid (``<sheetData>``) is most of a big sheet and holds none of the
    features counted here unless one of their names occurs in it (a cell may carry
    an ``extLst``): then, or if anything looks unusual, the whole sheet is parsed.
    Same counts either way, without building a million cell elements.
    """
    m = _SHEET_DATA_OPEN.search(xml)
    if m is not None and not m.group(1):
        end = xml.rfind(b"sheetData>")
        close = xml.rfind(b"</", m.end(), end)
        inner = xml[m.end():close] if close != -1 else b""
        if end > m.end() and close != -1 and not any(name in inner for name in _FEATURE_NAMES):
            try:
                return ET.fromstring(xml[:m.end()] + xml[close:])
            except ET.ParseError:
                pass
    return ET.fromstring(xml)


def inventory(path) -> Counter:
    """Counts of user-visible features, keyed by (sheet or '(workbook)', description)."""
    counts: Counter = Counter()
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        for name in names:
            for pattern, what in PART_FEATURES.items():
                if re.match(pattern, name) and not name.endswith(".rels"):
                    counts[("(workbook)", what)] += 1
        wb_rels = _rels(z, "xl/workbook.xml")
        root = ET.fromstring(z.read("xl/workbook.xml"))
        for el in root.iter():
            what = WORKBOOK_FEATURES.get(_local(el.tag))
            if what:
                name = el.get("name", "")
                if what == "defined names" and name.startswith("xlseg_"):
                    continue
                counts[("(workbook)", what)] += 1
        for sheet in root.iter(f"{{{NS_MAIN}}}sheet"):
            title = sheet.get("name")
            part = wb_rels.get(sheet.get(f"{{{NS_REL}}}id"))
            if not part or part not in names or not part.startswith("xl/worksheets/"):
                continue
            for el in _sheet_outline(z.read(part)).iter():
                what = SHEET_FEATURES.get(_local(el.tag))
                if what:
                    counts[(title, what)] += 1
            for target in _rels(z, part).values():
                if target.startswith("xl/drawings/") and target.endswith(".xml") and target in names:
                    for el in ET.fromstring(z.read(target)).iter():
                        if el.tag.startswith(f"{{{NS_XDR}}}"):
                            what = DRAWING_FEATURES.get(_local(el.tag))
                            if what:
                                counts[(title, what)] += 1
                elif target.startswith("xl/comments") and target in names:
                    counts[(title, "comments")] += ET.fromstring(z.read(target)).findall(
                        f".//{{{NS_MAIN}}}comment").__len__()
    return counts


def losses(before: Counter, after: Counter, *, ignore_sheets=()) -> list[str]:
    """Human-readable lines for every feature count that went down."""
    lines = []
    for (sheet, what), n in sorted(before.items()):
        if sheet in ignore_sheets:
            continue
        m = after.get((sheet, what), 0)
        if m < n:
            where = "the workbook" if sheet == "(workbook)" else f"sheet '{sheet}'"
            lines.append(f"{where}: {n - m} of {n} {what}")
    return lines
