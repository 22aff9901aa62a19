"""The corpora's inputs are what they claim to be (issue 12).

Every fidelity workbook is a consistent package (parts parse, relationships
resolve, content types cover every part), carries its feature, and opens in
LibreOffice showing the same 12 customers. The hostile builders make what
they say: a bomb really inflates to gigabytes (with a correct CRC), the
encrypted workbook is an OLE compound file, the injection inputs hold their
payloads as text. These tests need nothing of issue 12's new code.
"""

from __future__ import annotations

import zipfile
import zlib

import openpyxl
import pytest

from tests.corpus import books, fidelity
from tests.corpus import hostile as H
from tests.corpus.books import NAMES
from tests.corpus.package import Package, problems
from tests.libreoffice import cell_equal, read_csv_sheet

CUSTOMER_SHEET = fidelity.CUSTOMER_SHEET


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, libreoffice) -> books.Corpus:
    return books.Corpus(tmp_path_factory.mktemp("inputs"), libreoffice)


def test_every_input_is_a_consistent_package_that_libreoffice_opens(corpus, libreoffice, tmp_path):
    paths = [corpus.get(name).src for name in NAMES]
    for p in paths:
        assert problems(p) == [], p.name
    csvs = books.lo_batch(libreoffice, paths, tmp_path / "csv")
    plain = read_csv_sheet(csvs[corpus.get("plain").src][CUSTOMER_SHEET])
    expected = [[str(v) for v in fidelity.HEADERS]]
    assert plain[0][:6] == expected[0]
    for p in paths:  # every input shows the same 12 customers (ids and spend) to LibreOffice
        rows = read_csv_sheet(csvs[p][CUSTOMER_SHEET])
        ids = [r[0] for r in rows[1:13]]
        assert ids == [r[0] for r in fidelity.customer_rows()], p.name
        assert all(cell_equal(r[5], c[5]) for r, c in zip(rows[1:13], fidelity.customer_rows())), p.name


def test_the_inputs_have_their_feature(corpus):
    """Guards against a builder that silently adds nothing."""
    expect = {
        "pivot_tables": ["xl/pivotTables/pivotTable1.xml", "xl/pivotTables/pivotTable2.xml",
                         "xl/pivotCache/pivotCacheRecords2.xml"],
        "slicer": ["xl/slicers/slicer1.xml", "xl/slicerCaches/slicerCache1.xml"],
        "shapes": ["xl/drawings/drawing1.xml"], "image": ["xl/media/image1.png"],
        "chart": ["xl/charts/chart1.xml"], "comments": ["xl/threadedComments/threadedComment1.xml",
                                                       "xl/persons/person.xml", "xl/comments/comment1.xml"],
        "vba": ["xl/vbaProject.bin"], "external_links": ["xl/externalLinks/externalLink1.xml"],
        "custom_xml": ["customXml/item1.xml", "docProps/custom.xml"], "formulas": ["xl/calcChain.xml"],
        "printer_settings": ["xl/printerSettings/printerSettings1.bin"],
        "user_table": ["xl/tables/table1.xml"], "rich_text": ["xl/sharedStrings.xml"],
    }
    for name, parts in expect.items():
        have = Package.read(corpus.get(name).src).parts
        for part in parts:
            assert part in have, (name, part, sorted(have))
    assert b"x14:sparklineGroup" in Package.read(corpus.get("sparklines").src).parts["xl/worksheets/sheet1.xml"]
    assert b'date1904="1"' in Package.read(corpus.get("epoch_1904").src).parts["xl/workbook.xml"]
    states = {s["name"]: s["state"] for s in Package.read(corpus.get("hidden_sheets").src).sheets()}
    assert states == {"Clients": "visible", "Orders": "visible", "Archive": "hidden", "Lookup": "veryHidden"}
    assert b"<sheetProtection" in Package.read(corpus.get("protected_sheet").src).parts["xl/worksheets/sheet2.xml"]
    assert b"schemas.libreoffice.org" in Package.read(corpus.get("libreoffice_saved").src).parts["xl/workbook.xml"]
    formulas = Package.read(corpus.get("formulas").src).parts["xl/worksheets/sheet1.xml"]
    assert b't="shared"' in formulas and b't="array"' in formulas


# ------------------------------------------------------------------- hostile


def test_bomb_stream_inflates_to_what_it_says_with_a_correct_crc():
    d = H.bomb(b"<head>", b"<row/>" * 3, b"</tail>", total=3 * 2**20)
    data = zlib.decompress(d.data, -15)
    assert len(data) == d.size and zlib.crc32(data) == d.crc
    assert data.startswith(b"<head><row/>") and data.endswith(b"<row/></tail>")
    assert H.crc32_combine(zlib.crc32(b"abc"), zlib.crc32(b"defg"), 4) == zlib.crc32(b"abcdefg")


@pytest.mark.parametrize("builder", [H.bomb_rows, H.bomb_spaces, H.bomb_shared_string, H.bomb_lying_size],
                         ids=lambda f: f.__name__)
def test_bombs_are_small_zips_of_gigabytes(tmp_path, builder):
    path = builder(tmp_path)
    assert path.stat().st_size < 12 * 2**20
    with zipfile.ZipFile(path) as z:
        part = "xl/sharedStrings.xml" if "shared" in path.name else "xl/worksheets/sheet1.xml"
        info = z.getinfo(part)
        assert info.file_size == (10_000 if "lying" in path.name else info.file_size)
        with z.open(info) as fh:  # the start of the part is well-formed XML
            assert fh.read(200).startswith(b"<?xml")
        assert len(z.read("[Content_Types].xml")) > 100
    if "lying" not in path.name:
        assert info.file_size > 3 * 10**9


def test_encrypted_workbook_is_an_ole_container(tmp_path):
    import olefile

    path = H.encrypted(tmp_path)
    assert path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    with olefile.OleFileIO(str(path)) as ole:
        assert ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage")


def test_injection_inputs_hold_the_payloads_as_text(tmp_path):
    wb = openpyxl.load_workbook(H.injection_xlsx(tmp_path))
    ws = wb[H.SHEET]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value in H.PAYLOADS]
    assert {c.value for c in cells} == set(H.PAYLOADS) and all(c.data_type == "s" for c in cells)
    text = H.injection_csv(tmp_path).read_text(encoding="utf-8")
    assert all(p.replace('"', '""') in text for p in H.PAYLOADS)


def test_hostile_books_are_consistent_packages(tmp_path):
    for path in (H.good(tmp_path), H.chart_sheet(tmp_path), H.merged_in_target(tmp_path),
                 H.headerless_notes(tmp_path), H.stray_cell(tmp_path, "XFD1048576"),
                 H.forged_marker(tmp_path, "xlseg_columns", "Clients!$B$1:$C$51"),
                 H.bad_cell_index(tmp_path, "s")):
        assert problems(path) == [], path.name
    notes = openpyxl.load_workbook(H.headerless_notes(tmp_path))[H.SHEET]
    assert (notes["F4"].value, notes["H2"].value, notes["I5"].value) == \
        ("call back Monday", "VIP since 2019", "=SUM(E2:E6)")
    assert problems(H.truncated(tmp_path, "xl/workbook.xml")) != []


# -------------------------------------------------------- the proof can fail


def _mutated(src, tmp_path, name, edit):
    pkg = Package.read(src)
    edit(pkg)
    return pkg.write(tmp_path / f"{name}.xlsx")


def test_fidelity_check_sees_every_kind_of_damage(tmp_path):
    """compare.fidelity_problems is silent on an untouched copy and names each damage done to one."""
    from tests.corpus import compare
    from tests.corpus.package import q

    src = fidelity.build("pivot_tables", tmp_path)
    slicer = fidelity.build("slicer", tmp_path)
    sparklines = fidelity.build("sparklines", tmp_path)
    assert compare.fidelity_problems(src, src, CUSTOMER_SHEET) == []

    def pivot_byte(pkg):
        pkg.parts["xl/pivotTables/pivotTable2.xml"] = pkg.parts["xl/pivotTables/pivotTable2.xml"].replace(
            b"PivotStyleLight16", b"PivotStyleLight17")

    def user_cell(pkg):
        pkg.edit("xl/worksheets/sheet1.xml", lambda root: next(
            c for c in root.iter(q("main", "c")) if c.get("r") == "E5").find(q("main", "v")).__setattr__("text", "99"))

    def strings_reordered(pkg):
        def f(root):
            first = root[0]
            root.remove(first)
            root.append(first)
        pkg.edit("xl/sharedStrings.xml", f)

    def name_dropped(pkg):
        def f(root):
            for d in list(root.iter(q("main", "definedName"))):
                d.getparent().remove(d)
        pkg.edit("xl/workbook.xml", f)

    def ext_dropped(pkg):
        def f(root):
            root.remove(root.find(q("main", "extLst")))
        pkg.edit("xl/worksheets/sheet1.xml", f)

    def part_gone(pkg):
        del pkg.parts["xl/pivotCache/pivotCacheRecords1.xml"]

    def style_changed(pkg):
        def f(root):
            xf = root.find(q("main", "cellXfs"))[0]
            xf.set("numFmtId", "4")
        pkg.edit("xl/styles.xml", f)

    cases = [
        (src, pivot_byte, "xl/pivotTables/pivotTable2.xml: changed"),
        (src, user_cell, "user cell(s) changed"),
        (src, strings_reordered, "xl/sharedStrings.xml: existing strings changed"),
        (slicer, name_dropped, "defined name 'Slicer_Region' is gone"),
        (sparklines, ext_dropped, "<ext>"),
        (src, part_gone, "pivotCacheRecords1.xml: missing"),
        (src, style_changed, "<cellXfs> existing entries changed"),
    ]
    for i, (book, edit, expected) in enumerate(cases):
        out = _mutated(book, tmp_path, f"damaged{i}", edit)
        found = compare.fidelity_problems(book, out, CUSTOMER_SHEET)
        assert any(expected in p for p in found), (edit.__name__, found)


def test_runner_measures_the_cli_itself(tmp_path):
    """The peak RSS is the CLI's (pandas and all: tens of MB), not the tiny wrapper's."""
    from tests.corpus.runner import MAX_RSS_MB, run_cli

    run = run_cli("classify", H.good(tmp_path), "-o", tmp_path / "out.xlsx", "--as-of", "2026-01-31")
    assert run.returncode == 0, str(run)
    assert 60 < run.maxrss_mb < MAX_RSS_MB, str(run)
    assert not run.timed_out and (tmp_path / "out.xlsx").is_file()
