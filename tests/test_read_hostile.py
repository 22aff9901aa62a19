"""Hostile and damaged workbooks: one clear message or a correct read, bounded time and memory, never a traceback.

Each file is built here: a plain workbook written by openpyxl, then one part
changed in its zip package. Reads that could blow up (stray cells at the end
of the sheet) run in a child process limited to 1 GB of address space.
"""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.chart import BarChart, Reference

from xlseg.cli import main
from xlseg.errors import WorkbookError
from xlseg.read.book import open_book
from xlseg.filemode.run import classify_file

ROOT = Path(__file__).resolve().parents[1]
SHEET = "xl/worksheets/sheet1.xml"
HEAD = ["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"]
ROWS = [HEAD] + [[f"C{i}", f"Name {i}", i, 10.0 * i, f"2026-01-{i:02}"] for i in range(1, 51)]
REPAIR = "Open it in Excel (which offers to repair it), save it as .xlsx, and try again."


def plain(path: Path, rows=ROWS) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def patched(path: Path, part: str, change, *, drop: bool = False) -> Path:
    """A copy of a plain workbook with ``part`` changed by ``change(bytes) -> bytes`` (or dropped)."""
    src = plain(path.with_name("plain-" + path.name))
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                if drop:
                    continue
                data = change(data)
            zout.writestr(item, data)
    src.unlink()
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(path: Path, message: str) -> None:
    """The CLI stops with exactly ``message``, exit 1, the input unchanged and nothing written beside it."""
    digest, before = sha(path), sorted(p.name for p in path.parent.iterdir())
    result = CliRunner().invoke(main, ["classify", str(path)], prog_name="xlseg")
    assert "Traceback" not in result.stdout + result.stderr
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"Error: {message}\n")
    assert sha(path) == digest
    assert sorted(p.name for p in path.parent.iterdir()) == before


# ------------------------------------------------------------------ what the file is
def test_password_protected_workbook(tmp_path):
    from msoffcrypto.format.ooxml import OOXMLFile

    src = plain(tmp_path / "plain.xlsx")
    path = tmp_path / "secret.xlsx"
    with open(src, "rb") as fh, open(path, "wb") as out:
        OOXMLFile(fh).encrypt("pa55", out)
    src.unlink()
    refused(path, "'secret.xlsx' is password-protected; remove the password in Excel (File > Info > Protect "
                  "Workbook) and try again.")


@pytest.mark.parametrize("name, what", [
    ("old.xls", "'old.xls' is an Excel 97-2003 workbook (.xls). Open it in Excel and save it as .xlsx (File > Save "
                "As > Excel Workbook), then run xlseg on the .xlsx."),
    ("binary.xlsb", "'binary.xlsb' is an Excel binary workbook (.xlsb), which xlseg does not read. Open it in Excel "
                    "and save it as .xlsx (File > Save As > Excel Workbook), then run xlseg on it."),
])
def test_xls_and_xlsb(tmp_path, name, what):
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    refused(path, what)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    refused(path, "'empty.xlsx' is not an Excel workbook (it is empty). Save it from Excel as .xlsx (or .xlsm) and "
                  "try again.")


# ------------------------------------------------------------------ zip bombs
def test_zip_bomb_is_refused_before_inflating(tmp_path):
    # 128 MB of blanks inside the sheet XML deflate to ~0.1 MB: a ratio no worksheet has
    path = patched(tmp_path / "bomb.xlsx", SHEET, lambda d: d.replace(b"</sheetData>", b"</sheetData>" +
                                                                       b" " * (128 << 20)))
    info = zipfile.ZipFile(path).getinfo(SHEET)
    ratio = info.file_size // info.compress_size
    refused(path, f"'bomb.xlsx' is not a normal workbook: its part {SHEET} inflates from "
                  f"{info.compress_size:,} bytes to {info.file_size >> 20:,} MB (ratio {ratio:,}:1), which looks like a "
                  "zip bomb. xlseg stopped before reading it. Check where the file came from; if it is yours, open "
                  "it in Excel and save it again.")


def _declare_size(path: Path, part: str, size: int) -> None:
    """Make the zip's local and central headers of ``part`` claim an inflated size of ``size`` bytes."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(sig, at)) >= 0:
            start = at + (30 if sig == b"PK\x03\x04" else 46)
            if data[start:start + len(name)] == name:
                data[at + offset:at + offset + 4] = size.to_bytes(4, "little")
            at += 4
    path.write_bytes(bytes(data))


def test_part_that_inflates_to_more_than_it_declares(tmp_path):
    path = patched(tmp_path / "liar.xlsx", SHEET, lambda d: d.replace(b"</sheetData>", b"</sheetData>" +
                                                                       b" " * (8 << 20)))
    _declare_size(path, SHEET, 4096)
    assert zipfile.ZipFile(path).getinfo(SHEET).file_size == 4096
    with pytest.raises(WorkbookError) as err:
        with open_book(path) as book:
            book.rows("Data")
    assert str(err.value) == (f"'liar.xlsx' is damaged: {SHEET} cannot be unpacked (Bad CRC-32 for file "
                              f"'{SHEET}'). {REPAIR}")


# ------------------------------------------------------------------ damaged parts
@pytest.mark.parametrize("case, part, change, message", [
    ("malformed sheet", SHEET, lambda d: d.replace(b"</sheetData>", b"<row"),
     f"'bad.xlsx' is damaged: sheet 'Data' ({SHEET}) could not be read (sheetData). " + REPAIR),
    ("malformed workbook part", "xl/workbook.xml", lambda d: d.replace(b"<sheets>", b"<sheets"),
     "'bad.xlsx' is damaged: xl/workbook.xml is not well-formed XML (error parsing attribute name, line 1, "
     "column 328). " + REPAIR),
    ("shared string index", SHEET, lambda d: d.replace(b't="inlineStr"><is><t>Name 1</t></is>', b't="s"><v>99</v>'),
     f"'bad.xlsx' is damaged: sheet 'Data' ({SHEET}) could not be read (Cell string index not found in shared "
     "strings table). " + REPAIR),
    ("malformed styles", "xl/styles.xml", lambda d: d.replace(b"<cellXfs", b"<cellXfs <"),
     "'bad.xlsx' is damaged: xl/styles.xml is not well-formed XML (error parsing attribute name, line 1, column "
     "517). " + REPAIR),
])
def test_damaged_part(tmp_path, case, part, change, message):
    refused(patched(tmp_path / "bad.xlsx", part, change), message)


def test_missing_sheet_part(tmp_path):
    refused(patched(tmp_path / "bad.xlsx", SHEET, None, drop=True),
            f"'bad.xlsx' is damaged: sheet 'Data' is listed in the workbook but {SHEET} is missing from the file. "
            + REPAIR)


def test_bad_style_index_still_reads(tmp_path):
    path = patched(tmp_path / "style.xlsx", SHEET, lambda d: d.replace(b'<c r="A2" t="inlineStr">',
                                                                        b'<c r="A2" s="999" t="inlineStr">'))
    with open_book(path) as book:
        assert book.rows("Data") == [tuple(r) for r in ROWS]


def test_chart_sheet(tmp_path):
    path = tmp_path / "chart.xlsx"
    plain(path)
    wb = openpyxl.load_workbook(path)
    chart = BarChart()
    chart.add_data(Reference(wb["Data"], min_col=3, max_col=3, min_row=1, max_row=51), titles_from_data=True)
    wb.create_chartsheet("Chart", 0).add_chart(chart)
    wb.save(path)
    with open_book(path) as book:
        assert book.titles == ["Chart", "Data"]
        assert (book.sheets["Chart"].kind, book.rows("Chart")) == ("chartsheet", [])
    run = classify_file(path, tmp_path / "out.xlsx")
    assert run.result.customers["customer_id"].tolist() == [f"C{i}" for i in range(1, 51)]


# ------------------------------------------------------------------ stray cells far away
def _stray(path: Path, ref: str) -> Path:
    row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>stray</t></is></c></row>'.encode()
    return patched(path, SHEET, lambda d: d.replace(b"</sheetData>", cell + b"</sheetData>")
                   .replace(b'<dimension ref="A1:E51"/>', f'<dimension ref="A1:{ref}"/>'.encode()))


READ_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from xlseg.read.book import open_book
from xlseg.read.table import read_table
with open_book(sys.argv[1]) as book:
    rows = book.rows("Data")
    frame, layout = read_table(rows, "Data")
    print(len(rows), len(rows[-1]), [v for v in rows[-1] if v is not None][0], layout.last_row, frame["Customer ID"].notna().sum(), len(frame))
"""


@pytest.mark.parametrize("ref, last_row", [("XFD1048576", 51), ("A1048576", 1048576)])
def test_stray_cell_at_the_end_of_the_sheet(tmp_path, ref, last_row):
    path = _stray(tmp_path / "stray.xlsx", ref)
    child = subprocess.run([sys.executable, "-c", READ_CHILD, str(path)], capture_output=True, text=True,
                           timeout=300, cwd=ROOT)
    assert child.returncode == 0, child.stderr[-2000:]
    width = 16384 if ref.startswith("XFD") else 1  # read cell by cell: rows end at their last cell
    assert child.stdout.split() == ["1048576", str(width), "stray", str(last_row)] + (["51"] * 2 if ref[0] == "A" else ["50"] * 2)


@pytest.mark.parametrize("epoch", [None, "1904"])
def test_cell_by_cell_reader_gives_calamines_values(tmp_path, epoch):
    """The sparse reader (used for the stray-cell sheets) against openpyxl on the same cells without the stray one."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from tests.test_read_book import kinds_book, openpyxl_rows, typed

    src = kinds_book(tmp_path / "kinds.xlsx", epoch=CALENDAR_MAC_1904 if epoch else None)
    expected = openpyxl_rows(src, "Kinds")
    path = tmp_path / "stray.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == SHEET:
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="b"><v>1</v></c></row>'
                                                     b"</sheetData>")
            zout.writestr(item, data)
    with open_book(path) as book:
        assert book.scan("Kinds").max_row == 1048576
        rows = book.rows("Kinds")
    assert rows[-1] == (None,) * 16383 + (True,)
    width = len(expected[0])
    got = [tuple(r) + (None,) * (width - len(r)) for r in rows[:len(expected)]]
    assert typed(got) == typed(expected)
    assert rows[len(expected):-1] == [()] * (1048576 - 1 - len(expected))
