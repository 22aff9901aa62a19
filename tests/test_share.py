"""xlseg share: no original PII string anywhere in the package; joins still work."""

from __future__ import annotations

import html
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xlseg.cli import main
from xlseg.errors import XlsegError
from xlseg.share import mask_value, share_workbook

TEMPLATES = Path(__file__).resolve().parent.parent / "workbook_templates"


def package_text(path) -> str:
    """Every part of the package as text (XML parts, shared strings, properties, rels)."""
    with zipfile.ZipFile(path) as zf:
        return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())


def _pii_book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["Customer ID", "Name", "Phone", "Email", "Address", "Orders", "Total Spend", "Last Purchase"])
    ws.append(["C1", "Zhang Wei & Co", 13800138000, "zhang.wei@example.com", "1 Long Road, Hangzhou", 3, 120.5,
               "2024-05-01"])
    ws.append(["C2", "Mary O'Neil", "+44 20 7946 0000", "mary@example.org", "5 High St <Flat 2>", 1, 40, "2024-06-01"])
    ws.append(["C3", "Zhang Wei & Co", "13800138000", "zhang.wei@example.com", "1 Long Road, Hangzhou", 2, 10,
               "2024-06-02"])
    ws["J1"] = "Notes"
    ws["J2"] = "Zhang Wei & Co"  # the same name in another column: masked too (it is the same string)
    wb.properties.creator = "Alice Analyst"
    wb.properties.lastModifiedBy = "Bob Boss"
    wb.save(path)
    return ["Zhang Wei & Co", "13800138000", "zhang.wei@example.com", "1 Long Road, Hangzhou", "Mary O'Neil",
            "+44 20 7946 0000", "mary@example.org", "5 High St <Flat 2>", "Alice Analyst", "Bob Boss"]


def _absent(text: str, secrets) -> list:
    return [s for s in secrets if s in text or html.escape(s) in text or html.escape(s, quote=False) in text]


def test_share_removes_every_pii_string_and_author(tmp_path):
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    secrets = _pii_book(src)
    assert _absent(package_text(src), secrets)  # the original has them
    rep = share_workbook(src, out)
    assert rep.masked == {"Customers": ["Name", "Phone", "Email", "Address"]}
    assert _absent(package_text(out), secrets) == []
    ws = openpyxl.load_workbook(out)["Customers"]
    # stable: equal values get equal codes, so joins work; other columns untouched
    assert ws["B2"].value == ws["B4"].value == mask_value("Zhang Wei & Co")
    assert ws["C2"].value == ws["C4"].value == mask_value("13800138000")
    assert ws["B3"].value == mask_value("Mary O'Neil")
    assert ws["A2"].value == "C1" and ws["F2"].value == 3 and ws["G2"].value == 120.5


def test_share_mask_option_and_salt(tmp_path):
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    _pii_book(src)
    rep = share_workbook(src, out, mask="email", salt="s3cret")
    assert rep.masked == {"Customers": ["Email"]}
    ws = openpyxl.load_workbook(out)["Customers"]
    assert ws["D2"].value == mask_value("zhang.wei@example.com", "s3cret") != mask_value("zhang.wei@example.com")
    assert ws["B3"].value == "Mary O'Neil"  # not asked for


@pytest.mark.parametrize("name", ["retail_b2c", "b2b_key_accounts", "cross_border"])
def test_share_a_classified_template(name, tmp_path):
    src = TEMPLATES / f"{name}.xlsx"
    wb = openpyxl.load_workbook(src)
    names = set()
    for ws in wb.worksheets:
        head = [c.value for c in ws[1]]
        for h in ("Name", "Company", "客户名称"):
            if h in head:
                col = head.index(h) + 1
                names |= {ws.cell(r, col).value for r in range(2, ws.max_row + 1) if ws.cell(r, col).value}
    assert len(names) > 100
    out = tmp_path / "shared.xlsx"
    rep = share_workbook(src, out)
    text = package_text(out)
    assert _absent(text, sorted(names)) == []
    # xlseg's sheets are protected, charts kept, the customer sheet keeps its formulas
    shared = openpyxl.load_workbook(out)
    summary = shared["Summary" if "Summary" in shared.sheetnames else "汇总"]
    assert summary.protection.sheet
    assert rep.protected
    def charts(path):
        with zipfile.ZipFile(path) as zf:
            return sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart"))

    # two charts, three where the template shows the predicted-value calibration chart (retail_b2c)
    assert charts(out) == charts(src) and len(charts(src)) in (2, 3)
    # issue 12: only customer data is masked; the ReadMe (说明) rows naming the columns stay as they are
    readme = next(t for t in wb.sheetnames if t in ("ReadMe", "说明"))
    before = [[c.value for c in r] for r in wb[readme].iter_rows()]
    after = [[c.value for c in r] for r in shared[readme].iter_rows()]
    assert after == before and not any(str(v).startswith("ID-") for r in after for v in r)
    assert any(h in (r[0] for r in before) for h in ("Name", "Company", "客户名称"))


def test_share_strips_vba_and_refuses_xlsm_output(tmp_path):
    src = tmp_path / "in.xlsx"
    _pii_book(src)
    with pytest.raises(XlsegError, match="no macros"):
        share_workbook(src, tmp_path / "out.xlsm")
    macro = tmp_path / "m.xlsm"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(macro, "w") as zout:
        for n in zin.namelist():
            data = zin.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"").replace(
                    b'ContentType="application/vnd.openxmlformats-officedocument."',
                    b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"')
            zout.writestr(n, data)
        zout.writestr("xl/vbaProject.bin", b"Attribute VB_Name = \"Module1\" Alice Analyst")
    out = tmp_path / "out.xlsx"
    rep = share_workbook(macro, out)
    assert "xl/vbaProject.bin" in rep.removed
    with zipfile.ZipFile(out) as zf:
        assert not any("vba" in n.lower() for n in zf.namelist())
    assert "macroEnabled" not in package_text(out)


def test_share_cli(tmp_path):
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    _pii_book(src)
    res = CliRunner().invoke(main, ["share", str(src), "-o", str(out), "--mask", "Name,Phone"])
    assert res.exit_code == 0, res.output
    assert "Masked on 'Customers': Name, Phone" in res.output
    res = CliRunner().invoke(main, ["share", str(tmp_path / "nope.xlsx"), "-o", str(out)])
    assert res.exit_code == 1 and "does not exist" in res.output
    assert CliRunner().invoke(main, ["share", "--help"]).exit_code == 0


SHARE_IN_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # a bomb inflated in memory would fail here
from xlseg.errors import WorkbookError
from xlseg.share import share_workbook
try:
    share_workbook(sys.argv[1], sys.argv[2])
except WorkbookError as exc:
    print("REFUSED", exc)
"""


@pytest.mark.parametrize("build, words", [
    ("bomb_rows", "looks like a zip bomb"),
    ("bomb_shared_string", "looks like a zip bomb"),
    ("bomb_lying_size", "cannot be unpacked"),
    ("encrypted", "password-protected"),
])
def test_share_refuses_bombs_and_encrypted_files_with_one_message(tmp_path, build, words):
    """The package is read through the reader's bounded package (issue 12): no part inflated past its limits."""
    import subprocess
    import sys

    from tests.corpus import hostile as H

    src = getattr(H, build)(tmp_path)
    out = tmp_path / "shared.xlsx"
    run = subprocess.run([sys.executable, "-c", SHARE_IN_CHILD, str(src), str(out)], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.startswith("REFUSED") and words in run.stdout, run.stdout
    assert not out.exists()
    res = CliRunner().invoke(main, ["share", str(src), "-o", str(out)])
    assert res.exit_code == 1 and words in res.output and "Traceback" not in res.output


def test_parts_share_does_not_change_are_copied_as_their_compressed_bytes(tmp_path):
    """One writer (issue 12): the copy goes through the package writer; a part share leaves alone (charts,
    tables, drawings of a template) keeps its compressed bytes, CRC and date."""
    src, out = TEMPLATES / "cross_border.xlsx", tmp_path / "shared.xlsx"
    share_workbook(src, out)
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        same = [n for n in a.namelist() if n in b.namelist() and a.read(n) == b.read(n)]
        assert any(n.startswith("xl/charts/") for n in same)
        for n in same:
            ia, ib = a.getinfo(n), b.getinfo(n)
            assert (ia.CRC, ia.compress_size, ia.date_time) == (ib.CRC, ib.compress_size, ib.date_time), n
        assert b.testzip() is None


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_the_shared_copy_keeps_the_input_permissions(tmp_path):
    """A copy made to share is readable by whoever could read the input (mkstemp alone makes it 0600)."""
    src, out = tmp_path / "in.xlsx", tmp_path / "out.xlsx"
    _pii_book(src)
    src.chmod(0o644)
    share_workbook(src, out)
    assert out.stat().st_mode & 0o777 == 0o644
    out.chmod(0o640)  # an existing copy keeps its own
    share_workbook(src, out)
    assert out.stat().st_mode & 0o777 == 0o640
