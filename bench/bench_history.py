#!/usr/bin/env python
"""History benchmark: `xlseg history` on the 100,000-customer output against python-calamine reading that one sheet.

Builds the input of bench_file.py (100,000 customers of bench_core, one sheet), classifies it
twice with ``classify_file`` (so the output holds a Run History sheet of two runs, 200,000 rows,
and a Migration sheet), then times, best of N, in this process:

* baseline: ``python_calamine`` opening the output and reading the History sheet to Python rows
  (``get_sheet_by_name(title).to_python()``) - the bare read of that one sheet, nothing done with it;
* xlseg: ``history_frame(out)`` (the History rows as a typed frame) and the whole ``xlseg history
  OUT`` command run in this process (read, migration of the last two runs, the printed tables);
* the general reader (``history_frame(out, fast=False)``: calamine through xlseg.read.book) for scale;

and, once each as a child process, the real commands ``python -m xlseg.cli history OUT`` and
``python -m xlseg.cli history export OUT -o h.csv`` (interpreter start and imports included; wall and
CPU seconds from the child's rusage). Every figure is printed with wall and CPU seconds, since the
machine may be shared; the issue's aim is ``xlseg history`` in at most 3 s.

    python bench/bench_history.py                       # 100,000 customers, best of 3
    python bench/bench_history.py --small               # 10,000 customers
    python bench/bench_history.py --dir /tmp/h          # keep (and reuse) the input and the output there
    python bench/bench_history.py --profile             # plus a cProfile of one in-process `xlseg history`
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import machine_info, make_customers, peak_rss_mb  # noqa: E402


def build(d: Path, n: int) -> Path:
    """The twice-classified output of n customers in ``d`` (made once; reused when it is there)."""
    from xlseg.filemode.run import classify_file
    from xlseg.sample_data import write_input_workbook

    src, once, out = d / f"customers_{n}.xlsx", d / f"classified1_{n}.xlsx", d / f"classified2_{n}.xlsx"
    if out.exists():
        return out
    t0 = time.perf_counter()
    write_input_workbook(src, make_customers(n))
    classify_file(src, once)
    classify_file(once, out)
    print(f"built {out.name} ({out.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.0f} s")
    return out


def timed(fn, repeat: int):
    """(best wall, its CPU seconds, result) of ``repeat`` calls."""
    best = None
    for _ in range(repeat):
        gc.collect()
        w0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        w, c = time.perf_counter() - w0, time.process_time() - c0
        if best is None or w < best[0]:
            best = (w, c, result)
    return best


def calamine_sheet(path: Path, title: str):
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    try:
        return wb.get_sheet_by_name(title).to_python()
    finally:
        wb.close()


def show_in_process(path: Path) -> str:
    from click.testing import CliRunner

    from xlseg.cli import main as cli

    result = CliRunner().invoke(cli, ["history", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def child(args: list) -> tuple:
    """(wall, CPU) seconds of ``python -m xlseg.cli ARGS`` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "xlseg.cli", *args], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), after.ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--small", action="store_true", help="10,000 customers instead of 100,000")
    ap.add_argument("--customers", type=int, default=None, help="number of customers (default 100,000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per in-process timing; the best is reported")
    ap.add_argument("--dir", type=Path, default=None, help="keep the built workbooks here (reused next time)")
    ap.add_argument("--profile", action="store_true", help="cProfile one in-process `xlseg history`")
    args = ap.parse_args(argv)
    n = args.customers or (10_000 if args.small else 100_000)
    print(machine_info())
    with tempfile.TemporaryDirectory(prefix="xlseg-bench-history-") as tmp:
        d = args.dir or Path(tmp)
        d.mkdir(parents=True, exist_ok=True)
        out = build(d, n)
        from xlseg.read.book import open_book
        from xlseg.read.history_part import history_frame

        with open_book(out) as book:
            title = book.state.markers["xlseg_sheet_history"][0]
        print(f"output: {out.name}, {out.stat().st_size / 1e6:.1f} MB, History sheet '{title}'; best of "
              f"{args.repeat}; load avg {'%.2f %.2f %.2f' % os.getloadavg()}")
        base = timed(lambda: calamine_sheet(out, title), args.repeat)
        print(f"  baseline python-calamine, that one sheet to rows: {base[0]:6.2f} s wall {base[1]:6.2f} s CPU "
              f"({len(base[2]) - 1:,} rows)")
        fast = timed(lambda: history_frame(out), args.repeat)
        print(f"  xlseg history_frame (fast path)               : {fast[0]:6.2f} s wall {fast[1]:6.2f} s CPU "
              f"({len(fast[2]):,} rows)   ratio {fast[0] / base[0]:.2f}x wall, {fast[1] / base[1]:.2f}x CPU")
        show = timed(lambda: show_in_process(out), args.repeat)
        print(f"  xlseg history, in this process               : {show[0]:6.2f} s wall {show[1]:6.2f} s CPU   "
              f"ratio {show[0] / base[0]:.2f}x wall, {show[1] / base[1]:.2f}x CPU")
        general = timed(lambda: history_frame(out, fast=False), 1)
        print(f"  general reader (calamine via read.book), once : {general[0]:6.2f} s wall {general[1]:6.2f} s CPU")
        w, c, rss = child(["history", str(out)])
        print(f"  `python -m xlseg.cli history OUT`, child     : {w:6.2f} s wall {c:6.2f} s CPU, peak RSS {rss:,.0f} MB"
              "   (aim: at most 3 s)")
        w, c, rss = child(["history", "export", str(out), "-o", str(Path(tmp) / "h.csv")])
        print(f"  `xlseg history export OUT -o h.csv`, child   : {w:6.2f} s wall {c:6.2f} s CPU, peak RSS {rss:,.0f} MB")
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            with redirect_stdout(io.StringIO()):
                prof.enable()
                show_in_process(out)
                prof.disable()
            print("\nprofile of one in-process `xlseg history` (top 25 by own time):")
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
    print(f"peak RSS of this process: {peak_rss_mb():,.0f} MB; load avg at the end {'%.2f %.2f %.2f' % os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
