"""DuckDB (embedded, the default engine): order-line files aggregated and classified in SQL, never loaded into Python."""

from __future__ import annotations

import sys
import tempfile

import duckdb
import pandas as pd

from xlseg.engines import sources, sql, texts
from xlseg.errors import InputError, XlsegError

_KINDS = {
    "VARCHAR": "string", "DATE": "date", "DOUBLE": "float", "FLOAT": "float", "REAL": "float",
    "BOOLEAN": "other",
}


def kind_of(type_name: str) -> str:
    t = str(type_name).upper()
    if t in _KINDS:
        return _KINDS[t]
    if t.startswith("DECIMAL"):
        return "float"
    if t.startswith("TIMESTAMP"):
        return "timestamp"
    if t.endswith("INT") or t in ("HUGEINT", "UHUGEINT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT"):
        return "integer"
    return "other"


class DuckEngine:
    """One DuckDB connection over the order files; ``run`` answers queries of :mod:`xlseg.engines.sql`."""

    name = "duckdb"

    def __init__(self, *, progress: bool | None = None, memory_limit: str | None = None, threads: int | None = None,
                 temp_directory: str | None = None):
        self.con = duckdb.connect()
        self.temp_directory = temp_directory or tempfile.gettempdir()
        self.memory_limit = memory_limit
        self.serial = False  # read CSV files in one thread (set when one has a line break inside quotes)
        self.notes: list[str] = []  # what reading the files decided (texts.read_texts)
        self._copies: dict = {}  # path -> a UTF-8 copy of a CSV file in another encoding
        self._lines = None  # (schemas, day_first) of register_lines, to read them again in one thread
        self._registering = False
        show = sys.stderr.isatty() if progress is None else progress
        self.con.execute(f"SET enable_progress_bar = {'true' if show else 'false'}")
        # Order does not matter anywhere below: lets DuckDB stream and spill instead of buffering.
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {sql.lit(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute(f"SET temp_directory = {sql.lit(self.temp_directory)}")
        self.quick_ids = _has_url_encode(self.con)  # sql.QUICK_PLAIN

    # -------------------------------------------------------------- sources
    def _relation(self, schema: sources.FileSchema) -> str:
        """The reader of one file. A CSV is read as text, in the dialect xlseg decided (``sources.csv_dialect``),
        never DuckDB's sniffer's: a short row (a missing comma) is padded with blanks, a long one cut at the
        last header, and the header is the first line that is not blank, as on a sheet."""
        if sources.file_format(schema.path) == "parquet":
            return f"read_parquet({sql.lit(schema.path)})"
        d = schema.dialect
        path = self._copies.get(schema.path, schema.path)
        columns = ", ".join(f"{sql.lit(h)}: 'VARCHAR'" for h in d.headers)
        options = [f"header = true, auto_detect = false, skip = {d.skip}, delim = {sql.lit(d.separator)}",
                   "quote = '\"', escape = '\"'", f"columns = {{{columns}}}", "null_padding = true",
                   "strict_mode = false"]
        if path.lower().endswith(".gz"):
            options.append("compression = 'gzip'")
        if self.serial:  # quoted line breaks: DuckDB pads short rows only in one thread then
            options.append("parallel = false")
        blank = ", ".join(sql.ident(h) for h in d.headers)
        # a line without any value (',,,': a spreadsheet's blank row) is no order line, as a sheet skips it
        return f"(SELECT * FROM read_csv({sql.lit(path)}, {', '.join(options)}) WHERE COALESCE({blank}) IS NOT NULL)"

    def schema(self, path: str) -> sources.FileSchema:
        if sources.file_format(path) == "csv":
            dialect = sources.csv_dialect(path)
            if not dialect.utf8 and path not in self._copies:
                self._copies[path] = sources.utf8_copy(path, dialect, self.temp_directory)
            return sources.FileSchema(path, {h: "string" for h in dialect.headers}, dialect=dialect)
        try:
            rows = self.con.execute(f"DESCRIBE SELECT * FROM read_parquet({sql.lit(path)})").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"Order file '{path}' could not be read ({_first_line(exc)}). Give a CSV file "
                             "(UTF-8, plain or .gz) or a Parquet file with a header row.") from None
        return sources.FileSchema(path, {name: kind_of(t) for name, t, *_ in rows})

    def register_lines(self, paths: list[str], overrides: dict, *, day_first: bool = False) -> list[sources.FileSchema]:
        """Create the view ``xlseg_read_lines`` (every file's lines, clean values); return the files' schemas.

        With attributes, each line also gets its place (``sql.ORDER_COLUMNS``): the file's position in
        ``paths`` and the line's number in the file, ``row_number() OVER ()`` over the reader, which DuckDB
        documents as the file's order while ``preserve_insertion_order`` is on (``materialise(ordered=True)``).
        Dates and numbers held as text other than the plainest are read by the core (``texts.read_texts``).
        """
        schemas = sources.plan_sources([self.schema(p) for p in paths], overrides)
        self._lines = (schemas, day_first)
        self._register(schemas, day_first)
        return schemas

    def _register(self, schemas, day_first: bool) -> None:
        ordered = sources.needs_order(schemas)
        while True:
            relations = []
            for i, s in enumerate(schemas):
                rel = self._relation(s)
                if ordered:
                    cols = ", ".join(sql.ident(h) for h in sources.read_headers(s))
                    rel = f"(SELECT {cols}, {i} AS xlseg_file, ROW_NUMBER() OVER () AS xlseg_row FROM {rel}) AS f{i}"
                relations.append(rel)
            self._registering = True
            try:
                read, self.notes = texts.read_texts(self, schemas, relations, day_first=day_first)
            except _OneThread:
                self.serial = True
                continue
            finally:
                self._registering = False
            self.register_view("xlseg_read_lines", sources.union_lines_sql(schemas, relations, ordered, read,
                                                                              quick=self.quick_ids))
            return

    def register_view(self, name: str, query: str) -> None:
        self._exec(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")

    def register_frame(self, name: str, frame) -> None:
        self.con.register(name, frame)

    # -------------------------------------------------------------- queries
    def scalar(self, query: str):
        return self._exec(query).fetchone()[0]

    def row(self, query: str) -> dict:
        cur = self._exec(query)
        values = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], values))

    def materialise(self, name: str, query: str, ordered: bool = False) -> None:
        """A temp table of the query; ``ordered``: read the files in their order (their lines are numbered)."""
        if not ordered:
            self._exec(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
            return
        self.con.execute("SET preserve_insertion_order = true")
        try:
            self._exec(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}")
        finally:
            self.con.execute("SET preserve_insertion_order = false")

    def frame(self, query: str) -> pd.DataFrame:
        return self._exec(query).df()

    def count(self, name: str) -> int:
        return int(self.scalar(f"SELECT COUNT(*) FROM {name}"))

    def write(self, query: str, path: str) -> None:
        fmt = "PARQUET" if path.lower().endswith((".parquet", ".pq")) else "CSV, HEADER"
        self._exec(f"COPY ({query}) TO {sql.lit(path)} (FORMAT {fmt})")

    def _exec(self, query: str):
        try:
            return self.con.execute(query)
        except duckdb.Error as exc:
            if self.serial or self._lines is None or "parallel=false" not in str(exc):
                self._failed(exc)
        # A CSV file has a line break inside quotes: DuckDB pads its short rows only when it reads in one thread.
        if self._registering:
            raise _OneThread()
        self.serial = True
        self._register(*self._lines)  # the views read the files again, in one thread; the query names views only
        return self._exec(query)

    def _failed(self, exc: Exception):
        try:
            raise exc
        except duckdb.ConversionException as exc:
            raise InputError(f"An order file has a value DuckDB cannot convert ({_first_line(exc)}). "
                             "Check the column named there.") from None
        except duckdb.IOException as exc:
            raise InputError(f"An order file could not be read ({_first_line(exc)}).") from None
        except duckdb.InvalidInputException as exc:
            raise InputError(f"An order file is not valid CSV or Parquet ({_first_line(exc)}).") from None
        except duckdb.OutOfMemoryException as exc:
            limit = f" (memory_limit {self.memory_limit})" if self.memory_limit else ""
            raise XlsegError(f"DuckDB ran out of memory aggregating the order files{limit}: {_first_line(exc)}. "
                             f"It spills to '{self.temp_directory}': check that folder's free space, close other "
                             "programs, or split the order files by customer and classify each part.") from None

    def close(self) -> None:
        self.con.close()
        sources.remove_copies(self._copies.values())
        self._copies.clear()


class _OneThread(Exception):
    """A CSV file must be read again in one thread (see ``DuckEngine._exec``)."""


def _has_url_encode(con) -> bool:
    """Whether this DuckDB has ``url_encode`` (a core function of recent versions) for ``sql.QUICK_PLAIN``."""
    try:
        return con.execute("SELECT url_encode('a b') = 'a%20b'").fetchone()[0] is True
    except duckdb.Error:
        return False


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["DuckEngine", "kind_of"]
