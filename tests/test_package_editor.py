"""The package editor (xlseg.ooxml): parts copied byte for byte, the proof, pivot caches refreshed on load."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import openpyxl
import pytest

from xlseg.errors import WouldLoseDataError
from xlseg.filemode.run import classify_file

HEADER = ["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"]


def book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(HEADER)
    for i in range(1, 9):
        ws.append([f"C{i}", f"Name {i}", i, 100.0 * i, dt.datetime(2026, 1, i)])
    ws["G2"] = "=D2*2"
    notes = wb.create_sheet("Notes")
    notes["A1"] = "keep me"
    wb.save(path)
    return path


def parts(path) -> dict:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def test_parts_xlseg_does_not_own_are_copied_byte_for_byte(tmp_path):
    src = book(tmp_path / "a.xlsx")
    out, again = tmp_path / "b.xlsx", tmp_path / "c.xlsx"
    classify_file(src, out, generated="fixed")
    classify_file(out, again, generated="fixed")
    a, b, c = parts(src), parts(out), parts(again)
    for name in ("xl/worksheets/sheet2.xml", "xl/theme/theme1.xml", "docProps/core.xml"):
        assert a[name] == b[name] == c[name], name
    with zipfile.ZipFile(src) as za, zipfile.ZipFile(out) as zb:  # the compressed bytes, not only the data
        ia, ib = za.getinfo("xl/theme/theme1.xml"), zb.getinfo("xl/theme/theme1.xml")
        assert (ia.CRC, ia.compress_size) == (ib.CRC, ib.compress_size)
    # the user's cells on the customer sheet: the same XML, xlseg's appended after them
    user_row = a["xl/worksheets/sheet1.xml"].split(b'<row r="2"')[1].split(b"</row>")[0]
    assert user_row.split(b">", 1)[1] in b["xl/worksheets/sheet1.xml"]
    assert not any("calcChain" in name for name in b)
    wb = openpyxl.load_workbook(again)
    assert wb["Data"]["G2"].value == "=D2*2" and wb["Notes"]["A1"].value == "keep me"


def test_user_formulas_keep_their_saved_values(tmp_path):
    src = book(tmp_path / "a.xlsx")
    with zipfile.ZipFile(src) as z:
        items = {i.filename: z.read(i.filename) for i in z.infolist()}
    sheet = items["xl/worksheets/sheet1.xml"]
    assert b"<f>D2*2</f><v></v>" in sheet
    items["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>D2*2</f><v></v>", b"<f>D2*2</f><v>200</v>")
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
    out = tmp_path / "b.xlsx"
    classify_file(src, out, generated="fixed")
    assert openpyxl.load_workbook(out, data_only=True)["Data"]["G2"].value == 200


@pytest.mark.parametrize("path", ["merge", "split"])
def test_the_proof_refuses_when_a_user_cell_would_change(tmp_path, monkeypatch, path):
    from xlseg.ooxml import sheet_editor

    src = book(tmp_path / "a.xlsx")
    before = src.read_bytes()
    if path == "merge":  # the general row merge (rows without r, re-runs clearing old cells)
        real = sheet_editor._merge_row

        def lossy(row, *args):
            return real(row.replace(b"Name 3", b"Name X"), *args)

        outline = sheet_editor.outline

        def irregular(*args):
            line = outline(*args)
            line.regular = False
            return line

        monkeypatch.setattr(sheet_editor, "outline", irregular)
        monkeypatch.setattr(sheet_editor, "_merge_row", lossy)
    else:  # the first run's pass over regular rows
        real = sheet_editor._split_rows

        def lossy(*args):
            return ((n, p.replace(b"Name 3", b"Name X")) for n, p in real(*args))

        monkeypatch.setattr(sheet_editor, "_split_rows", lossy)
    target = tmp_path / "out.xlsx"
    with pytest.raises(WouldLoseDataError) as err:
        classify_file(src, target, generated="fixed")
    alt = tmp_path / "out.xlseg-results.xlsx"
    assert str(err.value).startswith("Not saved: writing 'out.xlsx' would change parts of your workbook that xlseg "
                                     "does not own:\n  - sheet 'Data': cells of row 4 would change\n")
    assert str(alt) in str(err.value)
    assert src.read_bytes() == before and not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", alt.name]
    assert openpyxl.load_workbook(alt).sheetnames[:2] == ["Summary", "Migration"]


PIVOT_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def _add_pivot_caches(path, sources: dict) -> None:
    """Plant pivot cache definitions (name -> worksheetSource attributes) into a package, by hand."""
    items = parts(path)
    wb = items["xl/workbook.xml"].decode()
    rels = items["xl/_rels/workbook.xml.rels"].decode()
    caches = []
    for i, (name, source) in enumerate(sources.items(), start=1):
        items[f"xl/pivotCache/{name}.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<pivotCacheDefinition {PIVOT_NS} '
            f'recordCount="0"><cacheSource type="worksheet"><worksheetSource {source}/></cacheSource>'
            f'<cacheFields count="0"/></pivotCacheDefinition>').encode()
        rels = rels.replace("</Relationships>", f'<Relationship Id="rIdP{i}" Type="http://schemas.openxmlformats.org/'
                            f'officeDocument/2006/relationships/pivotCacheDefinition" '
                            f'Target="pivotCache/{name}.xml"/></Relationships>')
        caches.append(f'<pivotCache cacheId="{i}" r:id="rIdP{i}"/>')
    wb = wb.replace("</workbook>", f'<pivotCaches xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships">{"".join(caches)}</pivotCaches></workbook>')
    items["xl/workbook.xml"] = wb.encode()
    items["xl/_rels/workbook.xml.rels"] = rels.encode()
    ct = items["[Content_Types].xml"].decode()
    for name in sources:
        ct = ct.replace("</Types>", f'<Override PartName="/xl/pivotCache/{name}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.pivotCacheDefinition+xml"/></Types>')
    items["[Content_Types].xml"] = ct.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)


def test_pivot_caches_on_xlseg_customers_refresh_on_load(tmp_path):
    src = book(tmp_path / "a.xlsx")
    first = tmp_path / "b.xlsx"
    classify_file(src, first, generated="fixed")
    _add_pivot_caches(first, {"ours": 'name="xlsegCustomers"', "bysheet": "ref=\"A1:R9\" sheet=\"Customers\"",
                              "users": 'ref="A1:E9" sheet="Data"'})
    before = parts(first)
    out = tmp_path / "c.xlsx"
    classify_file(first, out, generated="fixed")
    after = parts(out)
    for name in ("ours", "bysheet"):
        part = f"xl/pivotCache/{name}.xml"
        assert after[part] == before[part].replace(b'recordCount="0">', b'recordCount="0" refreshOnLoad="1">')
    assert after["xl/pivotCache/users.xml"] == before["xl/pivotCache/users.xml"]
    assert b"<pivotCaches" in after["xl/workbook.xml"]


def test_xlsm_keeps_its_vba_project_and_content_type(tmp_path):
    src = book(tmp_path / "m.xlsx")
    items = parts(src)
    items["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0 not really a VBA project, but bytes to keep \x00\x01"
    items["xl/_rels/workbook.xml.rels"] = items["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/relationships/'
        b'vbaProject" Target="vbaProject.bin"/></Relationships>')
    ct = items["[Content_Types].xml"].replace(b"spreadsheetml.sheet.main+xml", b"x").replace(
        b'ContentType="application/vnd.openxmlformats-officedocument.x"',
        b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"')
    items["[Content_Types].xml"] = ct.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/'
                                              b'vnd.ms-office.vbaProject"/></Types>')
    xlsm = tmp_path / "m.xlsm"
    with zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in items.items():
            z.writestr(name, data)
    out = tmp_path / "m_classified.xlsm"
    classify_file(xlsm, out, generated="fixed")
    after = parts(out)
    assert after["xl/vbaProject.bin"] == items["xl/vbaProject.bin"]
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in after["[Content_Types].xml"]
    assert b'Extension="bin" ContentType="application/vnd.ms-office.vbaProject"' in after["[Content_Types].xml"]
    assert b"vbaProject.bin" in after["xl/_rels/workbook.xml.rels"]
    assert openpyxl.load_workbook(out, keep_vba=True)["Data"]["H1"].value == "R Score"  # right of G2's formula


def test_removing_a_sheet_entry_shifts_later_sheet_scoped_names_and_the_active_tab():
    from xlseg.ooxml.workbook_part import WorkbookPart

    xml = (b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
           b'<bookViews><workbookView activeTab="3" firstSheet="2"/></bookViews><sheets>'
           b'<sheet name="A" sheetId="1" r:id="rId1"/><sheet name="data" sheetId="2" r:id="rId2" state="hidden"/>'
           b'<sheet name="C" sheetId="3" r:id="rId3"/><sheet name="D" sheetId="4" r:id="rId4"/></sheets>'
           b'<definedNames><definedName name="onA" localSheetId="0">A!$A$1</definedName>'
           b'<definedName name="onData" localSheetId="1">data!$A$1</definedName>'
           b'<definedName name="onD" localSheetId="3">D!$A$1</definedName></definedNames></workbook>')
    wb = WorkbookPart(xml)
    assert wb.remove_sheet("data") == 1
    assert [s.name for s in wb.sheets()] == ["A", "C", "D"]
    assert wb.defined_names() == [("onA", "0", "A!$A$1"), ("onD", "2", "D!$A$1")]
    out = wb.bytes()
    assert b'activeTab="2"' in out and b'firstSheet="1"' in out


def test_rows_split_a_window_at_a_time_give_the_same_file(tmp_path, monkeypatch):
    """The editor and the proof split a regular sheet a window of bytes at a time (bounded memory on a
    million rows): tiny windows, cut inside rows and end tags, write the same sheet."""
    from xlseg.ooxml import package, rowscan

    src = book(tmp_path / "a.xlsx")
    whole = tmp_path / "whole.xlsx"
    classify_file(src, whole, generated="fixed", run_time=dt.datetime(2026, 1, 1))
    monkeypatch.setattr(rowscan, "WINDOW", 7)
    monkeypatch.setattr(package, "CHUNK", 5)  # the proof reads both parts 5 inflated bytes at a time
    windows = tmp_path / "windows.xlsx"
    classify_file(src, windows, generated="fixed", run_time=dt.datetime(2026, 1, 1))
    assert parts(whole) == parts(windows)


@pytest.mark.parametrize("window", [7, 300, 1 << 25])
@pytest.mark.parametrize("spans", [False, True])
def test_the_proof_reads_both_parts_a_window_at_a_time(tmp_path, monkeypatch, window, spans):
    """The proof streams the input's and the output's sheet (bounded memory on a million rows) and still finds
    a changed user cell, a missing row and a cell put right of xlseg's columns, wherever the windows fall; rows
    with Excel's spans (widened by the editor, so checked row by row) and without (checked a window at once)."""
    from xlseg.ooxml import package, proof, rowscan
    from xlseg.ooxml.package import Package

    src = book(tmp_path / "a.xlsx")
    if spans:  # as Excel writes rows: <row r="2" spans="1:7">
        items = parts(src)
        name = "xl/worksheets/sheet1.xml"
        items[name] = re.sub(rb'<row r="(\d+)"', rb'<row r="\1" spans="1:7"', items[name])
        with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
            for n, data in items.items():
                z.writestr(n, data)
    out = tmp_path / "b.xlsx"
    classify_file(src, out, generated="fixed")
    monkeypatch.setattr(rowscan, "WINDOW", window)
    monkeypatch.setattr(package, "CHUNK", 11)
    sheet = "xl/worksheets/sheet1.xml"
    before, after = parts(src)[sheet], parts(out)[sheet]
    rects = [(8, 1, 17, 1_048_576)]  # xlseg's columns H..Q

    def check(changed: bytes) -> list:
        items = parts(out)
        items[sheet] = changed
        bad = tmp_path / "bad.xlsx"
        with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in items.items():
                z.writestr(name, data)
        with Package(src) as a, Package(bad) as b:
            return proof._cells_kept(a.chunks(sheet), b.chunks(sheet), rects, "Data")

    assert check(after) == []
    assert check(after.replace(b"Name 3", b"Name X")) == ["sheet 'Data': cells of row 4 would change"]
    row5 = after[after.index(b'<row r="5"'):after.index(b"</row>", after.index(b'<row r="5"')) + 6]
    assert check(after.replace(row5, b"")) == ["sheet 'Data': row 5 would be missing"]
    end3 = after.index(b"</row>", after.index(b'<row r="3"'))
    assert check(after[:end3] + b'<c r="Z3"><v>1</v></c>' + after[end3:]) == [
        "sheet 'Data': cells outside xlseg's columns would change"]
    assert before != after
    assert (b'spans="1:7"' in before) == spans and (b'spans="1:17"' in after) == spans


def test_streamed_parts_are_written_in_order_while_the_caller_goes_on(tmp_path):
    """A streamed part is deflated and closed by its own thread: the next part can be begun before it is done,
    yet the file holds the parts in the order they were begun, whole; an error in a thread reaches the caller."""
    from xlseg.ooxml.package import PackageWriter

    path = tmp_path / "p.zip"
    writer = PackageWriter(path)
    big = [bytes([65 + i]) * 3_000_000 for i in range(3)]
    for i, data in enumerate(big):
        out = writer.stream(f"part{i}.xml")
        with out:
            for k in range(0, len(data), 700_000):
                out.write(data[k:k + 700_000])
        if i == 1:
            writer.write("small.xml", b"<x/>")
    writer.close()
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["part0.xml", "part1.xml", "small.xml", "part2.xml"]
        assert [z.read(f"part{i}.xml") for i in range(3)] == big and z.testzip() is None

    class Full:
        def write(self, data):
            raise OSError(28, "No space left on device")

        def close(self):
            pass

    from xlseg.ooxml.package import _Deflating

    broken = PackageWriter(tmp_path / "q.zip")
    stream = _Deflating(Full)
    broken._open.append(stream)
    with stream:
        stream.write(b"x")
    with pytest.raises(OSError, match="No space left"):
        broken.close()
