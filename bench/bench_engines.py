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
   (the cluster's way, nothing collected), written to Parquet.
3. 100,000,000 lines (~5,000,000 customers) generated to Parquet on this machine,
   aggregated and classified by DuckDB (memory_limit 2.5 GB) into a Parquet file of
   every customer: time and peak RSS (aim: <= 4 GB).

Peak RSS is sampled every 50 ms per step: this process plus its children (Spark's JVM).

    python bench/bench_engines.py                # everything, full size (~15 min on 2 cores)
    python bench/bench_engines.py --small        # 1/10 of each size
    python bench/bench_engines.py --skip-spark --skip-big

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


def tree_rss_mb() -> float:
    """RSS of this process and all its descendants, MB."""
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(_children(pid))
    return total / 1024


class Peak:
    """The highest tree RSS while the ``with`` block runs (sampled every 50 ms)."""

    def __enter__(self):
        self.peak, self._stop = tree_rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.t0 = time.perf_counter()
        return self

    def _watch(self):
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_rss_mb())

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb())
        return False


# ------------------------------------------------------------------ data
def generate(path: Path, n_lines: int, n_customers: int, seed: float = 0.42) -> None:
    """Order lines to Parquet by DuckDB (never in Python): skewed customers, 3 years, order ids on half, 1 % refunds."""
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
                FROM range({n_lines}) AS t(i)) AS g)
        TO {lit(str(path))} (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)""")
    con.close()


def read_into_pandas(path: Path):
    con = duckdb.connect()
    try:
        return con.execute(f"SELECT * FROM read_parquet({lit(str(path))})").df()
    finally:
        con.close()


# ------------------------------------------------------------------ paths
def duckdb_path(path: Path, cfg: Config):
    engine = DuckEngine(progress=False)
    try:
        agg = orders.aggregate(engine, [str(path)], cfg)
        m = orders.metrics_frame(agg)
    finally:
        engine.close()
    return classify(aggregated=m, config=cfg)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="1/10 of each size")
    ap.add_argument("--skip-spark", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--dir", help="where to write the generated files (default: a temporary folder)")
    args = ap.parse_args()
    scale = 10 if args.small else 1
    lines, customers = 10_000_000 // scale, 1_000_000 // scale
    big_lines, big_customers = 100_000_000 // scale, 5_000_000 // scale
    folder = Path(args.dir or tempfile.mkdtemp(prefix="xlseg-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(machine_info())
    print(f"duckdb {duckdb.__version__}; files in {folder}")
    cfg = Config()

    path = folder / f"orders_{lines}.parquet"
    t0 = time.perf_counter()
    generate(path, lines, customers)
    print(f"\n1. {lines:,} lines generated to Parquet in {time.perf_counter() - t0:.1f} s "
          f"({path.stat().st_size / 2**20:,.0f} MB)")
    gc.collect()
    with Peak() as duck:
        via_duckdb = duckdb_path(path, cfg)
    gc.collect()
    with Peak() as pand:
        via_pandas = pandas_path(path, cfg)
    n = len(via_pandas.customers)
    print(f"   DuckDB path  {duck.seconds:7.1f} s  peak RSS {duck.peak:7,.0f} MB  ({n:,} customers)")
    print(f"   pandas path  {pand.seconds:7.1f} s  peak RSS {pand.peak:7,.0f} MB")
    print(f"   ratio DuckDB / pandas: {duck.seconds / pand.seconds:.2f}x (aim <= 0.30)")
    print(f"   check: {same_answers(via_pandas, via_duckdb)}")
    del via_duckdb, via_pandas
    gc.collect()

    if not args.skip_spark:
        from xlseg.engines.spark import SparkEngine, session

        with Peak() as sp:
            spark = session("local[*]", progress=False, conf={"spark.driver.memory": "3g",
                                                             "spark.ui.enabled": "false"})
            spark.sparkContext.setLogLevel("ERROR")
            started = time.perf_counter() - sp.t0
            out = folder / "spark_customers.parquet"
            n_spark = sql_only(SparkEngine(spark), path, cfg, str(out))
        print(f"\n2. Spark local mode ({os.cpu_count()} cores), {lines:,} lines -> {n_spark:,} customers "
              f"classified in Spark SQL, written to Parquet: {sp.seconds:.1f} s (session start {started:.1f} s), "
              f"peak RSS {sp.peak:,.0f} MB (Python + JVM)")
        spark.stop()
        shutil.rmtree(out, ignore_errors=True)

    if not args.skip_big:
        big = folder / f"orders_{big_lines}.parquet"
        t0 = time.perf_counter()
        generate(big, big_lines, big_customers, seed=0.17)
        print(f"\n3. {big_lines:,} lines generated to Parquet in {time.perf_counter() - t0:.1f} s "
              f"({big.stat().st_size / 2**20:,.0f} MB)")
        gc.collect()
        with Peak() as b:
            engine = DuckEngine(progress=False, memory_limit="2.5GB", temp_directory=str(folder / "spill"))
            out = folder / "big_customers.parquet"
            n_big = sql_only(engine, big, cfg, str(out))
            engine.close()
        print(f"   DuckDB: aggregated and classified {n_big:,} customers (every one written to Parquet) in "
              f"{b.seconds:.1f} s, peak RSS {b.peak:,.0f} MB (aim <= 4,096 MB)")
    if not args.dir:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
