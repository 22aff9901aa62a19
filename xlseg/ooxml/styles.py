"""``xl/styles.xml``: xlseg's formats appended (fonts, fills, number formats, cell formats, dxfs).

Existing entries keep their indices; an entry equal to one already there
(from an earlier run) is reused, so re-runs do not grow the file.
"""

from __future__ import annotations

import copy

from lxml import etree

from xlseg.ooxml.xml import NS_MAIN, parse, tostring

PART = "xl/styles.xml"
ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs", "tableStyles",
         "colors", "extLst")
BUILTIN_FORMATS = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
                   "0.00E+00": 11, "# ?/?": 12, "# ??/??": 13, "mm-dd-yy": 14, "d-mmm-yy": 15, "d-mmm": 16,
                   "mmm-yy": 17, "h:mm AM/PM": 18, "h:mm:ss AM/PM": 19, "h:mm": 20, "h:mm:ss": 21,
                   "m/d/yy h:mm": 22, "@": 49}
DATE_FORMAT = "yyyy-mm-dd h:mm:ss"  # a datetime with no format of its own (as openpyxl writes it)
MINIMAL = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<fonts count="1"><font><sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/>'
           b'<scheme val="minor"/></font></fonts>'
           b'<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           b'</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           b'<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" '
           b'defaultPivotStyle="PivotStyleLight16"/></styleSheet>')


def _argb(rgb: str) -> str:
    return rgb.upper() if len(rgb) == 8 else "FF" + rgb.upper()


class StyleBook:
    def __init__(self, data: bytes):
        self.root = parse(data, PART)
        self.ns = self.root.nsmap.get(None) or NS_MAIN
        self.changed = False
        self._xf_cache: dict = {}
        self._known: dict = {}  # section -> {serialised element: index}

    def _section(self, tag: str):
        el = self.root.find(f"{{{self.ns}}}{tag}")
        if el is None:
            el = etree.Element(f"{{{self.ns}}}{tag}", count="0")
            rank = ORDER.index(tag)
            pos = 0
            for i, child in enumerate(self.root):
                name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
                if name in ORDER and ORDER.index(name) < rank:
                    pos = i + 1
            self.root.insert(pos, el)
        return el

    def _items(self, tag: str) -> list:
        return [el for el in self._section(tag) if isinstance(el.tag, str)]

    def _add(self, tag: str, el) -> int:
        """Index of ``el`` in section ``tag``: an equal existing entry, else appended."""
        known = self._known.get(tag)
        if known is None:
            known = {}
            for i, e in enumerate(self._items(tag)):
                known.setdefault(etree.tostring(e), i)
            self._known[tag] = known
        key = etree.tostring(el)
        if key in known:
            return known[key]
        section = self._section(tag)
        section.append(el)
        index = len(self._items(tag)) - 1
        section.set("count", str(index + 1))
        known[key] = index
        self.changed = True
        return index

    def _e(self, tag: str, **attrs):
        return etree.Element(f"{{{self.ns}}}{tag}", **attrs)

    def numfmt(self, code: str | None) -> int:
        if not code:
            return 0
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        section = self._section("numFmts")
        ids = []
        for el in section:
            if isinstance(el.tag, str):
                if el.get("formatCode") == code:
                    return int(el.get("numFmtId"))
                ids.append(int(el.get("numFmtId", "0")))
        new = max([163] + ids) + 1
        section.append(self._e("numFmt", numFmtId=str(new), formatCode=code))
        section.set("count", str(len(ids) + 1))
        self.changed = True
        return new

    def font(self, bold: bool, size, color) -> int:
        fonts = self._items("fonts")
        base = copy.deepcopy(fonts[0]) if fonts else self._e("font")
        for child in list(base):
            name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
            if (name == "b" and bold) or (name == "sz" and size) or (name == "color" and color):
                base.remove(child)
        if bold:
            base.insert(0, self._e("b"))
        if size:
            base.append(self._e("sz", val=f"{size:g}"))
        if color:
            base.append(self._e("color", rgb=_argb(color)))
        return self._add("fonts", base)

    def fill(self, rgb: str) -> int:
        fill = self._e("fill")
        pattern = etree.SubElement(fill, f"{{{self.ns}}}patternFill", patternType="solid")
        etree.SubElement(pattern, f"{{{self.ns}}}fgColor", rgb=_argb(rgb))
        etree.SubElement(pattern, f"{{{self.ns}}}bgColor", rgb=_argb(rgb))
        return self._add("fills", fill)

    def xf(self, font=None, fill=None, align=None, numfmt=None, quote: bool = False) -> int:
        """A cell format: font (bold, size, colour), fill rgb, align (wrap, horizontal), number format."""
        key = (font, fill, align, numfmt, quote)
        hit = self._xf_cache.get(key)
        if hit is not None:
            return hit
        if not any(key):
            self._xf_cache[key] = 0
            return 0
        attrs = {"numFmtId": str(self.numfmt(numfmt)), "fontId": str(self.font(*font) if font else 0),
                 "fillId": str(self.fill(fill) if fill else 0), "borderId": "0", "xfId": "0"}
        if numfmt:
            attrs["applyNumberFormat"] = "1"
        if font:
            attrs["applyFont"] = "1"
        if fill:
            attrs["applyFill"] = "1"
        if align:
            attrs["applyAlignment"] = "1"
        if quote:
            attrs["quotePrefix"] = "1"
        el = self._e("xf", **attrs)
        if align:
            wrap, horizontal = align
            a = etree.SubElement(el, f"{{{self.ns}}}alignment")
            if horizontal:
                a.set("horizontal", horizontal)
            if wrap:
                a.set("vertical", "top")
                a.set("wrapText", "1")
        index = self._add("cellXfs", el)
        self._xf_cache[key] = index
        return index

    def dxf(self, fill: str | None, color: str | None) -> int:
        el = self._e("dxf")
        if color:
            font = etree.SubElement(el, f"{{{self.ns}}}font")
            etree.SubElement(font, f"{{{self.ns}}}color", rgb=_argb(color))
        if fill:
            f = etree.SubElement(el, f"{{{self.ns}}}fill")
            pattern = etree.SubElement(f, f"{{{self.ns}}}patternFill", patternType="solid")
            etree.SubElement(pattern, f"{{{self.ns}}}fgColor", rgb=_argb(fill))
            etree.SubElement(pattern, f"{{{self.ns}}}bgColor", rgb=_argb(fill))
        return self._add("dxfs", el)

    def bytes(self) -> bytes:
        return tostring(self.root)


def style_key(st) -> tuple:
    """A plan Style as the (font, fill, align, numfmt) parts it sets (None where it sets nothing)."""
    font = (bool(st.bold), st.size, st.color) if (st.bold or st.size or st.color) else None
    align = (bool(st.wrap), st.align) if (st.wrap or st.align) else None
    return font, st.fill, align, st.number_format


def merge(base: tuple, st: tuple) -> tuple:
    """``st`` applied over ``base`` part by part (as the openpyxl adapter assigns them)."""
    return tuple(s if s is not None else b for b, s in zip(base, st))
