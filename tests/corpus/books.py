"""The fidelity corpus on disk: each input built once, each classify run made once, on first use.

Also :func:`lo_batch`, which converts many workbooks to CSV in one soffice
call (each call costs seconds; the corpus has twenty books).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from tests.corpus import compare, fidelity
from tests.corpus.package import Package
from tests.libreoffice import CSV_FILTER
from xlseg.errors import XlsegError
from xlseg.filemode.run import classify_file

AS_OF = "2026-01-31"
EXTRA = ("libreoffice_saved", "pivot_on_xlseg_customers")
NAMES = list(fidelity.FEATURES) + list(EXTRA)


class Runs:
    """One input and its two classify runs, each made on first use."""

    def __init__(self, src: Path, folder: Path):
        self.src, self.folder = src, folder
        self.out1 = self.out2 = None
        self.error1 = self.error2 = None
        self._ran1 = self._ran2 = False

    def first(self) -> Path:
        if not self._ran1:
            self._ran1 = True
            out = self.folder / "out1" / self.src.name
            out.parent.mkdir(exist_ok=True)
            self.error1 = _classify(self.src, out)
            self.out1 = out if self.error1 is None else None
        assert self.error1 is None, f"the first classify of {self.src.name} failed: {self.error1}"
        return self.out1

    def second(self) -> Path:
        first = self.first()
        if not self._ran2:
            self._ran2 = True
            out = self.folder / "out2" / self.src.name
            out.parent.mkdir(exist_ok=True)
            self.error2 = _classify(first, out)
            self.out2 = out if self.error2 is None else None
        assert self.error2 is None, f"the second classify (of the output) failed: {self.error2}"
        return self.out2


def _classify(src: Path, out: Path) -> str | None:
    try:
        classify_file(src, out, as_of=AS_OF)
    except XlsegError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _soffice_xlsx(libreoffice, src: Path, folder: Path) -> Path:
    """``src`` opened and saved as .xlsx by LibreOffice (one headless call)."""
    result = libreoffice._soffice(src, folder, "xlsx:Calc MS Excel 2007 XML", recalc=False, infilter=None,
                                  timeout=libreoffice.DEFAULT_TIMEOUT)
    out = folder / f"{src.stem}.xlsx"
    assert out.is_file(), result.stderr
    return out


def _pivot_on_customers(folder: Path) -> Path:
    """The plain book classified, then a user's pivot table on the Orders sheet sourced from xlsegCustomers."""
    first = folder / "xlseg_first.xlsx"
    classify_file(fidelity.build("plain", folder), first, as_of=AS_OF)
    wb = openpyxl.load_workbook(first, read_only=True)
    ws = wb["Customers"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    headers, body = [str(h) for h in rows[0]], rows[1:]
    pkg = Package.read(first)
    fidelity.add_pivot(pkg, on_sheet=fidelity.ORDER_SHEET, source=f'name="{compare.XLSEG_TABLE}"',
                       headers=headers, rows=body, row_field=headers.index("Segment"),
                       data_field=headers.index("Monetary"), top_left=(12, 1), cache_id=7,
                       name="SegmentPivot")
    return pkg.write(folder / "pivot_on_xlseg_customers.xlsx")


class Corpus:
    """Builds each input and runs classify twice, once per name, on first use."""

    def __init__(self, folder: Path, libreoffice):
        self.folder, self.lo, self.runs = folder, libreoffice, {}

    def build(self, name: str) -> Path:
        src_dir = self.folder / "in"
        src_dir.mkdir(exist_ok=True)
        if name == "libreoffice_saved":
            tmp = self.folder / "lo_src"
            (tmp / "saved").mkdir(parents=True, exist_ok=True)
            plain = fidelity.build("plain", tmp)
            saved = _soffice_xlsx(self.lo, plain, tmp / "saved")
            return Path(shutil.copyfile(saved, src_dir / "libreoffice_saved.xlsx"))
        if name == "pivot_on_xlseg_customers":
            tmp = self.folder / "xl_src"
            tmp.mkdir(exist_ok=True)
            return Path(shutil.copyfile(_pivot_on_customers(tmp), src_dir / f"{name}.xlsx"))
        return fidelity.build(name, src_dir)

    def get(self, name: str) -> Runs:
        if name not in self.runs:
            self.runs[name] = Runs(self.build(name), self.folder)
        return self.runs[name]


def lo_batch(libreoffice, paths: list[Path], outdir: Path) -> dict[Path, dict[str, Path]]:
    """Every sheet of every workbook to CSV in ONE soffice call; {workbook: {sheet: csv}}."""
    outdir.mkdir(parents=True, exist_ok=True)
    stems = [p.stem for p in paths]
    assert len(set(stems)) == len(stems), "one soffice call needs distinct file names"
    soffice = libreoffice._require_soffice()
    profile = outdir / "profile"
    cmd = [str(soffice), f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
           "--convert-to", CSV_FILTER, "--outdir", str(outdir)] + [str(p) for p in paths]
    result = libreoffice._run(cmd, libreoffice.DEFAULT_TIMEOUT * 2, "LibreOffice converting the corpus")
    out = {}
    for p in paths:
        names = libreoffice.workbook_sheet_names(p) or []
        sheets = {n: outdir / f"{p.stem}-{n}.csv" for n in names}
        missing = [n for n, f in sheets.items() if not f.is_file()]
        assert not missing, f"LibreOffice did not open {p.name} (no CSV for {missing}): {result.stderr[-2000:]}"
        out[p] = sheets
    return out
