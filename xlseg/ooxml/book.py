"""A workbook package opened for editing: workbook part, sheets by title, relationships, tables, merged ranges."""

from __future__ import annotations

import re

from xlseg.errors import WorkbookError
from xlseg.ooxml import tables
from xlseg.ooxml.content_types import PART as CT_PART
from xlseg.ooxml.content_types import ContentTypes
from xlseg.ooxml.package import Package, rels_path
from xlseg.ooxml.rels import Rels
from xlseg.ooxml.workbook_part import WorkbookPart
from xlseg.ooxml.xml import bounds


class _Names:
    """Free part names (``xl/worksheets/sheet{n}.xml`` ...), smallest number first."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, folder: str, stem: str, ext: str = "xml") -> str:
        n = 1
        while f"{folder}/{stem}{n}.{ext}" in self.taken:
            n += 1
        name = f"{folder}/{stem}{n}.{ext}"
        self.taken.add(name)
        return name


def workbook_part_name(pkg: Package) -> str:
    rels = Rels("", pkg.read("_rels/.rels"), label="_rels/.rels")
    for _i, t, target, ext in rels.items():
        if t.endswith("/officeDocument") and not ext:
            return target.lstrip("/")
    raise WorkbookError(f"'{pkg.label}' has no workbook part. Save it from Excel as .xlsx and try again.")


class Book:
    """A package opened for editing: workbook part, its relationships, styles, content types."""

    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.wb_name = workbook_part_name(pkg)
        self.wb = WorkbookPart(pkg.read(self.wb_name), self.wb_name)
        rp = rels_path(self.wb_name)
        self.wb_rels = Rels(self.wb_name, pkg.read(rp) if rp in pkg else None, label=rp)
        self.ct = ContentTypes(pkg.read(CT_PART))
        self.styles_name = next((p for _i, t, p in self._typed() if t.endswith("/styles")), None)
        self.sheet_parts = {}
        targets = self.wb_rels.targets()
        for s in self.wb.sheets():
            part = targets.get(s.rid)
            if part is not None:
                self.sheet_parts[s.name] = part

    def _typed(self):
        for i, t, target, ext in self.wb_rels.items():
            if not ext:
                yield i, t, self.wb_rels.part(i)

    def tables_on(self, title: str) -> list:
        """Names of the Excel Tables on a sheet."""
        part = self.sheet_parts.get(title)
        if part is None or part not in self.pkg:
            return []
        rels = self.sheet_rels(part)
        out = []
        for rid, t, _target, ext in rels.items():
            target = rels.part(rid)
            if not ext and t.endswith("/table") and target in self.pkg:
                out.append(tables.info(self.pkg.read(target))[1])
        return out

    def merged(self, title: str) -> list:
        """A sheet's merged ranges as (c1, r1, c2, r2)."""
        part = self.sheet_parts.get(title)
        if part is None or part not in self.pkg:
            return []
        xml = self.pkg.read(part)
        tail = xml[max(xml.rfind(b"sheetData>"), 0):]
        out = []
        for ref in re.findall(rb'<(?:\w+:)?mergeCell\b[^>]*?\sref="([^"]+)"', tail):
            try:
                out.append(bounds(ref.decode()))
            except ValueError:
                continue
        return out

    def right_edge(self, title: str, first_row: int, last_row: int) -> int:
        """The last column of a merged range reaching into rows first_row..last_row (0: none)."""
        return max([c2 for c1, r1, c2, r2 in self.merged(title) if r1 <= last_row and r2 >= first_row] or [0])

    def worksheet_titles(self) -> list:
        """The worksheets' names in tab order (chart sheets and others aside)."""
        types = {i: t for i, t, _target, _ext in self.wb_rels.items()}
        return [s.name for s in self.wb.sheets() if types.get(s.rid, "").endswith("/worksheet")]

    def sheet_rels(self, part: str) -> Rels:
        rp = rels_path(part)
        return Rels(part, self.pkg.read(rp) if rp in self.pkg else None, label=rp)
