"""Spark (local or a cluster): the same SQL as DuckDB, transpiled by SQLGlot, on Spark DataFrames.

``pip install xlseg[spark]`` (pyspark and a Java runtime). The CLI's
``--engine spark [--spark-master URL]`` starts or joins a session;
``xlseg.classify(transactions=<a Spark DataFrame>)`` uses the DataFrame's own
session. Nothing here collects order lines: only the per-customer result is
brought to the driver, and only when the caller asks for it.
"""

from __future__ import annotations

import os
import sys

import pandas as pd

from xlseg.engines import sources, sql, texts
from xlseg.errors import InputError, XlsegError


def _spark():
    try:
        import pyspark.sql  # noqa: F401 - optional extra
    except ImportError:
        raise XlsegError("--engine spark needs pyspark: pip install 'xlseg[spark]' (and a Java runtime, "
                         "e.g. apt install default-jre-headless).") from None
    return pyspark.sql


def session(master: str | None = None, *, progress: bool | None = None, conf: dict | None = None):
    """A SparkSession: ``master`` a URL (``local[4]``, ``spark://host:7077``, ``yarn``) or ``sc://host`` (Spark Connect).

    In local mode the shuffle uses a few partitions (Spark's 200 suit a cluster, not one machine).
    ``conf``: more Spark settings.
    """
    spark_sql = _spark()
    builder = spark_sql.SparkSession.builder.appName("xlseg")
    master = master or os.environ.get("XLSEG_SPARK_MASTER", "local[*]")
    if master.startswith("sc://"):
        builder = builder.remote(master)
    else:
        builder = builder.master(master)
        show = sys.stderr.isatty() if progress is None else progress
        # Spark's stage progress bars on the terminal: the CLI's progress for long work
        builder = builder.config("spark.ui.showConsoleProgress", "true" if show else "false")
        if master.startswith("local"):
            builder = builder.config("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 1)))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - Java missing, master unreachable: one clear message
        raise XlsegError(f"Could not start Spark ({str(exc).strip().splitlines()[0] if str(exc).strip() else exc}). "
                         "Check that Java is installed and the --spark-master URL is right.") from None


def kind_of(data_type) -> str:
    name = type(data_type).__name__
    if name == "StringType" or name.startswith(("VarcharType", "CharType")):
        return "string"
    if name in ("ByteType", "ShortType", "IntegerType", "LongType"):
        return "integer"
    if name in ("FloatType", "DoubleType", "DecimalType"):
        return "float"
    if name == "DateType":
        return "date"
    if name.startswith("Timestamp"):
        return "timestamp"
    return "other"


class SparkEngine:
    """A Spark session answering the queries of :mod:`xlseg.engines.sql` (transpiled)."""

    name = "spark"

    def __init__(self, spark):
        self.spark = spark
        self.notes: list[str] = []  # what reading the files decided (texts.read_texts)

    # -------------------------------------------------------------- sources
    def _read(self, path: str, dialect: sources.CsvDialect | None = None):
        """A file as a DataFrame: Parquet as typed, a CSV as text (every column a string, as a sheet holds a CSV
        before the core reads it), in the dialect xlseg decided for a local file (``sources.csv_dialect``)."""
        reader = self.spark.read
        if sources.file_format(path) == "parquet":
            return reader.parquet(path)
        reader = reader.option("header", "true").option("mode", "PERMISSIVE")
        if dialect is None:  # a location only Spark reads (s3a://, hdfs://): Spark's defaults, every column text
            return reader.option("inferSchema", "false").csv(path)
        from pyspark.sql.types import StringType, StructField, StructType

        encoding = {"utf-8-sig": "UTF-8", "cp1252": "windows-1252", "utf-16-le": "UTF-16LE",
                    "utf-16-be": "UTF-16BE"}.get(dialect.encoding, dialect.encoding)
        schema = StructType([StructField(h, StringType()) for h in dialect.headers])
        return (reader.option("sep", dialect.separator).option("encoding", encoding).option("quote", '"')
                .option("escape", '"').schema(schema).csv(path))

    def register_lines(self, paths: list[str], overrides: dict, *, day_first: bool = False) -> list[sources.FileSchema]:
        """Create the view ``xlseg_read_lines`` (every file's lines, clean values); return the files' schemas.

        With attributes, each line also gets its place (``sql.ORDER_COLUMNS``, see :func:`with_place`).
        Dates and numbers held as text other than the plainest are read by the core (``texts.read_texts``).
        """
        frames, schemas = [], []
        for p in paths:
            dialect = None
            if sources.file_format(p) == "csv" and not sources.is_url(p):
                dialect = sources.csv_dialect(p)
            try:
                df = self._read(p, dialect)
                kinds = {f.name: kind_of(f.dataType) for f in df.schema.fields}
            except Exception as exc:  # noqa: BLE001 - AnalysisException and friends
                raise InputError(f"Order file '{p}' could not be read by Spark ({_first_line(exc)}). Give a CSV "
                                 "file (UTF-8, plain or .gz) or a Parquet file with a header row.") from None
            schemas.append(sources.FileSchema(p, kinds, dialect=dialect))
            frames.append(df)
        schemas = sources.plan_sources(schemas, overrides)
        self._register(schemas, frames, day_first)
        return schemas

    def _register(self, schemas, frames, day_first: bool) -> None:
        ordered = sources.needs_order(schemas)
        for i, (s, df) in enumerate(zip(schemas, frames)):
            if ordered:
                df = with_place(df, i, sources.read_headers(s))
            df.createOrReplaceTempView(f"xlseg_source_{i}")
        relations = [f"xlseg_source_{i}" for i in range(len(schemas))]
        read, self.notes = texts.read_texts(self, schemas, relations, day_first=day_first)
        self.register_view("xlseg_read_lines", sources.union_lines_sql(schemas, relations, ordered, read))

    def register_dataframe(self, df, overrides: dict, *, day_first: bool = False) -> list[sources.FileSchema]:
        """A Spark DataFrame of order lines (the Python API) as ``xlseg_lines``."""
        schema = sources.FileSchema("the transactions DataFrame",
                                    {f.name: kind_of(f.dataType) for f in df.schema.fields})
        schemas = sources.plan_sources([schema], overrides)
        self._register(schemas, [df], day_first)
        return schemas

    def register_frame(self, name: str, frame) -> None:
        """A small pandas table (the texts the core read) as a view."""
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)

    def register_view(self, name: str, query: str) -> None:
        self._sql(query).createOrReplaceTempView(name)

    # -------------------------------------------------------------- queries
    def scalar(self, query: str):
        return self._sql(query).collect()[0][0]

    def row(self, query: str) -> dict:
        return self._sql(query).collect()[0].asDict()

    def materialise(self, name: str, query: str, ordered: bool = False) -> None:
        # A view, not a cache: caching every order line in local mode held them in the driver's heap and made
        # 10M lines take 2,343 s against 397 s without it (bench/README.md); each scan re-reads the files,
        # which Spark splits over the cluster, and ids already plain skip the costly cleaning (sql.id_expr).
        self._sql(query).createOrReplaceTempView(name)

    def dataframe(self, query: str):
        """The query's result as a Spark DataFrame (not collected)."""
        return self._sql(query)

    def frame(self, query: str) -> pd.DataFrame:
        return self._sql(query).toPandas()

    def count(self, name: str) -> int:
        return int(self.spark.table(name).count())

    def write(self, query: str, path: str) -> None:
        """A folder of part files, Spark's way (``path`` ending in .parquet or .csv)."""
        df = self._sql(query)
        if path.lower().endswith((".parquet", ".pq")):
            df.write.mode("overwrite").parquet(path)
        else:
            df.write.mode("overwrite").option("header", "true").csv(path)

    def _sql(self, query: str):
        """Run a query written in DuckDB's dialect (every query of :mod:`xlseg.engines.sql`), transpiled."""
        try:
            return self.spark.sql(sql.for_engine(query, "spark"))
        except Exception as exc:  # noqa: BLE001 - Spark raises its own exception tree
            raise InputError(f"Spark could not run xlseg's query ({_first_line(exc)}).") from None

    def close(self) -> None:
        """Nothing to free: the lines are views, and the Spark session belongs to whoever made it."""


def with_place(df, file_index: int, headers: list):
    """``df``'s columns ``headers`` and each line's place (``sql.ORDER_COLUMNS``): ``xlseg_file`` the file's
    position among the order files, ``xlseg_row`` a struct that grows with the line's place in it.

    Read from files, a line's place is its part file's path, the start of its split (Spark's
    ``_metadata`` column) and ``monotonically_increasing_id()``, which grows with the row within a
    split (a split is read in order by one task): the files' order, however Spark packs splits into
    partitions. A DataFrame made otherwise (``createDataFrame``) has no ``_metadata``: its order is
    its partitions' order, which ``monotonically_increasing_id()`` follows.
    """
    from pyspark.sql import functions as F

    try:
        df.select("_metadata.file_path", "_metadata.file_block_start").schema  # noqa: B018 - resolves or raises
        path, start = F.col("_metadata.file_path"), F.col("_metadata.file_block_start")
    except Exception:  # noqa: BLE001 - AnalysisException: not read from files
        path, start = F.lit(""), F.lit(0).cast("bigint")
    row = F.struct(path.alias("p"), start.alias("b"), F.monotonically_increasing_id().alias("n"))
    return df.select(*[F.col("`" + h.replace("`", "``") + "`") for h in headers], F.lit(file_index).alias("xlseg_file"),
                     row.alias("xlseg_row"))


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_dataframe(obj) -> bool:
    """A PySpark DataFrame (classic or Spark Connect), recognised without importing pyspark."""
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pyspark.")


def classify_dataframe(transactions, customers=None, config=None, **kwargs):
    """``xlseg.classify(transactions=<Spark DataFrame>)``: lines aggregated by Spark, the pandas core finishes.

    Only one row per customer reaches the driver. To classify without collecting
    even that, run :func:`xlseg.engines.orders.classified_query` on a
    ``SparkEngine`` and write its ``dataframe`` (see README, "On a cluster").
    """
    from xlseg.core.engine import _config, classify
    from xlseg.engines import orders

    cfg = _config(config)
    engine = SparkEngine(transactions.sparkSession)
    schemas = engine.register_dataframe(transactions, dict(cfg.columns), day_first=cfg.day_first)
    try:
        agg = orders.aggregate_lines(engine, schemas, cfg)
        m = orders.metrics_frame(agg)
    finally:
        engine.close()
    return classify(customers, None, cfg, aggregated=m, **kwargs)
