"""Hostile inputs through the CLI in a child process (issue 12, point 8 and "Done when").

For each input the outcome is either exit 1 with one clear message (no
traceback, no "unexpected problem", the input byte-identical, nothing written)
or exit 0 with a correct output; never more than about 1 GB of peak RSS, and
the run finishes within a generous time limit (a bound, not a benchmark).
The inputs are built by :mod:`tests.corpus.hostile` at test time.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from tests.corpus import compare
from tests.corpus import hostile as H
from tests.corpus.package import Package, problems, q
from tests.corpus.runner import (
    check_outcome,
    cli_in_process,
    folder_state,
    run_case,
    run_cli,
)
from tests.libreoffice import read_csv_sheet

# --------------------------------------------------------------- markers


def _user_sheet_kept(src: Path, out: Path, title: str):
    a, b = Package.read(src), Package.read(out)
    part = a.sheet_part(title)
    assert b.sheet_part(title) == part
    assert b.parts[part] == a.parts[part], f"user sheet {title!r} was rewritten"


def test_forged_columns_marker_on_user_columns(tmp_path):
    """xlseg_columns names the user's Name and Last Purchase columns: they are left alone."""
    src = H.forged_marker(tmp_path, "xlseg_columns", "Clients!$B$1:$C$51")
    before = compare.user_cells(src, H.SHEET)
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "written":
        after = compare.user_cells(out, H.SHEET)
        assert {k: v for k, v in before.items() if after.get(k) != v} == {}
        sheet, ref = compare.columns_block(out)
        assert range_boundaries(ref)[0] > 5, ref  # xlseg's block sits right of the user's table


@pytest.mark.parametrize("key", ["summary", "settings", "customers"])
def test_forged_sheet_marker_on_a_user_sheet(tmp_path, key):
    src = H.forged_marker(tmp_path, f"xlseg_sheet_{key}", "Notes!$A$1")
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "written":
        _user_sheet_kept(src, out, "Notes")
        wb = openpyxl.load_workbook(out, read_only=True)
        assert [list(r) for r in wb["Notes"].iter_rows(values_only=True)] == \
            [["Key", "Value"], ["owner", "Ann"], ["as_of", "1999-01-01"]]
        wb.close()


def test_forged_sheet_marker_on_the_customer_sheet(tmp_path):
    src = H.forged_marker(tmp_path, "xlseg_sheet_summary", "Clients!$A$1")
    before = compare.user_cells(src, H.SHEET)
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "written":
        after = compare.user_cells(out, H.SHEET)
        assert {k: v for k, v in before.items() if after.get(k) != v} == {}


# --------------------------------------------------------------- injection


def _formulas_in(path: Path) -> list[str]:
    """Every formula text in every worksheet of the package."""
    pkg = Package.read(path)
    found = []
    for s in pkg.sheets():
        if s["part"] and s["part"].startswith("xl/worksheets/"):
            found += [f.text or "" for f in pkg.xml(s["part"]).iter(q("main", "f"))]
    return found


def _texts(path: Path) -> set:
    wb = openpyxl.load_workbook(path)
    out = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
           if c.data_type in ("s", "inlineStr") and isinstance(c.value, str)}
    wb.close()
    return out


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("formulas", [False, True], ids=["values", "formulas"])
def test_formula_injection_stays_text(tmp_path, kind, formulas):
    src = H.injection_xlsx(tmp_path) if kind == "xlsx" else H.injection_csv(tmp_path)
    args = ["--as-of", "2026-01-31"] + (["--formulas"] if formulas else [])
    run, out, outcome = run_case(tmp_path, src, *args)
    assert outcome == "written", str(run)
    bad = [f for f in _formulas_in(out) if any(w in f.upper() for w in ("CMD|", "HYPERLINK", "WEBSERVICE"))]
    assert bad == [], bad
    texts = _texts(out)
    for payload in H.PAYLOADS:
        assert payload in texts, f"{payload!r} is not a text cell anywhere in the output"
    headers = next(openpyxl.load_workbook(out, read_only=True)[H.SHEET if kind == "xlsx" else "injection"]
                   .iter_rows(max_row=1, values_only=True))
    assert H.PAYLOADS[0] in headers and H.PAYLOADS[1] in headers


def test_formula_injection_libreoffice_shows_text(tmp_path, libreoffice):
    src = H.injection_csv(tmp_path)
    run, out, outcome = run_case(tmp_path, src, "--as-of", "2026-01-31", "--formulas")
    assert outcome == "written", str(run)
    csvs = libreoffice.convert_to_csv(out, tmp_path / "lo")
    cells = {v for rows in (read_csv_sheet(p) for p in csvs.values()) for r in rows for v in r}
    for payload in H.PAYLOADS:
        assert payload in cells, payload


# ------------------------------------------------------------- other books


def test_password_protected_workbook_names_the_password(tmp_path):
    src = H.encrypted(tmp_path)
    run, _out, outcome = run_case(tmp_path, src)
    assert outcome == "refused", str(run)
    assert "password" in run.stderr.lower() or "encrypt" in run.stderr.lower(), str(run)
    assert "not a zip file" not in run.stderr.lower(), str(run)


def _no_overlap(out: Path, user: dict):
    sheet, ref = compare.columns_block(out)
    c1, r1, c2, r2 = range_boundaries(ref)
    inside = [k for k in user if c1 <= range_boundaries(k)[0] <= c2 and r1 <= range_boundaries(k)[1] <= r2]
    assert inside == [], f"xlseg's block {ref} covers user cells {inside}"


def test_merged_cell_where_our_columns_go(tmp_path):
    src = H.merged_in_target(tmp_path)
    before = compare.user_cells(src, H.SHEET)
    run, out, outcome = run_case(tmp_path, src)
    if outcome == "written":
        after = compare.user_cells(out, H.SHEET)
        assert {k: v for k, v in before.items() if after.get(k) != v} == {}
        wb = openpyxl.load_workbook(out)
        assert "F2:G3" in {str(m) for m in wb[H.SHEET].merged_cells.ranges}
        sheet, ref = compare.columns_block(out)
        c1 = range_boundaries(ref)[0]
        assert c1 > 7, f"xlseg's block {ref} starts inside or left of the merged F2:G3"


def test_headerless_notes_right_of_the_table_are_kept(tmp_path):
    src = H.headerless_notes(tmp_path)
    before = compare.user_cells(src, H.SHEET)
    run, out, outcome = run_case(tmp_path, src)
    assert outcome == "written", str(run)
    after = compare.user_cells(out, H.SHEET)
    assert {k: (v, after.get(k)) for k, v in before.items() if after.get(k) != v} == {}
    wb = openpyxl.load_workbook(out)
    ws = wb[H.SHEET]
    assert ws["F4"].value == "call back Monday" and ws["H2"].value == "VIP since 2019"
    assert ws["I5"].value == "=SUM(E2:E6)"
    sheet, ref = compare.columns_block(out)
    assert range_boundaries(ref)[0] >= 10, f"xlseg's block {ref} must start right of I (the user's notes)"
    _no_overlap(out, before)
    assert compare.fidelity_problems(src, out, H.SHEET) == []


def test_user_who_cleared_our_columns_and_typed_there_keeps_it(tmp_path):
    """Run, clear xlseg's columns, type Notes/Owner there, run again: the user's cells survive."""
    src = H.good(tmp_path, "book.xlsx")
    first = tmp_path / "first.xlsx"
    run = cli_in_process("classify", src, "-o", first, "--as-of", "2026-01-31")
    assert run.returncode == 0, str(run)
    sheet, ref = compare.columns_block(first)
    c1, r1, c2, r2 = range_boundaries(ref)
    wb = openpyxl.load_workbook(first)
    ws = wb[sheet]
    for r in range(r1, r2 + 1):
        for c in range(c1, c2 + 1):
            ws.cell(r, c).value = None
    ws.cell(r1, c1).value, ws.cell(r1, c1 + 1).value = "Notes", "Owner"
    for r in range(r1 + 1, r1 + 6):
        ws.cell(r, c1).value, ws.cell(r, c1 + 1).value = f"note {r}", "Ann"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    # the cells the user typed (cleared cells keep xlseg's old style: empty, so xlseg may use them again)
    before = {k: v for k, v in compare.user_cells(edited, sheet).items() if v[0] is not None}
    run, out, outcome = run_case(tmp_path, edited, "--as-of", "2026-01-31", out_name="second.xlsx")
    assert outcome == "written", str(run)
    after = compare.user_cells(out, sheet)
    assert {k: (v[0], after.get(k, (None,))[0]) for k, v in before.items() if after.get(k, (None,))[0] != v[0]} \
        == {}
    _no_overlap(out, before)


# ------------------------------------------------------------- file handling


def test_output_naming_the_input(tmp_path):
    src = H.good(tmp_path, "book.xlsx")
    original = src.read_bytes()
    run = cli_in_process("classify", src, "-o", src)
    assert "Traceback" not in run.stderr and "unexpected problem" not in run.stderr, str(run)
    if run.returncode == 1:
        assert src.read_bytes() == original, "refused, but the input changed"
        assert run.stderr.startswith("Error: "), str(run)
    else:
        backups = [p for p in tmp_path.iterdir() if p != src and p.read_bytes() == original]
        assert backups, f"-o naming the input overwrote it with no backup: {run}"


@pytest.mark.parametrize("how", ["output", "in_place"])
def test_read_only_target_is_refused(tmp_path, how):
    src = H.good(tmp_path, "book.xlsx")
    target = src if how == "in_place" else H.good(tmp_path, "target.xlsx", n=3)
    target.chmod(0o444)
    original = target.read_bytes()
    args = ["--in-place"] if how == "in_place" else ["-o", target]
    run = cli_in_process("classify", src, *args)
    assert run.returncode == 1, f"a read-only target was replaced: {run}"
    assert run.stderr.startswith("Error: ") and "read-only" in run.stderr.lower(), str(run)
    assert target.read_bytes() == original
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_in_place_keeps_permissions_and_an_earlier_backup(tmp_path):
    src = H.good(tmp_path, "book.xlsx")
    src.chmod(0o644)
    original = src.read_bytes()
    run = cli_in_process("classify", src, "--in-place", "--as-of", "2026-01-31")
    assert run.returncode == 0, str(run)
    assert stat.S_IMODE(src.stat().st_mode) == 0o644
    backup = tmp_path / "book.backup.xlsx"
    assert backup.read_bytes() == original
    run = cli_in_process("classify", src, "--in-place", "--as-of", "2026-01-31")
    assert run.returncode == 0, str(run)
    assert backup.read_bytes() == original, "a second --in-place overwrote the backup of the original"


def test_in_place_on_a_symlink_keeps_the_link(tmp_path):
    real = H.good(tmp_path, "real.xlsx")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    original = real.read_bytes()
    run = cli_in_process("classify", link, "--in-place", "--as-of", "2026-01-31")
    assert run.returncode == 0, str(run)
    assert link.is_symlink(), "--in-place replaced the symlink by a file"
    assert os.readlink(link) == str(real)
    assert real.read_bytes() != original and compare.columns_block(real) is not None
    backups = [p for p in tmp_path.iterdir() if "backup" in p.name]
    assert backups and backups[0].read_bytes() == original


def test_xlsm_output_from_xlsx(tmp_path):
    src = H.good(tmp_path, "book.xlsx")
    out = tmp_path / "out.xlsm"
    before = folder_state(tmp_path)
    run = cli_in_process("classify", src, "-o", out)
    outcome = check_outcome(run, src, out, before)
    if outcome == "written":
        assert Package.read(out).content_type("xl/workbook.xml") == \
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml", "an .xlsm Excel refuses to open"


def test_missing_output_folder(tmp_path):
    src = H.good(tmp_path, "book.xlsx")
    before = folder_state(tmp_path)
    run = cli_in_process("classify", src, "-o", tmp_path / "no" / "such" / "out.xlsx")
    assert run.returncode == 1, str(run)
    assert run.stderr.startswith("Error: ") and "Traceback" not in run.stderr, str(run)
    assert "unexpected problem" not in run.stderr, str(run)
    assert "no" in run.stderr and folder_state(tmp_path) == before


def test_closed_stdout(tmp_path):
    """``xlseg classify ... | head -1``: the output is written and nothing claims the files are unchanged."""
    src = H.good(tmp_path, "book.xlsx")
    out = tmp_path / "out.xlsx"
    r, w = os.pipe()
    os.close(r)  # the reader is gone before xlseg writes a line
    try:
        run = run_cli("classify", src, "-o", out, stdout=w)
    finally:
        os.close(w)
    assert "unchanged" not in run.stderr and "unexpected problem" not in run.stderr, str(run)
    assert "Traceback" not in run.stderr, str(run)
    assert out.is_file() and problems(out) == []


def test_closed_stdout_with_head(tmp_path):
    src = H.good(tmp_path, "book.xlsx")
    out = tmp_path / "out.xlsx"
    import shlex
    import sys

    from tests.corpus.runner import CLI

    cmd = f"{shlex.quote(sys.executable)} -c {shlex.quote(CLI)} classify {shlex.quote(str(src))} -o " \
          f"{shlex.quote(str(out))} | head -1"
    proc = subprocess.run(["bash", "-c", "set -o pipefail; " + cmd], capture_output=True, text=True, timeout=240)
    assert "unchanged" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert out.is_file() and problems(out) == []
