"""openpyxl adapter: read a workbook's state and execute a write plan on it.

The live-Excel adapter (:mod:`xlseg.excel.adapter`) executes the same plans.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.legend import Legend
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.formatting import ConditionalFormattingList
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from xlseg.plan.build import BookState
from xlseg.plan.write_plan import COLUMNS_MARKER, MARKER_PREFIX, Block, ColumnsPlan, Formula, SheetPlan, WritePlan, \
    excel_string, is_risky_text, quote_sheet


def book_state(wb) -> BookState:
    markers = {}
    for name, dn in wb.defined_names.items():
        if not name.startswith(MARKER_PREFIX):
            continue
        try:
            dests = list(dn.destinations)
        except Exception:  # a broken reference (#REF!) is not a marker any more
            continue
        if dests:
            markers[name] = dests[0]
    return BookState(titles=list(wb.sheetnames), markers=markers, date1904=wb.epoch == CALENDAR_MAC_1904)


def sheet_rows(ws) -> list:
    """Cell values from A1 as a list of tuples (the common reader input)."""
    return list(ws.iter_rows(min_row=1, min_col=1, values_only=True))


def _set_name(wb, name: str, title: str, ref: str) -> None:
    if name in wb.defined_names:
        del wb.defined_names[name]
    wb.defined_names[name] = DefinedName(name, attr_text=f"{quote_sheet(title)}!{ref}")


def write_block(ws, block: Block, *, fresh: bool = False) -> None:
    """Write a 2-D block; data strings that look like formulas are stored as text."""
    for i, row in enumerate(block.values):
        r = block.row + i
        for j, value in enumerate(row):
            if value is None and fresh:
                continue
            cell = ws.cell(row=r, column=block.col + j)
            if isinstance(value, Formula):
                cell.value = value.text
            elif is_risky_text(value):
                cell.value = value
                cell.data_type = "s"
                cell.quotePrefix = True
            else:
                cell.value = value


def _fill(hex_rgb):
    return PatternFill(fill_type="solid", start_color=hex_rgb, end_color=hex_rgb)


def apply_styles(ws, styles) -> None:
    for st in styles:
        c1, r1, c2, r2 = range_boundaries(st.ref)
        font = Font(bold=st.bold, size=st.size, color=st.color) if (st.bold or st.size or st.color) else None
        fill = _fill(st.fill) if st.fill else None
        align = Alignment(wrap_text=st.wrap or None, vertical="top" if st.wrap else None, horizontal=st.align) \
            if (st.wrap or st.align) else None
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                if font is not None:
                    cell.font = font
                if fill is not None:
                    cell.fill = fill
                if align is not None:
                    cell.alignment = align
                if st.number_format:
                    cell.number_format = st.number_format


def add_cond_rules(ws, rules) -> None:
    for rule in rules:
        ws.conditional_formatting.add(rule.ref, CellIsRule(
            operator="equal", formula=[excel_string(rule.text)], fill=_fill(rule.fill),
            font=Font(color=rule.color)))


def drop_cond_rules(ws, first_col: int, last_col: int) -> None:
    """Remove conditional formats lying wholly inside xlseg's columns (ours from the last run)."""
    kept = ConditionalFormattingList()
    for cf in ws.conditional_formatting:
        inside = all(first_col <= rng.min_col and rng.max_col <= last_col for rng in cf.sqref.ranges)
        if inside:
            continue
        for rule in cf.rules:
            kept.add(str(cf.sqref), rule)
    ws.conditional_formatting = kept


def add_chart(ws, chart) -> None:
    c1, r1, c2, r2 = range_boundaries(chart.values)
    k1, kr1, k2, kr2 = range_boundaries(chart.categories)
    bar = BarChart()
    bar.type = "bar" if chart.kind == "bar" else "col"
    bar.title = chart.title
    bar.legend = None
    bar.width, bar.height = chart.width_cm, chart.height_cm
    bar.add_data(Reference(ws, min_col=c1, min_row=r1, max_col=c2, max_row=r2), titles_from_data=False)
    if chart.series:  # one series per value column, named in a legend
        for s, name in zip(bar.series, chart.series):
            s.tx = SeriesLabel(v=name)
        bar.legend = Legend()
        bar.legend.position = "b"
    bar.set_categories(Reference(ws, min_col=k1, min_row=kr1, max_col=k2, max_row=kr2))
    if chart.kind == "bar":
        bar.y_axis.majorGridlines = None
        bar.x_axis.scaling.orientation = "maxMin"  # first segment on top, as in the table
    bar.x_axis.delete = False
    bar.y_axis.delete = False
    ws.add_chart(bar, chart.anchor)


def write_columns(wb, cp: ColumnsPlan, old_ref: str | None) -> None:
    ws = wb[cp.sheet]
    if old_ref is not None:
        c1, r1, c2, r2 = range_boundaries(old_ref.replace("$", ""))
        for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
            for cell in row:
                cell.value = None
        drop_cond_rules(ws, c1, c2)
    write_block(ws, cp.block)
    apply_styles(ws, cp.styles)
    add_cond_rules(ws, cp.cond_rules)
    for letter, width in cp.widths.items():
        ws.column_dimensions[letter].width = width
    _set_name(wb, cp.marker_name, cp.sheet, cp.marker_ref)


def _write_refresh(wb, ws, sp: SheetPlan) -> None:
    """Blocks and names written on every run, even into a kept sheet (formula parameters)."""
    for block in sp.refresh_blocks:
        write_block(ws, block)
    apply_styles(ws, sp.refresh_styles)
    for name, ref in sp.names.items():
        if "!" in ref:  # a reference to another sheet, already qualified
            if name in wb.defined_names:
                del wb.defined_names[name]
            wb.defined_names[name] = DefinedName(name, attr_text=ref)
        else:
            _set_name(wb, name, ws.title, ref)


def write_sheet(wb, sp: SheetPlan) -> None:
    if sp.replaces is not None:
        if sp.keep_existing:
            _write_refresh(wb, wb[sp.replaces], sp)
            return
        old = wb[sp.replaces]
        index = wb.sheetnames.index(sp.replaces)
        wb.remove(old)
        ws = wb.create_sheet(sp.title, index)
    else:
        ws = wb.create_sheet(sp.title)
    for block in sp.blocks:
        write_block(ws, block, fresh=True)
    apply_styles(ws, sp.styles)
    add_cond_rules(ws, sp.cond_rules)
    for t in sp.tables:
        ws.add_table(Table(displayName=t.name, ref=t.ref,
                           tableStyleInfo=TableStyleInfo(name=t.style, showRowStripes=True)))
    for chart in sp.charts:
        add_chart(ws, chart)
    for v in sp.validations:
        dv = DataValidation(type="list", formula1=excel_string(",".join(str(c) for c in v.choices)),
                            allow_blank=True)
        ws.add_data_validation(dv)
        dv.add(v.ref)
    for letter, width in sp.widths.items():
        ws.column_dimensions[letter].width = width
    if sp.freeze:
        ws.freeze_panes = sp.freeze
    if sp.tab_color:
        ws.sheet_properties.tabColor = sp.tab_color
    if sp.hidden:
        ws.sheet_state = "hidden"
    if sp.landscape:
        ws.page_setup.orientation = "landscape"
    if sp.fit_width:
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
    _write_refresh(wb, ws, sp)
    _set_name(wb, sp.marker, sp.title, "$A$1")


def execute(wb, plan: WritePlan, state: BookState | None = None, progress=None) -> None:
    """Apply every write of ``plan`` to the openpyxl workbook ``wb``."""
    step = progress or (lambda _m: None)
    state = state or book_state(wb)
    if plan.columns is not None:
        step("writing columns")
        old = state.markers.get(COLUMNS_MARKER)
        write_columns(wb, plan.columns, old[1] if old and old[0] == plan.columns.sheet else None)
    for cp in plan.extra_columns:
        old = state.markers.get(cp.marker_name)
        write_columns(wb, cp, old[1] if old and old[0] == cp.sheet else None)
    for sp in plan.sheets:
        step(f"writing {sp.title}")
        write_sheet(wb, sp)
    for ap in plan.appends:
        step(f"appending to {ap.title}")
        append_rows(wb, ap)
    for title in plan.remove:  # owned sheets no longer written (the formulas' data sheet), with their names
        step(f"removing {title}")
        for name, (where, _ref) in state.markers.items():
            if where == title and name in wb.defined_names:
                del wb.defined_names[name]
        if title in wb.sheetnames:
            del wb[title]


def append_rows(wb, ap) -> None:
    """Write ``ap.values`` from row ``ap.start_row`` down and grow the table's ref; earlier rows untouched."""
    ws = wb[ap.title]
    write_block(ws, Block(ap.start_row, 1, ap.values), fresh=True)
    apply_styles(ws, ap.styles)
    if ap.table and ap.table_ref:
        table = ws.tables.get(ap.table)
        if table is None:
            ws.add_table(Table(displayName=ap.table, ref=ap.table_ref,
                               tableStyleInfo=TableStyleInfo(name="TableStyleLight9", showRowStripes=True)))
        else:
            table.ref = ap.table_ref
            if table.autoFilter is not None:
                table.autoFilter.ref = ap.table_ref
