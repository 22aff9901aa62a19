"""``docProps/app.xml`` (extended properties): the worksheet names it lists follow the workbook's sheets.

Excel lists the workbook's parts in two vectors: ``HeadingPairs`` holds
(category, count) pairs - "Worksheets" 3, "Named Ranges" 1, named in Excel's
language - and ``TitlesOfParts`` the names themselves, category after
category. When xlseg adds, renames or removes worksheets, the category whose
names are exactly the input's worksheets (in tab order) gets the output's
worksheets and count. Everything else of the part is kept; a part whose
lists do not match the input (stale, or written by another program) is left
as it is: Excel and LibreOffice ignore these lists when they open a file.
"""

from __future__ import annotations

from lxml import etree

from xlseg.errors import WorkbookError
from xlseg.ooxml.xml import parse, tostring

REL_TYPE = "/extended-properties"
NS_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _vector(root, tag: str):
    el = root.find(f"{{{NS_EP}}}{tag}")
    return None if el is None else el.find(f"{{{NS_VT}}}vector")


def retitle(data: bytes, before: list, after: list, part: str = "docProps/app.xml") -> bytes | None:
    """The part with its worksheet names ``before`` replaced by ``after``; None when nothing changes or the part
    does not list ``before`` as one category."""
    if before == after:
        return None
    try:
        root = parse(data, part)
    except WorkbookError:  # a damaged informational part: copied as it is
        return None
    pairs, titles = _vector(root, "HeadingPairs"), _vector(root, "TitlesOfParts")
    if pairs is None or titles is None:
        return None
    variants = [v for v in pairs if isinstance(v.tag, str)]
    names = [t for t in titles if isinstance(t.tag, str)]
    start = 0
    for i in range(0, len(variants) - 1, 2):
        count_el = next((c for c in variants[i + 1] if isinstance(c.tag, str)), None)
        try:
            count = int(count_el.text)
        except (AttributeError, TypeError, ValueError):
            return None
        segment = names[start:start + count]
        if [t.text or "" for t in segment] == list(before):
            anchor = names[start - 1] if start else None
            for t in segment:
                titles.remove(t)
            new = []
            for title in after:
                el = etree.Element(f"{{{NS_VT}}}lpstr")
                el.text = title
                new.append(el)
            at = titles.index(anchor) + 1 if anchor is not None else 0
            for k, el in enumerate(new):
                titles.insert(at + k, el)
            count_el.text = str(len(after))
            titles.set("size", str(len(names) - count + len(after)))
            return tostring(root)
        start += count
    return None


__all__ = ["retitle", "REL_TYPE"]
