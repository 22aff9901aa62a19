#!/usr/bin/env python
"""Engines benchmark (issue 14): order lines from Parquet through DuckDB and Spark vs the pandas path, one process.

1. 10,000,000 generated order lines (~1,000,000 customers, order ids on half the
   lines, ~1 % refunds) written to Parquet, then
   * DuckDB path: what ``xlseg classify --orders`` does before writing a workbook:
     DuckDB aggregates the file, one row per customer comes to pandas, the pandas
     core finishes (scores, segments, tiers, stages, tags, summaries);
   * pandas path: the same file read into pandas, ``xlseg.classify(transactions=...)``.
   Ratio DuckDB / pandas (aim: <= 0.3), peak RSS of each, and a check that both
   give the same answers for every customer.
2. Spark local mode on the same 10M lines: aggregated and classified in Spark SQL
   (the cluster's way, nothing collected), written to Parquet; peak RSS of Python
   and of the JVM.
3. 100,000,000 lines (~5,000,000 customers) generated to Parquet by DuckDB in ten
   chunks of 10M lines (never through Python), aggregated and classified by DuckDB
   (memory_limit 2 GB, spilling to a temp directory) into a Parquet file of every
   customer: time and peak RSS (aim: <= 4 GB). The generated files are deleted.

Peak RSS is sampled every 50 ms per step: this process plus its children (Spark's JVM).
Each part prints the load average (the machine may be shared).

    python bench/bench_engines.py                      # everything, full size
    python bench/bench_engines.py --parts duckdb       # one part: duckdb, spark, big (comma-separated)
    python bench/bench_engines.py --small              # 1/10 of each size

Performance is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_core import machine_info  # noqa: E402
from xlseg.core.config import Config  # noqa: E402
from xlseg.core.engine import classify  # noqa: E402
from xlseg.engines import orders  # noqa: E402
from xlseg.engines.duck import DuckEngine  # noqa: E402
from xlseg.engines.sql import lit  # noqa: E402

COMPARED = ("recency", "frequency", "monetary", "r_score", "f_score", "m_score", "segment_key", "abc", "tier_key",
            "stage_key", "tags")


# ------------------------------------------------------------------ memory
def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def rss_mb() -> tuple[float, float]:
    """RSS of this process and all its descendants, and of the descendants alone (Spark's JVM), MB."""
    own = _rss_kb(os.getpid())
    total, todo, seen = own, _children(os.getpid()), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        todo.extend(_children(pid))
    return total / 1024, (total - own) / 1024


class Peak:
    """The highest tree RSS (and children's RSS) while the ``with`` block runs (sampled every 50 ms)."""

    def __enter__(self):
        (self.peak, self.children), self._stop = rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.t0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def _sample(self):
        total, children = rss_mb()
        self.peak, self.children = max(self.peak, total), max(self.children, children)

    def _watch(self):
        while not self._stop.wait(0.05):
            self._sample()

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self.cpu = time.process_time() - self.cpu0  # this process's CPU seconds, all threads
        self._stop.set()
        self._thread.join()
        self._sample()
        return False


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load avg {one:.2f} {five:.2f} {fifteen:.2f}"


# ------------------------------------------------------------------ data
def generate(path: Path, n_lines: int, n_customers: int, seed: float = 0.42, start: int = 0) -> None:
    """Order lines to Parquet by DuckDB (never in Python): skewed customers, 3 years, order ids on half, 1 % refunds.

    ``start``: the first line's number (order ids go on from there, so chunks of one log do not share them).
    """
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"SELECT setseed({seed})")
    con.execute(f"""
        COPY (
          SELECT 'C' || lpad(CAST(c AS VARCHAR), 8, '0') AS "Customer ID",
                 DATE '2026-06-30' - CAST(FLOOR(random() * 1095) AS INTEGER) AS "Order Date",
                 CASE WHEN r < 0.01 THEN -ROUND(a / 2, 2) ELSE a END AS "Amount",
                 CASE WHEN random() < 0.5 THEN 'SO' || lpad(CAST(i // 2 AS VARCHAR), 10, '0') END AS "Order ID"
          FROM (SELECT i, CAST(FLOOR({n_customers} * POW(random(), 1.6)) AS BIGINT) AS c, random() AS r,
                       ROUND(EXP(4.0 + SQRT(-2 * LN(1 - random())) * COS(2 * PI() * random())), 2) AS a
                FROM range({start}, {start + n_lines}) AS t(i)) AS g)
        TO {lit(str(path))} (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)""")
    con.close()


def read_into_pandas(path: Path):
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet({lit(str(path))})").df()
    finally:
        con.close()


# ------------------------------------------------------------------ paths
def duckdb_path(path: Path, cfg: Config, steps: dict):
    """What ``xlseg classify --orders`` does before writing a workbook; ``steps``: name -> (wall, CPU seconds)."""
    def mark(name, since):
        steps[name] = (time.perf_counter() - since[0], time.process_time() - since[1])
        return time.perf_counter(), time.process_time()

    t = time.perf_counter(), time.process_time()
    engine = DuckEngine(progress=False)
    try:
        agg = orders.aggregate(engine, [str(path)], cfg)
        t = mark("DuckDB aggregates", t)
        m = orders.metrics_frame(agg)
    finally:
        engine.close()
    t = mark("to pandas", t)
    result = classify(aggregated=m, config=cfg)
    mark("pandas core finishes", t)
    return result


def pandas_path(path: Path, cfg: Config):
    return classify(transactions=read_into_pandas(path), config=cfg)


def sql_only(engine, path: Path, cfg: Config, out: str) -> int:
    agg = orders.aggregate(engine, [str(path)], cfg)
    engine.write(orders.classified_query(agg, cfg), out)
    return agg.customers


def same_answers(a, b) -> str:
    x, y = a.customers.set_index("customer_id"), b.customers.set_index("customer_id")
    if len(x) != len(y) or not x.index.sort_values().equals(y.index.sort_values()):
        return f"DIFFERENT customers: {len(x):,} vs {len(y):,}"
    y = y.reindex(x.index)
    bad = []
    for col in COMPARED:
        p, q = x[col], y[col]
        differ = ~((p.isna() & q.isna()) | (p.astype(object) == q.astype(object)).fillna(False).astype(bool))
        if differ.any():
            bad.append(f"{col} {int(differ.sum()):,}")
    return "same answers for every customer" if not bad else "DIFFER: " + ", ".join(bad)


def part_duckdb(folder: Path, lines: int, customers: int, cfg: Config) -> Path:
    path = folder / f"orders_{lines}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, lines, customers)
        print(f"\n1. {lines:,} lines generated to Parquet in {time.perf_counter() - t0:.1f} s "
              f"({path.stat().st_size / 2**20:,.0f} MB)")
    else:
        print(f"\n1. {lines:,} lines from {path} ({path.stat().st_size / 2**20:,.0f} MB)")
    return path


def compare(path: Path, cfg: Config) -> None:
    # Both paths fit the prediction models with scipy, whose import (~1.7 s) a process pays once: imported
    # here, so that it is not charged to whichever path runs first.
    import scipy.optimize  # noqa: F401
    import scipy.special  # noqa: F401

    print(f"   {load()}")
    gc.collect()
    steps: dict = {}
    with Peak() as duck:
        via_duckdb = duckdb_path(path, cfg, steps)
    gc.collect()
    with Peak() as pand:
        via_pandas = pandas_path(path, cfg)
    n = len(via_pandas.customers)
    print(f"   DuckDB path  {duck.seconds:7.1f} s ({duck.cpu:6.1f} s CPU)  peak RSS {duck.peak:7,.0f} MB  "
          f"({n:,} customers)")
    print("      " + "; ".join(f"{k} {w:.1f} s ({c:.1f} s CPU)" for k, (w, c) in steps.items()))
    print(f"   pandas path  {pand.seconds:7.1f} s ({pand.cpu:6.1f} s CPU)  peak RSS {pand.peak:7,.0f} MB")
    print(f"   ratio DuckDB / pandas: {duck.seconds / pand.seconds:.2f}x wall, {duck.cpu / pand.cpu:.2f}x CPU "
          "(aim <= 0.30)")
    print(f"   check: {same_answers(via_pandas, via_duckdb)}")
    print(f"   {load()}")


def part_spark(folder: Path, path: Path, lines: int, cfg: Config) -> None:
    from xlseg.engines.spark import SparkEngine, session

    print(f"\n2. Spark local mode ({os.cpu_count()} cores), {lines:,} lines; {load()}")
    with Peak() as sp:
        spark = session("local[*]", progress=False, conf={"spark.driver.memory": "3g",
                                                         "spark.ui.enabled": "false"})
        spark.sparkContext.setLogLevel("ERROR")
        started = time.perf_counter() - sp.t0
        out = folder / "spark_customers.parquet"
        n_spark = sql_only(SparkEngine(spark), path, cfg, str(out))
    print(f"   {n_spark:,} customers classified in Spark SQL, written to Parquet: {sp.seconds:.1f} s "
          f"(session start {started:.1f} s); peak RSS {sp.peak:,.0f} MB (Python + JVM), "
          f"JVM alone {sp.children:,.0f} MB")
    print(f"   {load()}")
    spark.stop()
    shutil.rmtree(out, ignore_errors=True)


def part_big(folder: Path, big_lines: int, big_customers: int, cfg: Config) -> None:
    chunks = folder / f"orders_{big_lines}"
    shutil.rmtree(chunks, ignore_errors=True)
    chunks.mkdir(parents=True)
    try:
        t0 = time.perf_counter()
        step = big_lines // 10
        for k in range(10):
            generate(chunks / f"part_{k}.parquet", step, big_customers, seed=0.17 + k / 100, start=k * step)
        size = sum(f.stat().st_size for f in chunks.iterdir())
        print(f"\n3. {big_lines:,} lines generated to Parquet (10 files) in {time.perf_counter() - t0:.1f} s "
              f"({size / 2**20:,.0f} MB); {load()}")
        gc.collect()
        out = folder / "big_customers.parquet"
        with Peak() as b:
            engine = DuckEngine(progress=False, memory_limit="2GB", temp_directory=str(folder / "spill"))
            n_big = sql_only(engine, Path(str(chunks / "*.parquet")), cfg, str(out))
            engine.close()
        print(f"   DuckDB (memory_limit 2GB): aggregated and classified {n_big:,} customers (every one written to "
              f"Parquet) in {b.seconds:.1f} s ({b.cpu:.0f} s CPU), peak RSS {b.peak:,.0f} MB (aim <= 4,096 MB)")
        print(f"   {load()}")
        out.unlink(missing_ok=True)
    finally:
        shutil.rmtree(chunks, ignore_errors=True)
        shutil.rmtree(folder / "spill", ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="1/10 of each size")
    ap.add_argument("--scale", type=int, default=1, help="divide each size by this (a quick check of the script)")
    ap.add_argument("--parts", default="duckdb,spark,big",
                    help="comma-separated: duckdb (10M lines, DuckDB vs pandas), spark (10M lines), big (100M lines)")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--dir", help="where to write the generated files (default: a temporary folder; the 10M file "
                                  "is kept there and reused)")
    args = ap.parse_args()
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - {"duckdb", "spark", "big"}
    if unknown:
        ap.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    if args.skip_spark:
        parts.discard("spark")
    if args.skip_big:
        parts.discard("big")
    scale = 10 if args.small else max(1, args.scale)
    lines, customers = 10_000_000 // scale, 1_000_000 // scale
    big_lines, big_customers = 100_000_000 // scale, 5_000_000 // scale
    folder = Path(args.dir or tempfile.mkdtemp(prefix="xlseg-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(machine_info())
    print(f"duckdb {duckdb.__version__}; files in {folder}")
    cfg = Config()
    try:
        if parts & {"duckdb", "spark"}:
            path = part_duckdb(folder, lines, customers, cfg)
            if "duckdb" in parts:
                compare(path, cfg)
            if "spark" in parts:
                part_spark(folder, path, lines, cfg)
        if "big" in parts:
            part_big(folder, big_lines, big_customers, cfg)
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
