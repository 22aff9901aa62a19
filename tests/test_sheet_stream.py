"""The sheet editor reads the customer sheet as a stream, twice (issue 12: a full sheet's part is ~470 MB):
wherever the windows and the inflated chunks are cut, the sheet written is the one the whole part gives, and
the refusals are the same."""

from __future__ import annotations

import io
import re

import pytest

from xlseg.errors import WorkbookError
from xlseg.ooxml import rowscan, sheet_stream
from xlseg.ooxml.sheet_editor import Edit, edit_sheet
from xlseg.ooxml.styles import MINIMAL, StyleBook
from xlseg.plan.write_plan import Block, Style

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
TAIL = (b'<conditionalFormatting sqref="Z1:Z3"><cfRule type="cellIs" priority="3" operator="equal">'
        b'<formula>1</formula></cfRule></conditionalFormatting><pageMargins left="0.7" right="0.7" top="0.75" '
        b'bottom="0.75" header="0.3" footer="0.3"/>')


def sheet(rows: str, *, prefix: str = "", tail: bytes = TAIL) -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = NS.replace("xmlns=", f"xmlns:{prefix}=") if prefix else NS
    rows = re.sub(r"<(/?)(row|c|v|is|t|f)\b", rf"<\1{p}\2", rows)
    tail = re.sub(rb"<(/?)([A-Za-z]+)\b", rb"<\1" + p.encode() + rb"\2", tail)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns}>'
            f'<{p}dimension ref="A1:C9"/><{p}cols><{p}col min="1" max="3" width="12" customWidth="1"/></{p}cols>'
            f'<{p}sheetData>{rows}</{p}sheetData>').encode() + tail + f"</{p}worksheet>".encode()


def user_rows(n: int, *, spans: bool = False, skip=()) -> str:
    sp = ' spans="1:3"' if spans else ""
    return "".join(f'<row r="{r}"{sp}><c r="A{r}" t="inlineStr"><is><t>id {r} &amp; &lt;x&gt;</t></is></c>'
                   f'<c r="B{r}"><v>{r * 1.5}</v></c><c r="C{r}" s="0"><v>{r}</v></c></row>'
                   for r in range(1, n + 1) if r not in skip)


def ours(rows: range, col: int = 5, width: int = 3) -> Edit:
    values = [[f"t{r}", r * 2, None if r % 4 == 0 else r / 3][:width] for r in rows]
    return Edit([Block(rows.start, col, values)], [Style(f"E{rows.start}:E{rows.stop - 1}", bold=True)],
                widths={"E": 14})


CASES = {
    "regular, a first run": (sheet(user_rows(40)), ours(range(1, 41))),
    "Excel's spans": (sheet(user_rows(40, spans=True)), ours(range(1, 41))),
    "a user cell right of xlseg's first column": (
        sheet(user_rows(20) .replace('<c r="C7" s="0"><v>7</v></c>', '<c r="C7"><v>7</v></c><c r="F7"><v>9</v></c>')),
        ours(range(1, 21))),
    "new rows between and below the user's": (sheet(user_rows(30, skip={3, 4, 17})), ours(range(1, 45))),
    "rows without r": (sheet(user_rows(25).replace('<row r="9">', "<row>").replace('<row r="10">', "<row>")),
                       ours(range(1, 26))),
    "self-closing rows": (sheet(user_rows(12) + '<row r="13"/><row r="14" ht="20" customHeight="1"/>'
                                + user_rows(30)[user_rows(14).__len__():]), ours(range(1, 31))),
    "a stray cell far down": (sheet(user_rows(15) + '<row r="5000"><c r="B5000"><v>1</v></c></row>'),
                              ours(range(1, 16))),
    "cleared columns on a re-run": (
        sheet(re.sub(r'(<c r="C(\d+)".*?</c>)</row>', r'\1<c r="E\2"><v>old</v></c><c r="F\2" s="1"/></row>',
                     user_rows(30))),
        Edit(ours(range(1, 31)).blocks, clear=[(5, 1, 7, 30)], drop_cf=(26, 26))),
    "a namespace prefix": (sheet(user_rows(30, spans=True), prefix="x"), ours(range(1, 31))),
    "a prefix and a re-run": (sheet(user_rows(30), prefix="x"), Edit(ours(range(2, 20)).blocks, clear=[(5, 1, 9, 40)])),
    "an empty grid": (sheet(""), ours(range(1, 5))),
    "a self-closing grid": (sheet("").replace(b"<sheetData></sheetData>", b"<sheetData/>"), ours(range(1, 5))),
    "an extLst in a row, a comment between rows": (
        sheet(user_rows(10) + '<!-- <row r="99"> </row> --><row r="11"><c r="A11"><v>1</v></c><extLst/></row>'
              + user_rows(20)[len(user_rows(11)):]), ours(range(1, 21))),
    "rows in the tail, after the grid": (sheet(user_rows(12), tail=TAIL + b'<extLst><row r="3"/><row/></extLst>'),
                                         ours(range(1, 13))),
    "a second </sheetData> in the tail": (
        sheet(user_rows(10), tail=b'<extLst><ext uri="x"><sheetData></sheetData></ext></extLst>'), ours(range(1, 11))),
}


def write(xml: bytes, edit: Edit, source=None) -> tuple:
    out = io.BytesIO()
    book = StyleBook(MINIMAL)
    try:
        formulas = edit_sheet(source or xml, edit, book, out, label="xl/worksheets/sheet1.xml")
    except WorkbookError as exc:
        return "refused", str(exc)
    return out.getvalue(), formulas, book.bytes()


def chunked(xml: bytes, size: int):
    return lambda: (xml[i:i + size] for i in range(0, len(xml), size))


@pytest.mark.parametrize("name", list(CASES))
def test_windows_anywhere_write_the_sheet_the_whole_part_gives(monkeypatch, name):
    xml, edit = CASES[name]
    whole = write(xml, edit)
    # the grid ends at the last </sheetData> (as a split of the whole part did): the tail left is refused
    assert (whole[0] == "refused") == (name == "a second </sheetData> in the tail"), whole
    for window, size in [(1, 1), (40, 3), (64, 7), (300, 50), (301, 4096), (1000, 333)]:
        monkeypatch.setattr(rowscan, "WINDOW", window)
        assert write(xml, edit, chunked(xml, size)) == whole, (window, size)


def test_the_cases_go_down_both_paths():
    """The regular first-run pass and the general row walk are both exercised above."""
    seen = {}
    for name, (xml, edit) in CASES.items():
        line = sheet_stream.outline([xml], "s", None if edit.clear else 5)
        seen[name] = (line.regular, line.appendable)
    assert seen["regular, a first run"] == (True, True)
    assert seen["a user cell right of xlseg's first column"] == (True, False)
    assert seen["rows without r"][0] is False and seen["self-closing rows"][0] is False
    assert seen["cleared columns on a re-run"] == (None, None)


BODIES = [b"", b'<row r="1"><c r="A1"/></row>',
          b'<row r="1"><c r="A1"/></row><row r="99999999999999999999"></row>',
          b'<row r="1"/>', b"<row><c/></row>", b'<row r="1"></row></row>',
          b'<row r="1"/><row r="2"></row></row>', b'<row r="x"></row>', b'<row  r="1"></row>',
          b'<row r="2" ><c r="K2"><v>1</v></c></row>', b'<row r="3"><c r="k3"/></row><rowBreaks/>',
          b'<row r="1"><c r="J1"/><c r="AA1"/></row>', b'<row r="12', b'<row r="4"><!-- r="Z4" --></row>']


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("window", [1, 5, 1 << 20])
def test_the_first_pass_decides_as_the_whole_grid_does(monkeypatch, body, window):
    monkeypatch.setattr(rowscan, "WINDOW", window)
    xml = sheet("").replace(b"<sheetData></sheetData>", b"<sheetData>" + body + b"</sheetData>")
    line = sheet_stream.outline(chunked(xml, 3)(), "s", 11)
    regular = rowscan.regular_rows(body, b"")
    assert line.regular == (regular is not None)
    assert line.appendable == (not rowscan.cells_from(body, b"", 11))
    # the row numbers it keeps for the second pass are the grid's (none kept for a grid the walk goes through)
    assert (line.numbers is None or list(line.numbers) == list(map(int, regular[0]))) and \
        (regular is None) <= (line.numbers is None)
    assert xml[line.start:line.end] == body and line.tail == TAIL + b"</worksheet>"


@pytest.mark.parametrize("xml, message", [
    (b"<worksheet><dimension/></worksheet>", "has no cell grid (sheetData)"),
    (b"<worksheet><sheetData><row r='1'></row>", "its cell grid does not end"),
    (b"<worksheet><sheetData><row r='1'><c/></sheetData></worksheet>", "a row does not end"),
    (b'<worksheet><sheetData><row r="1"></row></sheetData><pageMargins></worksheet>', "not well-formed"),
])
@pytest.mark.parametrize("window, size", [(1, 1), (7, 3), (1 << 20, 1 << 20)])
def test_the_refusals_are_the_same_wherever_the_windows_fall(monkeypatch, xml, message, window, size):
    monkeypatch.setattr(rowscan, "WINDOW", window)
    edit = Edit([Block(1, 2, [["x"]])], clear=[(2, 1, 2, 5)])
    whole = write(xml, edit)
    assert whole[0] == "refused" and message in whole[1]
    assert write(xml, edit, chunked(xml, size)) == whole
    assert write(xml, Edit([Block(1, 2, [["x"]])]), chunked(xml, size)) == whole  # the regular path too


@pytest.mark.parametrize("window", [1, 7, 1 << 20])
def test_the_row_numbers_kept_stop_where_the_grid_ends(monkeypatch, window):
    """Row tags after the last </sheetData> (in an extLst) are not the grid's: the numbers the first pass keeps
    for the second are the grid's only, and none are kept when a row without r follows the grid."""
    monkeypatch.setattr(rowscan, "WINDOW", window)
    xml = sheet(user_rows(12), tail=TAIL + b'<extLst><row r="3"/><row r="4"></row></extLst>')
    line = sheet_stream.outline(chunked(xml, 5)(), "s", 5)
    assert line.regular and list(line.numbers) == list(range(1, 13))
    odd = sheet(user_rows(12), tail=TAIL + b'<extLst><row r="3"/><row></row></extLst>')
    line = sheet_stream.outline(chunked(odd, 5)(), "s", 5)
    assert line.regular and line.numbers is None
    assert write(xml, ours(range(1, 13))) == write(xml, ours(range(1, 13)), chunked(xml, 5))
