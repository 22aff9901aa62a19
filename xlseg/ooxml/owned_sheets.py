"""xlseg's own sheets as parts: a new sheet with its tables and charts; what an owned sheet takes with it."""

from __future__ import annotations

from xlseg.errors import WorkbookError
from xlseg.ooxml import charts, tables
from xlseg.ooxml.book import Book, _Names
from xlseg.ooxml.package import Package, relative, rels_path
from xlseg.ooxml.rels import Rels
from xlseg.ooxml.sheet_writer import header_cells, write_owned
from xlseg.ooxml.xml import REL
from xlseg.plan.write_plan import SheetPlan

# Parts hanging off an owned sheet that go with it when it is replaced.
OWNED_CHILDREN = ("/table", "/drawing", "/chart", "/printerSettings", "/chartStyle", "/chartColorStyle")


def _table_ids(pkg: Package) -> dict:
    ids = {}
    for name in pkg.names():
        if name.startswith("xl/tables/") and name.endswith(".xml"):
            try:
                ids[name] = tables.info(pkg.read(name))[0]
            except WorkbookError:
                continue
    return ids


def _find_table(book: Book, sheet_part: str, table_name: str) -> str | None:
    rels = book.sheet_rels(sheet_part)
    for _i, t, target in ((i, t, rels.part(i)) for i, t, _x, ext in rels.items() if not ext):
        if t.endswith("/table") and target in book.pkg:
            if tables.info(book.pkg.read(target))[1] == table_name:
                return target
    return None


def _owned_tree(book: Book, part: str, title: str) -> set:
    """An owned sheet's part and what hangs off it; refuse when the user put something of theirs there."""
    gone = {part, rels_path(part)}
    rels = book.sheet_rels(part)
    for rid, t, target, ext in rels.items():
        if ext:
            continue
        child = rels.part(rid)
        if not t.endswith(OWNED_CHILDREN):
            kind = t.rsplit("/", 1)[-1]
            raise WorkbookError(f"Not saved: xlseg's sheet '{title}' holds something of yours ({kind}) that a "
                                "re-run would replace with the sheet. Move it to a sheet of your own, or rename "
                                f"the sheet '{title}' so xlseg writes a new one; your file is unchanged.")
        gone.add(child)
        if t.endswith("/drawing"):
            gone.add(rels_path(child))
            drels = book.sheet_rels(child)
            for drid, dt_, _dt, dext in drels.items():
                if dext:
                    continue
                if not dt_.endswith(OWNED_CHILDREN):
                    raise WorkbookError(f"Not saved: xlseg's sheet '{title}' holds a picture or shape of yours "
                                        "that a re-run would replace. Move it to a sheet of your own; your file "
                                        "is unchanged.")
                chart = drels.part(drid)
                gone.update({chart, rels_path(chart)})
                for _c, _ct, _ctarget, cext in book.sheet_rels(chart).items():
                    if not cext:
                        gone.add(book.sheet_rels(chart).part(_c))
    return {g for g in gone if g}


def _write_new_sheet(writer, book: Book, sp: SheetPlan, part: str, styles, date1904, names: _Names,
                     new_parts: dict, table_ids: dict) -> bool:
    rels = Rels(part)
    table_rids = []
    used_ids = set(table_ids.values())
    for t in sp.tables:
        tpart = names.new("xl/tables", "table")
        tid = 1
        while tid in used_ids:
            tid += 1
        used_ids.add(tid)
        table_ids[tpart] = tid
        new_parts[tpart] = tables.render(tid, t.name, t.ref, header_cells(sp, t.ref), t.style)
        table_rids.append(rels.add(REL + "table", relative(part, tpart)))
    drawing_rid = None
    if sp.charts:
        dpart = names.new("xl/drawings", "drawing")
        drels = Rels(dpart)
        chart_rids = []
        for ch in sp.charts:
            cpart = names.new("xl/charts", "chart")
            new_parts[cpart] = charts.chart(ch, sp.title)
            chart_rids.append(drels.add(REL + "chart", relative(dpart, cpart)))
        new_parts[dpart] = charts.drawing(sp.charts, chart_rids)
        new_parts[rels_path(dpart)] = drels.bytes()
        drawing_rid = rels.add(REL + "drawing", relative(part, dpart))
    with writer.stream(part) as out:
        formulas = write_owned(out, sp, styles, date1904=date1904, drawing_rid=drawing_rid, table_rids=table_rids)
    if len(rels):
        new_parts[rels_path(part)] = rels.bytes()
    return formulas
