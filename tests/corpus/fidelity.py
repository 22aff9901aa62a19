"""Fidelity workbooks: a customer sheet xlseg recognises plus one feature each.

Every workbook starts from the same base (sheet ``Clients``: 12 customers in
A1:F13; sheet ``Orders``: order lines that are *not* a transaction sheet, so
the results never depend on the feature). A feature is an openpyxl step (for
what openpyxl writes faithfully: charts, images, legacy comments, validations,
conditional formats, sheet states, protection, the 1904 epoch, rich text) and
a package step that adds hand-written OOXML parts (pivot tables and caches,
slicers, shapes, sparklines, threaded comments, VBA, external links, custom
XML, shared and array formulas, printer settings). ``build(name, folder)``
writes the workbook and returns its path.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from lxml import etree
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule, DataBarRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.worksheet.datavalidation import DataValidation

from tests.corpus.package import (
    CT,
    MS_REL,
    NS,
    REL,
    WORKBOOK_ORDER,
    Package,
    add_ext,
    child,
    fragment,
    insert_ordered,
    q,
    to_shared_strings,
)

CUSTOMER_SHEET = "Clients"
ORDER_SHEET = "Orders"
HEADERS = ["Customer ID", "Name", "Region", "Last Purchase", "Orders", "Total Spend"]
REGIONS = ("North", "South", "East")
PRICE = 250  # Total Spend = Orders x PRICE (the shared-formula workbook computes it)
ORDER_HEADERS = ["Order No", "Product", "Region", "Qty", "Price"]
TEMPLATES = Path(__file__).resolve().parents[2] / "workbook_templates"


def customer_rows() -> list[list]:
    """The 12 customers: ids C001.., dates spread over 2025-2026, Total Spend = Orders x PRICE."""
    rows = []
    for i in range(12):
        orders = 1 + (i * 7) % 11
        rows.append([f"C{i + 1:03}", f"Client {chr(65 + i)}", REGIONS[i % 3],
                     dt.datetime(2025, 1 + (i * 5) % 12, 1 + (i * 3) % 27), orders, orders * PRICE])
    return rows


def order_rows() -> list[list]:
    return [[f"SO-{100 + i}", ("Tea", "Cups", "Pots")[i % 3], REGIONS[(i + 1) % 3], 1 + i % 4, 12.5 + i]
            for i in range(6)]


# ------------------------------------------------------------------ base


def base_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = CUSTOMER_SHEET
    ws.append(HEADERS)
    for row in customer_rows():
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in range(2, 14):
        ws.cell(r, 4).number_format = "yyyy-mm-dd"
        ws.cell(r, 6).number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 18
    orders = wb.create_sheet(ORDER_SHEET)
    orders.append(ORDER_HEADERS)
    for row in order_rows():
        orders.append(row)
    return wb


# ------------------------------------------------------------- cells in XML


def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if ch.isalpha():
            n = n * 26 + ord(ch.upper()) - 64
        else:
            break
    return n


def set_cells(root: etree._Element, cells: dict[str, object]) -> None:
    """Write cells (A1 ref -> str | number | (formula, saved value, extra attrs)) into a worksheet tree."""
    sheet_data = root.find(q("main", "sheetData"))
    rows = {int(r.get("r")): r for r in sheet_data.findall(q("main", "row"))}
    for ref, value in cells.items():
        rnum = int("".join(ch for ch in ref if ch.isdigit()))
        row = rows.get(rnum)
        if row is None:
            row = etree.Element(q("main", "row"), r=str(rnum))
            later = [k for k in rows if k > rnum]
            if later:
                rows[min(later)].addprevious(row)
            else:
                sheet_data.append(row)
            rows[rnum] = row
        for old in row.findall(q("main", "c")):
            if old.get("r") == ref:
                row.remove(old)
        c = etree.Element(q("main", "c"), r=ref)
        if isinstance(value, tuple):
            formula, saved, attrs = value
            f = etree.SubElement(c, q("main", "f"), **attrs)
            f.text = formula
            if isinstance(saved, str):
                c.set("t", "str")
            etree.SubElement(c, q("main", "v")).text = str(saved)
        elif isinstance(value, str):
            c.set("t", "inlineStr")
            etree.SubElement(etree.SubElement(c, q("main", "is")), q("main", "t")).text = value
        else:
            etree.SubElement(c, q("main", "v")).text = repr(value) if isinstance(value, float) else str(value)
        col = _col_index(ref)
        after = [o for o in row.findall(q("main", "c")) if _col_index(o.get("r")) > col]
        if after:
            after[0].addprevious(c)
        else:
            row.append(c)
        row.attrib.pop("spans", None)


# ------------------------------------------------------------ pivot tables


def _iso(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S")


def add_pivot(pkg: Package, *, on_sheet: str, source: str, headers: list, rows: list, row_field: int,
              data_field: int, top_left: tuple[int, int], cache_id: int, name: str, write_cells: bool = True) -> dict:
    """A pivot table (rows = ``row_field``, Sum of ``data_field``) with its cache and records.

    ``source`` is the cache's ``<worksheetSource .../>`` attributes as XML
    text (``sheet="Orders" ref="A1:E7"`` or ``name="xlsegCustomers"``).
    Returns the part names.
    """
    n = 1 + sum(1 for p in pkg.parts if p.startswith("xl/pivotCache/pivotCacheDefinition"))
    tn = 1 + sum(1 for p in pkg.parts if p.startswith("xl/pivotTables/pivotTable") and p.endswith(".xml"))
    cache_part, records_part = f"xl/pivotCache/pivotCacheDefinition{n}.xml", f"xl/pivotCache/pivotCacheRecords{n}.xml"
    table_part = f"xl/pivotTables/pivotTable{tn}.xml"
    items = sorted({str(r[row_field]) for r in rows})
    fields, records = [], [[] for _ in rows]
    for j, head in enumerate(headers):
        col = [r[j] for r in rows]
        if j == row_field:
            fields.append(f'<cacheField name="{head}" numFmtId="0"><sharedItems count="{len(items)}">'
                          + "".join(f'<s v="{v}"/>' for v in items) + "</sharedItems></cacheField>")
            for rec, v in zip(records, col):
                rec.append(f'<x v="{items.index(str(v))}"/>')
        elif all(isinstance(v, dt.datetime) for v in col):
            fields.append(f'<cacheField name="{head}" numFmtId="14"><sharedItems containsSemiMixedTypes="0" '
                          f'containsNonDate="0" containsDate="1" containsString="0" minDate="{_iso(min(col))}" '
                          f'maxDate="{_iso(max(col))}"/></cacheField>')
            for rec, v in zip(records, col):
                rec.append(f'<d v="{_iso(v)}"/>')
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in col):
            integer = ' containsInteger="1"' if all(float(v).is_integer() for v in col) else ""
            fields.append(f'<cacheField name="{head}" numFmtId="0"><sharedItems containsSemiMixedTypes="0" '
                          f'containsString="0" containsNumber="1"{integer} minValue="{min(col)}" '
                          f'maxValue="{max(col)}"/></cacheField>')
            for rec, v in zip(records, col):
                rec.append(f'<n v="{v}"/>')
        else:
            fields.append(f'<cacheField name="{head}" numFmtId="0"><sharedItems/></cacheField>')
            for rec, v in zip(records, col):
                rec.append("<m/>" if v is None else f'<s v="{etree_escape(str(v))}"/>')
    rid_records = pkg.add_rel(cache_part, REL + "pivotCacheRecords", records_part)
    pkg.add_part(cache_part,
                 f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition '
                 f'xmlns="{NS["main"]}" xmlns:r="{NS["r"]}" r:id="{rid_records}" refreshedBy="corpus" '
                 f'refreshedDate="46000.5" createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" '
                 f'recordCount="{len(rows)}"><cacheSource type="worksheet"><worksheetSource {source}/>'
                 f'</cacheSource><cacheFields count="{len(headers)}">{"".join(fields)}</cacheFields>'
                 f'</pivotCacheDefinition>', CT + "pivotCacheDefinition+xml")
    pkg.add_part(records_part,
                 f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheRecords '
                 f'xmlns="{NS["main"]}" xmlns:r="{NS["r"]}" count="{len(rows)}">'
                 + "".join(f"<r>{''.join(rec)}</r>" for rec in records) + "</pivotCacheRecords>",
                 CT + "pivotCacheRecords+xml")
    rid_cache = pkg.add_rel("xl/workbook.xml", REL + "pivotCacheDefinition", cache_part)

    def wb_edit(root):
        caches = child(root, "pivotCaches", WORKBOOK_ORDER)
        caches.append(fragment(f'<pivotCache cacheId="{cache_id}" r:id="{rid_cache}"/>'))

    pkg.edit("xl/workbook.xml", wb_edit)
    r0, c0 = top_left
    last_row = r0 + len(items) + 1
    loc = f"{get_column_letter(c0)}{r0}:{get_column_letter(c0 + 1)}{last_row}"
    pivot_fields = "".join(
        f'<pivotField axis="axisRow" showAll="0"><items count="{len(items) + 1}">'
        + "".join(f'<item x="{i}"/>' for i in range(len(items))) + '<item t="default"/></items></pivotField>'
        if j == row_field else ('<pivotField dataField="1" showAll="0"/>' if j == data_field
                                else '<pivotField showAll="0"/>')
        for j in range(len(headers)))
    row_items = '<i><x/></i>' + "".join(f'<i><x v="{i}"/></i>' for i in range(1, len(items))) + \
        '<i t="grand"><x/></i>'
    pkg.add_part(table_part,
                 f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotTableDefinition '
                 f'xmlns="{NS["main"]}" name="{name}" cacheId="{cache_id}" applyNumberFormats="0" '
                 'applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" applyAlignmentFormats="0" '
                 'applyWidthHeightFormats="1" dataCaption="Values" updatedVersion="6" minRefreshableVersion="3" '
                 'useAutoFormatting="1" itemPrintTitles="1" createdVersion="6" indent="0" outline="1" '
                 f'outlineData="1" multipleFieldFilters="0"><location ref="{loc}" firstHeaderRow="1" '
                 f'firstDataRow="1" firstDataCol="1"/><pivotFields count="{len(headers)}">{pivot_fields}'
                 f'</pivotFields><rowFields count="1"><field x="{row_field}"/></rowFields>'
                 f'<rowItems count="{len(items) + 1}">{row_items}</rowItems><colItems count="1"><i/></colItems>'
                 f'<dataFields count="1"><dataField name="Sum of {headers[data_field]}" fld="{data_field}" '
                 'baseField="0" baseItem="0"/></dataFields><pivotTableStyleInfo name="PivotStyleLight16" '
                 'showRowHeaders="1" showColHeaders="1" showRowStripes="0" showColStripes="0" showLastColumn="1"/>'
                 '</pivotTableDefinition>', CT + "pivotTable+xml")
    pkg.add_rel(table_part, REL + "pivotCacheDefinition", cache_part)
    sheet_part = pkg.sheet_part(on_sheet)
    pkg.add_rel(sheet_part, REL + "pivotTable", table_part)
    if write_cells:
        sums = {v: 0 for v in items}
        for r in rows:
            sums[str(r[row_field])] += r[data_field]
        col_a, col_b = get_column_letter(c0), get_column_letter(c0 + 1)
        cells = {f"{col_a}{r0}": "Row Labels", f"{col_b}{r0}": f"Sum of {headers[data_field]}"}
        for i, v in enumerate(items):
            cells[f"{col_a}{r0 + 1 + i}"] = v
            cells[f"{col_b}{r0 + 1 + i}"] = sums[v]
        cells[f"{col_a}{last_row}"] = "Grand Total"
        cells[f"{col_b}{last_row}"] = sum(sums.values())
        pkg.edit(sheet_part, lambda root: set_cells(root, cells))
    return {"cache": cache_part, "records": records_part, "table": table_part}


def etree_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")


def _pivots(pkg: Package) -> None:
    add_pivot(pkg, on_sheet=CUSTOMER_SHEET, source=f'ref="A1:F13" sheet="{CUSTOMER_SHEET}"', headers=HEADERS,
              rows=customer_rows(), row_field=2, data_field=5, top_left=(3, 20), cache_id=1, name="ClientPivot")
    add_pivot(pkg, on_sheet=ORDER_SHEET, source=f'ref="A1:E7" sheet="{ORDER_SHEET}"', headers=ORDER_HEADERS,
              rows=order_rows(), row_field=2, data_field=3, top_left=(3, 8), cache_id=2, name="OrderPivot")


def _slicer(pkg: Package) -> None:
    _pivots(pkg)
    cache = "xl/slicerCaches/slicerCache1.xml"
    slicer = "xl/slicers/slicer1.xml"
    pkg.add_part(cache, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<slicerCacheDefinition '
                        f'xmlns="{NS["x14"]}" xmlns:mc="{NS["mc"]}" mc:Ignorable="x" xmlns:x="{NS["main"]}" '
                        'name="Slicer_Region" sourceName="Region"><pivotTables><pivotTable tabId="2" '
                        'name="OrderPivot"/></pivotTables><data><tabular pivotCacheId="2"><items count="3">'
                        '<i x="0" s="1"/><i x="1" s="1"/><i x="2" s="1"/></items></tabular></data>'
                        '</slicerCacheDefinition>', "application/vnd.ms-excel.slicerCache+xml")
    pkg.add_part(slicer, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<slicers '
                         f'xmlns="{NS["x14"]}" xmlns:mc="{NS["mc"]}" mc:Ignorable="x" xmlns:x="{NS["main"]}">'
                         '<slicer name="Region" cache="Slicer_Region" caption="Region" rowHeight="241300"/>'
                         '</slicers>', "application/vnd.ms-excel.slicer+xml")
    rid_cache = pkg.add_rel("xl/workbook.xml", MS_REL + "slicerCache", cache)

    def wb_edit(root):
        names = child(root, "definedNames", WORKBOOK_ORDER)
        names.append(fragment('<definedName name="Slicer_Region">#N/A</definedName>'))
        add_ext(root, '<ext uri="{BBE1A952-AA13-448e-AADC-164F8A28A991}"><x14:slicerCaches>'
                      f'<x14:slicerCache r:id="{rid_cache}"/></x14:slicerCaches></ext>', WORKBOOK_ORDER)

    pkg.edit("xl/workbook.xml", wb_edit)
    cache_def = "xl/pivotCache/pivotCacheDefinition2.xml"
    pkg.edit(cache_def, lambda root: add_ext(
        root, '<ext uri="{725AE2AE-9491-48be-B2B4-4EB974FC3084}"><x14:pivotCacheDefinition pivotCacheId="2"/>'
              '</ext>', ["cacheSource", "cacheFields", "cacheHierarchies", "kpis", "tupleCache", "calculatedItems",
                         "calculatedMembers", "dimensions", "measureGroups", "maps", "extLst"]))
    sheet = pkg.sheet_part(ORDER_SHEET)
    rid_slicer = pkg.add_rel(sheet, MS_REL + "slicer", slicer)
    drawing = _add_drawing(pkg, sheet, [
        _anchor(10, 2, 13, 12, '<mc:AlternateContent><mc:Choice Requires="sle15"><xdr:graphicFrame macro="">'
                '<xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Region"/><xdr:cNvGraphicFramePr/>'
                '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
                '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/drawing/2010/slicer">'
                '<sle:slicer name="Region"/></a:graphicData></a:graphic></xdr:graphicFrame></mc:Choice>'
                '<mc:Fallback><xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="0" name=""/><xdr:cNvSpPr>'
                '<a:spLocks noTextEdit="1"/></xdr:cNvSpPr></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/>'
                '<a:ext cx="1828800" cy="2524125"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
                '</xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US" sz="1100"/>'
                '<a:t>This shape represents a table slicer.</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
                '</mc:Fallback></mc:AlternateContent>')])
    assert drawing
    pkg.edit(sheet, lambda root: add_ext(
        root, '<ext uri="{A8765BA9-456A-4dab-B4F3-ACF838C121DE}"><x14:slicerList>'
              f'<x14:slicer r:id="{rid_slicer}"/></x14:slicerList></ext>'))


# ------------------------------------------------------------------ drawings


def _anchor(c1: int, r1: int, c2: int, r2: int, body: str) -> str:
    return (f'<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>{c1}</xdr:col><xdr:colOff>0</xdr:colOff>'
            f'<xdr:row>{r1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{c2}</xdr:col>'
            f'<xdr:colOff>0</xdr:colOff><xdr:row>{r2}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>{body}'
            '<xdr:clientData/></xdr:twoCellAnchor>')


def _add_drawing(pkg: Package, sheet: str, anchors: list[str]) -> str:
    n = 1 + sum(1 for p in pkg.parts if p.startswith("xl/drawings/drawing"))
    part = f"xl/drawings/drawing{n}.xml"
    pkg.add_part(part, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xdr:wsDr '
                       f'xmlns:xdr="{NS["xdr"]}" xmlns:a="{NS["a"]}" xmlns:mc="{NS["mc"]}" '
                       f'xmlns:sle15="http://schemas.microsoft.com/office/drawing/2012/slicer" '
                       f'xmlns:sle="{NS["sle"]}">{"".join(anchors)}</xdr:wsDr>',
                 "application/vnd.openxmlformats-officedocument.drawing+xml")
    rid = pkg.add_rel(sheet, REL + "drawing", part)
    pkg.edit(sheet, lambda root: insert_ordered(root, fragment(f'<drawing r:id="{rid}"/>')))
    return part


def _shape(shape_id: int, name: str, text: str, *, text_box: bool) -> str:
    geometry = "" if text_box else '<a:solidFill><a:srgbClr val="4472C4"/></a:solidFill>'
    return (f'<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="{shape_id}" name="{name}"/>'
            f'<xdr:cNvSpPr{" txBox=" + chr(34) + "1" + chr(34) if text_box else ""}/></xdr:nvSpPr><xdr:spPr>'
            '<a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="600000"/></a:xfrm><a:prstGeom prst="rect">'
            f'<a:avLst/></a:prstGeom>{geometry}</xdr:spPr><xdr:txBody><a:bodyPr wrap="square"/><a:lstStyle/>'
            f'<a:p><a:r><a:rPr lang="en-US" sz="1100"/><a:t>{text}</a:t></a:r></a:p></xdr:txBody></xdr:sp>')


def _shapes(pkg: Package) -> None:
    sheet = pkg.sheet_part(CUSTOMER_SHEET)
    _add_drawing(pkg, sheet, [
        _anchor(1, 15, 4, 18, _shape(2, "Rectangle 1", "Call the top three this week", text_box=False)),
        _anchor(5, 15, 8, 18, _shape(3, "TextBox 2", "Numbers from the CRM export", text_box=True)),
        '<xdr:twoCellAnchor><xdr:from><xdr:col>1</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>19</xdr:row>'
        '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff>'
        '<xdr:row>21</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:cxnSp macro=""><xdr:nvCxnSpPr>'
        '<xdr:cNvPr id="4" name="Straight Arrow Connector 3"/><xdr:cNvCxnSpPr/></xdr:nvCxnSpPr><xdr:spPr>'
        '<a:xfrm><a:off x="0" y="0"/><a:ext cx="1800000" cy="300000"/></a:xfrm><a:prstGeom prst="line">'
        '<a:avLst/></a:prstGeom><a:ln w="19050"><a:tailEnd type="triangle"/></a:ln></xdr:spPr></xdr:cxnSp>'
        '<xdr:clientData/></xdr:twoCellAnchor>',
    ])


# ----------------------------------------------------------------- sparklines


def _sparklines(pkg: Package) -> None:
    sheet = pkg.sheet_part(CUSTOMER_SHEET)
    pkg.edit(sheet, lambda root: add_ext(
        root, '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"><x14:sparklineGroups>'
              '<x14:sparklineGroup displayEmptyCellsAs="gap" markers="1"><x14:colorSeries rgb="FF376092"/>'
              '<x14:colorNegative rgb="FFD00000"/><x14:colorAxis rgb="FF000000"/><x14:colorMarkers rgb="FFD00000"/>'
              '<x14:colorFirst rgb="FFD00000"/><x14:colorLast rgb="FFD00000"/><x14:colorHigh rgb="FFD00000"/>'
              '<x14:colorLow rgb="FFD00000"/><x14:sparklines>'
              f'<x14:sparkline><xm:f>{CUSTOMER_SHEET}!F2:F13</xm:f><xm:sqref>F15</xm:sqref></x14:sparkline>'
              f'<x14:sparkline><xm:f>{CUSTOMER_SHEET}!E2:E13</xm:f><xm:sqref>E15</xm:sqref></x14:sparkline>'
              '</x14:sparklines></x14:sparklineGroup></x14:sparklineGroups></ext>'))
    order = pkg.sheet_part(ORDER_SHEET)
    pkg.edit(order, lambda root: add_ext(
        root, '<ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}"><x14:sparklineGroups>'
              '<x14:sparklineGroup type="column" displayEmptyCellsAs="gap"><x14:colorSeries rgb="FF376092"/>'
              '<x14:colorNegative rgb="FFD00000"/><x14:sparklines><x14:sparkline>'
              f'<xm:f>{ORDER_SHEET}!D2:D7</xm:f><xm:sqref>D9</xm:sqref></x14:sparkline></x14:sparklines>'
              '</x14:sparklineGroup></x14:sparklineGroups></ext>'))


# ------------------------------------------------------------------ comments

PERSON = "{6C5F1F2A-2B2B-4C4C-9D9D-1A2B3C4D5E6F}"
THREAD = "{11111111-2222-4333-8444-555555555555}"


def _legacy_comments(wb: openpyxl.Workbook) -> None:
    ws = wb[CUSTOMER_SHEET]
    ws["B3"].comment = Comment("Signed in March", "Ann")
    ws["F6"].comment = Comment("Includes a refund", "Bob")
    ws["C4"].comment = Comment("[Threaded comment]\n\nYour version of Excel allows you to read this threaded "
                               "comment; however, any edits to it will get removed if the file is opened in a "
                               "newer version of Excel.\n\nComment:\n    Check the region", f"tc={THREAD}")
    wb[ORDER_SHEET]["A2"].comment = Comment("First order of the year", "Ann")


def _threaded_comments(pkg: Package) -> None:
    sheet = pkg.sheet_part(CUSTOMER_SHEET)
    part = "xl/threadedComments/threadedComment1.xml"
    tc = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
    pkg.add_part(part, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ThreadedComments '
                       f'xmlns="{tc}" xmlns:x="{NS["main"]}"><threadedComment ref="C4" dT="2026-01-05T10:00:00.00" '
                       f'personId="{PERSON}" id="{THREAD}"><text>Check the region</text></threadedComment>'
                       f'<threadedComment ref="C4" dT="2026-01-06T09:30:00.00" personId="{PERSON}" '
                       f'id="{{22222222-3333-4444-8555-666666666666}}" parentId="{THREAD}"><text>Done: it is '
                       'South</text></threadedComment></ThreadedComments>',
                 "application/vnd.ms-excel.threadedcomments+xml")
    pkg.add_rel(sheet, "http://schemas.microsoft.com/office/2017/10/relationships/threadedComment", part)
    persons = "xl/persons/person.xml"
    pkg.add_part(persons, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<personList xmlns="{tc}" '
                          f'xmlns:x="{NS["main"]}"><person displayName="Ann Lee" id="{PERSON}" '
                          'userId="ann@example.com" providerId="None"/></personList>',
                 "application/vnd.ms-excel.person+xml")
    pkg.add_rel("xl/workbook.xml", "http://schemas.microsoft.com/office/2017/10/relationships/person", persons)


# ----------------------------------------------------------------------- VBA


def _vba(pkg: Package) -> None:
    import zipfile

    with zipfile.ZipFile(TEMPLATES / "xlseg.xlam") as z:
        pkg.add_part("xl/vbaProject.bin", z.read("xl/vbaProject.bin"), None)
    pkg.add_default("bin", "application/vnd.ms-office.vbaProject")
    pkg.add_rel("xl/workbook.xml", "http://schemas.microsoft.com/office/2006/relationships/vbaProject",
                "xl/vbaProject.bin")
    pkg.set_override("xl/workbook.xml", "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    pkg.edit("xl/workbook.xml", lambda root: root.find(q("main", "workbookPr")).set("codeName", "ThisWorkbook"))


# ------------------------------------------------------------ external links


def _external_links(pkg: Package) -> None:
    part = "xl/externalLinks/externalLink1.xml"
    pkg.add_part(part, f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink '
                       f'xmlns="{NS["main"]}" xmlns:r="{NS["r"]}"><externalBook r:id="rId1"><sheetNames>'
                       '<sheetName val="Prices"/></sheetNames><sheetDataSet><sheetData sheetId="0"><row r="1">'
                       '<cell r="A1"><v>42</v></cell></row></sheetData></sheetDataSet></externalBook>'
                       '</externalLink>', CT + "externalLink+xml")
    pkg.add_rel(part, REL + "externalLinkPath", external="prices.xlsx")
    rid = pkg.add_rel("xl/workbook.xml", REL + "externalLink", part)

    def wb_edit(root):
        child(root, "externalReferences", WORKBOOK_ORDER).append(fragment(f'<externalReference r:id="{rid}"/>'))
        child(root, "definedNames", WORKBOOK_ORDER).append(
            fragment('<definedName name="ListPrice">[1]Prices!$A$1</definedName>'))

    pkg.edit("xl/workbook.xml", wb_edit)
    pkg.edit(pkg.sheet_part(ORDER_SHEET), lambda root: set_cells(root, {"G1": "List price",
                                                                        "G2": ("[1]Prices!$A$1", 42, {})}))


# ---------------------------------------------------------------- custom XML


def _custom_xml(pkg: Package) -> None:
    pkg.add_part("customXml/item1.xml", '<?xml version="1.0" encoding="UTF-8"?><crm xmlns="urn:corpus:crm">'
                                        '<owner>Sales Ops</owner><source>CRM export 2026-01</source></crm>', None)
    pkg.add_part("customXml/itemProps1.xml",
                 '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<ds:datastoreItem '
                 'ds:itemID="{5B6C7D8E-1234-4ABC-9DEF-0123456789AB}" '
                 'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
                 '<ds:schemaRef ds:uri="urn:corpus:crm"/></ds:schemaRefs></ds:datastoreItem>',
                 "application/vnd.openxmlformats-officedocument.customXmlProperties+xml")
    pkg.add_rel("customXml/item1.xml", REL + "customXmlProps", "customXml/itemProps1.xml")
    pkg.add_rel("xl/workbook.xml", REL + "customXml", "customXml/item1.xml")
    pkg.add_part("docProps/custom.xml",
                 '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
                 'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
                 'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property '
                 'fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Classification">'
                 '<vt:lpwstr>Internal</vt:lpwstr></property></Properties>',
                 "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    from lxml import etree as _et

    root = _et.fromstring(pkg.parts["_rels/.rels"])
    _et.SubElement(root, q("pr", "Relationship"), Id="rIdCustom1", Target="docProps/custom.xml",
                   Type=REL + "custom-properties")
    pkg.set_xml("_rels/.rels", root)


# ------------------------------------------------- shared and array formulas


def _formulas(pkg: Package) -> None:
    rows = customer_rows()
    cells = {}
    for i, row in enumerate(rows):
        r = 2 + i
        attrs = {"t": "shared", "ref": "F2:F13", "si": "0"} if i == 0 else {"t": "shared", "si": "0"}
        cells[f"F{r}"] = (f"E{r}*{PRICE}" if i == 0 else None, row[5], attrs)
    total_orders = sum(r[4] for r in rows)
    cells["H1"] = "Orders total"
    cells["H2"] = ("SUM(E2:E13*1)", total_orders, {"t": "array", "ref": "H2"})
    pkg.edit(pkg.sheet_part(CUSTOMER_SHEET), lambda root: set_cells(root, cells))
    orders = order_rows()
    ocells = {"F1": "Line total"}
    for i, o in enumerate(orders):
        ocells[f"F{2 + i}"] = ("D2:D7*E2:E7" if i == 0 else None, o[3] * o[4],
                               {"t": "array", "ref": "F2:F7"} if i == 0 else {})
    pkg.edit(pkg.sheet_part(ORDER_SHEET), lambda root: set_cells(root, ocells))

    def drop_empty_f(root):  # cells of a multi-cell array keep only their value
        for f in root.iter(q("main", "f")):
            if f.text is None and f.get("t") != "shared":
                f.getparent().remove(f)

    pkg.edit(pkg.sheet_part(ORDER_SHEET), drop_empty_f)
    pkg.add_part("xl/calcChain.xml", f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<calcChain '
                                     f'xmlns="{NS["main"]}"><c r="F2" i="1"/><c r="F3"/><c r="F4"/><c r="F5"/>'
                                     '<c r="F6"/><c r="F7"/><c r="F8"/><c r="F9"/><c r="F10"/><c r="F11"/>'
                                     '<c r="F12"/><c r="F13"/><c r="H2"/><c r="F2" i="2" a="1"/></calcChain>',
                 CT + "calcChain+xml")
    pkg.add_rel("xl/workbook.xml", REL + "calcChain", "xl/calcChain.xml")


# ------------------------------------------------------------ printer settings


def _printer_settings(pkg: Package) -> None:
    sheet = pkg.sheet_part(CUSTOMER_SHEET)
    blob = b"CORPUS-DEVMODE" + bytes(range(256)) * 4
    pkg.add_part("xl/printerSettings/printerSettings1.bin", blob, None)
    pkg.add_default("bin", CT + "printerSettings")
    rid = pkg.add_rel(sheet, REL + "printerSettings", "xl/printerSettings/printerSettings1.bin")

    def edit(root):
        setup = root.find(q("main", "pageSetup"))
        if setup is None:
            setup = insert_ordered(root, fragment('<pageSetup/>'))
        setup.set("orientation", "landscape")
        setup.set(q("r", "id"), rid)

    pkg.edit(sheet, edit)


# --------------------------------------------------------- openpyxl features


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _image(wb):
    from openpyxl.drawing.image import Image as XLImage

    wb[CUSTOMER_SHEET].add_image(XLImage(io.BytesIO(_png())), "B16")


def _chart(wb):
    ws = wb[CUSTOMER_SHEET]
    chart = BarChart()
    chart.title = "Spend by client"
    chart.add_data(Reference(ws, min_col=6, min_row=1, max_row=13), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=2, min_row=2, max_row=13))
    ws.add_chart(chart, "B16")


def _validations_and_formats(wb):
    ws = wb[CUSTOMER_SHEET]
    dv = DataValidation(type="list", formula1='"North,South,East"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("C2:C13")
    dv2 = DataValidation(type="whole", operator="between", formula1="0", formula2="1000")
    ws.add_data_validation(dv2)
    dv2.add("E2:E13")
    ws.conditional_formatting.add("F2:F13", CellIsRule(operator="greaterThan", formula=["2000"],
                                                       fill=PatternFill("solid", bgColor="FFC7CE")))
    ws.conditional_formatting.add("E2:E13", ColorScaleRule(start_type="min", start_color="F8696B",
                                                           end_type="max", end_color="63BE7B"))
    ws.conditional_formatting.add("D2:D13", DataBarRule(start_type="min", end_type="max", color="638EC6"))


def _hidden_sheets(wb):
    archive = wb.create_sheet("Archive")
    archive.append(["Year", "Note"])
    archive.append([2024, "closed accounts"])
    archive.sheet_state = "hidden"
    lookup = wb.create_sheet("Lookup")
    lookup.append(["Code", "Region"])
    lookup.append(["N", "North"])
    lookup.sheet_state = "veryHidden"


def _protected(wb):
    ws = wb[ORDER_SHEET]
    ws.protection.sheet = True
    ws.protection.password = "secret"
    ws.protection.formatCells = False


def _epoch_1904(wb):
    wb.epoch = CALENDAR_MAC_1904


def _rich_text(wb):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    ws = wb[CUSTOMER_SHEET]
    ws["B2"] = CellRichText([TextBlock(InlineFont(b=True), "Client"), " A"])
    ws["B5"] = CellRichText(["Client ", TextBlock(InlineFont(i=True, color="FF0000"), "D")])
    wb[ORDER_SHEET]["B2"] = CellRichText([TextBlock(InlineFont(u="single"), "Tea")])


def _user_table(wb):
    from openpyxl.worksheet.table import Table, TableStyleInfo

    t = Table(displayName="ClientTable", ref="A1:F13")
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    wb[CUSTOMER_SHEET].add_table(t)
    t2 = Table(displayName="OrderTable", ref="A1:E7")
    t2.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    wb[ORDER_SHEET].add_table(t2)


# ------------------------------------------------------------------ registry


@dataclass(frozen=True)
class Feature:
    name: str
    openpyxl_step: Callable | None = None
    package_step: Callable | None = None
    suffix: str = ".xlsx"
    # Sheets whose parts xlseg may never touch in this book, beyond the defaults.
    notes: str = ""
    tags: tuple = field(default_factory=tuple)


FEATURES = {f.name: f for f in [
    Feature("plain"),
    Feature("pivot_tables", package_step=_pivots, notes="pivot on the customer sheet (T3) and on Orders (H3)"),
    Feature("slicer", package_step=_slicer),
    Feature("shapes", package_step=_shapes),
    Feature("image", openpyxl_step=_image),
    Feature("chart", openpyxl_step=_chart),
    Feature("sparklines", package_step=_sparklines),
    Feature("comments", openpyxl_step=_legacy_comments, package_step=_threaded_comments),
    Feature("vba", package_step=_vba, suffix=".xlsm"),
    Feature("external_links", package_step=_external_links),
    Feature("custom_xml", package_step=_custom_xml),
    Feature("validations_formats", openpyxl_step=_validations_and_formats),
    Feature("hidden_sheets", openpyxl_step=_hidden_sheets),
    Feature("protected_sheet", openpyxl_step=_protected),
    Feature("epoch_1904", openpyxl_step=_epoch_1904),
    Feature("formulas", package_step=_formulas),
    Feature("rich_text", openpyxl_step=_rich_text),
    Feature("user_table", openpyxl_step=_user_table),
    Feature("printer_settings", package_step=_printer_settings),
]}


def build(name: str, folder) -> Path:
    """Write the fidelity workbook ``name`` into ``folder``; return its path."""
    feature = FEATURES[name]
    wb = base_workbook()
    if feature.openpyxl_step:
        feature.openpyxl_step(wb)
    path = Path(folder) / f"{name}{feature.suffix}"
    buf = io.BytesIO()
    wb.save(buf)
    pkg = Package.read(io.BytesIO(buf.getvalue()))
    to_shared_strings(pkg)
    if feature.package_step:
        feature.package_step(pkg)
    pkg.write(path)
    return path
