"""``xlseg history`` reads the History sheet's part directly (xlseg.read.history_part): the same frame as the
general reader (calamine, then xlseg.core.history.from_rows) on outputs with several runs, Chinese headers,
a History sheet edited and saved by another program, and sheets the fast path leaves to the general reader."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from xlseg.core import history as H
from xlseg.demo import make_demo
from xlseg.filemode.run import classify_file
from xlseg.read.book import open_book
from xlseg.read.history_part import fast_frame, history_frame

T0 = dt.datetime(2026, 1, 5, 9, 0, 0)


def _both(path, fast_taken=True):
    """The fast and the general frame, checked equal; whether the fast path read the sheet is checked too."""
    fast, general = history_frame(path), history_frame(path, fast=False)
    pd.testing.assert_frame_equal(fast, general)
    with open_book(path) as book:
        title = book.state.markers["xlseg_sheet_history"][0]
        assert (fast_frame(book, title) is not None) == fast_taken
    return fast


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("fast")
    book = d / "demo.xlsx"
    make_demo(book, n_customers=150)
    classify_file(book, book, run_time=T0)
    classify_file(book, book, run_time=T0 + dt.timedelta(hours=1, seconds=0.25))
    return book


def test_fast_path_equals_the_general_reader_over_three_runs(three_runs):
    frame = _both(three_runs)
    assert H.run_numbers(frame) == [1, 2, 3] and len(frame) == 3 * 150
    assert frame["run_time"].dtype == "datetime64[us]" and frame["customer_id"].notna().all()


def test_chinese_headers(tmp_path):
    book = tmp_path / "zh.xlsx"
    make_demo(book, n_customers=80, lang="zh")
    classify_file(book, book, run_time=T0)
    with open_book(book) as b:
        title = b.state.markers["xlseg_sheet_history"][0]
        assert b.rows(title)[0][0] == "运行序号"
    frame = _both(book)
    assert H.run_numbers(frame) == [1, 2]


def _edit(src, dst, edit):
    wb = openpyxl.load_workbook(src)
    ws = wb[wb.defined_names["xlseg_sheet_history"].attr_text.split("!")[0].strip("'")]
    edit(ws)
    wb.save(dst)  # openpyxl writes shared strings, its own styles and number formats


def test_history_edited_and_saved_by_another_program(three_runs, tmp_path):
    def edit(ws):
        ws["E2"] = "Champions"  # a segment changed by hand
        ws["F3"] = None  # a value cleared
        ws["D4"] = 12345  # a numeric id
        ws["D5"] = "  C-pad  "  # an id with spaces
        ws["L1"] = "Notes"  # a column of the user's own
        ws["L2"] = "call back Monday & check <stock>"
        ws["L7"] = 3.5
        ws["K6"] = None  # no monetary
        ws.insert_rows(10)  # a blank row inside the table
        ws["G12"] = "（无）"  # non-ASCII text
    out = tmp_path / "edited.xlsx"
    _edit(three_runs, out, edit)
    frame = _both(out)
    assert frame.loc[0, "segment"] == "Champions" and "12345" in set(frame["customer_id"])
    assert "C-pad" in set(frame["customer_id"]) and len(frame) == 3 * 150


def test_reordered_and_chinese_headers_after_an_edit(three_runs, tmp_path):
    def edit(ws):
        for c, word in zip("ABCDEFGHIJK", [v[1] for v in H.HEADERS.values()]):
            ws[f"{c}1"] = word
        ws.move_range("D1:D500", cols=12)  # Customer ID moved far right (column P)
    out = tmp_path / "moved.xlsx"
    _edit(three_runs, out, edit)
    frame = _both(out)
    assert frame["customer_id"].notna().all()


@pytest.mark.parametrize("cell,value", [("A3", "=1+1"), ("K4", "=NA()"), ("E5", True), ("A6", "two")])
def test_what_the_fast_path_leaves_to_the_general_reader(three_runs, tmp_path, cell, value):
    out = tmp_path / "odd.xlsx"
    _edit(three_runs, out, lambda ws: ws.__setitem__(cell, value))
    _both(out, fast_taken=False)


def test_a_workbook_without_history(tmp_path):
    p = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Customer ID", "Orders"])
    wb.save(p)
    assert len(history_frame(p)) == 0 and list(history_frame(p).columns) == H.COLUMNS


def test_bytes_the_scan_cannot_read_go_to_the_general_reader(three_runs, tmp_path):
    """An inline string with invalid UTF-8 or an entity beyond U+10FFFF: no traceback from the fast path."""
    import zipfile

    from xlseg.read.history_part import fast_frame as fast

    with open_book(three_runs) as book:
        title = book.state.markers["xlseg_sheet_history"][0]
        part = book.sheets[title].part
    for bad in (b"\xff\xfe", b"&#1114112;"):
        out = tmp_path / "bad.xlsx"
        with zipfile.ZipFile(three_runs) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == part:
                    at = data.index(b">", data.index(b"<t", data.index(b'r="E2"'))) + 1  # the text of E2
                    data = data[:at] + bad + data[at:]
                zout.writestr(info, data)
        with open_book(out) as book:
            assert fast(book, title) is None


# --- `xlseg history` reads only the columns it prints (columns=...): the same values as the general reader's ---

def _both_columns(path, columns, fast_taken=True):
    """history_frame(columns=...) by both readers, checked equal; the kept columns equal the full frame's."""
    from xlseg.read.history_part import _kept

    keep = _kept(columns)
    fast, general = history_frame(path, columns=columns), history_frame(path, fast=False, columns=columns)
    pd.testing.assert_frame_equal(fast, general)
    full = history_frame(path, fast=False)
    pd.testing.assert_frame_equal(fast[keep], full[keep])
    for k in set(H.COLUMNS) - set(keep):
        assert fast[k].isna().all(), k
    with open_book(path) as book:
        title = book.state.markers["xlseg_sheet_history"][0]
        assert (fast_frame(book, title, keep) is not None) == fast_taken
    return fast


def test_the_columns_history_prints(three_runs):
    from xlseg.cli.history import SHOWN

    frame = _both_columns(three_runs, SHOWN)
    assert frame["run_time"].isna().all() and frame["r_score"].isna().all() and len(frame) == 3 * 150
    assert frame["as_of"].notna().all() and frame["monetary"].notna().any()
    _both_columns(three_runs, ["customer_id"])  # run is always read
    _both_columns(three_runs, H.COLUMNS)
    with pytest.raises(ValueError, match="not History columns"):
        history_frame(three_runs, columns=["Segment"])


def test_the_columns_history_prints_after_an_edit(three_runs, tmp_path):
    from xlseg.cli.history import SHOWN

    def edit(ws):
        for c, word in zip("ABCDEFGHIJK", [v[1] for v in H.HEADERS.values()]):
            ws[f"{c}1"] = word  # Chinese headers, written by openpyxl as shared strings
        ws.move_range("D1:D500", cols=12)  # Customer ID far right
        ws["H3"] = "not a score"  # text in a column history does not print
    out = tmp_path / "moved.xlsx"
    _edit(three_runs, out, edit)
    _both_columns(out, SHOWN)


def test_cli_history_prints_the_same_from_either_reader(three_runs, monkeypatch):
    from click.testing import CliRunner

    from xlseg.cli import main as cli
    from xlseg.read import history_part

    fast = CliRunner().invoke(cli, ["history", str(three_runs)])
    general = history_part.history_frame
    monkeypatch.setattr(history_part, "history_frame", lambda path, **kw: general(path, fast=False))
    slow = CliRunner().invoke(cli, ["history", str(three_runs)])
    assert fast.exit_code == slow.exit_code == 0 and fast.output == slow.output
    assert "Migration from run 2" in fast.output


# --- sheet XML written differently: the fast path reads it, or leaves it to the general reader ---

def _rewrite(src, dst, change):
    """A copy of ``src`` whose History part is ``change(bytes)``."""
    import zipfile

    with open_book(src) as book:
        part = book.sheets[book.state.markers["xlseg_sheet_history"][0]].part
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(data) if info.filename == part else data)
    return dst


def _sheet_data(change):
    """``change`` applied to the sheetData of a part only."""
    def on_part(data):
        at, end = data.index(b"<sheetData>"), data.index(b"</sheetData>")
        return data[:at] + change(data[at:end]) + data[end:]
    return on_part


@pytest.mark.parametrize("name,change,fast_taken", [
    # whitespace between the tags (a pretty-printed part): each cell's ">" found by search
    ("newlines", _sheet_data(lambda d: d.replace(b"><", b">\n  <")), True),
    # rows with more attributes after their number (Excel writes spans)
    ("spans", _sheet_data(lambda d: d.replace(b'"><c r=', b'" spans="1:11"><c r=')), True),
    # a row without its number: left to the general reader
    ("row without r", _sheet_data(lambda d: d.replace(b'<row r="3">', b"<row>", 1)), False),
    # a cell whose row is not its row tag's
    ("cell in another row", _sheet_data(lambda d: d.replace(b'<c r="B3"', b'<c r="B4"', 1)), False),
    # CDATA and Excel's _xHHHH_ escapes
    ("cdata", _sheet_data(lambda d: d.replace(b"<t>Run</t>", b"<t><![CDATA[Run]]></t>", 1)), False),
    ("escape", _sheet_data(lambda d: d.replace(b"<t>Run</t>", b"<t>R_x0075_n</t>", 1)), False),
])
def test_sheet_xml_written_another_way(three_runs, tmp_path, name, change, fast_taken):
    from xlseg.cli.history import SHOWN

    out = _rewrite(three_runs, tmp_path / "rewritten.xlsx", change)
    _both(out, fast_taken=fast_taken)
    _both_columns(out, SHOWN, fast_taken=fast_taken)


@pytest.mark.parametrize("export", [False, True])
def test_the_real_command_ends_at_once_with_all_its_output(three_runs, tmp_path, export):
    """``python -m xlseg.cli history`` skips the interpreter's teardown (shell.end_at_once) after flushing:
    the same output and exit code as the command run in-process, the CSV complete."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from click.testing import CliRunner

    from xlseg.cli import main as cli

    args = ["history", "export", str(three_runs), "-o", str(tmp_path / "h.csv")] if export else \
        ["history", str(three_runs)]
    inside = CliRunner().invoke(cli, args)
    inside_csv = (tmp_path / "h.csv").read_bytes() if export else None
    root = str(Path(__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "xlseg.cli", *args], capture_output=True, text=True, env=env,
                          check=False, encoding="utf-8")
    assert inside.exit_code == done.returncode == 0 and done.stdout == inside.output and done.stderr == ""
    if export:
        assert (tmp_path / "h.csv").read_bytes() == inside_csv and inside_csv.count(b"\n") == 1 + 3 * 150


# --- the History part inflated from the command's start (prefetch.EarlyPart) and scanned by two threads ---

def _history_part(path):
    with open_book(path) as book:
        return book.sheets[book.state.markers["xlseg_sheet_history"][0]].part


def test_the_part_inflated_early_is_the_history_part_read_once(three_runs):
    import zipfile

    from xlseg.cli.history import SHOWN
    from xlseg.read.prefetch import EarlyPart

    part = _history_part(three_runs)
    early = EarlyPart(three_runs, "xlseg_sheet_history")
    with zipfile.ZipFile(three_runs) as z:
        assert b"".join(early.chunks(part)) == z.read(part)
    assert early.chunks(part) is None  # handed out once
    early.package.close()
    early = EarlyPart(three_runs, "xlseg_sheet_history")
    assert early.chunks("xl/worksheets/sheet1.xml") is None and early.chunks(part) is None  # another part: stopped
    early.package.close()
    early = EarlyPart(three_runs, "xlseg_sheet_history")
    frame = history_frame(three_runs, columns=SHOWN, early=early)
    assert early._taken and early.package.zip.fp is None  # read through it, closed with the book
    pd.testing.assert_frame_equal(frame, history_frame(three_runs, fast=False, columns=SHOWN))


def test_an_early_part_is_only_a_guess(three_runs, tmp_path):
    """A marker the light reading cannot follow, or one naming another sheet: the book finds its part itself."""
    from xlseg.read.prefetch import EarlyPart

    early = EarlyPart(three_runs, "xlseg_sheet_summary")  # inflates another sheet: not used for History
    assert early.part is not None and early.part != _history_part(three_runs) or early.chunks("") is None
    pd.testing.assert_frame_equal(history_frame(three_runs, early=early), history_frame(three_runs, fast=False))
    p = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Customer ID", "Orders"])
    wb.save(p)
    early = EarlyPart(p, "xlseg_sheet_history")
    assert len(history_frame(p, early=early)) == 0 and early.part is None


def test_a_damaged_history_part_says_so_with_or_without_the_early_part(three_runs, tmp_path):
    """A part whose bytes fail their CRC: the same message either way."""
    import zipfile

    from xlseg.errors import XlsegError
    from xlseg.read.prefetch import EarlyPart

    part = _history_part(three_runs)
    out = tmp_path / "crc.xlsx"
    with zipfile.ZipFile(three_runs) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    data = bytearray(out.read_bytes())
    with zipfile.ZipFile(out) as z:
        info = z.getinfo(part)
    at = data.index(b'r="E3"', info.header_offset)  # a byte of the stored part changed: its CRC fails
    data[at + 3] = ord("F") if data[at + 3] != ord("F") else ord("G")
    out.write_bytes(bytes(data))
    messages = []
    for early in (None, EarlyPart(out, "xlseg_sheet_history")):
        with pytest.raises(XlsegError) as caught:
            history_frame(out, early=early)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "damaged" in messages[0] and part in messages[0]


def test_history_of_a_file_that_is_not_a_workbook(tmp_path):
    from click.testing import CliRunner

    from xlseg.cli import main as cli

    p = tmp_path / "notes.xlsx"
    p.write_text("not a workbook")
    result = CliRunner().invoke(cli, ["history", str(p)])
    assert result.exit_code == 1 and "notes.xlsx" in result.output and "Traceback" not in result.output


def test_many_pieces_scanned_by_two_threads(three_runs, tmp_path, monkeypatch):
    """Pieces of a few kilobytes (so many are scanned at once, out of order) give the general reader's frame;
    an error in a later piece still sends the sheet to the general reader."""
    from xlseg.cli.history import SHOWN
    from xlseg.read import history_part, prefetch

    monkeypatch.setattr(history_part, "CHUNK", 2048)
    monkeypatch.setattr(prefetch, "EARLY_CHUNK", 3000)
    _both(three_runs)
    _both_columns(three_runs, SHOWN)
    early = prefetch.EarlyPart(three_runs, "xlseg_sheet_history")
    pd.testing.assert_frame_equal(history_frame(three_runs, columns=SHOWN, early=early),
                                  history_frame(three_runs, fast=False, columns=SHOWN))
    late = _rewrite(three_runs, tmp_path / "late.xlsx",
                    _sheet_data(lambda d: d.replace(b'<c r="E400"', b'<c r="E400" cm="1"', 1)))
    _both(late, fast_taken=False)


def test_history_saved_by_libreoffice(three_runs, tmp_path, libreoffice):
    """The output opened and saved by LibreOffice (shared strings, its own styles, spans): the same frames and
    the same printed summary, whichever reader reads it."""
    from click.testing import CliRunner

    from xlseg.cli import main as cli
    from xlseg.cli.history import SHOWN
    from xlseg.read import history_part

    folder = tmp_path / "lo"
    folder.mkdir()
    saved = libreoffice.convert_to_xlsx(three_runs, folder)
    _both(saved)
    _both_columns(saved, SHOWN)
    fast = CliRunner().invoke(cli, ["history", str(saved)])
    general = history_part.history_frame
    history_part.history_frame = lambda path, **kw: general(path, fast=False)
    try:
        slow = CliRunner().invoke(cli, ["history", str(saved)])
    finally:
        history_part.history_frame = general
    assert fast.exit_code == slow.exit_code == 0 and fast.output == slow.output
    assert "Migration from run 2" in fast.output


@pytest.mark.parametrize("values", [["Champions", None, "中文", "a & b"], [None, None], [], ["x", 3]])
def test_text_columns_get_the_dtype_pandas_infers(values):
    """history_part._str_array: what pd.DataFrame makes of the list, or the list itself."""
    from xlseg.read.history_part import _str_array

    made = _str_array(values)
    pd.testing.assert_frame_equal(pd.DataFrame({"k": made}), pd.DataFrame({"k": values}))
    assert (made is values) == (values in ([None, None], [], ["x", 3]))
    lone = ["ok", "\ud800"]  # a lone surrogate (&#xD800;): pyarrow refuses it, the list goes to pandas as before
    assert _str_array(lone) is lone
