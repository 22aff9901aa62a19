#!/usr/bin/env python
"""Read benchmark: xlseg.read (python-calamine) against openpyxl reading the same sheet, same process.

Builds the 100,000-customer input workbook of bench_file.py (10 columns, one
sheet) and a customer CSV, then times, best of N:

* baseline: ``openpyxl.load_workbook(path, read_only=True)`` + ``iter_rows(values_only=True)`` into a list -
  the cheapest way openpyxl reads a sheet's values (file mode used the full, slower load);
* xlseg: ``open_book(path).rows(title)`` - the size-checked package, the streaming sheet scan (extent, error
  and formula cells) and calamine's values converted to openpyxl's types;
* the same for the CSV: ``read_delimited`` against ``pandas.read_csv(dtype=str)``.

Both readers must give the same values (checked). ``--rows N`` sets the size;
``--csv-only`` / ``--xlsx-only`` pick a part; ``--peak`` runs one read of each
kind in a child process and reports its peak RSS (``--analyse``: plus the
classification and the write plan, everything but writing the file).

    python bench/bench_read.py                    # 100,000 customers, best of 2
    python bench/bench_read.py --rows 1048575 --csv-only --repeat 1 --peak --analyse
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import machine_info, make_customers, peak_rss_mb  # noqa: E402

from xlseg.read.book import open_book  # noqa: E402
from xlseg.read.delimited import read_delimited  # noqa: E402
from xlseg.sample_data import write_input_workbook  # noqa: E402


def best_of(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        out = None
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, out


def openpyxl_rows(path: Path) -> list:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[wb.sheetnames[0]]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    return rows


def xlseg_rows(path: Path) -> list:
    with open_book(path) as book:
        return book.rows(book.titles[0])


def pandas_csv(path: Path):
    import pandas as pd

    return pd.read_csv(path, dtype=str, keep_default_na=False)


CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from xlseg.read.book import open_book
from xlseg.read.delimited import read_delimited
from xlseg.plan.build import BookState
from xlseg.filemode.run import analyse
t0 = time.perf_counter()
if {kind!r} == "csv":
    data = read_delimited({path!r})
    rows, state, notes = data.rows, None, data.notes
else:
    book = open_book({path!r})
    rows, notes = book.rows(book.titles[0]), []
t_read = time.perf_counter() - t0
if {analyse!r}:
    analyse(lambda _t: rows, BookState(titles=["Customers"]), notes=notes)
print(len(rows), round(t_read, 2), round(time.perf_counter() - t0, 2),
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def peak(kind: str, path: Path, analyse: bool) -> str:
    code = CHILD.format(root=str(Path(__file__).resolve().parents[1]), kind=kind, path=str(path), analyse=analyse)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    what = f", read + analyse (classify and plan, no write) {out[2]} s" if analyse else ""
    return f"{kind}: {int(out[0]):,} rows read in {out[1]} s{what}, peak RSS {int(out[3]):,} MB (child process)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000, help="customers (default 100,000)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per side; the best is reported (default 2)")
    ap.add_argument("--csv-only", action="store_true")
    ap.add_argument("--xlsx-only", action="store_true")
    ap.add_argument("--peak", action="store_true", help="peak RSS of one read of each kind in a child process")
    ap.add_argument("--analyse", action="store_true", help="with --peak: also classify and build the plan")
    args = ap.parse_args(argv)
    print(machine_info())
    frame = make_customers(args.rows)
    with tempfile.TemporaryDirectory(prefix="xlseg-bench-read-") as d:
        d = Path(d)
        if not args.csv_only:
            src = d / "customers.xlsx"
            t0 = time.perf_counter()
            write_input_workbook(src, frame)
            print(f"\ninput: {args.rows:,} customers x 10 columns, {src.stat().st_size / 1e6:.1f} MB "
                  f"(written in {time.perf_counter() - t0:.1f} s)")
            t_base, runs_base, theirs = best_of(lambda: openpyxl_rows(src), args.repeat)
            t_ours, runs_ours, ours = best_of(lambda: xlseg_rows(src), args.repeat)
            same = [tuple(r) for r in theirs] == ours
            del theirs, ours
            print(f"  openpyxl read-only iter_rows : best {t_base:.2f} s   runs {', '.join(f'{t:.2f}' for t in runs_base)}")
            print(f"  xlseg open_book().rows       : best {t_ours:.2f} s   runs {', '.join(f'{t:.2f}' for t in runs_ours)}")
            print(f"  ratio xlseg / openpyxl: {t_ours / t_base:.2f}x   same values: {same}")
            if args.peak:
                print("  " + peak("xlsx", src, args.analyse))
        if not args.xlsx_only:
            csv = d / "customers.csv"
            frame.to_csv(csv, index=False, date_format="%Y-%m-%d")
            print(f"\ninput: {args.rows:,} customers x 10 columns, CSV {csv.stat().st_size / 1e6:.1f} MB")
            t_base, runs_base, _ = best_of(lambda: pandas_csv(csv), args.repeat)
            t_ours, runs_ours, _ = best_of(lambda: read_delimited(csv), args.repeat)
            print(f"  pandas read_csv(dtype=str)   : best {t_base:.2f} s   runs {', '.join(f'{t:.2f}' for t in runs_base)}")
            print(f"  xlseg read_delimited         : best {t_ours:.2f} s   runs {', '.join(f'{t:.2f}' for t in runs_ours)}")
            print(f"  ratio xlseg / pandas: {t_ours / t_base:.2f}x")
            if args.peak:
                print("  " + peak("csv", csv, args.analyse))
    print(f"peak RSS (this process): {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
