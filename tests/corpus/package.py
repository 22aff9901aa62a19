"""An OOXML package as a dict of parts: read, add parts and relationships, edit XML, write.

Only for building test inputs and reading outputs: parts are edited with lxml,
relationships and content types are kept consistent, and :func:`problems`
lists what makes a package inconsistent (a dangling relationship, a part with
no content type, XML that does not parse).
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from lxml import etree

NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "x14": "http://schemas.microsoft.com/office/spreadsheetml/2009/9/main",
    "xm": "http://schemas.microsoft.com/office/excel/2006/main",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "sle": "http://schemas.microsoft.com/office/drawing/2010/slicer",
    "x15": "http://schemas.microsoft.com/office/spreadsheetml/2010/11/main",
    "xr": "http://schemas.microsoft.com/office/spreadsheetml/2014/revision",
    "loext": "http://schemas.libreoffice.org/",
}
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
MS_REL = "http://schemas.microsoft.com/office/2007/relationships/"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."

# Children of <worksheet> in schema order (CT_Worksheet).
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"]
# Children of <workbook> in schema order (CT_Workbook).
WORKBOOK_ORDER = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects", "extLst"]


def q(prefix: str, local: str) -> str:
    """Clark name ``{uri}local`` for a prefix of :data:`NS`."""
    return f"{{{NS[prefix]}}}{local}"


def local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def fragment(xml: str, default: str = "main") -> etree._Element:
    """Parse an XML snippet written with the prefixes of :data:`NS` (the default namespace is ``default``)."""
    decls = " ".join(f'xmlns:{p}="{u}"' for p, u in NS.items())
    wrapped = f'<wrap xmlns="{NS[default]}" {decls}>{xml}</wrap>'
    return etree.fromstring(wrapped.encode())[0]


def rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """The part a relationship of ``source`` points at."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


class Package:
    """Parts of a zip package by name, in their order in the zip."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = dict(parts)

    @classmethod
    def read(cls, path) -> Package:
        with zipfile.ZipFile(path) as z:
            return cls({i.filename: z.read(i.filename) for i in z.infolist() if not i.is_dir()})

    def write(self, path) -> Path:
        path = Path(path)
        names = ["[Content_Types].xml"] + [n for n in self.parts if n != "[Content_Types].xml"]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name in names:
                z.writestr(name, self.parts[name])
        return path

    # ---------------------------------------------------------------- XML
    def xml(self, part: str) -> etree._Element:
        return etree.fromstring(self.parts[part])

    def set_xml(self, part: str, root: etree._Element) -> None:
        self.parts[part] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def edit(self, part: str, func) -> None:
        """``func(root)`` edits the part's XML tree in place."""
        root = self.xml(part)
        func(root)
        self.set_xml(part, root)

    # ------------------------------------------------------ content types
    def add_part(self, name: str, data: bytes | str, content_type: str | None) -> None:
        self.parts[name] = data.encode() if isinstance(data, str) else data
        if content_type:
            self.set_override(name, content_type)

    def set_override(self, name: str, content_type: str) -> None:
        def f(root):
            for o in root.findall(q("ct", "Override")):
                if o.get("PartName") == "/" + name:
                    o.set("ContentType", content_type)
                    return
            etree.SubElement(root, q("ct", "Override"), PartName="/" + name, ContentType=content_type)

        self.edit("[Content_Types].xml", f)

    def add_default(self, ext: str, content_type: str) -> None:
        def f(root):
            if any(d.get("Extension").lower() == ext for d in root.findall(q("ct", "Default"))):
                return
            root.insert(0, etree.Element(q("ct", "Default"), Extension=ext, ContentType=content_type))

        self.edit("[Content_Types].xml", f)

    def content_type(self, name: str) -> str | None:
        root = self.xml("[Content_Types].xml")
        for o in root.findall(q("ct", "Override")):
            if o.get("PartName") == "/" + name:
                return o.get("ContentType")
        ext = name.rsplit(".", 1)[-1].lower()
        for d in root.findall(q("ct", "Default")):
            if d.get("Extension").lower() == ext:
                return d.get("ContentType")
        return None

    # ------------------------------------------------------ relationships
    def rels(self, part: str) -> list[dict]:
        """Relationships of ``part`` (``""`` for the package): Id, Type, Target, TargetMode, and resolved part."""
        name = "_rels/.rels" if part == "" else rels_name(part)
        if name not in self.parts:
            return []
        out = []
        for el in etree.fromstring(self.parts[name]):
            d = dict(el.attrib)
            if d.get("TargetMode") != "External":
                d["part"] = resolve(part or "/", d["Target"]) if part else d["Target"].lstrip("/")
            out.append(d)
        return out

    def add_rel(self, source: str, rtype: str, target_part: str | None = None, *, external: str | None = None) -> str:
        """Add a relationship from ``source`` to ``target_part`` (or an external URL); return its Id."""
        name = rels_name(source)
        if name in self.parts:
            root = etree.fromstring(self.parts[name])
        else:
            root = etree.Element(q("pr", "Relationships"), nsmap={None: NS["pr"]})
        ids = {el.get("Id") for el in root}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        if external is not None:
            etree.SubElement(root, q("pr", "Relationship"), Id=rid, Type=rtype, Target=external,
                             TargetMode="External")
        else:
            target = posixpath.relpath(target_part, posixpath.dirname(source))
            etree.SubElement(root, q("pr", "Relationship"), Id=rid, Type=rtype, Target=target)
        self.set_xml(name, root)
        return rid

    # ------------------------------------------------------------- sheets
    def sheets(self) -> list[dict]:
        """Sheets in tab order: name, state, sheetId, rid, part."""
        wb = self.xml("xl/workbook.xml")
        targets = {r["Id"]: r.get("part") for r in self.rels("xl/workbook.xml")}
        out = []
        for s in wb.iter(q("main", "sheet")):
            rid = s.get(q("r", "id"))
            out.append({"name": s.get("name"), "state": s.get("state", "visible"), "sheetId": s.get("sheetId"),
                        "rid": rid, "part": targets.get(rid)})
        return out

    def sheet_part(self, title: str) -> str:
        for s in self.sheets():
            if s["name"] == title:
                return s["part"]
        raise KeyError(title)

    def defined_names(self) -> dict[str, str]:
        wb = self.xml("xl/workbook.xml")
        return {d.get("name"): d.text or "" for d in wb.iter(q("main", "definedName"))}


def insert_ordered(root: etree._Element, element: etree._Element, order=WORKSHEET_ORDER) -> etree._Element:
    """Insert ``element`` among ``root``'s children at its place in the schema ``order``."""
    rank = order.index(local(element.tag))
    for i, child in enumerate(root):
        name = local(child.tag)
        if name in order and order.index(name) > rank:
            root.insert(i, element)
            return element
    root.append(element)
    return element


def child(root: etree._Element, name: str, order=WORKSHEET_ORDER) -> etree._Element:
    """The ``main:name`` child of ``root``, created at its schema place when missing."""
    found = root.find(q("main", name))
    return found if found is not None else insert_ordered(root, etree.Element(q("main", name)), order)


def add_ext(root: etree._Element, ext_xml: str, order=WORKSHEET_ORDER) -> None:
    """Append an ``<ext>`` (written with :data:`NS` prefixes) to the part's ``extLst``."""
    child(root, "extLst", order).append(fragment(ext_xml))


def problems(path) -> list[str]:
    """What makes the package at ``path`` inconsistent; [] when every part parses and every link resolves."""
    out = []
    try:
        pkg = Package.read(path)
    except zipfile.BadZipFile as exc:
        return [f"not a zip file: {exc}"]
    if "[Content_Types].xml" not in pkg.parts:
        return ["no [Content_Types].xml"]
    for name, data in pkg.parts.items():
        if name.endswith((".xml", ".rels", ".vml")):
            try:
                etree.fromstring(data)
            except etree.XMLSyntaxError as exc:
                out.append(f"{name}: XML does not parse ({exc})")
        elif pkg.content_type(name) is None and name != "[Content_Types].xml":
            out.append(f"{name}: no content type")
    for name in list(pkg.parts):
        if name.endswith(".rels"):
            folder = posixpath.dirname(posixpath.dirname(name))
            source = posixpath.join(folder, posixpath.basename(name)[: -len(".rels")]) if folder or \
                not name.startswith("_rels/") else ""
            if name == "_rels/.rels":
                source = ""
            for r in pkg.rels(source):
                if r.get("TargetMode") == "External":
                    continue
                if r["part"] not in pkg.parts:
                    out.append(f"{name}: {r['Id']} points at missing part {r['part']}")
            if source and source not in pkg.parts:
                out.append(f"{name}: relationships of a missing part {source}")
    for name in pkg.parts:
        if name.endswith(".xml") and name != "[Content_Types].xml" and pkg.content_type(name) is None:
            out.append(f"{name}: no content type")
    return out


def to_shared_strings(pkg: Package) -> None:
    """Move every inline string of every worksheet into ``xl/sharedStrings.xml``, as Excel stores them.

    openpyxl writes inline strings; Excel-made workbooks (what users have) use a
    shared-string table, so the corpus does too. Rich text keeps its runs.
    """
    table: dict[bytes, int] = {}
    items: list[etree._Element] = []
    for sheet in pkg.sheets():
        part = sheet["part"]
        if not part or not part.startswith("xl/worksheets/"):
            continue

        def edit(root):
            for c in root.iter(q("main", "c")):
                if c.get("t") != "inlineStr":
                    continue
                is_ = c.find(q("main", "is"))
                si = etree.Element(q("main", "si"))
                for node in is_:
                    si.append(node)
                key = etree.tostring(si, method="c14n")
                if key not in table:
                    table[key] = len(items)
                    items.append(si)
                c.remove(is_)
                c.set("t", "s")
                etree.SubElement(c, q("main", "v")).text = str(table[key])

        pkg.edit(part, edit)
    if not items:
        return
    root = etree.Element(q("main", "sst"), nsmap={None: NS["main"]}, count=str(len(items)),
                         uniqueCount=str(len(items)))
    root.extend(items)
    pkg.add_part("xl/sharedStrings.xml", b"", CT + "sharedStrings+xml")
    pkg.set_xml("xl/sharedStrings.xml", root)
    pkg.add_rel("xl/workbook.xml", REL + "sharedStrings", "xl/sharedStrings.xml")
