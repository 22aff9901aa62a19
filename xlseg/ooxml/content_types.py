"""``[Content_Types].xml``: the content type of every part (overrides and extension defaults)."""

from __future__ import annotations

from lxml import etree

from xlseg.ooxml.xml import NS_CT, parse, tostring

PART = "[Content_Types].xml"
MINIMAL = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
           b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
           b'<Default Extension="xml" ContentType="application/xml"/></Types>')


class ContentTypes:
    def __init__(self, data: bytes):
        self.root = parse(data, PART)

    def _overrides(self):
        return [el for el in self.root if isinstance(el.tag, str) and el.tag == f"{{{NS_CT}}}Override"]

    def of(self, part: str) -> str | None:
        for el in self._overrides():
            if el.get("PartName", "").lstrip("/") == part:
                return el.get("ContentType")
        ext = part.rsplit(".", 1)[-1].lower()
        for el in self.root:
            if isinstance(el.tag, str) and el.tag == f"{{{NS_CT}}}Default" and el.get("Extension", "").lower() == ext:
                return el.get("ContentType")
        return None

    def set(self, part: str, content_type: str) -> None:
        for el in self._overrides():
            if el.get("PartName", "").lstrip("/") == part:
                el.set("ContentType", content_type)
                return
        etree.SubElement(self.root, f"{{{NS_CT}}}Override", PartName="/" + part, ContentType=content_type)

    def drop(self, part: str) -> None:
        for el in self._overrides():
            if el.get("PartName", "").lstrip("/") == part:
                self.root.remove(el)

    def ensure_default(self, ext: str, content_type: str) -> None:
        for el in self.root:
            if isinstance(el.tag, str) and el.tag == f"{{{NS_CT}}}Default" and el.get("Extension", "").lower() == ext:
                return
        el = etree.Element(f"{{{NS_CT}}}Default", Extension=ext, ContentType=content_type)
        self.root.insert(0, el)

    def bytes(self) -> bytes:
        return tostring(self.root)
