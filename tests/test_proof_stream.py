"""The proof reads the customer sheet before and after as streams (issue 12): the output's rows are paired with
the user's by position while they come back in order, by number otherwise. Wherever the windows and the
inflated chunks are cut, the editor's output is proven, and a changed, removed or moved user cell is caught."""

from __future__ import annotations

import random
import re

import pytest

from xlseg.errors import WorkbookError
from xlseg.ooxml import proof, rowscan, sheet_stream
from xlseg.ooxml.grid import width
from xlseg.ooxml.xml import letters

from tests.test_sheet_stream import CASES, TAIL, chunked, sheet, user_rows, write

SETTINGS = [(1, 1), (40, 3), (300, 50), (1000, 333), (1 << 20, 1 << 20)]  # (window, chunk) in bytes
# the editor refuses the first; the second, a comment holding '<row r="99"> </row>' between rows, the proof
# refuses (it reads the comment as rows: "row 11 would be missing"), as it did before it paired rows by position
PROVEN = [name for name in CASES if name not in ("a second </sheetData> in the tail",
                                                 "an extLst in a row, a comment between rows")]
P = rb"(?:x:)?"  # the cases' optional namespace prefix


def rects(edit) -> list:
    """What xlseg wrote or cleared, as the package editor hands it to the proof."""
    out = list(edit.clear)
    for b in edit.blocks:
        out.append((b.col, b.row, b.col + width(b.values) - 1, b.row + len(b.values) - 1))
    return out


def check(before: bytes, after: bytes, edit, monkeypatch, window: int, size: int) -> list:
    monkeypatch.setattr(rowscan, "WINDOW", window)
    return proof._cells_kept(chunked(before, size)(), chunked(after, size)(), rects(edit), "S")


def _row(xml: bytes, r: int) -> re.Match:
    return re.search(rb"<" + P + rb'row r="' + str(r).encode() + rb'"[^>]*>.*?</' + P + rb"row>", xml)


def _moved_cell(xml: bytes) -> bytes:
    """B11 taken out of row 11 and put at the end of row 12."""
    cell = re.search(rb"<" + P + rb'c r="B11".*?</' + P + rb"c>", xml)
    xml = xml[:cell.start()] + xml[cell.end():]
    m = _row(xml, 12)
    at = m.end() - len(re.search(rb"</" + P + rb"row>$", m.group(0)).group(0))
    return xml[:at] + cell.group(0) + xml[at:]


def _swapped(xml: bytes) -> bytes:
    a, b = _row(xml, 5), _row(xml, 6)
    return xml[:a.start()] + b.group(0) + a.group(0) + xml[b.end():]


def _right_cell(xml: bytes) -> bytes:
    """A cell in column Z (outside xlseg's columns) at the end of row 5."""
    m = _row(xml, 5)
    p = b"x:" if m.group(0).startswith(b"<x:") else b""
    at = m.end() - len(b"</" + p + b"row>")
    return xml[:at] + b"<" + p + b'c r="Z5"><' + p + b"v>1</" + p + b"v></" + p + b"c>" + xml[at:]


SABOTAGE = {  # what the proof must catch, and a line it must report
    "a user cell changed": (lambda x: x.replace(b"id 5 &amp;", b"id 5 X&amp;", 1), "cells of row 5 would change"),
    "a user row removed": (lambda x: x.replace(_row(x, 6).group(0), b"", 1), "row 6 would be missing"),
    "a user cell moved to another row": (_moved_cell, "cells of row 11 would change"),
    "two user rows swapped": (_swapped, "row"),
    "a cell right of xlseg's columns": (_right_cell, "row 5"),
}


@pytest.mark.parametrize("name", PROVEN)
def test_the_editors_output_is_proven_wherever_the_windows_fall(monkeypatch, name):
    xml, edit = CASES[name]
    out = write(xml, edit)[0]
    for window, size in SETTINGS:
        assert check(xml, out, edit, monkeypatch, window, size) == [], (window, size)


@pytest.mark.parametrize("how", list(SABOTAGE))
@pytest.mark.parametrize("name", [n for n in PROVEN if n not in ("an empty grid", "a self-closing grid")])
def test_a_changed_removed_or_moved_user_cell_is_caught(monkeypatch, name, how):
    xml, edit = CASES[name]
    out = write(xml, edit)[0]
    sabotage, line = SABOTAGE[how]
    bad = sabotage(out)
    assert bad != out
    found = [check(xml, bad, edit, monkeypatch, window, size) for window, size in SETTINGS]
    assert found[0], (name, how)
    assert all(f == found[0] for f in found), found  # the same lines wherever the windows fall
    if how == "a cell right of xlseg's columns" and len(rects(edit)) == 1:
        line = "cells outside xlseg's columns would change"
    assert any(line in f for f in found[0]), found[0]


def test_the_first_run_is_proven_by_position_and_new_rows_by_number(monkeypatch):
    """The regular first run never reads the output's row numbers; rows xlseg added between the user's do."""
    def no_numbers(self, r):
        raise AssertionError("numbered")

    xml, edit = CASES["regular, a first run"]
    out = write(xml, edit)[0]
    real = proof._Output.fill
    monkeypatch.setattr(proof._Output, "fill", no_numbers)
    for window, size in SETTINGS:
        assert check(xml, out, edit, monkeypatch, window, size) == []
    xml, edit = CASES["new rows between and below the user's"]
    out = write(xml, edit)[0]
    with pytest.raises(AssertionError, match="numbered"):
        check(xml, out, edit, monkeypatch, 1 << 20, 1 << 20)
    monkeypatch.setattr(proof._Output, "fill", real)
    assert check(xml, out, edit, monkeypatch, 1 << 20, 1 << 20) == []


def test_rows_outside_the_rectangle_must_stay_as_they_were(monkeypatch):
    """Cells appended to a row xlseg does not write to are a change, even inside xlseg's columns."""
    xml, edit = CASES["regular, a first run"]
    out = write(xml, edit)[0]
    small = [(5, 1, 7, 30)]
    assert proof._cells_kept([xml], [out], small, "S") == [f"sheet 'S': row {r} would change" for r in range(31, 41)]


def _old_only_cells_in(data: bytes, prefix: bytes, span: tuple) -> bool:
    """The check as it was before the one search (a list of every cell's letters)."""
    cols = re.findall(rb"<" + re.escape(prefix) + rb'c r="([A-Za-z]+)[0-9]', data)
    if data.count(b"<" + prefix + b"c") != len(cols):
        return False
    return set(cols) <= {letters(c).encode() for c in range(span[0], min(span[1], 16384) + 1)}


def test_the_appended_cells_check_decides_as_the_list_of_letters_did():
    pieces = [b'<c r="K1"><v>1</v></c>', b'<c r="L12" t="s"><v>2</v></c>', b'<c r="T9"/>', b'<c r="J3"/>',
              b'<c r="U3"/>', b'<c r="KA3"/>', b'<c r="k3"/>', b'<c s="1"/>', b'<col/>', b'<c r="K"/>', b"<c>",
              b'<c  r="K3"/>', b'<c r="AK3"/>', b'<c r="Z3"/>', b"text", b'<x:c r="K1"/>', b'<c r="XFD1"/>']
    rnd = random.Random(12)
    datas = [b""] + pieces + [b"".join(rnd.choices(pieces, k=rnd.randint(1, 6))) for _ in range(400)]
    for prefix in (b"", b"x:"):
        for span in [(11, 20), (1, 1), (26, 37), (11, 11), (16380, 16384), (5, 2000)]:
            for data in datas:
                data = data.replace(b"<c", b"<" + prefix + b"c") if prefix else data
                assert proof._only_cells_in(data, prefix, span) == _old_only_cells_in(data, prefix, span), \
                    (prefix, span, data)


def _grid(xml: bytes) -> bytes:
    line = sheet_stream.outline([xml], "s")
    return xml[line.start:line.end]


GRIDS = {
    **{name: xml for name, (xml, _e) in CASES.items()},
    "only self-closing rows": sheet("".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(1, 300))),
    "a </sheetData> in a comment in the tail": sheet(user_rows(9), tail=b"<!-- </sheetData> -->" + TAIL),
}


@pytest.mark.parametrize("name", list(GRIDS))
def test_the_proofs_windows_hold_the_grid_the_editor_sees(monkeypatch, name):
    """The grid ends at the last </sheetData> (as for the editor); every window but the last ends after a
    </row>; a grid without </row> (only empty rows) is read on, not joined again per chunk."""
    xml = GRIDS[name]
    for window, size in SETTINGS:
        monkeypatch.setattr(rowscan, "WINDOW", window)
        prefix, windows = sheet_stream.grid_windows(chunked(xml, size)(), "s")
        got = list(windows)
        assert b"".join(got) == _grid(xml) and all(w for w in got), (window, size)
        assert prefix == (b"x:" if b"<x:sheetData" in xml else b"")
        assert all(w.endswith(b"</" + prefix + b"row>") for w in got[:-1]), (window, size)
        if window == 1 and b"</row>" in _grid(xml):
            assert len(got) == _grid(xml).count(b"</" + prefix + b"row>") + (not got[-1].endswith(b"row>"))


@pytest.mark.parametrize("xml, message", [
    (b"<worksheet><dimension/></worksheet>", "has no cell grid (sheetData)"),
    (b"<worksheet><sheetData><row r='1'></row>", "a row does not end"),
])
def test_the_proofs_windows_refuse_a_part_without_a_grid(xml, message):
    with pytest.raises(WorkbookError, match=re.escape(message)):
        list(sheet_stream.grid_windows(chunked(xml, 3)(), "s")[1])


def test_a_window_is_regular_as_the_whole_grid_test_says():
    """rowscan.regular_rows splits a window once and counts the end tags from the split: the same answer and
    rows as counting the end tags in the window and splitting it."""
    from tests.test_sheet_stream import BODIES

    grids = [_grid(xml) for xml in GRIDS.values()] + BODIES + [b'<row r="1"></row>  ', b"\n<row r=\"2\"></row>\n"]
    for body in grids:
        for prefix in (b"", b"x:"):
            close = b"</" + prefix + b"row>"
            found = rowscan.row_numbers(prefix).findall(body)
            old = None if body.count(close) != len(found) or b"" in found else (found, body.split(close))
            new = rowscan.regular_rows(body, prefix)
            assert (old is None) == (new is None), body
            if old is not None:
                numbers, parts = old
                assert new == (numbers, list(parts)[:len(numbers)]), body
