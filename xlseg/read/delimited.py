"""Reading a CSV (or other delimited text) file: its encoding and dialect sniffed, its cells typed as Excel would.

:func:`read_delimited` decides, from the bytes and then from a sample of rows:

* the encoding: a BOM (UTF-8, UTF-16, UTF-32) wins; else UTF-8 if the file is
  valid UTF-8; else GB18030 or Windows-1252, whichever the bytes make
  plausible (Chinese text is made of byte *pairs* above 0x7F; "Müller Straße"
  in Windows-1252 has single ones, which GB18030 would silently turn into
  Chinese characters). A file none of them decodes is refused, naming what
  was tried;
* the separator (``,`` ``;`` tab ``|``): the one that splits the sample into
  the same number of fields on most rows;
* the decimal separator: a comma when numbers such as ``12,50`` or
  ``1.234,56`` outnumber ``12.50``. Such numbers are handed on as text for
  the core to parse; no number is guessed here.

Cells are typed as Excel types them when a CSV is opened: whole and decimal
numbers (with a decimal point) become numbers, everything else stays text,
including ids with leading zeros (``007``) and anything starting with ``=``
(data, never a formula). Blank lines are skipped.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xlseg.errors import WorkbookError
from xlseg.plan.rows import Rows

SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
SAMPLE_BYTES = 1 << 20
SAMPLE_ROWS = 500
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
LABELS = {"utf-8": "UTF-8", "gb18030": "GB18030", "cp1252": "Windows-1252", "utf-16-le": "UTF-16 LE",
          "utf-16-be": "UTF-16 BE"}
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_CURRENCY = str.maketrans("", "", "£$€¥￥ \u00a0\u202f'")
_COMMA_DECIMAL = re.compile(r"^[-+]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$")  # 12,5  1.234,56
_POINT_DECIMAL = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+$")  # 12.5  1,234.56
_WHOLE = re.compile(r"-?[0-9]+\Z")
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)\Z")
_AMBIGUOUS = re.compile(r"^[-+]?\d{1,3}[.,]\d{3}$")  # 1,234 or 1.234: thousands or decimals, cannot tell


@dataclass
class Delimited:
    """A delimited file read into rows, and what was decided about it."""

    rows: list  # header row then data rows, as tuples of typed cells
    encoding: str  # the Python codec used
    encoding_label: str  # for people: "UTF-8", "UTF-8 with BOM", "UTF-16", "GB18030", "Windows-1252"
    separator: str
    decimal_comma: bool
    quoted: bool  # some fields were in double quotes
    notes: list = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = [f"{self.encoding_label} text", f"{SEPARATOR_NAMES[self.separator]}-separated"]
        if self.decimal_comma:
            parts.append("decimal comma")
        return ", ".join(parts)


# ------------------------------------------------------------------ encoding
def _utf16_without_bom(sample: bytes) -> str | None:
    """utf-16-le / utf-16-be when every other byte of ASCII-heavy text is NUL."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decodes(data: bytes, encoding: str, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=final)
        return True
    except UnicodeDecodeError:
        return False


def _paired_share(data: bytes) -> float:
    """Share of bytes above 0x7F that come in runs of even length (as two-byte Chinese characters do)."""
    runs = [len(m) for m in _HIGH_RUN.findall(data)]
    total = sum(runs)
    return sum(n for n in runs if n % 2 == 0) / total if total else 1.0


def choose_encoding(data: bytes, *, final: bool) -> tuple[str, str] | None:
    """(codec, label) for ``data`` (a sample when not ``final``), or None when nothing decodes it."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            return codec, label
    utf16 = _utf16_without_bom(data[:SAMPLE_BYTES])
    if utf16 and _decodes(data, utf16, final):
        return utf16, LABELS[utf16]
    if _decodes(data, "utf-8", final):
        return "utf-8", "UTF-8"
    gb = _decodes(data, "gb18030", final)
    cp = _decodes(data, "cp1252", final)
    if gb and (not cp or _paired_share(data) >= 0.9):
        return "gb18030", "GB18030"
    if cp:
        return "cp1252", "Windows-1252"
    return None


# ------------------------------------------------------------------ dialect
def _sample_rows(text: str, sep: str) -> list:
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"', doublequote=True, strict=False)
    out = []
    try:
        for row in reader:
            if row:
                out.append(row)
            if len(out) >= SAMPLE_ROWS:
                break
    except csv.Error:
        pass
    if out and not text.endswith("\n") and len(out) > 1:
        out.pop()  # the sample may end inside a row
    return out


def choose_separator(text: str) -> str:
    """The separator that splits the sample into the same number (>1) of fields on most rows."""
    best, best_score = ",", (-1.0, 0)
    for sep in SEPARATORS:
        rows = _sample_rows(text, sep)
        if not rows:
            continue
        counts = [len(r) for r in rows]
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal) / len(counts), modal)
        if score > best_score:
            best, best_score = sep, score
    return best


def sniff(sample: str) -> tuple[str, list, bool]:
    """(separator, the sample's rows split by it, whether numbers use a decimal comma) of a file's first text:
    the dialect both this reader and ``--orders`` (``xlseg.engines.sources.csv_dialect``) read a CSV in."""
    sep = choose_separator(sample)
    rows = _sample_rows(sample, sep)
    return sep, rows, decimal_comma(rows)


def decimal_comma(rows: list) -> bool:
    """Whether numbers in these rows use a decimal comma (12,50; 1.234,56)."""
    comma = point = 0
    for row in rows[1:]:
        for cell in row:
            text = cell.translate(_CURRENCY)
            if not text or not text[-1].isdigit() or _AMBIGUOUS.match(text):
                continue
            if _COMMA_DECIMAL.match(text):
                comma += 1
            elif _POINT_DECIMAL.match(text):
                point += 1
    return comma > point


# ------------------------------------------------------------------ cells
def typed(value: str, decimal_comma: bool = False):
    """A CSV cell as Excel would store it when typed: numbers as numbers, the rest as text (None when empty).

    With ``decimal_comma`` only whole numbers become numbers: ``12,50`` and ``1.234`` (one thousand two
    hundred and thirty-four) stay text for the core to read.
    """
    if value == "":
        return None
    text = value.strip()
    digits = text.lstrip("-")
    if len(digits) > 1 and digits[0] == "0" and digits[1] != ".":
        return value  # leading zeros (ids such as 007, postcodes): text, as in the file - not the number 7.0
    if _WHOLE.match(text):
        number = int(text)
        return number if abs(number) < 10**15 else value
    if not decimal_comma and _DECIMAL.match(text):
        return float(text)
    return value


# ------------------------------------------------------------------ reading
def read_delimited(path, *, max_rows: int | None = None) -> Delimited:
    """Read ``path`` (see the module docstring). ``max_rows``: refuse files with more data rows than that."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(SAMPLE_BYTES)
            whole = not fh.read(1)
    except OSError as exc:
        raise WorkbookError(f"'{path.name}' could not be opened ({exc.strerror or exc}). Check that the file is "
                            "readable.") from None
    if not head.strip():
        raise WorkbookError(f"'{path.name}' is empty. Put a header row and one customer per row in it.")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(f"'{path.name}' is an Excel workbook, not a CSV file. Rename it to .xlsx (or .xls: "
                            "save that as .xlsx in Excel) and try again.")
    chosen = choose_encoding(head, final=whole)
    if chosen is None:
        raise _undecodable(path)
    try:
        return _read(path, head, *chosen, max_rows)
    except UnicodeDecodeError:
        # the sample decoded but a later byte does not: decide again on the whole file
        data = path.read_bytes()
        chosen = choose_encoding(data, final=True)
        del data
        if chosen is None:
            raise _undecodable(path) from None
        try:
            return _read(path, head, *chosen, max_rows)
        except UnicodeDecodeError:
            raise _undecodable(path) from None


def _undecodable(path: Path) -> WorkbookError:
    return WorkbookError(f"'{path.name}' is not text xlseg can read: it is not UTF-8 (with or without BOM), UTF-16, "
                         "GB18030 or Windows-1252. Save it as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8) "
                         "and try again.")


def _read(path: Path, head: bytes, codec: str, label: str, max_rows: int | None) -> Delimited:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    sample = decoder.decode(head, final=False)
    sep, _rows, comma = sniff(sample)
    try:
        rows = _rows_fast(path, codec, sep, comma)
    except _Ragged:
        rows = _rows_python(path, codec, sep, comma)
    if not rows or not any(v is not None for v in rows[0]):
        raise WorkbookError(f"'{path.name}' is empty. Put a header row and one customer per row in it.")
    if max_rows is not None and len(rows) - 1 > max_rows:
        raise WorkbookError(f"'{path.name}' has {len(rows) - 1:,} data rows, but one Excel sheet holds at most "
                            f"{max_rows:,} rows below the header. Split the file, or use the Python API "
                            "(xlseg.classify) which has no row limit.")
    notes = []
    if label not in ("UTF-8", "UTF-8 with BOM") or sep != "," or comma:
        what = f"Read '{path.name}' as {label} text, {SEPARATOR_NAMES[sep]}-separated"
        notes.append(what + (", with a decimal comma (1.234,56)." if comma else "."))
    return Delimited(rows, codec, label, sep, comma, '"' in sample, notes)


class _Ragged(Exception):
    """A row has more fields than the first: pandas' C parser refuses it, the csv module does not."""


def _rows_fast(path: Path, codec: str, sep: str, comma: bool) -> list:
    """Rows by pandas' C parser; each column typed once per distinct text (and sharing one object per text)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=sep, encoding=codec, encoding_errors="strict", header=None, dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=True, quotechar='"',
                            doublequote=True, engine="c", low_memory=False)
    except pd.errors.EmptyDataError:
        return []
    except pd.errors.ParserError as exc:
        if "Expected" in str(exc) and "fields" in str(exc):
            raise _Ragged() from None
        raise WorkbookError(f"'{path.name}' is not a readable CSV file ({exc}). Export it again as CSV "
                            "UTF-8.") from None
    n = len(frame)
    columns = {}
    for j in range(frame.shape[1]):
        # typed once per distinct text; the column's cells are references to those few objects
        codes, uniques = pd.factorize(frame.iloc[:, j], use_na_sentinel=True)
        kinds = np.empty(len(uniques) + 1, dtype=object)  # the last slot: missing (short rows) -> None
        kinds[:-1] = [typed(u, comma) if u is not None else None for u in uniques.to_numpy(dtype=object)]
        kinds[-1] = None
        columns[j] = kinds.take(codes)  # code -1 takes the last slot
        del codes, uniques, kinds
    del frame
    if not n:
        return []
    for col in columns.values():  # the header row: text, stripped
        v = col[0]
        col[0] = v.strip() or None if isinstance(v, str) else (None if v is None else str(v))
    blank = np.ones(n, dtype=bool)
    blank[0] = False
    for col in columns.values():
        blank &= pd.isna(col)
    table = pd.DataFrame(columns, dtype=object, copy=False)
    if blank.any():
        table = table[~blank].reset_index(drop=True)
    return Rows(table, row=tuple, trim=True)


def _rows_python(path: Path, codec: str, sep: str, comma: bool) -> list:
    """Rows by the csv module (rows of any length); one string object per repeated text."""
    rows = []
    try:
        with open(path, "rb") as raw, io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="") as text:
            reader = csv.reader(text, delimiter=sep, quotechar='"', doublequote=True, strict=False)
            header = next((r for r in reader if any(c.strip() for c in r)), None)
            if header is None:
                return []
            rows.append(tuple(c.strip() or None for c in header))
            caches: dict = {}
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                out = []
                for i, cell in enumerate(row):
                    value = typed(cell, comma)
                    if value.__class__ is str:
                        value = caches.setdefault((i, value), value)
                    out.append(value)
                rows.append(tuple(out))
    except csv.Error as exc:
        raise WorkbookError(f"'{path.name}' is not a readable CSV file (line {reader.line_num}: {exc}). Export it "
                            "again as CSV UTF-8.") from None
    return rows
