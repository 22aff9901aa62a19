#!/usr/bin/env python
"""UDF benchmark: the Python side of one array call, =SEG_TIER(table), on 100,000 customer rows.

The table is built as xlwings hands it to a UDF: a 2-D list with the header row
first, numbers as float, dates as datetime, empty cells as None, text as str
(ids, names, customer type, source, country; about 8 % prospects with no purchase).

Timed, best of N, in this process:

* cold   - SEG_TIER on a table not seen before: header recognition, cleaning,
           classification, the per-row column (the cache is cleared before each run);
* cached - SEG_STAGE right after, on a fresh copy of the same values (what the
           next of the seven functions over one table costs: hash + lookup);
* lookup - =SEG_TIER(table, "C0000042") on a fresh copy of an already classified
           table (one cell of a lookup filled down a column: the cache key over the
           whole table, then one id), against the cold call;
* baseline - a bare pandas read of the same 2-D list into a DataFrame
           (pd.DataFrame(rows[1:], columns=rows[0])).

The ratios against the baseline carry from machine to machine; the wall-clock
times say whether "well under a second" holds here. Excel's own time to pass
the range to Python and to write the spilled result is not included.

    python bench/bench_udfs.py              # 100,000 rows
    python bench/bench_udfs.py --rows 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xlseg import udfs  # noqa: E402

AS_OF = dt.datetime(2026, 6, 30)
HEAD = ["Customer ID", "Name", "Customer Type", "Source", "Country", "First Purchase", "Last Purchase", "Orders",
        "Total Spend", "Satisfaction"]


def make_table(n: int, seed: int = 1) -> list:
    rng = np.random.default_rng(seed)
    buyer = rng.random(n) >= 0.08
    orders = np.where(buyer, rng.geometric(0.35, n), 0).astype(float)
    last_ago = np.minimum(rng.exponential(150, n), 3000).astype(int)
    span = np.where(orders > 1, rng.integers(0, 900, n), 0)
    spend = np.where(buyer, np.round(rng.lognormal(6, 1.2, n) * orders, 2), 0.0)
    types = np.array(["Individual", "Enterprise"], dtype=object)[(rng.random(n) < 0.3).astype(int)]
    sources = np.array(["Online", "Offline"], dtype=object)[(rng.random(n) < 0.6).astype(int)]
    countries = np.array(["China", "China", "China", "USA", "Germany", "Japan"], dtype=object)[rng.integers(0, 6, n)]
    sat = rng.integers(1, 6, n).astype(float)
    rows = [HEAD]
    for i in range(n):
        if buyer[i]:
            last = AS_OF - dt.timedelta(days=int(last_ago[i]))
            first = last - dt.timedelta(days=int(span[i]))
        else:
            last = first = None
        rows.append([f"C{i + 1:07d}", f"Customer {i + 1}", types[i], sources[i], countries[i], first, last,
                     float(orders[i]), float(spend[i]), None if i % 10 == 0 else float(sat[i])])
    return rows


def best(fn, repeat: int, setup=None) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    n = args.rows
    rows = make_table(n)
    copy = [list(r) for r in rows]

    base, frame = best(lambda: pd.DataFrame(rows[1:], columns=rows[0]), args.repeat + 2)
    assert frame.shape == (n, len(HEAD))
    cold, out = best(lambda: udfs.SEG_TIER(rows), args.repeat, setup=udfs.clear_cache)
    assert isinstance(out, list) and len(out) == n, out if isinstance(out, str) else len(out)
    assert {r[0] for r in out} <= {"High value", "Medium value", "Low value", "Potential", ""}
    cached, out2 = best(lambda: udfs.SEG_STAGE(copy), args.repeat)
    assert len(out2) == n
    fresh = []
    lookup, tier = best(lambda: udfs.SEG_TIER(fresh[-1], "C0000042"), args.repeat,
                        setup=lambda: fresh.append([list(r) for r in rows]))
    assert tier == out[41][0], (tier, out[41][0])
    explained, out3 = best(lambda: udfs.SEG_EXPLAIN(rows), args.repeat, setup=udfs.clear_cache)
    assert len(out3) == n
    # where the cold time goes: reading the 2-D list into a frame, and the engine itself
    from xlseg.core.engine import classify
    from xlseg.read.table import read_table

    cfg = udfs._config(None, None, None)
    read, (table, _layout) = best(lambda: read_table(rows, "table"), args.repeat)
    engine, _ = best(lambda: classify(table, None, cfg), args.repeat)

    print(f"xlseg UDF benchmark - {n:,} customer rows x {len(HEAD)} columns, best of {args.repeat}")
    print(f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
          f"{platform.machine()}")
    print(f"  baseline  pd.DataFrame(rows[1:], columns=rows[0])   {base:8.3f} s")
    print(f"  cold      =SEG_TIER(table)   (classify + column)    {cold:8.3f} s   {cold / base:6.1f} x baseline")
    print(f"  cached    =SEG_STAGE(table)  (same values again)    {cached:8.3f} s   {cached / base:6.1f} x baseline")
    print(f"  lookup    =SEG_TIER(table, id) on a cached table    {lookup:8.3f} s   {lookup / base:6.1f} x baseline"
          f"   ({cold / lookup:.0f}x faster than cold)")
    print(f"  cold      =SEG_EXPLAIN(table) (with Why texts)  {explained:8.3f} s   {explained / base:6.1f} x baseline")
    print("  of the cold call:")
    print(f"    read_table (header, frame)                        {read:8.3f} s   {read / base:6.1f} x baseline")
    print(f"    engine classify() (scores ... summaries, no Why)  {engine:8.3f} s   {engine / base:6.1f} x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
