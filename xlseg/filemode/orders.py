"""``xlseg classify [BOOK] --orders PATH``: order files aggregated by an engine, results into a workbook.

The lines stay in the engine (DuckDB, or Spark); only one row per customer
comes back, and the pandas core finishes the job (scores, segments, tiers,
stages, tags, summaries, the Why column) with the same answers as the sheet
path. With BOOK its customer sheet supplies attributes and gets the columns,
as a sheet run does; without BOOK, OUT is a new workbook whose Customers
sheet lists the customers. A workbook holds at most
``xlseg.plan.analyse.SHEET_ROWS`` customers: beyond that it gets the
``TOP_CUSTOMERS`` most valuable ones (said on the Summary) and
``customers_out`` every customer.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from xlseg.core.engine import Result, classify
from xlseg.engines import orders as engine_orders
from xlseg.errors import XlsegError
from xlseg.plan.build import BookState, build_plan
from xlseg.filemode.run import FileRun, book_config, classify_file, fit_to_sheet
OUT_SUFFIXES = (".parquet", ".csv")
OUT_COLUMNS = ("customer_id", "name", "recency", "frequency", "monetary", "avg_order_value", "first_purchase",
               "last_purchase", "mean_gap", "gap_before_last", "r_score", "f_score", "m_score", "rfm", "segment_key",
               "segment", "abc", "tier_key", "value_tier", "stage_key", "stage", "tags")


def open_engine(engine: str, spark_master: str | None = None):
    if engine == "spark":
        from xlseg.engines.spark import SparkEngine, session

        return SparkEngine(session(spark_master))
    if spark_master:
        raise XlsegError("--spark-master needs --engine spark.")
    from xlseg.engines.duck import DuckEngine

    return DuckEngine()


def classify_orders(book, orders, output=None, *, engine: str = "duckdb", spark_master: str | None = None,
                    customers_out=None, sheet=None, as_of=None, lang=None, day_first: bool | None = None,
                    progress=None, generated: str | None = None, run_time=None) -> FileRun:
    """Classify the customers of the order files ``orders``; write BOOK's results or a new workbook OUT."""
    step = progress or (lambda _m: None)
    if book is None and output is None:
        raise XlsegError("Without a workbook, say where to write the results: -o OUT.xlsx.")
    if customers_out is not None and not str(customers_out).lower().endswith(OUT_SUFFIXES):
        raise XlsegError(f"--customers-out '{customers_out}' must end in .parquet or .csv.")
    if output is not None and Path(output).suffix.lower() not in (".xlsx", ".xlsm"):
        raise XlsegError(f"The output '{Path(output).name}' must end in .xlsx or .xlsm.")
    if book is not None:
        # The workbook's Settings decide as_of, columns and the frequency basis of the aggregation too.
        from xlseg.read.book import open_book

        path = Path(book)
        if not path.exists():
            raise XlsegError(f"'{path}' does not exist. Check the path.")
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            raise XlsegError(f"'{path.name}' is not a workbook (.xlsx, .xlsm): with --orders, BOOK gives the "
                             "customer sheet and receives the results.")
        with open_book(path) as reader:  # the Settings through the calamine reader (no openpyxl load)
            config, _ = book_config(reader.rows, reader.state, as_of=as_of, lang=lang, day_first=day_first)
    else:
        config, _ = book_config(lambda t: [], BookState(titles=[]), as_of=as_of, lang=lang, day_first=day_first)

    eng = open_engine(engine, spark_master)
    try:
        agg = engine_orders.aggregate(eng, orders, config, progress=step)
        step(f"bringing {agg.customers:,} customers into Python")
        m = engine_orders.metrics_frame(agg)
    finally:
        eng.close()

    if book is not None:
        run = classify_file(book, output, sheet=sheet, as_of=as_of, lang=lang, day_first=day_first, progress=step,
                            generated=generated, run_time=run_time, aggregated=m)
    else:
        result = classify(None, None, config, customer_sheet="Customers",
                          transaction_sheet="orders", progress=step, explain=True, aggregated=m)
        run = _new_book(result, Path(output), step, generated=generated, run_time=run_time)
    if customers_out is not None:
        step("writing every customer")
        write_customers(run.full or run.result, customers_out)
    run.aggregation = agg
    return run


def orders_note(run: FileRun) -> str:
    """What the engine did, for the terminal."""
    agg = run.aggregation
    files = len(agg.files)
    return (f"Orders: {files:,} file{'s' if files != 1 else ''} aggregated by "
            f"{'Spark' if agg.engine.name == 'spark' else 'DuckDB'} to {agg.customers:,} customers "
            f"(frequency by {'order ids' if agg.use_orders else 'purchase days'}).")


def _new_book(result: Result, output: Path, step, *, generated=None, run_time=None) -> FileRun:
    """OUT as a new workbook holding only xlseg's sheets (Customers lists the customers)."""
    from xlseg.ooxml.editor import write_plan
    from xlseg.ooxml.fresh import empty_package
    from xlseg.ooxml.package import Package
    from xlseg.filemode.run import _check_target, _tmp_next_to

    shown = fit_to_sheet(result)
    state = BookState(titles=[])
    plan = build_plan(shown, None, state, generated=generated, run_time=run_time)
    _check_target(output)
    step("saving")
    tmp = _tmp_next_to(output)
    try:
        with Package(empty_package(), name=output.name) as pkg:
            write_plan(pkg, tmp, plan, {}, customers_title=plan.sheet("customers").title)
        os.replace(tmp, output)
    finally:
        if tmp.exists():
            tmp.unlink()
    return FileRun(shown, plan, output, full=result)


def write_customers(result: Result, path) -> Path:
    """Every customer's result to .parquet or .csv (written by DuckDB: no pyarrow needed): the metrics and
    classification, the predicted value when it was computed, and the customers' attributes (Country, a
    carried Sales Rep ...) under their own names."""
    import duckdb

    from xlseg.engines.sql import lit

    path = Path(path)
    c = result.customers
    from xlseg.core.result import PREDICTION_COLUMNS

    wanted = list(OUT_COLUMNS) + PREDICTION_COLUMNS + [a for a in result.attributes if a not in OUT_COLUMNS]
    out = pd.DataFrame({col: c[col] for col in dict.fromkeys(wanted) if col in c}, copy=False)
    for col in ("r_score", "f_score", "m_score"):
        out[col] = out[col].astype("Int64")
    tmp = path.with_name(f".{path.name}.tmp")
    con = duckdb.connect()
    try:
        con.register("xlseg_customers", out)
        fmt = "PARQUET" if path.suffix.lower() == ".parquet" else "CSV, HEADER"
        con.execute(f"COPY xlseg_customers TO {lit(str(tmp))} (FORMAT {fmt})")
    finally:
        con.close()
    os.replace(tmp, path)
    return path
