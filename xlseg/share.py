"""``xlseg share``: a copy of a workbook that is safe to send outside the team.

:func:`share_workbook` works on the package (the zip of XML parts), not
through openpyxl, so charts, pictures and formats survive untouched; the copy is
written by the package writer (parts it does not change are copied byte for byte):

* PII columns (``name``, ``phone``, ``email``, ``address`` by default, when a
  sheet has them; or the headers given in ``mask``) are replaced on every sheet
  by a stable code ``"ID-" + 10 hex digits of SHA-256`` of the value (plus an
  optional ``salt``): equal values give equal codes, so joins and lookups still
  work. Every other text in the package equal to a masked value (shared
  strings, cached formula results, comments, the Tags and Customers sheets)
  is replaced too.
* xlseg's own sheets are protected (no password: it prevents accidents, not
  determined edits).
* VBA projects and macro-sheet content types are removed: the copy is .xlsx.
* Document properties lose author, last-modified-by, company and manager;
  comment authors are blanked; custom properties are dropped.
"""

from __future__ import annotations

import hashlib
import html
import os
import posixpath
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xlseg.core import labels as L
from xlseg.errors import WorkbookError, XlsegError
from xlseg.read.package import MAX_PART_BYTES, Package

PII_ALIASES = {
    "name": ("Name", "Customer Name", "Customer", "Full Name", "Contact", "Contact Name", "Company", "Company Name",
             "姓名", "客户名称", "客户姓名", "公司名称", "联系人", "名称"),
    "phone": ("Phone", "Phone Number", "Mobile", "Mobile Phone", "Tel", "Telephone", "Cell", "电话", "手机",
              "手机号", "手机号码", "联系电话", "电话号码"),
    "email": ("Email", "E-mail", "Email Address", "Mail", "邮箱", "电子邮件", "电子邮箱", "邮件"),
    "address": ("Address", "Street", "Street Address", "Shipping Address", "Billing Address", "地址", "收货地址",
                "联系地址", "详细地址", "住址"),
}
DEFAULT_MASK = tuple(PII_ALIASES)
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MACRO_CT = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
PLAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


@dataclass
class ShareReport:
    output: Path
    masked: dict = field(default_factory=dict)  # sheet -> list of masked headers
    values: int = 0  # distinct values replaced
    protected: list = field(default_factory=list)
    removed: list = field(default_factory=list)  # parts removed (VBA, custom properties)


def mask_value(value, salt: str = "") -> str:
    """The stable code that replaces ``value`` (text of the value, trimmed)."""
    text = str(value).strip()
    return "ID-" + hashlib.sha256((salt + text).encode("utf-8")).hexdigest()[:10]


def _wanted(mask) -> tuple[set, list]:
    """(normalised headers to mask, names of what was asked for)."""
    items = DEFAULT_MASK if mask is None else [m.strip() for m in (mask.split(",") if isinstance(mask, str) else mask)
                                              if m and m.strip()]
    heads = set()
    for item in items:
        key = item.lower()
        if key in PII_ALIASES:
            heads |= {L.norm(a) for a in PII_ALIASES[key]}
        else:
            heads.add(L.norm(item))
    return heads, list(items)


# ------------------------------------------------------------------ package helpers
def _col_index(ref: str) -> int:
    n = 0
    for ch in ref:
        if ch.isalpha():
            n = n * 26 + ord(ch.upper()) - 64
        else:
            break
    return n


def _shared_strings(parts: dict) -> list:
    data = parts.get("xl/sharedStrings.xml")
    if data is None:
        return []
    out = []
    for si in re.findall(rb"<si>(.*?)</si>|<si/>", data, flags=re.S):
        texts = re.findall(rb"<t(?:\s[^>]*)?>(.*?)</t>", si, flags=re.S)
        out.append(html.unescape(b"".join(texts).decode("utf-8")))
    return out


def _sheet_parts(parts: dict) -> dict:
    """Sheet title -> part name, from workbook.xml and its relationships."""
    wb = parts["xl/workbook.xml"].decode("utf-8")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8")
    targets = {}
    for m in re.finditer(r"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        rid = re.search(r'\bId="([^"]+)"', tag)
        tgt = re.search(r'\bTarget="([^"]+)"', tag)
        if rid and tgt:
            t = tgt.group(1)
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
    out = {}
    for m in re.finditer(r"<sheet\b[^>]*>", wb):
        tag = m.group(0)
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\br:id="([^"]+)"', tag) or re.search(r'\bid="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)


def _cell_text(attrs: bytes, inner: bytes, shared: list):
    t = re.search(rb'\bt="([^"]+)"', attrs)
    kind = t.group(1) if t else b"n"
    if kind == b"inlineStr":
        texts = re.findall(rb"<t(?:\s[^>]*)?>(.*?)</t>", inner or b"", flags=re.S)
        return html.unescape(b"".join(texts).decode("utf-8"))
    v = re.search(rb"<v>(.*?)</v>", inner or b"", flags=re.S)
    if v is None:
        return None
    raw = html.unescape(v.group(1).decode("utf-8"))
    if kind == b"s":
        i = int(raw)
        return shared[i] if 0 <= i < len(shared) else None
    if re.search(rb"<f\b", inner or b""):
        return None  # a formula's cached value: not data
    if kind == b"n" and re.fullmatch(r"-?\d+(\.0+)?", raw):
        return raw.split(".")[0]  # a whole number typed as a number (a phone number)
    return raw


def _header_row(cells_by_row: dict, wanted: set):
    """(row number, {column index: header}) of the first of 20 rows holding a wanted header."""
    for r in sorted(cells_by_row)[:20]:
        hits = {c: v for c, v in cells_by_row[r].items() if v is not None and L.norm(v) in wanted}
        if hits:
            return r, hits
    return None, {}


def _mask_sheet(xml: bytes, shared: list, wanted: set, salt: str, found: dict):
    rows = {}
    for m in _CELL.finditer(xml):
        ref = re.search(rb'\br="([A-Z]+)(\d+)"', m.group(1))
        if not ref:
            continue
        r = int(ref.group(2))
        if len(rows) < 20 or r in rows:
            rows.setdefault(r, {})[_col_index(ref.group(1).decode())] = _cell_text(m.group(1), m.group(2), shared)
    head, cols = _header_row(rows, wanted)
    if head is None:
        return xml, []

    def repl(m):
        attrs, inner = m.group(1), m.group(2)
        ref = re.search(rb'\br="([A-Z]+)(\d+)"', attrs)
        if not ref or int(ref.group(2)) <= head or _col_index(ref.group(1).decode()) not in cols:
            return m.group(0)
        value = _cell_text(attrs, inner, shared)
        if value is None or str(value).strip() == "":
            return m.group(0)
        code = mask_value(value, salt)
        found[str(value)] = code
        found[str(value).strip()] = code
        attrs = re.sub(rb'\s*\bt="[^"]*"', b"", attrs)
        return b"<c" + attrs + b' t="inlineStr"><is><t>' + code.encode() + b"</t></is></c>"

    return _CELL.sub(repl, xml), list(cols.values())


def _replace_texts(data: bytes, found: dict) -> bytes:
    """Replace every XML text node equal to a masked value (escaped as XML would hold it)."""
    if not found:
        return data
    table = {}
    for value, code in found.items():
        for esc in {html.escape(value, quote=False), html.escape(value, quote=True), value}:
            table[esc.encode("utf-8")] = code.encode()

    def repl(m):
        text = m.group(2)
        return m.group(1) + table[text] + m.group(3) if text in table else m.group(0)

    return re.sub(rb"(>)([^<>]+)(</)", repl, data)


def _protect(xml: bytes) -> bytes:
    if b"<sheetProtection" in xml:
        return xml
    prot = b'<sheetProtection sheet="1" objects="1" scenarios="1" formatColumns="0" autoFilter="0" sort="0"/>'
    for anchor in (b"</sheetData>", b"<sheetData/>"):
        i = xml.find(anchor)
        if i >= 0:
            j = i + len(anchor)
            # sheetCalcPr comes between sheetData and sheetProtection
            m = re.match(rb"\s*<sheetCalcPr\b[^>]*/>", xml[j:])
            if m:
                j += m.end()
            return xml[:j] + prot + xml[j:]
    return xml


def _strip_core(xml: bytes) -> bytes:
    for tag in (rb"dc:creator", rb"cp:lastModifiedBy"):
        xml = re.sub(rb"<" + tag + rb"\b[^>]*?(?:/>|>.*?</" + tag + rb">)", b"", xml, flags=re.S)
    return xml


def _strip_app(xml: bytes) -> bytes:
    for tag in (rb"Company", rb"Manager"):
        xml = re.sub(rb"<" + tag + rb"\b[^>]*?(?:/>|>.*?</" + tag + rb">)", b"", xml, flags=re.S)
    return xml


def _owned_titles(parts: dict) -> dict:
    """Title of every sheet xlseg marks as its own -> its key (summary, settings, readme, ...)."""
    wb = parts["xl/workbook.xml"].decode("utf-8")
    out = {}
    for m in re.finditer(r'<definedName\b[^>]*name="xlseg_sheet_([^"]*)"[^>]*>(.*?)</definedName>', wb, re.S):
        target = html.unescape(m.group(2))
        if "!" in target:
            title = target.rsplit("!", 1)[0]
            if title.startswith("'") and title.endswith("'"):
                title = title[1:-1].replace("''", "'")
            out[title] = m.group(1)
    return out


# xlseg's sheets that document or configure, never hold customer data: never masked (issue 12: the
# templates' ReadMe rows naming the columns are not names of customers).
NOT_DATA = ("readme", "settings")


def _write(src: Path, tmp, infos: list, parts: dict, original: dict) -> None:
    """The copy through the package writer every xlseg output goes through (:mod:`xlseg.ooxml.package`):
    a part share did not change is copied as its compressed bytes, a changed one written anew."""
    from xlseg.ooxml.package import Package as Parts
    from xlseg.ooxml.package import PackageWriter

    with Parts(src) as raw:
        writer = PackageWriter(tmp)
        try:
            for info in infos:
                name = info.filename
                if name not in parts:
                    continue
                if name in raw and parts[name] == original[name]:
                    writer.copy(raw, name)
                else:
                    writer.write(name, parts[name])
        finally:
            writer.close()


# ------------------------------------------------------------------ the command
def share_workbook(src, out, mask=None, *, salt: str = "") -> ShareReport:
    """Write a copy of ``src`` to ``out`` that is safe to send (see the module docstring).

    ``mask``: column headers or field names (``name``, ``phone``, ``email``,
    ``address``) as a list or a comma-separated string; None = the four fields.
    """
    src, out = Path(src), Path(out)
    if not src.is_file():
        raise WorkbookError(f"'{src}' does not exist. Check the path.")
    if out.suffix.lower() != ".xlsx":
        raise XlsegError(f"The shared copy must be an .xlsx file (no macros); '{out.name}' does not end in .xlsx.")
    if out.resolve() == src.resolve():
        raise XlsegError("Write the shared copy to a new file (-o COPY.xlsx); the original is kept as it is.")
    # the reader's bounded package: password-protected and old binary files named as such, zip bombs and parts
    # that lie about their size refused before anything is inflated beyond its limits
    with Package(src) as pkg:
        infos = pkg.zip.infolist()
        parts = {i.filename: pkg.read(i.filename, limit=MAX_PART_BYTES) for i in infos}
    original = dict(parts)
    if "xl/workbook.xml" not in parts:
        raise WorkbookError(f"'{src.name}' is not an Excel workbook (no xl/workbook.xml).")
    wanted, _asked = _wanted(mask)
    report = ShareReport(out)
    shared = _shared_strings(parts)
    sheets = _sheet_parts(parts)
    owned = _owned_titles(parts)
    found: dict = {}
    for title, part in sheets.items():
        if part not in parts:
            continue
        if owned.get(title) in NOT_DATA:
            xml, heads = parts[part], []
        else:
            xml, heads = _mask_sheet(parts[part], shared, wanted, salt, found)
        if heads:
            report.masked[title] = heads
        if title in owned:
            xml = _protect(xml)
            report.protected.append(title)
        parts[part] = xml
    report.values = len(set(found.values()))
    # Remove VBA and what points at it.
    for name in list(parts):
        low = name.lower()
        if low.endswith("vbaproject.bin") or low.endswith("vbaprojectsignature.bin") or \
                low.startswith("docprops/custom.xml") or low.endswith("vbadata.xml"):
            del parts[name]
            report.removed.append(name)
    for name in list(parts):
        if name.endswith(".rels"):
            parts[name] = re.sub(rb'<Relationship\b[^>]*Target="[^"]*(?:vbaProject|vbaProjectSignature|vbaData|'
                                 rb'custom)\.(?:bin|xml)"[^>]*/>', b"", parts[name])
    ct = parts.get("[Content_Types].xml", b"")
    ct = ct.replace(MACRO_CT.encode(), PLAIN_CT.encode())
    ct = re.sub(rb'<(?:Default|Override)\b[^>]*(?:vbaProject|vba|custom-properties|/docProps/custom\.xml)[^>]*/>',
                b"", ct)
    parts["[Content_Types].xml"] = ct
    if "docProps/core.xml" in parts:
        parts["docProps/core.xml"] = _strip_core(parts["docProps/core.xml"])
    if "docProps/app.xml" in parts:
        parts["docProps/app.xml"] = _strip_app(parts["docProps/app.xml"])
    for name in list(parts):
        if name.endswith(".xml") or name.endswith(".rels") or name.endswith(".vml"):
            data = parts[name]
            if re.search(r"comments\d*\.xml$", name) or "threadedComments" in name or name.endswith("persons/person.xml"):
                data = re.sub(rb"<author>.*?</author>", b"<author></author>", data, flags=re.S)
                data = re.sub(rb'displayName="[^"]*"', b'displayName=""', data)
            parts[name] = _replace_texts(data, found)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=out.parent)
    os.close(fd)
    try:
        _write(src, tmp, infos, parts, original)
        # the copy gets the permissions of the file it replaces, else of the input (mkstemp made it 0600)
        os.chmod(tmp, (out if out.exists() else Path(src)).stat().st_mode & 0o7777)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return report


__all__ = ["share_workbook", "mask_value", "ShareReport", "PII_ALIASES", "DEFAULT_MASK"]
