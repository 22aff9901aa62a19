"""``xl/workbook.xml``: the sheets in tab order, defined names, calculation settings, pivot caches."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from xlseg.a1 import split_ref  # noqa: F401 (re-exported: a defined name's sheet and range)
from xlseg.ooxml.xml import NS_MAIN, NS_R, parse, q, tostring

# Children of <workbook> in schema order (new elements are inserted where the schema wants them).
ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups",
         "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
         "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst")


@dataclass
class SheetEntry:
    name: str
    sheet_id: int
    rid: str
    state: str  # visible, hidden, veryHidden


def tail_position(root, tag: str) -> int:
    """Index where a new child ``tag`` goes so that children stay in schema order."""
    rank = ORDER.index(tag)
    pos = 0
    for i, el in enumerate(root):
        name = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
        if name in ORDER and ORDER.index(name) <= rank:
            pos = i + 1
    return pos


class WorkbookPart:
    def __init__(self, data: bytes, part: str = "xl/workbook.xml"):
        self.part = part
        self.root = parse(data, part)
        self.ns = self.root.nsmap.get(None) or NS_MAIN
        sheets = self._child("sheets")
        if sheets is None:
            from xlseg.errors import WorkbookError

            raise WorkbookError("The workbook has no list of sheets (xl/workbook.xml). Open it in Excel, save it "
                                "again and retry; nothing was written.")
        self.sheets_el = sheets

    def _child(self, tag: str):
        return self.root.find(q(tag, self.ns))

    def _ensure(self, tag: str):
        el = self._child(tag)
        if el is None:
            el = etree.Element(q(tag, self.ns))
            self.root.insert(tail_position(self.root, tag), el)
        return el

    @property
    def date1904(self) -> bool:
        pr = self._child("workbookPr")
        return pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    def sheets(self) -> list:
        out = []
        for el in self.sheets_el:
            if isinstance(el.tag, str) and el.tag == q("sheet", self.ns):
                try:
                    sid = int(el.get("sheetId", "0"))
                except ValueError:
                    sid = 0
                out.append(SheetEntry(el.get("name", ""), sid, el.get(q("id", NS_R), ""), el.get("state", "visible")))
        return out

    def defined_names(self) -> list:
        """(name, localSheetId or None, text) in document order."""
        dn = self._child("definedNames")
        if dn is None:
            return []
        return [(el.get("name", ""), el.get("localSheetId"), el.text or "") for el in dn
                if isinstance(el.tag, str) and el.tag == q("definedName", self.ns)]

    def set_name(self, name: str, text: str) -> None:
        dn = self._ensure("definedNames")
        for el in dn:
            if isinstance(el.tag, str) and el.get("name") == name and el.get("localSheetId") is None:
                el.text = text
                return
        # names are kept sorted as Excel writes them (case-insensitive)
        new = etree.Element(q("definedName", self.ns), name=name)
        new.text = text
        for i, el in enumerate(dn):
            if isinstance(el.tag, str) and el.get("name", "").lower() > name.lower():
                dn.insert(i, new)
                return
        dn.append(new)

    def drop_name(self, name: str) -> None:
        dn = self._child("definedNames")
        if dn is None:
            return
        for el in list(dn):
            if isinstance(el.tag, str) and el.get("name") == name and el.get("localSheetId") is None:
                dn.remove(el)
        if not len(dn):
            self.root.remove(dn)

    def sheet_element(self, name: str):
        for el in self.sheets_el:
            if isinstance(el.tag, str) and el.get("name") == name:
                return el
        return None

    def set_sheet_rid(self, name: str, rid: str) -> None:
        self.sheet_element(name).set(q("id", NS_R), rid)

    def add_sheet(self, name: str, rid: str) -> None:
        used = [s.sheet_id for s in self.sheets()]
        el = etree.SubElement(self.sheets_el, q("sheet", self.ns), name=name,
                              sheetId=str(max(used, default=0) + 1))
        el.set(q("id", NS_R), rid)

    def remove_sheet(self, name: str) -> int:
        """Remove a sheet entry; returns its former tab index (names scoped to later sheets and the views'
        active and first tab shift down)."""
        entries = [el for el in self.sheets_el if isinstance(el.tag, str)]
        el = self.sheet_element(name)
        index = entries.index(el)
        self.sheets_el.remove(el)
        views = self._child("bookViews")
        for view in views if views is not None else ():
            for attr in ("activeTab", "firstSheet"):
                tab = view.get(attr) if isinstance(view.tag, str) else None
                if tab is not None and tab.isdigit() and int(tab) > index:
                    view.set(attr, str(int(tab) - 1))
        dn = self._child("definedNames")
        if dn is not None:
            for d in list(dn):
                local = d.get("localSheetId")
                if local is not None and local.isdigit():
                    if int(local) == index:
                        dn.remove(d)
                    elif int(local) > index:
                        d.set("localSheetId", str(int(local) - 1))
        return index

    def full_calc_on_load(self) -> None:
        self._ensure("calcPr").set("fullCalcOnLoad", "1")

    def pivot_caches(self) -> list:
        """Relationship ids of the workbook's pivot cache definitions."""
        pc = self._child("pivotCaches")
        if pc is None:
            return []
        return [el.get(q("id", NS_R)) for el in pc if isinstance(el.tag, str)]

    def bytes(self) -> bytes:
        return tostring(self.root)
