"""A new, empty workbook package (no sheets yet) for output that has no input workbook (CSV input, results files)."""

from __future__ import annotations

import io
import zipfile

from xlseg.ooxml.styles import MINIMAL as STYLES

_X = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
PARTS = {
    "[Content_Types].xml": _X + (
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        b'<Override PartName="/xl/styles.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        b'<Override PartName="/docProps/core.xml" '
        b'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        b'<Override PartName="/docProps/app.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>'),
    "_rels/.rels": _X + (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'officeDocument" Target="xl/workbook.xml"/>'
        b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        b'core-properties" Target="docProps/core.xml"/>'
        b'<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        b'extended-properties" Target="docProps/app.xml"/></Relationships>'),
    "docProps/app.xml": _X + (
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        b'<Application>xlseg</Application></Properties>'),
    "docProps/core.xml": _X + (
        b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>xlseg</dc:creator></cp:coreProperties>'),
    "xl/workbook.xml": _X + (
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<workbookPr/><bookViews><workbookView activeTab="0"/></bookViews><sheets/><calcPr calcId="191029"/>'
        b'</workbook>'),
    "xl/_rels/workbook.xml.rels": _X + (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        b'Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": STYLES,
}


def empty_package(names: dict | None = None) -> io.BytesIO:
    """An in-memory .xlsx with a workbook part, styles and no sheets.

    ``names`` (defined name -> reference text) are put in the workbook part already (markers of the
    sheets a new workbook will hold). Parts are dated 1980-01-01 like every part the writer makes, so
    the same plan gives the same bytes.
    """
    parts = dict(PARTS)
    if names:
        from xlseg.ooxml.workbook_part import WorkbookPart

        wb = WorkbookPart(parts["xl/workbook.xml"])
        for name, text in names.items():
            wb.set_name(name, text)
        parts["xl/workbook.xml"] = wb.bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    buf.seek(0)
    return buf
