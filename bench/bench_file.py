#!/usr/bin/env python
"""File benchmark: xlseg.filemode.run.classify_file against a plain openpyxl load + save, same process.

Builds a 100,000-customer input workbook (one customer sheet: Customer ID, Name,
Customer Type, Source, Country, Satisfaction, First Purchase, Last Purchase,
Orders, Total Spend; no transactions sheet), then times, best of N:

* baseline: ``openpyxl.load_workbook(path)`` + ``wb.save(tmp)`` - the least any
  openpyxl-based tool pays to read and rewrite that file;
* xlseg: ``classify_file(path, out)`` - load, read the sheet, classify, build and
  execute the write plan (columns, Summary, Customers, Tags, Issues, Settings),
  save to a temporary file, run the no-loss guard on both packages, replace.

and prints both, the ratio, and where xlseg's time went (its progress steps).
``--profile`` adds a cProfile of one classify_file run (top functions by own time).

    python bench/bench_file.py                  # 100,000 customers, best of 2
    python bench/bench_file.py --small          # 10,000 customers
    python bench/bench_file.py --profile        # plus a profile
    python bench/bench_file.py --customers 1048575 --no-baseline   # a full-height customer sheet: time, peak RSS
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import Steps, machine_info, make_customers, peak_rss_mb  # noqa: E402

from xlseg.sample_data import write_input_workbook  # noqa: E402
from xlseg.filemode.run import classify_file  # noqa: E402


def baseline(path: Path, tmp: Path) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.save(tmp)


def best_of(fn, repeat: int):
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="10,000 customers instead of 100,000")
    ap.add_argument("--repeat", type=int, default=2, help="runs per side; the best is reported (default 2)")
    ap.add_argument("--profile", action="store_true", help="cProfile one classify_file run")
    ap.add_argument("--customers", type=int, default=None, help="number of customers (default 100,000)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the openpyxl baseline (for sheets openpyxl cannot load in reasonable memory)")
    args = ap.parse_args(argv)
    n = args.customers or (10_000 if args.small else 100_000)
    print(machine_info())
    with tempfile.TemporaryDirectory(prefix="xlseg-bench-") as d:
        d = Path(d)
        src, tmp, out = d / "customers.xlsx", d / "resaved.xlsx", d / "classified.xlsx"
        t0 = time.perf_counter()
        write_input_workbook(src, make_customers(n))
        print(f"input: {n:,} customers x 10 columns, one sheet, {src.stat().st_size / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - t0:.1f} s); best of {args.repeat}")

        t_base, runs_base = (None, []) if args.no_baseline else best_of(lambda: baseline(src, tmp), args.repeat)
        steps = Steps()
        t_ours, runs_ours = best_of(lambda: steps.run(lambda cb: classify_file(src, out, progress=cb)),
                                    args.repeat)
        print(f"\n{n:,}-customer workbook")
        if t_base is not None:
            print(f"  baseline openpyxl load_workbook + save: best {t_base:.2f} s   runs "
                  f"{', '.join(f'{t:.2f}' for t in runs_base)}   (output {tmp.stat().st_size / 1e6:.1f} MB)")
        print(f"  xlseg classify_file                  : best {t_ours:.2f} s   runs "
              f"{', '.join(f'{t:.2f}' for t in runs_ours)}   (output {out.stat().st_size / 1e6:.1f} MB)")
        print(f"  xlseg steps (last run, s): {steps.breakdown()}")
        if t_base is not None:
            print(f"  ratio xlseg / baseline: {t_ours / t_base:.2f}x   (aim: at most 0.3x)")

        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            prof.enable()
            classify_file(src, out)
            prof.disable()
            print("\nprofile of one classify_file run (top 30 by own time):")
            pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
