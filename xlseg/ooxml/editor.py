"""Execute a write plan on a workbook package: owned parts written, every other part copied as it is.

:func:`write_plan` is the one way xlseg writes a workbook file. It returns the
set of parts it owns in the output (written, replaced or dropped), which the
proof (:mod:`xlseg.ooxml.proof`) uses to check that nothing else changed. The package opened
as a workbook is :class:`xlseg.ooxml.book.Book`; owned sheets' parts are made in
:mod:`xlseg.ooxml.owned_sheets`, pivot caches marked in :mod:`xlseg.ooxml.pivots`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xlseg.errors import WorkbookError
from xlseg.ooxml import app_props, tables
from xlseg.memory import release_unused
from xlseg.ooxml.content_types import PART as CT_PART
from xlseg.ooxml.grid import width
from xlseg.ooxml.package import Package, PackageWriter, relative, rels_path
from xlseg.ooxml.rels import Rels
from xlseg.ooxml.sheet_editor import Edit, edit_sheet
from xlseg.read.prefetch import ahead
from xlseg.ooxml.styles import MINIMAL as MINIMAL_STYLES
from xlseg.ooxml.styles import StyleBook
from xlseg.ooxml.xml import (CT_CHART, CT_DRAWING, CT_SHEET, CT_STYLES, CT_TABLE, CT_WORKBOOK, CT_WORKBOOK_XLSM, REL,
                             bounds)
from xlseg.plan.write_plan import COLUMNS_MARKER, Block, SheetPlan, WritePlan, quote_sheet
from xlseg.ooxml.book import Book, _Names
from xlseg.ooxml.owned_sheets import _find_table, _owned_tree, _table_ids, _write_new_sheet
from xlseg.ooxml.pivots import _refresh_on_load

OFFICE_DOC = REL + "officeDocument"


@dataclass
class Written:
    """What :func:`write_plan` did: parts it owns in the output and the sheet it edited cell by cell."""

    owned: set = field(default_factory=set)  # part names written, replaced or dropped
    edited: dict = field(default_factory=dict)  # sheet part -> (title, [(c1, r1, c2, r2) xlseg wrote or cleared])
    formulas: bool = False


def write_plan(src: Package, dst_path, plan: WritePlan, markers: dict, *, macro: bool = False,
               base_sheets: list = (), customers_title: str | None = None) -> Written:
    """Write ``src`` with ``plan`` applied to ``dst_path``.

    ``markers`` are the trusted markers the plan was built from (name -> (title, ref));
    ``base_sheets`` are user sheets written fresh (a CSV file's data) before the plan;
    ``macro`` gives the workbook the macro-enabled content type (.xlsm output).
    """
    book = Book(src)
    done = Written()
    pkg = src
    if book.styles_name is None:
        book.styles_name = "xl/styles.xml"
        book.wb_rels.add(REL + "styles", relative(book.wb_name, book.styles_name))
        book.ct.set(book.styles_name, CT_STYLES)
        styles = StyleBook(MINIMAL_STYLES)
    else:
        styles = StyleBook(pkg.read(book.styles_name))
    date1904 = book.wb.date1904
    worksheets_before = book.worksheet_titles()
    names = _Names(pkg.names())
    deleted: set = set()
    new_parts: dict = {}  # part -> bytes (small parts written at the end)
    table_ids = _table_ids(pkg)

    # -- edits on existing sheets (xlseg's columns, refresh blocks, appended rows)
    edits: dict = {}

    def edit_for(title: str) -> Edit:
        if title not in edits:
            edits[title] = Edit()
        return edits[title]

    names_to_set: dict = {}
    for cp in ([plan.columns] if plan.columns is not None else []) + list(plan.extra_columns):
        e = edit_for(cp.sheet)
        old = markers.get(cp.marker_name)
        if old and old[0] == cp.sheet:
            rect = bounds(old[1])
            e.clear.append(rect)
            e.drop_cf = (rect[0], rect[2]) if e.drop_cf is None else (min(e.drop_cf[0], rect[0]),
                                                                        max(e.drop_cf[1], rect[2]))
        e.blocks.append(cp.block)
        e.styles += cp.styles
        e.cond_rules += cp.cond_rules
        e.widths.update(cp.widths)
        names_to_set[cp.marker_name] = f"{quote_sheet(cp.sheet)}!{cp.marker_ref}"
    for sp in plan.sheets:
        if sp.replaces is not None and sp.keep_existing:
            e = edit_for(sp.replaces)
            e.blocks += sp.refresh_blocks
            e.styles += sp.refresh_styles
            _names_of(sp, sp.replaces, names_to_set)
    grow: dict = {}
    for ap in plan.appends:
        e = edit_for(ap.title)
        e.blocks.append(Block(ap.start_row, 1, ap.values))
        e.styles += ap.styles
        if ap.table and ap.table_ref:
            grow[(ap.title, ap.table)] = ap.table_ref

    writer = PackageWriter(dst_path)
    try:
        # -- user sheets written fresh (CSV input): their edits are folded into the new part
        for sp in base_sheets:
            e = edits.pop(sp.title, None)
            if e is not None:
                sp.blocks += e.blocks
                sp.styles += e.styles
                sp.cond_rules += e.cond_rules
                sp.widths.update(e.widths)
            part = names.new("xl/worksheets", "sheet")
            done.formulas |= _write_new_sheet(writer, book, sp, part, styles, date1904, names, new_parts, table_ids)
            rid = book.wb_rels.add(REL + "worksheet", relative(book.wb_name, part))
            book.wb.add_sheet(sp.title, rid)
            book.sheet_parts[sp.title] = part
            done.owned.add(part)

        # -- existing sheets edited as streams
        for title, e in edits.items():
            part = book.sheet_parts.get(title)
            if part is None or part not in pkg:
                raise WorkbookError(f"Sheet '{title}' has no worksheet part in '{pkg.label}' (the file is damaged). "
                                    "Open it in Excel, save it again and retry; nothing was written.")
            with writer.stream(part) as out:
                # read twice as inflated chunks (a thread inflates ahead): the part is never held whole
                done.formulas |= edit_sheet(lambda: ahead(pkg.chunks(part)), e, styles, out, date1904=date1904,
                                            label=part)
            rects = list(e.clear)
            for b in e.blocks:
                rects.append((b.col, b.row, b.col + width(b.values) - 1, b.row + len(b.values) - 1))
            done.edited[part] = (title, rects)
            done.owned.add(part)
            release_unused()
            for (t, table_name), ref in grow.items():
                if t == title:
                    tp = _find_table(book, part, table_name)
                    if tp is not None:
                        new_parts[tp] = tables.grow(pkg.read(tp), ref)

        # -- owned sheets: replaced or created (what the replaced ones held goes first, so names are reused)
        for sp in plan.sheets:
            if sp.replaces is not None and not sp.keep_existing and sp.replaces in book.sheet_parts:
                deleted |= _owned_tree(book, book.sheet_parts[sp.replaces], sp.replaces)
        names.taken -= deleted
        for sp in plan.sheets:
            if sp.replaces is not None and sp.keep_existing:
                continue
            if sp.replaces is not None and sp.replaces in book.sheet_parts:
                old_part = book.sheet_parts[sp.replaces]
                part = old_part
                names.taken.add(part)
                rid = next(i for i, _t, p in book._typed() if p == old_part)
                el = book.wb.sheet_element(sp.replaces)
                el.set("name", sp.title)
            else:
                part = names.new("xl/worksheets", "sheet")
                rid = book.wb_rels.add(REL + "worksheet", relative(book.wb_name, part))
                book.wb.add_sheet(sp.title, rid)
            if sp.hidden:  # the formulas' data sheet
                book.wb.sheet_element(sp.title).set("state", "hidden")
            done.formulas |= _write_new_sheet(writer, book, sp, part, styles, date1904, names, new_parts, table_ids)
            book.sheet_parts[sp.title] = part
            done.owned.add(part)
            release_unused()
            _names_of(sp, sp.title, names_to_set)
            names_to_set[sp.marker] = f"{quote_sheet(sp.title)}!$A$1"

        # -- owned sheets this run no longer writes (found by their trusted marker), with xlseg's names on them
        for title in plan.remove:
            part = book.sheet_parts.pop(title, None)
            if part is None:
                continue
            deleted |= _owned_tree(book, part, title)
            book.wb_rels.drop(next(i for i, _t, p in book._typed() if p == part))
            book.wb.remove_sheet(title)
            for name, (where, _ref) in markers.items():
                if where == title:
                    book.wb.drop_name(name)
                    names_to_set.pop(name, None)

        # -- workbook-level parts
        for name, text in names_to_set.items():
            book.wb.set_name(name, text)
        if done.formulas:
            book.wb.full_calc_on_load()
        for gone in book.wb_rels.drop_type("/calcChain"):
            deleted.add(gone)
        for rid in book.wb.pivot_caches():
            part = book.wb_rels.part(rid)
            if part and part in pkg and customers_title:
                data = pkg.read(part)
                refreshed = _refresh_on_load(data, customers_title)
                if refreshed is not None:
                    new_parts[part] = refreshed
        app = _app_part(pkg)
        if app is not None:
            retitled = app_props.retitle(pkg.read(app), worksheets_before, book.worksheet_titles(), app)
            if retitled is not None:
                new_parts[app] = retitled
        deleted -= set(new_parts) | writer.written
        for part in deleted:
            book.ct.drop(part)
        for part, ct in _content_types(new_parts, done.owned):
            book.ct.set(part, ct)
        book.ct.set(book.wb_name, CT_WORKBOOK_XLSM if macro else _plain_type(book.ct.of(book.wb_name)))
        new_parts[book.wb_name] = book.wb.bytes()
        new_parts[rels_path(book.wb_name)] = book.wb_rels.bytes()
        new_parts[book.styles_name] = styles.bytes()
        new_parts[CT_PART] = book.ct.bytes()
        for part, data in new_parts.items():
            writer.write(part, data)
            done.owned.add(part)
        done.owned |= deleted
        for name in pkg.names():
            if name not in writer.written and name not in deleted:
                writer.copy(pkg, name)
    finally:
        writer.close()
    return done


def _app_part(pkg: Package) -> str | None:
    """The extended-properties part (docProps/app.xml) named by the package's root relationships."""
    rels = Rels("", pkg.read("_rels/.rels"), label="_rels/.rels")
    for _i, t, target, ext in rels.items():
        part = target.lstrip("/")
        if t.endswith(app_props.REL_TYPE) and not ext and part in pkg:
            return part
    return None


def _plain_type(current: str | None) -> str:
    if current == CT_WORKBOOK_XLSM or current is None:
        return CT_WORKBOOK
    return current  # templates (.xltx) and others keep theirs


def _names_of(sp: SheetPlan, title: str, out: dict) -> None:
    for name, ref in sp.names.items():
        out[name] = ref if "!" in ref else f"{quote_sheet(title)}!{ref}"


def _content_types(new_parts: dict, owned: set):
    for part in list(new_parts) + sorted(owned):  # sorted: the same run gives the same bytes
        if part.startswith("xl/worksheets/") and part.endswith(".xml") and "/_rels/" not in part:
            yield part, CT_SHEET
        elif part.startswith("xl/tables/") and part.endswith(".xml"):
            yield part, CT_TABLE
        elif part.startswith("xl/drawings/") and part.endswith(".xml") and "/_rels/" not in part:
            yield part, CT_DRAWING
        elif part.startswith("xl/charts/chart") and part.endswith(".xml"):
            yield part, CT_CHART


__all__ = ["write_plan", "Written", "Book", "COLUMNS_MARKER"]
