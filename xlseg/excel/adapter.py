"""xlwings adapter: read a live workbook and execute a write plan in Excel.

It executes the same :class:`xlseg.plan.write_plan.WritePlan` as the openpyxl
adapter. On Windows the number of Excel round trips does not grow with the
number of rows: one bulk read per sheet, one 2-D write per block
(``chunksize=None``), one call per style, rule, table and chart. Excel for Mac
caps the size of one Apple Event (``_xlmac.Range.max_cells_per_read``: ~1.5
million numbers, fewer text cells), so there reads and writes go in chunks
below that cap (:mod:`xlseg.excel.transfer`).

An owned sheet that is written again keeps its place and its identity: its
contents, formats, charts and rules are cleared and rewritten in place (its
tables resized), so the user's formulas, names and charts pointing at Summary,
Customers, Tags, Issues or Migration keep working - renaming and deleting it
would turn them into ``#REF!``.

Only xlwings' open-source public API is used (no ``.api`` COM calls). Two
things of the file adapter are therefore not done live: freezing panes and tab
colours, and page setup. They are cosmetic; the values, colours (conditional
formats), drop-down lists, tables and charts are the same.
"""

from __future__ import annotations

import re

from xlseg.excel.cells import date1904
from xlseg.excel.transfer import read_values, write_values
from xlseg.plan.build import BookState
from xlseg.plan.write_plan import MARKER_PREFIX, AppendRows, Block, ColumnsPlan, Formula, SheetPlan, WritePlan, \
    excel_string, quote_sheet

_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^!]+))!(.+)$")


def parse_refers_to(text: str):
    """``='My Sheet'!$A$1`` -> ('My Sheet', '$A$1'); None for anything else (e.g. #REF!)."""
    if not text:
        return None
    m = _REF.match(text.strip())
    if not m or "#REF" in text:
        return None
    title = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    return title, m.group(3)


def _cell(value):
    """Plan values -> what Excel should receive.

    Every string is data and gets Excel's text prefix ``'`` (not part of the
    stored value): assigning a string to ``Range.Value`` is like typing it, so
    ``=...`` would become a formula and ``532``, ``3%`` or ``2024-01-05`` a
    number or date. The openpyxl adapter stores the same strings as text.
    """
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, str):
        return "'" + value if value else None  # "" is an empty cell, as openpyxl stores it
    return value


def _hex(rgb: str) -> str:
    return "#" + rgb


class ExcelBook:
    """The adapter over one ``xlwings.Book``."""

    def __init__(self, book):
        self.book = book
        self.app = book.app
        self._names: set | None = None  # xlseg's defined names, listed once per run
        self._rows: dict = {}  # title -> values; every read happens before the first write

    # ---------------------------------------------------------------- reading
    def state(self) -> BookState:
        titles = [s.name for s in self.book.sheets]
        markers = {}
        for name in self.book.names:
            if name.name.startswith(MARKER_PREFIX):
                where = parse_refers_to(name.refers_to)
                if where:
                    markers[name.name] = where
        self._names = set(markers)
        return BookState(titles=titles, markers=markers, date1904=bool(date1904(self.book)))

    def rows(self, title: str) -> list:
        """All values from A1 to the used range's last cell, as row tuples (one read per sheet and run)."""
        if title in self._rows:
            return self._rows[title]
        sheet = self.book.sheets[title]
        last = sheet.used_range.last_cell
        values = read_values(sheet, last.row, last.column)
        self._rows[title] = [tuple(r) for r in values]
        return self._rows[title]

    def active_title(self) -> str | None:
        try:
            return self.book.sheets.active.name
        except Exception:  # no active sheet (e.g. a chart sheet is active)
            return None

    # ---------------------------------------------------------------- writing
    def write_block(self, sheet, block: Block) -> None:
        values = [[_cell(v) for v in row] for row in block.values]
        width = max((len(r) for r in values), default=0)
        values = [r + [None] * (width - len(r)) for r in values]
        if not values or not width:
            return
        write_values(sheet, block.row, block.col, values)

    def apply_styles(self, sheet, styles) -> None:
        for st in styles:
            rng = sheet.range(st.ref)
            if st.bold:
                rng.font.bold = True
            if st.size:
                rng.font.size = st.size
            if st.color:
                rng.font.color = _hex(st.color)
            if st.fill:
                rng.color = _hex(st.fill)
            if st.number_format:
                rng.number_format = st.number_format
            if st.wrap:
                _cosmetic(lambda: setattr(rng, "wrap_text", True))
            if st.align:
                _cosmetic(lambda: setattr(rng, "horizontal_alignment", st.align))

    def add_cond_rules(self, sheet, rules) -> None:
        for rule in rules:
            text = "=" + excel_string(rule.text)
            sheet.range(rule.ref).conditional_formats.add_cell_value(
                "equal_to", text, fill_color=_hex(rule.fill), font_color=_hex(rule.color))

    def set_name(self, name: str, title: str, ref: str) -> None:
        self._replace_name(name, f"={quote_sheet(title)}!{ref}")

    def _replace_name(self, name: str, refers_to: str) -> None:
        if self._names is None:
            self.state()
        if name in self._names:
            self.book.names[name].delete()
        self.book.names.add(name, refers_to)
        self._names.add(name)

    def _fresh_sheet(self, sp: SheetPlan):
        """The sheet ``sp`` is written into, empty: a new one, or the owned sheet it replaces emptied in place."""
        sheets = self.book.sheets
        if sp.replaces is None:
            return sheets.add(name=sp.title, after=sheets[len(sheets) - 1])
        old = sheets[sp.replaces]
        if not _tables_fit(old, sp):
            # A table that the plan does not keep in its header row cannot be removed with xlwings' open API:
            # swap in a new sheet at the same position (references to this sheet become #REF!, as before).
            old.name = _temp_name(sp.replaces, [s.name for s in sheets])
            new = sheets.add(name=sp.title, before=old)
            old.delete()
            return new
        if sp.title != sp.replaces:
            old.name = sp.title  # Excel rewrites every reference to follow the new name
        for chart in list(old.charts):
            chart.delete()
        old.clear()  # contents, formats, conditional formats; the tables stay and are resized below
        return old

    def write_refresh(self, sheet, sp: SheetPlan) -> None:
        """Blocks, styles and names written on every run, even into a kept sheet (formula parameters)."""
        for block in sp.refresh_blocks:
            self.write_block(sheet, block)
        self.apply_styles(sheet, sp.refresh_styles)
        for name, ref in sp.names.items():
            if "!" in ref:  # already qualified with its sheet
                self._replace_name(name, ref if ref.startswith("=") else "=" + ref)
            else:
                self.set_name(name, sheet.name, ref)

    def write_sheet(self, sp: SheetPlan) -> None:
        if sp.keep_existing and sp.replaces is not None:
            self.write_refresh(self.book.sheets[sp.replaces], sp)
            return
        sheet = self._fresh_sheet(sp)
        for block in sp.blocks:
            self.write_block(sheet, block)
        self.apply_styles(sheet, sp.styles)
        self.add_cond_rules(sheet, sp.cond_rules)
        for t in sp.tables:
            if t.name in sheet.tables:  # an owned sheet rewritten in place
                sheet.tables[t.name].resize(sheet.range(t.ref))
            else:
                sheet.tables.add(source=sheet.range(t.ref), name=t.name, table_style_name=t.style)
        for chart in sp.charts:
            source = sheet.range(chart.categories).resize(column_size=1 + _width(chart.values)) \
                if _adjacent(chart) else \
                sheet.range(chart.values)
            sheet.charts.add(chart_type="bar_clustered" if chart.kind == "bar" else "column_clustered",
                             source=source, anchor=sheet.range(chart.anchor),
                             width=chart.width_cm * 28.35, height=chart.height_cm * 28.35)
        for v in sp.validations:  # drop-down lists (xlwings >= 0.37.5), as file mode writes them
            choices = [str(c) for c in v.choices]
            _cosmetic(lambda v=v, choices=choices: sheet.range(v.ref).data_validation.set_list(choices))
        for letter, width in sp.widths.items():
            sheet.range(f"{letter}1").column_width = width
        if sp.hidden:
            sheet.visible = False
        self.write_refresh(sheet, sp)
        self.set_name(sp.marker, sp.title, "$A$1")

    def write_columns(self, cp: ColumnsPlan, old_ref: str | None) -> None:
        sheet = self.book.sheets[cp.sheet]
        if old_ref is not None:
            old = sheet.range(old_ref.replace("$", ""))
            old.clear_contents()
            old.conditional_formats.clear()
        self.write_block(sheet, cp.block)
        self.apply_styles(sheet, cp.styles)
        self.add_cond_rules(sheet, cp.cond_rules)
        for letter, width in cp.widths.items():
            sheet.range(f"{letter}1").column_width = width
        self.set_name(cp.marker_name, cp.sheet, cp.marker_ref)

    def append_rows(self, ap: AppendRows) -> None:
        """New rows below an append-only sheet's rows; the table grows over them. Nothing above is touched."""
        sheet = self.book.sheets[ap.title]
        self.write_block(sheet, Block(ap.start_row, 1, ap.values))
        self.apply_styles(sheet, ap.styles)
        if ap.table and ap.table_ref:
            if ap.table in sheet.tables:
                sheet.tables[ap.table].resize(sheet.range(ap.table_ref))
            else:
                sheet.tables.add(source=sheet.range(ap.table_ref), name=ap.table,
                                 table_style_name="TableStyleLight9")

    def execute(self, plan: WritePlan, state: BookState, progress=None) -> None:
        """Owned sheets first, the user's sheets last: a failure on the way leaves the user's cells as they were."""
        step = progress or (lambda _m: None)
        for sp in plan.sheets:
            step(f"writing {sp.title}")
            self.write_sheet(sp)
        for ap in plan.appends:
            step(f"appending to {ap.title}")
            self.append_rows(ap)
        for cp in ([plan.columns] if plan.columns is not None else []) + list(plan.extra_columns):
            step("writing columns")
            old = state.markers.get(cp.marker_name)
            self.write_columns(cp, old[1] if old and old[0] == cp.sheet else None)
        for title in plan.remove:  # last: the columns that read this sheet are values by now
            step(f"removing {title}")
            self.remove_sheet(title, state)

    def remove_sheet(self, title: str, state: BookState) -> None:
        """Delete an owned sheet and xlseg's names that point at it (the names first: Excel would turn them
        into #REF!)."""
        if self._names is None:
            self.state()
        for name, (where, _ref) in state.markers.items():
            if where == title and name in self._names:
                self.book.names[name].delete()
                self._names.discard(name)
        if title in [s.name for s in self.book.sheets]:
            self.book.sheets[title].delete()


def _tables_fit(sheet, sp: SheetPlan) -> bool:
    """Every table on ``sheet`` is one ``sp`` writes again with its header in the same row and column
    (Excel's ListObject.Resize keeps the header row: xlwings.main.Table.resize)."""
    from xlseg.a1 import range_bounds

    planned = {t.name.lower(): range_bounds(t.ref)[:2] for t in sp.tables}
    for table in sheet.tables:
        rng = table.range
        if planned.get(table.name.lower()) != (rng.column, rng.row):
            return False
    return True


def _cosmetic(action) -> None:
    """Formatting an xlwings engine may not implement (NotImplementedError), or a list Excel cannot hold as a
    literal (ValueError: over 255 characters or a separator in a choice; file mode writes it, live skips it)."""
    try:
        action()
    except (NotImplementedError, ValueError):
        pass


def _width(a1: str) -> int:
    from xlseg.a1 import range_bounds

    c1, _r1, c2, _r2 = range_bounds(a1)
    return c2 - c1 + 1


def _adjacent(chart) -> bool:
    from xlseg.a1 import range_bounds

    k1, kr1, k2, kr2 = range_bounds(chart.categories)
    v1, vr1, v2, vr2 = range_bounds(chart.values)
    return k1 == k2 and v1 == k1 + 1 and (kr1, kr2) == (vr1, vr2)


def _temp_name(title: str, taken) -> str:
    n = 1
    while True:
        name = f"~xlseg old {n}"
        if name not in taken:
            return name
        n += 1
