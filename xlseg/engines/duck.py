"""DuckDB (embedded, the default engine): order-line files aggregated and classified in SQL, never loaded into Python."""

from __future__ import annotations

import sys
import tempfile

import duckdb
import pandas as pd

from xlseg.engines import sources, sql
from xlseg.errors import InputError

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
        show = sys.stderr.isatty() if progress is None else progress
        self.con.execute(f"SET enable_progress_bar = {'true' if show else 'false'}")
        # Order does not matter anywhere below: lets DuckDB stream and spill instead of buffering.
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {sql.lit(memory_limit)}")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute(f"SET temp_directory = {sql.lit(temp_directory or tempfile.gettempdir())}")

    # -------------------------------------------------------------- sources
    def _relation(self, path: str, text_headers=()) -> str:
        p = sql.lit(path)
        if sources.file_format(path) == "parquet":
            return f"read_parquet({p})"
        types = ", ".join(f"{sql.lit(h)}: 'VARCHAR'" for h in text_headers)
        return f"read_csv({p}, header = true{', types = {' + types + '}' if types else ''})"

    def schema(self, path: str) -> sources.FileSchema:
        try:
            rows = self.con.execute(f"DESCRIBE SELECT * FROM {self._relation(path)}").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"Order file '{path}' could not be read ({_first_line(exc)}). Give a CSV file "
                             "(UTF-8, plain or .gz) or a Parquet file with a header row.") from None
        return sources.FileSchema(path, {name: kind_of(t) for name, t, *_ in rows})

    def register_lines(self, paths: list[str], overrides: dict) -> list[sources.FileSchema]:
        """Create the view ``xlseg_read_lines`` (every file's lines, clean values); return the files' schemas.

        With attributes, each line also gets its place (``sql.ORDER_COLUMNS``): the file's position in
        ``paths`` and the line's number in the file, ``row_number() OVER ()`` over the reader, which DuckDB
        documents as the file's order while ``preserve_insertion_order`` is on (``materialise(ordered=True)``).
        """
        schemas = sources.plan_sources([self.schema(p) for p in paths], overrides)
        ordered = sources.needs_order(schemas)
        relations = []
        for i, s in enumerate(schemas):
            # ids, order ids and attributes as typed text: '007' stays '007', as in a sheet cell
            text = [h for f, h in s.fields.items() if f in ("customer_id", "order_id") + sql.ATTRIBUTES]
            text += list(s.plain.values())
            if sources.file_format(s.path) == "csv":
                for h in text:
                    s.kinds[h] = "string"
            else:
                text = []
            rel = self._relation(s.path, text)
            if ordered:
                cols = ", ".join(sql.ident(h) for h in sources.read_headers(s))
                rel = f"(SELECT {cols}, {i} AS xlseg_file, ROW_NUMBER() OVER () AS xlseg_row FROM {rel}) AS f{i}"
            relations.append(rel)
        self.register_view("xlseg_read_lines", sources.union_lines_sql(schemas, relations, ordered))
        return schemas

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
        except duckdb.ConversionException as exc:
            raise InputError(f"An order file has a value DuckDB cannot convert ({_first_line(exc)}). "
                             "Check the column named there.") from None
        except duckdb.IOException as exc:
            raise InputError(f"An order file could not be read ({_first_line(exc)}).") from None
        except duckdb.InvalidInputException as exc:
            raise InputError(f"An order file is not valid CSV or Parquet ({_first_line(exc)}).") from None

    def close(self) -> None:
        self.con.close()


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


__all__ = ["DuckEngine", "kind_of"]
