#!/usr/bin/env python
"""Full-height benchmark: ``classify_file`` on a 1,048,575-row customer sheet (CSV and .xlsx): time and peak RSS.

Builds the customers of bench_core (10 columns, ~8 % prospects) as a CSV file
and as a one-sheet workbook (written here as plain sheet XML with inline
strings, like an export; openpyxl would take minutes), then, for each input,
in a fresh child process:

* baseline: the bare read of the same file - ``pandas.read_csv(dtype=str)`` for
  the CSV, python-calamine's ``to_python()`` of the sheet for the workbook;
* xlseg: ``classify_file(input, output)`` - read, classify, plan, write the
  workbook, prove it, replace - with the time of each progress step.

It prints both, the ratio xlseg / baseline, and the child's peak RSS (the
issue's aim for the whole run: at most 60 s and 2 GB on the 2-core machine).

    python bench/bench_full_sheet.py                  # 1,048,575 customers, CSV and xlsx
    python bench/bench_full_sheet.py --rows 200000    # a smaller sheet
    python bench/bench_full_sheet.py --csv-only       # or --xlsx-only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_core import machine_info, make_customers  # noqa: E402

FULL = 1_048_575  # the rows one sheet holds below its header

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
kind, path, out, what = {kind!r}, {path!r}, {out!r}, {what!r}
t0 = time.perf_counter()
marks = []
if what == "baseline":
    if kind == "csv":
        import pandas as pd
        pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        import python_calamine
        book = python_calamine.CalamineWorkbook.from_path(path)
        book.get_sheet_by_name("Customers").to_python(skip_empty_area=False)
else:
    from xlseg.filemode.run import classify_file
    classify_file(path, out, progress=lambda m: marks.append((m, time.perf_counter() - t0)))
t = time.perf_counter() - t0
cpu = resource.getrusage(resource.RUSAGE_SELF)
# VmHWM: this process's own peak (ru_maxrss also counts the parent's RSS at fork, kept across exec by Linux)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({{"seconds": t, "marks": marks, "cpu": cpu.ru_utime + cpu.ru_stime, "peak_mb": hwm / 1024}}))
"""


def child(kind: str, path: Path, out: Path, what: str) -> dict:
    code = CHILD.format(root=str(ROOT), kind=kind, path=str(path), out=str(out), what=what)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{what} on {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _text(values: np.ndarray) -> np.ndarray:
    esc = np.strings.replace(np.strings.replace(np.strings.replace(values.astype(str), "&", "&amp;"), "<", "&lt;"),
                             ">", "&gt;")
    return esc


def write_xlsx(path: Path, frame: pd.DataFrame) -> None:
    """A one-sheet workbook 'Customers' holding ``frame`` (dates as serials with a date format)."""
    n = len(frame)
    rows = np.arange(2, n + 2).astype(str)
    letters = "ABCDEFGHIJ"
    cells = []
    for j, name in enumerate(frame.columns):
        s = frame[name]
        ref = np.strings.add(letters[j], rows)
        if pd.api.types.is_datetime64_any_dtype(s):
            serial = ((s - pd.Timestamp("1899-12-30")).dt.days).to_numpy(dtype="float64")
            ok = ~np.isnan(serial)
            cell = np.strings.add(np.strings.add(np.strings.add('<c r="', ref), '" s="1"><v>'),
                                  np.strings.add(np.where(ok, serial, 0).astype(np.int64).astype(str), "</v></c>"))
            cell = np.where(ok, cell, "")
        elif pd.api.types.is_float_dtype(s):
            v = s.to_numpy(dtype="float64")
            ok = ~np.isnan(v)
            cell = np.strings.add(np.strings.add(np.strings.add('<c r="', ref), '"><v>'),
                                  np.strings.add(np.where(ok, v, 0).astype(str), "</v></c>"))
            cell = np.where(ok, cell, "")
        else:
            v = _text(s.to_numpy(dtype=object).astype(str))
            cell = np.strings.add(np.strings.add(np.strings.add('<c r="', ref), '" t="inlineStr"><is><t>'),
                                  np.strings.add(v, "</t></is></c>"))
        cells.append(cell)
    head = "".join(f'<c r="{letters[j]}1" t="inlineStr"><is><t>{c}</t></is></c>' for j, c in enumerate(frame.columns))
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.styles+xml"/></Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} xmlns:r="{rel}">'
            '<sheets><sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/></Relationships>'))
        z.writestr("xl/styles.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {ns}>'
            '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
            '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '</styleSheet>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}>'
                    f'<dimension ref="A1:J{n + 1}"/><sheetData><row r="1">{head}</row>'.encode())
            for a in range(0, n, 50_000):
                b = min(a + 50_000, n)
                body = cells[0][a:b]
                for c in cells[1:]:
                    body = np.strings.add(body, c[a:b])
                lines = np.strings.add(np.strings.add(np.strings.add('<row r="', rows[a:b]), '">'),
                                       np.strings.add(body, "</row>"))
                f.write("".join(lines.tolist()).encode())
            f.write(b"</sheetData></worksheet>")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=FULL, help=f"customers (default {FULL:,}: a full sheet)")
    ap.add_argument("--csv-only", action="store_true")
    ap.add_argument("--xlsx-only", action="store_true")
    args = ap.parse_args(argv)
    print(machine_info())
    frame = make_customers(args.rows)
    kinds = ["csv"] * (not args.xlsx_only) + ["xlsx"] * (not args.csv_only)
    with tempfile.TemporaryDirectory(prefix="xlseg-bench-full-") as d:
        d = Path(d)
        for kind in kinds:
            src = d / f"customers.{kind}"
            t0 = time.perf_counter()
            if kind == "csv":
                frame.to_csv(src, index=False, date_format="%Y-%m-%d")
            else:
                write_xlsx(src, frame)
            print(f"\ninput: {args.rows:,} customers x 10 columns, {kind}, {src.stat().st_size / 1e6:.1f} MB "
                  f"(written in {time.perf_counter() - t0:.1f} s)")
            base = child(kind, src, d / "unused.xlsx", "baseline")
            ours = child(kind, src, d / f"classified_{kind}.xlsx", "xlseg")
            what = "pandas read_csv(dtype=str)" if kind == "csv" else "calamine to_python"
            print(f"  baseline {what:28}: {base['seconds']:7.1f} s, CPU {base['cpu']:6.1f} s, peak RSS "
                  f"{base['peak_mb']:6,.0f} MB")
            print(f"  xlseg classify_file{'':17}: {ours['seconds']:7.1f} s, CPU {ours['cpu']:6.1f} s, peak RSS "
                  f"{ours['peak_mb']:6,.0f} MB"
                  f"   (output {(d / f'classified_{kind}.xlsx').stat().st_size / 1e6:.1f} MB)")
            marks = [("start", 0.0)] + ours["marks"] + [("end", ours["seconds"])]
            steps = ", ".join(f"{m} {t1 - t0:.1f}" for (m, t0), (_, t1) in zip(marks[:-1], marks[1:]) if m != "start")
            print(f"  xlseg steps (s): {steps}")
            print(f"  ratio xlseg / baseline: {ours['seconds'] / base['seconds']:.1f}x   (aim for the whole run: "
                  "at most 60 s and 2 GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
