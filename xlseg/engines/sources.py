"""Order-line files given on the command line: paths and globs expanded, columns recognised, one schema.

Engine-neutral: an engine reads each file's header names and column types and
hands them to :func:`plan_sources`, which recognises the fields (the same
aliases as a sheet, ``xlseg.core.columns``), checks that every file has the
same fields, and returns the SQL that cleans the lines of all files
(:func:`xlseg.engines.sql.lines_sql` per file, joined by UNION ALL, each file
with its own column types).
"""

from __future__ import annotations

import codecs
import glob
import gzip
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from xlseg.core import columns
from xlseg.engines import sql, texts
from xlseg.engines.classification import OUTPUT
from xlseg.errors import ColumnError, InputError
from xlseg.read import delimited

SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".csv.gz", ".txt", ".tsv", ".txt.gz", ".tsv.gz")


def is_url(path: str) -> bool:
    """A location only the engine can read (s3a://, hdfs://, file://): passed on as it is."""
    return "://" in path


def file_format(path: str) -> str:
    low = path.lower()
    if low.endswith((".parquet", ".pq")) or (is_url(path) and low.endswith("/")):  # a folder of Parquet parts
        return "parquet"
    if low.endswith(CSV_SUFFIXES):
        return "csv"
    raise InputError(f"'{path}' is not a .csv, .csv.gz or .parquet file. Give order lines as CSV (plain or gzip) "
                     "or Parquet.")


def expand(patterns) -> list[str]:
    """Every file named by ``patterns`` (paths or globs), in order, each once; clear errors for nothing found."""
    out: list[str] = []
    for pattern in patterns:
        pattern = os.fspath(pattern)
        if is_url(pattern):
            found = [pattern]
        elif glob.has_magic(pattern):
            found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
            if not found:
                raise InputError(f"--orders '{pattern}' matches no file. Check the folder and the pattern.")
        elif os.path.isdir(pattern):
            found = sorted(str(p) for p in Path(pattern).iterdir() if p.is_file() and
                           p.name.lower().endswith(SUFFIXES))
            if not found:
                raise InputError(f"--orders '{pattern}' is a folder without .csv, .csv.gz or .parquet files.")
        elif not os.path.exists(pattern):
            raise InputError(f"--orders '{pattern}' does not exist. Check the path.")
        else:
            found = [pattern]
        for p in found:
            file_format(p)
            if p not in out:
                out.append(p)
    return out


@dataclass
class CsvDialect:
    """How a CSV file is written, decided as ``xlseg classify file.csv`` decides it (``xlseg.read.delimited``)."""

    encoding: str  # the Python codec
    label: str  # for people: UTF-8, GB18030 ...
    separator: str
    decimal_comma: bool
    headers: list  # the header row's names, made unique and non-blank as an engine needs them
    skip: int = 0  # blank lines before the header row

    @property
    def utf8(self) -> bool:
        return self.encoding in ("utf-8", "utf-8-sig")


@dataclass
class FileSchema:
    """One file as an engine sees it: its headers and each header's kind (see ``sql.lines_sql``)."""

    path: str
    kinds: dict  # header -> 'string' | 'integer' | 'float' | 'date' | 'timestamp' | 'other'
    fields: dict = field(default_factory=dict)  # field -> header, filled by plan_sources
    plain: dict = field(default_factory=dict)  # alias -> header: other columns that may be attributes (plan_sources)
    dialect: CsvDialect | None = None  # a CSV file's (every column then 'string': the text as written)

    @property
    def csv(self) -> bool:
        """A CSV file: its dialect was read here, or it is a location only the engine reads (s3a://...)."""
        return self.dialect is not None or str(self.path).lower().endswith(CSV_SUFFIXES)


# ------------------------------------------------------------------ CSV files: read as text, as a sheet reads them
def _head(path: str) -> tuple[bytes, bool]:
    """The first bytes of a file (inflated when it is gzip) and whether they are the whole file."""
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(delimited.SAMPLE_BYTES)
            return head, not fh.read(1)
    except (OSError, EOFError, zlib.error) as exc:  # a missing file, a damaged .gz
        raise InputError(f"Order file '{path}' could not be read ({getattr(exc, 'strerror', None) or exc}). "
                         "Give a CSV file (plain or .gz) or a Parquet file with a header row.") from None


def unique_headers(row: list) -> list[str]:
    """A header row as column names an engine accepts: stripped, blanks named column<i>, repeats numbered."""
    out: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(row):
        name = str(cell).strip() or f"column{i}"
        base, k = name, 1
        while name.lower() in seen:
            name, k = f"{base}_{k}", k + 1
        seen.add(name.lower())
        out.append(name)
    return out


def csv_dialect(path: str) -> CsvDialect:
    """Encoding, separator, decimal comma and headers of a CSV file, from its first megabyte.

    The same decisions as the sheet path's reader, so ``--orders file.csv`` and ``xlseg classify file.csv``
    read one file one way: DuckDB's own sniffer, for instance, takes a few short rows (an export with a
    missing comma) as a sign of another separator, or a preamble to skip.
    """
    head, whole = _head(path)
    name = os.path.basename(path)
    if not head.strip():
        raise InputError(f"Order file '{name}' is empty. Give a header row and one order line per row.")
    chosen = delimited.choose_encoding(head, final=whole)
    if chosen is None:
        raise InputError(f"Order file '{name}' is not text xlseg can read: it is not UTF-8 (with or without BOM), "
                         "UTF-16, GB18030 or Windows-1252. Save it as CSV UTF-8 and try again.")
    codec, label = chosen
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=whole)
    separator, rows, comma = delimited.sniff(text)
    if not rows:
        raise InputError(f"Order file '{name}' has no header row. Give a header row and one order line per row.")
    lines = text.lstrip("\ufeff").split("\n")
    skip = next((i for i, line in enumerate(lines) if line.strip()), 0)
    return CsvDialect(codec, label, separator, comma, unique_headers(rows[0]), skip)


def utf8_copy(path: str, dialect: CsvDialect, folder: str) -> str:
    """A UTF-8 copy of a CSV file in another encoding (GB18030, Windows-1252, UTF-16), streamed; its path."""
    fd, out = tempfile.mkstemp(prefix="xlseg-orders-", suffix=".csv", dir=folder)
    opener = gzip.open if path.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as raw, open(fd, "wb") as dest:
            decoder = codecs.getincrementaldecoder(dialect.encoding)(errors="strict")
            while chunk := raw.read(1 << 22):
                dest.write(decoder.decode(chunk).encode("utf-8"))
            dest.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        os.unlink(out)
        raise InputError(f"Order file '{os.path.basename(path)}' is not valid {dialect.label} text after its first "
                         f"megabyte (byte {exc.start:,} of a later block). Save it as CSV UTF-8 and try again.") \
            from None
    except OSError as exc:
        os.unlink(out)
        raise InputError(f"Order file '{path}' could not be converted to UTF-8 ({exc.strerror or exc}); check the "
                         f"free space in {folder}.") from None
    return out


def remove_copies(paths) -> None:
    for p in paths:
        try:
            os.unlink(p)
        except OSError:
            pass



# Kinds of column that an unrecognised column may be carried as (booleans, lists and structs are not).
PLAIN_KINDS = ("string", "integer", "float", "date", "timestamp")
# Names a carried column cannot take (the engines' own columns; SQL names ignore case): such a column is not
# carried. Other names of xlseg's results are fine: the Customers sheet calls such a column 'Stage (data)'.
RESERVED = frozenset(n.lower() for n in OUTPUT + sql.ATTRIBUTES + sql.ORDER_COLUMNS + (
    "first_spend", "since_first", "_metadata"))


def recognise(headers: list, overrides: dict, name: str) -> dict:
    """field -> header for one file (the core's aliases; quantity x unit price when there is no amount)."""
    try:
        return columns.recognise(headers, overrides, kind="transactions", sheet=name)
    except ColumnError as exc:
        raise ColumnError(f"{exc} (in '{name}')") from None


def plan_sources(schemas: list[FileSchema], overrides: dict) -> list[FileSchema]:
    """Recognise each file's fields; every file must have the fields the first one has.

    The first file's other columns (of a kind in ``PLAIN_KINDS``, in every file, not named as one of
    xlseg's result columns) are candidates for customer attributes (``FileSchema.plain``): the pandas
    path carries such a column when each customer has at most one value in it (``sql.summary_sql``).
    """
    first = None
    for s in schemas:
        name = os.path.basename(s.path)
        s.fields = recognise(list(s.kinds), overrides, name)
        if first is None:
            first = s
            continue
        for fld, header in first.fields.items():
            if fld not in s.fields:
                raise InputError(
                    f"Schema mismatch between order files: '{name}' has no {fld.replace('_', ' ')} column "
                    f"('{header}' in '{os.path.basename(first.path)}'). Its columns: {', '.join(s.kinds)}. "
                    "Give files with the same columns, or classify them separately.")
        for fld, header in s.fields.items():
            if fld not in first.fields:
                raise InputError(
                    f"Schema mismatch between order files: '{name}' has a {fld.replace('_', ' ')} column "
                    f"('{header}') that '{os.path.basename(first.path)}' does not have. Give files with the "
                    "same columns, or classify them separately.")
    if first is not None:
        used = set(first.fields.values())
        headers = [h for h in first.kinds if h not in used and str(h).lower() not in RESERVED and str(h).strip()
                   and all(_carried_kind(s, h) for s in schemas)]
        plain = {sql.plain_alias(i): h for i, h in enumerate(headers)}
        for s in schemas:
            s.plain = dict(plain)
    return schemas


def _carried_kind(schema: FileSchema, header: str) -> bool:
    """A column of this kind can be an attribute (a CSV's every column: the engines read them as text)."""
    if header not in schema.kinds:
        return False
    return schema.kinds[header] in PLAIN_KINDS or schema.path.lower().endswith(CSV_SUFFIXES)


def union_lines_sql(schemas: list[FileSchema], relations: list[str], ordered: bool = False, read=(),
                    quick: bool = False) -> str:
    """Lines of every file with clean values: one ``lines_sql`` per file (its own types) joined by UNION ALL.

    ``ordered``: each relation has the ``sql.ORDER_COLUMNS`` (see :func:`needs_order`). ``read``: the fields
    whose other texts the core read (:func:`xlseg.engines.texts.read_texts`). ``quick``: DuckDB's id test
    (``sql.QUICK_PLAIN``).
    """
    kinds = targets(schemas)
    parts = []
    for s, rel in zip(schemas, relations):
        parts.append(sql.lines_sql(s.fields, s.kinds, source=rel, plain=s.plain, targets=kinds, ordered=ordered,
                                   texts=read, decimals=texts.decimals(s), quick=quick))
    return "\nUNION ALL\n".join(parts)


def attributes(schemas: list[FileSchema]) -> tuple[str, ...]:
    return tuple(a for a in sql.ATTRIBUTES if a in schemas[0].fields)


def targets(schemas: list[FileSchema]) -> dict:
    """alias -> the kind a carried column has in every file ('string' where the files disagree)."""
    out = {}
    for alias, header in schemas[0].plain.items():
        found = {s.kinds[header] for s in schemas}
        out[alias] = found.pop() if len(found) == 1 else "string"
    return out


def needs_order(schemas: list[FileSchema]) -> bool:
    """Whether the lines need their place in the files: only to pick recognised attributes from the latest
    line (a carried column has one value per customer)."""
    return bool(attributes(schemas))


def read_headers(schema: FileSchema) -> list[str]:
    """The headers a file's lines are read from: its fields and its candidate attribute columns."""
    out = []
    for h in list(schema.fields.values()) + list(schema.plain.values()):
        if h not in out:
            out.append(h)
    return out
