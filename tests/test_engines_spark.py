"""xlseg.engines on Spark (local mode): the same SQL, transpiled by SQLGlot, equals the pandas path.

One SparkSession for the module, small data, few queries: Spark's start-up dominates.
CI installs a Java runtime (.ci/run) and pyspark (the ``test`` extra), so nothing here skips.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import xlseg
from xlseg.core.config import Config
from xlseg.engines import orders
from xlseg.engines.spark import SparkEngine, session
from tests.engine_data import (ATTRIBUTE_COLUMNS, COMPARED, attribute_orders, messy_orders, mismatches,
                               same_day_disagreements, sql_path)

CDNOW_AS_OF = dt.date(1998, 6, 30)


@pytest.fixture(scope="module")
def spark():
    s = session("local[1]", progress=False, conf={
        "spark.sql.shuffle.partitions": "1", "spark.default.parallelism": "1", "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC"})
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def spark_path(spark, paths, cfg: Config) -> pd.DataFrame:
    engine = SparkEngine(spark)
    try:
        agg = orders.aggregate(engine, paths, cfg)
        return orders.typed(engine.frame(orders.classified_query(agg, cfg))).set_index("customer_id")
    finally:
        engine.close()


def test_cdnow_spark_equals_pandas(spark, data_dir):
    cfg = Config(as_of=CDNOW_AS_OF, columns={"customer_id": "_id", "amount": "spent"})
    raw = pd.read_csv(data_dir / "cdnow_transactions.csv", dtype=str, keep_default_na=False)
    expected = xlseg.classify(transactions=raw, config=cfg).customers.set_index("customer_id")
    got = spark_path(spark, [str(data_dir / "cdnow_transactions.csv")], cfg)
    assert len(got) == 2357
    assert mismatches(expected, got) == {}


def test_messy_log_spark_equals_pandas(spark, tmp_path):
    lines = messy_orders(line_breaks=False)  # Spark's CSV reader splits a quoted line break (README)
    path = tmp_path / "orders.csv.gz"
    lines.to_csv(path, index=False, compression="gzip")
    cfg = Config()
    expected = xlseg.classify(transactions=lines, config=cfg).customers.set_index("customer_id")
    got = spark_path(spark, [str(path)], cfg)
    assert mismatches(expected, got) == {}
    assert (expected["monetary"] < 0).any() and expected["stage_key"].nunique() >= 5


def test_classify_a_spark_dataframe(spark):
    """xlseg.classify(transactions=<Spark DataFrame>): Spark aggregates, the pandas core finishes, same result."""
    # attributes too: the DataFrame's order (its partitions', then its rows') breaks same-day ties
    lines = attribute_orders(seed=11, n_lines=800, n_customers=90, line_breaks=False)
    cfg = Config(as_of="2024-09-30", frequency_basis="orders")
    expected = xlseg.classify(transactions=lines, config=cfg).customers.set_index("customer_id")
    result = xlseg.classify(transactions=spark.createDataFrame(lines), config=cfg)
    got = result.customers.set_index("customer_id")
    assert mismatches(expected, got, COMPARED + ATTRIBUTE_COLUMNS + ("segment", "value_tier", "stage", "tags")) == {}
    assert len(got) == len(expected) > 80
    assert same_day_disagreements(lines, expected, "Country") > 10


def test_attributes_from_the_latest_line_spark_equals_pandas(spark, tmp_path):
    """Same-day lines that disagree (Country, Channel), carried columns (Sales Rep, 客户经理, Zip): the later line
    in the files wins, as on the pandas path. A glob of a CSV and a Parquet file (its lines after the CSV's),
    each read in several splits (partitions); both ways: classified in Spark, and by the pandas core from
    Spark's metrics."""
    import duckdb

    from xlseg.engines.sql import lit

    lines = attribute_orders(seed=13, n_lines=500, n_customers=50, line_breaks=False)
    cfg = Config()
    expected = xlseg.classify(transactions=lines, config=cfg).customers.set_index("customer_id")
    assert same_day_disagreements(lines, expected, "Country") > 10
    half = len(lines) // 2
    lines.iloc[:half].to_csv(tmp_path / "part-1.csv", index=False)
    con = duckdb.connect()
    con.register("l", lines.iloc[half:])
    con.execute(f"COPY (SELECT * REPLACE (TRY_CAST(\"Amount\" AS DOUBLE) AS \"Amount\") FROM l) "
                f"TO {lit(str(tmp_path / 'part-2.parquet'))} (FORMAT PARQUET, ROW_GROUP_SIZE 100)")
    con.close()
    engine = SparkEngine(spark)
    spark.conf.set("spark.sql.files.maxPartitionBytes", "12000")
    spark.conf.set("spark.sql.files.openCostInBytes", "0")
    try:
        agg = orders.aggregate(engine, [str(tmp_path / "part-*")], cfg)
        assert spark.table("xlseg_source_0").rdd.getNumPartitions() > 1
        in_spark = orders.typed(engine.frame(orders.classified_query(agg, cfg))).set_index("customer_id")
        via_pandas = xlseg.classify(aggregated=orders.metrics_frame(agg), config=cfg).customers
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
        spark.conf.unset("spark.sql.files.openCostInBytes")
    columns = COMPARED + ATTRIBUTE_COLUMNS
    assert mismatches(expected, in_spark, columns) == {}
    assert mismatches(expected, via_pandas.set_index("customer_id"), columns) == {}
    assert "Product" not in in_spark and "Note" not in in_spark


def test_readme_cluster_recipe_runs_in_local_mode(spark, tmp_path):
    """The README's spark-submit script, run as written with its two paths pointed at local folders."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```pyspark\n(.*?)```", readme, flags=re.S)
    folder = tmp_path / "orders"
    folder.mkdir()
    lines = pd.DataFrame({"Customer ID": ["A", "A", "B"], "Date": ["2024-01-02", "2024-03-01", "2024-02-01"],
                          "Amount": [10.0, 20.0, 5.0]})
    spark.createDataFrame(lines).write.parquet(str(folder / "part"))
    code = code.replace('"s3a://shop/orders/"', repr(f"file://{folder / 'part'}/")).replace(
        '"s3a://shop/segments.parquet"', repr(f"file://{tmp_path / 'segments.parquet'}"))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert namespace["result"].customers["customer_id"].tolist() == ["A", "B"]
    written = spark.read.parquet(str(tmp_path / "segments.parquet")).toPandas().set_index("customer_id")
    assert written.loc["A", "frequency"] == 2 and written.loc["B", "monetary"] == 5.0
    assert mismatches(xlseg.classify(transactions=lines).customers.set_index("customer_id"),
                      orders.typed(written.reset_index()).set_index("customer_id")) == {}


def test_text_dates_and_amounts_spark_equals_duckdb(spark, tmp_path, data_dir):
    """The UCI export (12/1/10 8:26, short rows) and amounts as people type them: the core reads the texts the
    SQL does not, on Spark as on DuckDB (both equal the sheet path: tests/test_orders_text.py)."""
    text = (data_dir / "online_retail_sample.csv").read_text()
    extra = "".join(f"9{i % 7},T{i},THING,{q},{d},{p},1799{i % 5},Japan\n" for i, (q, d, p) in enumerate(
        [("2", "12/2/10 9:00", '"¥1,234.50"'), ("(1)", "12/3/10", '"3,5"'), ("4", "2010年12月4日", "7 元")] * 5))
    path = tmp_path / "retail.csv"
    path.write_text(text.rstrip("\n") + "\n" + extra)
    cfg = Config()
    expected = sql_path([str(path)], cfg)
    got = spark_path(spark, [str(path)], cfg)
    assert len(expected) == 19 and expected.loc["17990", "monetary"] == 2469.0 + 28.0 - 3.5
    assert mismatches(expected, got) == {}


def test_a_csv_location_only_spark_reads_is_read_as_a_csv(spark, tmp_path):
    """A file:// (as s3a://, hdfs://) CSV is not opened by xlseg: Spark reads it as text with its defaults, and
    12.5 is still the number 12.5 there, 1001.0 the id 1001, as on a local CSV."""
    lines = pd.DataFrame({"Customer ID": [f"{1000 + i % 23}.0" for i in range(120)],
                          "Date": [f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}" for i in range(120)],
                          "Amount": [f"{5 + i % 17}.{i % 100:02d}" for i in range(120)]})
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    cfg = Config()
    expected = sql_path([str(path)], cfg)
    got = spark_path(spark, [path.as_uri()], cfg)
    assert "1000" in expected.index and len(expected) == 23
    assert mismatches(expected, got) == {}
