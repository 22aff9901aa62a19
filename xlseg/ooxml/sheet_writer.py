"""A new worksheet part for an owned sheet (Summary, Customers, ...), streamed from its plan."""

from __future__ import annotations

from xlseg.ooxml.grid import Grid
from xlseg.ooxml.styles import StyleBook
from xlseg.ooxml.xml import attr, bounds, col_index, letters, text
from xlseg.plan.row_heights import header_heights
from xlseg.plan.write_plan import excel_string

HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">')


def cols_xml(widths: dict) -> str:
    items = sorted((col_index(k), w) for k, w in widths.items())
    return "".join(f'<col min="{c}" max="{c}" width="{w:g}" customWidth="1"/>' for c, w in items)


def cond_xml(rules, book: StyleBook, first_priority: int = 1) -> str:
    """``<conditionalFormatting>`` elements, one per range, rules in plan order."""
    groups: dict = {}
    for rule in rules:
        groups.setdefault(rule.ref, []).append(rule)
    out, p = [], first_priority
    for rng, group in groups.items():
        rules_xml = []
        for rule in group:
            dxf = book.dxf(rule.fill, rule.color)
            rules_xml.append(f'<cfRule type="cellIs" dxfId="{dxf}" priority="{p}" operator="equal">'
                             f'<formula>{text(excel_string(rule.text))}</formula></cfRule>')
            p += 1
        out.append(f'<conditionalFormatting sqref="{rng}">{"".join(rules_xml)}</conditionalFormatting>')
    return "".join(out)


def pane_xml(freeze: str | None) -> str:
    if not freeze or freeze == "A1":
        return '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
    _c, r, c, _r = bounds(freeze)
    xs, ys = c - 1, r - 1
    pane = "bottomRight" if xs and ys else "bottomLeft" if ys else "topRight"
    split = (f' xSplit="{xs}"' if xs else "") + (f' ySplit="{ys}"' if ys else "")
    return (f'<sheetViews><sheetView workbookViewId="0"><pane{split} topLeftCell="{freeze}" activePane="{pane}" '
            f'state="frozen"/><selection pane="{pane}" activeCell="{freeze}" sqref="{freeze}"/></sheetView>'
            '</sheetViews>')


def write_owned(out, sp, book: StyleBook, *, date1904: bool, drawing_rid: str | None, table_rids: list) -> bool:
    """Stream the worksheet XML of owned sheet ``sp`` to the binary file ``out``; True when it holds formulas."""
    grid = Grid(list(sp.blocks) + list(sp.refresh_blocks), list(sp.styles) + list(sp.refresh_styles), book,
                date1904=date1904)
    pr = ""
    if sp.tab_color:
        pr += f'<tabColor rgb="FF{sp.tab_color.upper()[-6:]}"/>'
    if sp.fit_width:
        pr += '<pageSetUpPr fitToPage="1"/>'
    ext = grid.extent
    dim = "A1" if ext is None else f"{letters(ext[0])}{ext[1]}:{letters(ext[2])}{ext[3]}"
    head = [HEAD, f"<sheetPr>{pr}</sheetPr>" if pr else "", f'<dimension ref="{dim}"/>', pane_xml(sp.freeze),
            '<sheetFormatPr defaultRowHeight="15"/>']
    if sp.widths:
        head.append(f"<cols>{cols_xml(sp.widths)}</cols>")
    head.append("<sheetData>")
    out.write("".join(head).encode())
    for chunk in grid.row_chunks(header_heights(sp), widths=sp.widths):
        out.write(chunk.encode() if isinstance(chunk, str) else chunk)
    buf = ["</sheetData>"]
    buf.append(cond_xml(sp.cond_rules, book))
    if sp.validations:
        dv = "".join(f'<dataValidation type="list" allowBlank="1" showErrorMessage="1" sqref="{v.ref}">'
                     f'<formula1>{text(excel_string(",".join(str(c) for c in v.choices)))}</formula1>'
                     f'</dataValidation>' for v in sp.validations)
        buf.append(f'<dataValidations count="{len(sp.validations)}">{dv}</dataValidations>')
    buf.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    if sp.landscape or sp.fit_width:
        setup = ' orientation="landscape"' if sp.landscape else ""
        if sp.fit_width:
            setup += ' fitToWidth="1" fitToHeight="0"'
        buf.append(f"<pageSetup{setup}/>")
    if drawing_rid:
        buf.append(f'<drawing r:id="{drawing_rid}"/>')
    if table_rids:
        parts = "".join(f'<tablePart r:id="{rid}"/>' for rid in table_rids)
        buf.append(f'<tableParts count="{len(table_rids)}">{parts}</tableParts>')
    buf.append("</worksheet>")
    out.write("".join(buf).encode())
    return grid.formulas


def header_cells(sp, ref: str) -> list:
    """The values of the first row of ``ref`` as the plan writes them (a table's column names)."""
    c1, r1, c2, _r2 = bounds(ref)
    cells = {}
    for b in list(sp.blocks) + list(sp.refresh_blocks):
        if b.row <= r1 < b.row + len(b.values):
            for j, v in enumerate(b.values[r1 - b.row]):
                cells[b.col + j] = v
    return [cells.get(c) for c in range(c1, c2 + 1)]


__all__ = ["write_owned", "header_cells", "cond_xml", "cols_xml", "attr"]
