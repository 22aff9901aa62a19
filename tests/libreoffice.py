"""LibreOffice Calc as a second reader of the workbooks xlseg writes.

On Linux there is no Excel, so the "real client" check is: open the file in
LibreOffice (headless), export every sheet to CSV or the whole book to PDF, and
compare what LibreOffice shows with what we meant to write.

What LibreOffice 7.4 actually writes with ``CSV_FILTER`` (found by experiment,
pinned by ``tests/test_libreoffice_harness.py``):

- One file per sheet, named ``<book stem>-<sheet name>.csv`` in ``outdir``, for
  every sheet: hidden sheets, chart sheets and empty sheets too (an empty sheet
  is a file holding one newline). Spaces, Chinese and ``#%&'"<>|`` are kept
  as they are in the file name. A one-sheet book still gets the ``-<sheet>``
  suffix.
- Numbers are raw, not "as shown": no thousands separators, no currency, no
  rounding to the format's decimals. Up to 15 significant digits
  (``0.123456789012346``); very large numbers in scientific notation
  (``1.23456789012346E+016``).
- Percent-formatted cells keep the percent sign, with full precision:
  0.256789 in ``0.0%`` is written ``25.6789%``.
- Dates and times are written in the locale's standard format unless their
  number format is ISO 8601: ``yyyy-mm-dd`` gives ``2024-03-05``, but
  ``dd/mm/yyyy``, ``yyyy/mm/dd`` or ``mmm d, yyyy`` give ``03/05/2024``
  (en-US, because we run soffice under ``LC_ALL=C.UTF-8``). A time part that is
  not midnight is appended (``2024-03-05 12:00:00``, ``03/05/2024 08:05:00``),
  rounded to the second. A time alone is ``01:45:07 PM``; ``[h]:mm:ss`` is
  ``30:00:00``. A date cell in ``General`` format is its serial (``45356``).
- Booleans are ``TRUE``/``FALSE``; errors are their code (``#DIV/0!``); empty
  cells and ``=""`` are empty fields. Rows are padded with empty fields to the
  used range's width.
- Under a locale that is not UTF-8 (LANG unset, or a locale that is not
  installed) sheets with Chinese names are silently *not written* and files with
  Chinese names fail to load, with exit status 0. Hence the forced locale and
  the check that every expected file exists.
- soffice exits 0 even when it could not load the file ("Error: source file
  could not be loaded" on stderr, e.g. an .xlam without ``--infilter``), so
  success is judged by the files, never by the exit status.
- Formulas written by openpyxl carry no cached value and are computed on load.
  A formula *with* a cached value shows the cached value unless the profile
  from ``tests/data/lo_profile`` is installed (``recalc=True``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal
from numbers import Real
from pathlib import Path

import defusedxml.ElementTree as DET
import numpy as np

__all__ = [
    "CSV_FILTER",
    "XLAM_INFILTER",
    "DEFAULT_TIMEOUT",
    "LibreOfficeError",
    "soffice_path",
    "pdftoppm_path",
    "workbook_sheet_names",
    "convert_to_csv",
    "convert_to_pdf",
    "pdf_to_pngs",
    "read_csv_sheet",
    "cell_equal",
]

#: Every sheet (token 12 = -1) as UTF-8 CSV, comma-separated, '"'-quoted, raw
#: values (token 9 "save as shown" = false), no formulas.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1"
#: An .xlam opens only with this explicit import filter.
XLAM_INFILTER = "Calc MS Excel 2007 VBA XML"
#: Seconds one soffice call may take before it is killed.
DEFAULT_TIMEOUT = 180.0

_PROFILE_XCU = Path(__file__).resolve().parent / "data" / "lo_profile" / "registrymodifications.xcu"
_INFILTERS = {".xlam": XLAM_INFILTER}


class LibreOfficeError(RuntimeError):
    """soffice or pdftoppm failed, timed out, or wrote no file.

    The message carries the command, the exit status and soffice's stderr.
    Install LibreOffice with ``apt-get install -y --no-install-recommends
    libreoffice-calc-nogui poppler-utils`` if it is missing.
    """


# --------------------------------------------------------------------- tools


def soffice_path() -> Path | None:
    """The ``soffice`` executable on PATH (or ``$SOFFICE``), or None."""
    explicit = os.environ.get("SOFFICE")
    if explicit and Path(explicit).is_file():
        return Path(explicit)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    mac = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
    return mac if mac.is_file() else None


def pdftoppm_path() -> Path | None:
    """The ``pdftoppm`` executable (poppler-utils) on PATH, or None."""
    found = shutil.which("pdftoppm")
    return Path(found) if found else None


def _require_soffice() -> Path:
    path = soffice_path()
    if path is None:
        raise LibreOfficeError(
            "soffice not found on PATH. Install it with: apt-get install -y "
            "--no-install-recommends libreoffice-calc-nogui poppler-utils"
        )
    return path


def _utf8_env() -> dict[str, str]:
    """The environment for soffice: a UTF-8 locale, or Chinese names get lost."""
    env = dict(os.environ)
    loc = "en_US.UTF-8" if sys.platform == "darwin" else "C.UTF-8"
    env["LC_ALL"] = loc
    env["LANG"] = loc
    env.pop("LANGUAGE", None)
    return env


def _run(cmd: list[str], timeout: float, what: str) -> subprocess.CompletedProcess:
    """Run ``cmd`` in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_utf8_env(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        raise LibreOfficeError(
            f"{what}: timed out after {timeout:g} s.\ncommand: {_fmt_cmd(cmd)}\n"
            f"stdout:\n{out.decode('utf-8', 'replace')}\nstderr:\n{err.decode('utf-8', 'replace')}"
        ) from None
    return subprocess.CompletedProcess(
        cmd, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    )


def _fmt_cmd(cmd: list[str]) -> str:
    return " ".join(repr(c) if (" " in c or not c) else c for c in cmd)


def _failure(what: str, result: subprocess.CompletedProcess, detail: str) -> LibreOfficeError:
    return LibreOfficeError(
        f"{what}: {detail}\ncommand: {_fmt_cmd(result.args)}\nexit status: {result.returncode}\n"
        f"stdout:\n{result.stdout.strip() or '(empty)'}\nstderr:\n{result.stderr.strip() or '(empty)'}"
    )


def _soffice(
    src: Path,
    outdir: Path,
    convert_to: str,
    *,
    recalc: bool,
    infilter: str | None,
    timeout: float,
) -> subprocess.CompletedProcess:
    """One headless soffice call with a fresh, throw-away profile."""
    soffice = _require_soffice()
    src = Path(src).resolve()
    if not src.is_file():
        raise LibreOfficeError(f"{src}: no such file to convert.")
    outdir = Path(outdir).resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    if infilter is None:
        infilter = _INFILTERS.get(src.suffix.lower())
    profile = Path(tempfile.mkdtemp(prefix="lo-"))
    try:
        if recalc:
            (profile / "user").mkdir()
            shutil.copyfile(_PROFILE_XCU, profile / "user" / "registrymodifications.xcu")
        cmd = [
            str(soffice),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
        ]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", convert_to, "--outdir", str(outdir), str(src)]
        return _run(cmd, timeout, f"LibreOffice converting {src.name}")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# ----------------------------------------------------------------- workbooks


def workbook_sheet_names(path: str | os.PathLike) -> list[str] | None:
    """Sheet names in tab order from an OOXML package's ``xl/workbook.xml``.

    Chart sheets and hidden sheets included. None when ``path`` is not an
    OOXML workbook (e.g. .ods or .csv).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            data = zf.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    root = DET.fromstring(data)
    return [el.get("name") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet"]


def convert_to_csv(
    xlsx_path: str | os.PathLike,
    outdir: str | os.PathLike,
    recalc: bool = True,
    *,
    infilter: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Path]:
    """Export every sheet of a workbook to UTF-8 CSV; return {sheet name: csv path}.

    The dict is in tab order. ``recalc=True`` installs the profile that makes
    LibreOffice recalculate every formula on load instead of showing cached
    values. ``.xlam`` files get ``--infilter`` automatically; pass ``infilter``
    to force one. Raises LibreOfficeError (with soffice's stderr) when soffice
    fails, times out, or does not write a file for every sheet.
    """
    src = Path(xlsx_path).resolve()
    out = Path(outdir).resolve()
    stem = src.stem
    expected = workbook_sheet_names(src)
    if expected is not None:
        for name in expected:  # never let a stale file from an earlier run pass
            (out / f"{stem}-{name}.csv").unlink(missing_ok=True)
    result = _soffice(src, out, CSV_FILTER, recalc=recalc, infilter=infilter, timeout=timeout)
    what = f"LibreOffice converting {src.name} to CSV"
    if expected is None:
        found = {
            p.name[len(stem) + 1 : -len(".csv")]: p
            for p in sorted(out.glob("*.csv"))
            if p.name.startswith(f"{stem}-")
        }
        if not found:
            raise _failure(what, result, f"no {stem}-<sheet>.csv file was written to {out}.")
        return found
    sheets = {name: out / f"{stem}-{name}.csv" for name in expected}
    missing = [name for name, p in sheets.items() if not p.is_file()]
    if missing:
        written = sorted(p.name for p in out.glob(f"{stem}-*.csv"))
        raise _failure(
            what,
            result,
            f"no CSV for sheet(s) {missing!r} in {out} (written: {written!r}). "
            "Non-UTF-8 locales drop sheets with non-ASCII names; an .xlam needs "
            f"--infilter={XLAM_INFILTER!r}.",
        )
    return sheets


def convert_to_xlsx(
    path: str | os.PathLike,
    outdir: str | os.PathLike,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Open a workbook in LibreOffice and save it as .xlsx in ``outdir`` (another folder than the input's).

    LibreOffice computes every formula on load and stores the results as the
    cells' saved values, as Excel does on save: the way to turn a workbook
    written by a program (formulas without saved values) into one a user saved.
    """
    src = Path(path).resolve()
    out = Path(outdir).resolve()
    if out == src.parent:
        raise LibreOfficeError(f"{src.name}: convert into another folder, or the input is overwritten.")
    target = out / f"{src.stem}.xlsx"
    target.unlink(missing_ok=True)
    result = _soffice(src, out, "xlsx", recalc=True, infilter=None, timeout=timeout)
    if not target.is_file():
        raise _failure(f"LibreOffice converting {src.name} to xlsx", result, f"{target} was not written.")
    return target


def read_csv_sheet(path: str | os.PathLike) -> list[list[str]]:
    """Rows of one CSV written by ``convert_to_csv``, as lists of strings.

    A blank line (a one-column row whose cell is empty) is ``[""]``; a file
    holding nothing but one newline (an empty sheet) is ``[]``.
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [row if row else [""] for row in csv.reader(fh)]
    if rows == [[""]]:
        return []
    return rows


def convert_to_pdf(
    path: str | os.PathLike,
    outdir: str | os.PathLike,
    *,
    recalc: bool = True,
    infilter: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Path:
    """Render a workbook to ``<outdir>/<stem>.pdf`` with LibreOffice; return its path."""
    src = Path(path).resolve()
    pdf = Path(outdir).resolve() / f"{src.stem}.pdf"
    pdf.unlink(missing_ok=True)
    result = _soffice(src, pdf.parent, "pdf", recalc=recalc, infilter=infilter, timeout=timeout)
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise _failure(f"LibreOffice converting {src.name} to PDF", result, f"{pdf} was not written.")
    return pdf


def pdf_to_pngs(
    pdf: str | os.PathLike,
    outdir: str | os.PathLike,
    dpi: int = 60,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Path]:
    """One PNG per PDF page (``<outdir>/<pdf stem>-<n>.png``) via pdftoppm, in page order."""
    tool = pdftoppm_path()
    if tool is None:
        raise LibreOfficeError(
            "pdftoppm not found on PATH. Install it with: apt-get install -y poppler-utils"
        )
    pdf = Path(pdf).resolve()
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / pdf.stem
    pattern = re.compile(re.escape(pdf.stem) + r"-(\d+)\.png")
    for old in out.glob(f"{pdf.stem}-*.png"):
        if pattern.fullmatch(old.name):
            old.unlink()
    cmd = [str(tool), "-png", "-r", str(dpi), str(pdf), str(prefix)]
    result = _run(cmd, timeout, f"pdftoppm rendering {pdf.name}")
    pages = sorted(
        (p for p in out.glob(f"{pdf.stem}-*.png") if pattern.fullmatch(p.name)),
        key=lambda p: int(pattern.fullmatch(p.name).group(1)),
    )
    if result.returncode != 0 or not pages:
        raise _failure(f"pdftoppm rendering {pdf.name}", result, f"no PNG was written to {out}.")
    return pages


# ---------------------------------------------------------------- comparison

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?")
_CURRENCY = "¥￥$€£"
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
_DURATION = re.compile(r"(-)?(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?")


def _parse_number(text: str) -> float | None:
    """A number as LibreOffice or a person may show it; None if it is not one."""
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    if s[:1] in "+-" and len(s) > 1 and s[1] in _CURRENCY:
        s = s[0] + s[2:]
    s = s.lstrip(_CURRENCY)
    scale = 1.0
    if s.endswith("%"):
        scale, s = 0.01, s[:-1]
    if _GROUPED.fullmatch(s):
        s = s.replace(",", "")
    if not _NUMBER.fullmatch(s):
        return None
    value = float(s) * scale
    return -value if negative else value


def _parse_datetime(text: str) -> _dt.datetime | None:
    s = text.strip().replace("T", " ", 1)
    date_part, _, time_part = s.partition(" ")
    for dfmt in _DATE_FORMATS:
        try:
            day = _dt.datetime.strptime(date_part, dfmt)
        except ValueError:
            continue
        if not time_part:
            return day
        t = _parse_time(time_part)
        return None if t is None else _dt.datetime.combine(day.date(), t)
    return None


def _parse_time(text: str) -> _dt.time | None:
    s = text.strip().upper()
    frac = 0.0
    m = re.fullmatch(r"(.*:\d\d)(\.\d+)(.*)", s)  # 13:45:07.250
    if m:
        s, frac = m.group(1) + m.group(3), float(m.group(2))
    for tfmt in _TIME_FORMATS:
        try:
            t = _dt.datetime.strptime(s, tfmt).time()
        except ValueError:
            continue
        return t.replace(microsecond=int(round(frac * 1e6)) % 1_000_000)
    return None


def _is_missing(value: object) -> bool:
    """None, NaN, pandas NA / NaT: a cell we leave blank."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False
    try:
        res = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(res, (bool, np.bool_)) and bool(res)


def cell_equal(
    lo_text: str,
    value: object,
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> bool:
    """True when LibreOffice's CSV text for a cell shows ``value``.

    ``value`` is what we meant to write (a Python value as openpyxl returns it):

    - Missing (None, NaN, pandas NA / NaT) and ``""`` equal only ``""``.
    - bool equals ``TRUE`` / ``FALSE`` (case-insensitive), never ``1`` / ``0``.
    - numbers (int, float, numpy, Decimal, Fraction): the text parsed as a
      number after removing thousands separators, a currency sign, ``(...)``
      for negatives and ``%`` (``25.6%`` is 0.256) is within ``rel_tol`` (or
      ``abs_tol`` near zero); ``1.23456789012346E+016`` is a number too.
    - datetime / date: ISO (``2024-03-05``, ``2024-03-05 12:00:00``) or US
      (``03/05/2024 12:00:00``, as LibreOffice shows non-ISO date formats) within
      one second. A date's serial number (``45356``) does NOT equal a date: a
      date cell without a date format is a bug we want to see.
    - time: ``13:45:07`` or ``01:45:07 PM``, within one second.
    - timedelta: ``[h]:mm:ss`` text (``30:00:00``), within one second.
    - str: exact equality (``\\r\\n`` in ``value`` counts as ``\\n``).
    - anything else: ``str(value) == lo_text``.
    """
    if lo_text is None:
        lo_text = ""
    if _is_missing(value) or (isinstance(value, str) and value == ""):
        return lo_text == ""
    if isinstance(value, (bool, np.bool_)):
        return lo_text.strip().upper() == ("TRUE" if value else "FALSE")
    if isinstance(value, (Real, Decimal)):
        number = _parse_number(lo_text)
        if number is None or math.isnan(number):
            return False
        return math.isclose(number, float(value), rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(value, _dt.datetime):
        shown = _parse_datetime(lo_text)
        if shown is None:
            return False
        return abs((shown - value.replace(tzinfo=None)).total_seconds()) <= 1.0
    if isinstance(value, _dt.date):
        shown = _parse_datetime(lo_text)
        return shown is not None and shown == _dt.datetime.combine(value, _dt.time())
    if isinstance(value, _dt.time):
        shown_t = _parse_time(lo_text)
        if shown_t is None:
            return False
        day = _dt.date(2000, 1, 1)
        diff = _dt.datetime.combine(day, shown_t) - _dt.datetime.combine(day, value.replace(tzinfo=None))
        return abs(diff.total_seconds()) <= 1.0
    if isinstance(value, _dt.timedelta):
        m = _DURATION.fullmatch(lo_text.strip())
        if not m:
            return False
        seconds = int(m.group(2)) * 3600 + int(m.group(3)) * 60 + float(m.group(4) or 0)
        if m.group(1):
            seconds = -seconds
        return abs(seconds - value.total_seconds()) <= 1.0
    if isinstance(value, str):
        return lo_text == value.replace("\r\n", "\n")
    return lo_text == str(value)
