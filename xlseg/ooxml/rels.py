"""Relationship parts (``_rels/*.rels``): read, add, drop, write."""

from __future__ import annotations

from lxml import etree

from xlseg.ooxml.package import resolve
from xlseg.ooxml.xml import NS_PKG_REL, parse, tostring


class Rels:
    """The relationships of one source part, in document order."""

    def __init__(self, source: str, data: bytes | None = None, *, label: str = ""):
        self.source = source
        if data is None:
            self.root = etree.Element(f"{{{NS_PKG_REL}}}Relationships", nsmap={None: NS_PKG_REL})
        else:
            self.root = parse(data, label or source)
        self.changed = data is None

    def items(self):
        """(id, type, target, external) per relationship."""
        for el in self.root:
            if isinstance(el.tag, str):
                yield el.get("Id"), el.get("Type", ""), el.get("Target", ""), el.get("TargetMode") == "External"

    def part(self, rid: str) -> str | None:
        for i, _t, target, ext in self.items():
            if i == rid and not ext:
                return resolve(self.source, target)
        return None

    def targets(self) -> dict:
        """id -> part name of every internal relationship."""
        return {i: resolve(self.source, t) for i, _ty, t, ext in self.items() if not ext}

    def add(self, rel_type: str, target: str) -> str:
        ids = {el.get("Id") for el in self.root if isinstance(el.tag, str)}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        etree.SubElement(self.root, f"{{{NS_PKG_REL}}}Relationship", Id=rid, Type=rel_type, Target=target)
        self.changed = True
        return rid

    def drop(self, rid: str) -> None:
        for el in list(self.root):
            if isinstance(el.tag, str) and el.get("Id") == rid:
                self.root.remove(el)
                self.changed = True

    def drop_type(self, suffix: str) -> list:
        gone = []
        for el in list(self.root):
            if isinstance(el.tag, str) and el.get("Type", "").endswith(suffix):
                gone.append(resolve(self.source, el.get("Target", "")))
                self.root.remove(el)
                self.changed = True
        return gone

    def __len__(self) -> int:
        return sum(1 for el in self.root if isinstance(el.tag, str))

    def bytes(self) -> bytes:
        return tostring(self.root)
