"""The proof that file mode kept the user's workbook: part by part, then cell by cell.

xlseg may change only the parts it owns (issue 12): the workbook part and its
relationships, ``[Content_Types].xml``, styles (appended to), shared strings
(appended to), ``docProps/app.xml``, ``docProps/core.xml`` (modified time and
author only), the calculation chain, the customer sheet (the user's cells and
every other element kept), its sheets (found by their ``xlseg_sheet_*``
markers) with what hangs off them, and the ``refreshOnLoad`` flag of pivot
caches built on its Customers table. Everything else must come through byte
for byte. :func:`fidelity_problems` lists every way an output breaks that rule,
in words precise enough for a findings file.
"""

from __future__ import annotations

import re

from lxml import etree

from tests.corpus.package import NS, Package, local, problems, q, rels_name

ALWAYS_OWNED = {
    "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
    "xl/sharedStrings.xml", "docProps/app.xml", "docProps/core.xml", "xl/calcChain.xml",
}
XLSEG_TABLE = "xlsegCustomers"
# Style collections that may only grow at the end (existing indices are referenced by the user's cells).
STYLE_LISTS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs")
# Children of the customer sheet that xlseg rewrites as a whole (checked in detail elsewhere).
SHEET_REWRITTEN = {"dimension", "sheetData", "cols", "conditionalFormatting", "dataValidations", "sheetViews"}


def _c14n(el) -> bytes:
    return etree.tostring(el, method="c14n")


def marker_sheets(pkg: Package) -> set[str]:
    """Titles of the sheets named by ``xlseg_sheet_*`` markers."""
    out = set()
    for name, text in pkg.defined_names().items():
        if name.startswith("xlseg_sheet_"):
            m = re.match(r"^'?(.*?)'?!", text)
            if m:
                out.add(m.group(1).replace("''", "'"))
    return out


def reachable(pkg: Package, start: str) -> set[str]:
    """``start`` and every part reachable from it through relationships (with the .rels parts)."""
    seen, todo = set(), [start]
    while todo:
        part = todo.pop()
        if part in seen or part not in pkg.parts:
            continue
        seen.add(part)
        if rels_name(part) in pkg.parts:
            seen.add(rels_name(part))
        todo.extend(r["part"] for r in pkg.rels(part) if "part" in r)
    return seen


def xlseg_pivot_caches(pkg: Package) -> set[str]:
    """Pivot cache definitions whose source is xlseg's Customers table (by table name or sheet)."""
    owned_titles = marker_sheets(pkg)
    out = set()
    for part in pkg.parts:
        if part.startswith("xl/pivotCache/pivotCacheDefinition") and part.endswith(".xml"):
            src = pkg.xml(part).find(f"{{{NS['main']}}}cacheSource/{{{NS['main']}}}worksheetSource")
            if src is not None and (src.get("name") == XLSEG_TABLE or src.get("sheet") in owned_titles
                                    and src.get("sheet") == _customers_title(pkg)):
                out.add(part)
    return out


def _customers_title(pkg: Package) -> str | None:
    text = pkg.defined_names().get("xlseg_sheet_customers")
    m = re.match(r"^'?(.*?)'?!", text or "")
    return m.group(1).replace("''", "'") if m else None


def owned_parts(pkg: Package, customer_sheet: str) -> set[str]:
    """Parts of ``pkg`` (an input) that xlseg may rewrite when it classifies it."""
    owned = set(ALWAYS_OWNED)
    part = pkg.sheet_part(customer_sheet)
    owned |= {part, rels_name(part)}
    for title in marker_sheets(pkg):
        try:
            owned |= reachable(pkg, pkg.sheet_part(title))
        except KeyError:
            pass
    return owned


def _resolved(pkg: Package, part: str, el) -> bytes:
    """``el`` in canonical form with every r:id replaced by the part it points at (rIds may be renumbered)."""
    el = etree.fromstring(_c14n(el))
    targets = {r["Id"]: r.get("part", r.get("Target")) for r in pkg.rels(part)}
    for node in el.iter():
        for attr, value in list(node.attrib.items()):
            if attr.startswith(f"{{{NS['r']}}}") and value in targets:
                node.set(attr, "->" + str(targets[value]))
    return _c14n(el)


def _short(el) -> str:
    return _c14n(el).decode().replace(f' xmlns="{NS["main"]}"', "")


def _without_attr(data: bytes, attr: str) -> bytes:
    root = etree.fromstring(data)
    root.attrib.pop(attr, None)
    return _c14n(root)


def fidelity_problems(src, out, customer_sheet: str) -> list[str]:
    """Every way ``out`` fails to keep what xlseg does not own in ``src``; [] when it kept everything."""
    a, b = Package.read(src), Package.read(out)
    found = [f"output package: {p}" for p in problems(out)]
    owned = owned_parts(a, customer_sheet)
    xl_caches = xlseg_pivot_caches(a)
    for part, data in a.parts.items():
        if part in owned or part in xl_caches:
            continue
        if part not in b.parts:
            found.append(f"{part}: missing from the output")
        elif b.parts[part] != data:
            found.append(f"{part}: changed ({len(data)} -> {len(b.parts[part])} bytes)")
        elif a.content_type(part) != b.content_type(part):
            found.append(f"{part}: content type {a.content_type(part)!r} -> {b.content_type(part)!r}")
    for part in xl_caches:
        if part not in b.parts:
            found.append(f"{part} (pivot cache on {XLSEG_TABLE}): missing from the output")
            continue
        if etree.fromstring(b.parts[part]).get("refreshOnLoad") not in ("1", "true"):
            found.append(f"{part} (pivot cache on {XLSEG_TABLE}): no refreshOnLoad=\"1\"")
        if _without_attr(a.parts[part], "refreshOnLoad") != _without_attr(b.parts[part], "refreshOnLoad"):
            found.append(f"{part} (pivot cache on {XLSEG_TABLE}): changed beyond refreshOnLoad")
    found += _workbook_problems(a, b)
    found += _customer_sheet_problems(a, b, customer_sheet)
    found += _append_only_problems(a, b)
    found += _core_problems(a, b)
    return found


def _workbook_problems(a: Package, b: Package) -> list[str]:
    found = []
    owned_titles = marker_sheets(a)
    out_sheets = {s["name"]: s for s in b.sheets()}
    user_order = []
    for s in a.sheets():
        if s["name"] in owned_titles:
            continue
        user_order.append(s["name"])
        t = out_sheets.get(s["name"])
        if t is None:
            found.append(f"xl/workbook.xml: sheet {s['name']!r} is gone")
            continue
        for key in ("state", "part"):
            if s[key] != t[key]:
                found.append(f"xl/workbook.xml: sheet {s['name']!r} {key} {s[key]!r} -> {t[key]!r}")
    order = [s["name"] for s in b.sheets() if s["name"] in user_order]
    if order != [n for n in user_order if n in out_sheets]:
        found.append(f"xl/workbook.xml: the user's sheets were reordered {user_order} -> {order}")
    wa, wb = a.xml("xl/workbook.xml"), b.xml("xl/workbook.xml")
    names_b = {(d.get("name"), d.get("localSheetId")): d for d in wb.iter(q("main", "definedName"))}
    for d in wa.iter(q("main", "definedName")):
        if d.get("name", "").startswith("xlseg_"):
            continue
        e = names_b.get((d.get("name"), d.get("localSheetId")))
        if e is None:
            found.append(f"xl/workbook.xml: defined name {d.get('name')!r} is gone")
        elif _c14n(d) != _c14n(e):
            found.append(f"xl/workbook.xml: defined name {d.get('name')!r} changed: {_c14n(d)!r} -> {_c14n(e)!r}")
    for tag in ("fileVersion", "workbookPr", "workbookProtection", "externalReferences", "fileRecoveryPr"):
        x, y = wa.find(q("main", tag)), wb.find(q("main", tag))
        if x is None:
            continue
        if y is None:
            found.append(f"xl/workbook.xml: <{tag}> is gone")
        elif _resolved(a, "xl/workbook.xml", x) != _resolved(b, "xl/workbook.xml", y):
            found.append(f"xl/workbook.xml: <{tag}> changed")
    caches_b = {_resolved(b, "xl/workbook.xml", c) for c in wb.iter(q("main", "pivotCache"))}
    for c in wa.iter(q("main", "pivotCache")):
        if _resolved(a, "xl/workbook.xml", c) not in caches_b:
            found.append(f"xl/workbook.xml: <pivotCache cacheId={c.get('cacheId')!r}> is gone or changed")
    ext_b = {_resolved(b, "xl/workbook.xml", e) for e in wb.iter(q("main", "ext"))}
    for e in wa.iter(q("main", "ext")):
        if _resolved(a, "xl/workbook.xml", e) not in ext_b:
            found.append(f"xl/workbook.xml: extension {e.get('uri')} is gone or changed")
    for r in a.rels("xl/workbook.xml"):
        if r.get("TargetMode") == "External" or r["part"] not in a.parts:
            continue
        if not any(s.get("part") == r["part"] for s in b.rels("xl/workbook.xml")) and r["part"] in b.parts \
                and not r["part"].startswith(("xl/worksheets/", "xl/calcChain")):
            found.append(f"xl/_rels/workbook.xml.rels: the relationship to {r['part']} is gone")
    return found


def _customer_sheet_problems(a: Package, b: Package, title: str) -> list[str]:
    found = []
    part = a.sheet_part(title)
    try:
        out_part = b.sheet_part(title)
    except KeyError:
        return [f"sheet {title!r}: gone from the output"]
    sa, sb = a.xml(part), b.xml(out_part)
    ours = _block_cells(columns_block_of(a))  # xlseg's columns of an earlier run: xlseg's to rewrite
    cells_b = {c.get("r"): c for c in sb.iter(q("main", "c"))}
    changed = []
    for c in sa.iter(q("main", "c")):
        if ours(c.get("r")):
            continue
        d = cells_b.get(c.get("r"))
        if d is None:
            changed.append(f"{c.get('r')} gone")
        elif _c14n(c) != _c14n(d):
            changed.append(f"{c.get('r')}: {_short(c)} -> {_short(d)}")
    if changed:
        found.append(f"{part} (customer sheet): {len(changed)} user cell(s) changed in the XML, e.g. "
                     + "; ".join(changed[:3]))
    rows_b = {r.get("r"): r for r in sb.iter(q("main", "row"))}
    for r in sa.iter(q("main", "row")):
        s = rows_b.get(r.get("r"))
        attrs = {k: v for k, v in r.attrib.items() if k != "spans"}
        if s is None or {k: v for k, v in s.attrib.items() if k != "spans"} != attrs:
            found.append(f"{part} (customer sheet): row {r.get('r')} attributes {attrs} changed")
            break
    kids_b = {}
    for el in sb:
        kids_b.setdefault(local(el.tag), []).append(_resolved(b, out_part, el))
    for el in sa:
        name = local(el.tag)
        if name in SHEET_REWRITTEN or name == "extLst":
            continue
        if _resolved(a, part, el) not in kids_b.get(name, []):
            found.append(f"{part} (customer sheet): <{name}> gone or changed")
    for name, inner in (("conditionalFormatting", None), ("dataValidation", "dataValidations"),
                        ("mergeCell", "mergeCells"), ("ext", "extLst")):
        have = {_resolved(b, out_part, el) for el in sb.iter(q("main", name))}
        for el in sa.iter(q("main", name)):
            if name == "conditionalFormatting" and all(ours(ref) for ref in _refs(el.get("sqref", ""))):
                continue  # xlseg's own colours from an earlier run
            if _resolved(a, part, el) not in have:
                found.append(f"{part} (customer sheet): the user's <{name}> {dict(el.attrib)} gone or changed")
    found += _cols_problems(part, sa, sb, columns_block_of(b), columns_block_of(a))
    rels_b = {(r["Type"], r.get("part", r["Target"])) for r in b.rels(out_part)}
    for r in a.rels(part):
        if (r["Type"], r.get("part", r["Target"])) not in rels_b:
            found.append(f"{rels_name(part)}: relationship to {r.get('part', r['Target'])} gone")
    return found


def _col_attrs(sheet) -> dict[int, dict]:
    out = {}
    for col in sheet.iter(q("main", "col")):
        attrs = {k: v for k, v in col.attrib.items() if k not in ("min", "max")}
        for i in range(int(col.get("min")), int(col.get("max")) + 1):
            out[i] = attrs
    return out


def _cols_problems(part: str, sa, sb, *blocks) -> list[str]:
    """Every column the user formatted (width, hidden, style) keeps it, except where xlseg's block is or was."""
    from openpyxl.utils.cell import range_boundaries

    ours = set()
    for block in blocks:
        if block is not None:
            c1, _r1, c2, _r2 = range_boundaries(block[1])
            ours |= set(range(c1, c2 + 1))
    x, y = _col_attrs(sa), _col_attrs(sb)
    bad = [i for i, attrs in x.items() if i not in ours and y.get(i) != attrs]
    if bad:
        return [f"{part} (customer sheet): <col> formatting of column(s) {bad[:5]} changed: "
                f"{x[bad[0]]} -> {y.get(bad[0])}"]
    return []


def _refs(sqref: str) -> list[str]:
    """Every cell corner of an sqref (``"K2:K13 M2"`` -> the four corners and M2), enough to test containment."""
    out = []
    for part in sqref.split():
        out += part.split(":")
    return out


def _block_cells(block):
    """A test ``ref -> bool``: is the cell (or corner) inside xlseg's columns block (``(sheet, "G1:P13")``)?"""
    if block is None:
        return lambda ref: False
    from openpyxl.utils.cell import (
        column_index_from_string,
        coordinate_from_string,
        range_boundaries,
    )

    c1, r1, c2, r2 = range_boundaries(block[1])

    def inside(ref: str) -> bool:
        try:
            col, row = coordinate_from_string(ref.replace("$", ""))
        except ValueError:
            return False
        return c1 <= column_index_from_string(col) <= c2 and r1 <= row <= r2

    return inside


def columns_block_of(pkg: Package) -> tuple[str, str] | None:
    text = pkg.defined_names().get("xlseg_columns")
    m = re.match(r"^'?(.*?)'?!(.*)$", text or "")
    return (m.group(1).replace("''", "'"), m.group(2).replace("$", "")) if m else None


def _append_only_problems(a: Package, b: Package) -> list[str]:
    found = []
    if "xl/sharedStrings.xml" in a.parts:
        if "xl/sharedStrings.xml" not in b.parts:
            found.append("xl/sharedStrings.xml: gone (the user's cells index it)")
        else:
            x, y = list(a.xml("xl/sharedStrings.xml")), list(b.xml("xl/sharedStrings.xml"))
            if [_c14n(e) for e in x] != [_c14n(e) for e in y[:len(x)]]:
                found.append("xl/sharedStrings.xml: existing strings changed or reordered (append only)")
    if "xl/styles.xml" in a.parts and "xl/styles.xml" in b.parts:
        x, y = a.xml("xl/styles.xml"), b.xml("xl/styles.xml")
        for name in STYLE_LISTS:
            lx, ly = x.find(q("main", name)), y.find(q("main", name))
            if lx is None:
                continue
            ex = [_c14n(e) for e in lx]
            ey = [_c14n(e) for e in ly] if ly is not None else []
            if name == "numFmts":
                if not set(ex) <= set(ey):
                    found.append("xl/styles.xml: a number format of the user's is gone or changed")
            elif ex != ey[:len(ex)]:
                found.append(f"xl/styles.xml: <{name}> existing entries changed (append only)")
    return found


def _core_problems(a: Package, b: Package) -> list[str]:
    if "docProps/core.xml" not in a.parts:
        return []
    if "docProps/core.xml" not in b.parts:
        return ["docProps/core.xml: gone"]

    def strip(data):
        root = etree.fromstring(data)
        for el in list(root):
            if local(el.tag) in ("modified", "lastModifiedBy"):
                root.remove(el)
        return _c14n(root)

    if strip(a.parts["docProps/core.xml"]) != strip(b.parts["docProps/core.xml"]):
        return ["docProps/core.xml: changed beyond the modified time and author"]
    return []


def user_cells(path, sheet: str) -> dict:
    """Every non-empty or styled cell of ``sheet`` as openpyxl reads it: value, format, font, fill."""
    import openpyxl

    wb = openpyxl.load_workbook(path, rich_text=True)
    ws = wb[sheet]
    out = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            value = c.value
            if hasattr(value, "ref") and hasattr(value, "text"):  # an array formula
                value = f"{{{value.text}}} over {value.ref}"
            out[c.coordinate] = (str(value) if value is not None else None, c.number_format,
                                 bool(c.font.b), bool(c.font.i), c.fill.fgColor.rgb if c.fill else None)
    wb.close()
    return out


def columns_block(path) -> tuple[str, str] | None:
    """(sheet, A1 range) of the ``xlseg_columns`` marker in a workbook, or None."""
    return columns_block_of(Package.read(path))
