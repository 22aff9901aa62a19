#!/usr/bin/env python
"""Formulas-mode benchmark: LibreOffice recalculating xlseg's formulas, against a values-mode conversion.

Builds the CDNOW order log as a workbook (a Customers sheet with the ids, an
Orders sheet with Customer ID, Date as typed in the data set (an integer
``YYYYMMDD``), CDs and Amount). ``--scale 10`` (the default) repeats the
2,357-customer sample of tests/data ten times under new ids: 23,570 customers
and 69,190 lines, the size of the full CDNOW log (69,659 lines, 23,570
customers). Then, in one process:

* ``xlseg classify --formulas`` (timed);
* baseline: LibreOffice (fresh profile) converting the *values-mode* output of
  the same book to CSV - what any LibreOffice read of that workbook costs;
* LibreOffice (fresh profile, forced recalculation) converting the formulas
  book to CSV, and the number of formula cells whose value differs from
  Python's.

    python bench/bench_formulas.py              # CDNOW size (23,570 customers)
    python bench/bench_formulas.py --scale 1    # the 2,357-customer sample
    python bench/bench_formulas.py --demo       # the demo workbook (2,000 customers) instead
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402

from tests import libreoffice as lo  # noqa: E402
from tests import openpyxl_book  # noqa: E402
from xlseg.plan.build import OUTPUT_KEYS  # noqa: E402
from xlseg.plan.formulas import FORMULA_KEYS  # noqa: E402
from xlseg.filemode.run import analyse, classify_file  # noqa: E402

CDNOW = ROOT / "tests" / "data" / "cdnow_transactions.csv"


def cdnow_book(path: Path, scale: int) -> tuple[int, int]:
    """The CDNOW log (``scale`` copies under new ids) as Customers + Orders sheets; (customers, lines)."""
    log = pd.read_csv(CDNOW)
    n = int(log["id"].max())
    wb = openpyxl.Workbook(write_only=True)
    cust = wb.create_sheet("Customers")
    cust.append(["Customer ID"])
    for k in range(scale):
        for i in range(1, n + 1):
            cust.append([k * n + i])
    orders = wb.create_sheet("Orders")
    orders.append(["Customer ID", "Date", "CDs", "Amount"])
    for k in range(scale):
        for cid, date, cds, spent in log[["id", "date", "cds_bought", "spent"]].itertuples(index=False):
            orders.append([k * n + int(cid), int(date), int(cds), float(spent)])
    wb.save(path)
    return n * scale, len(log) * scale


def mismatches(path: Path, csvs: dict) -> tuple[int, int]:
    """(formula cells compared, cells whose LibreOffice value differs from Python's)."""
    wb = openpyxl.load_workbook(path)
    an = analyse(lambda t: openpyxl_book.sheet_rows(wb[t]), openpyxl_book.book_state(wb))
    sheet = lo.read_csv_sheet(csvs[an.customer_sheet])
    cp = an.plan.columns
    exp = an.result.customers.set_index("customer_id")
    n = bad = 0
    for r, cid in an.result.row_ids.items():
        e = exp.loc[cid]
        for k in FORMULA_KEYS:
            v = e[k]
            v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else \
                (int(v) if k.endswith("_score") else v)
            n += 1
            bad += not lo.cell_equal(sheet[r - 1][cp.first_col - 1 + OUTPUT_KEYS.index(k)], v)
    return n, bad


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def child_cpu() -> float:
    """CPU seconds used so far by finished child processes (soffice): on a shared machine, the fair figure."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=10, help="copies of the 2,357-customer CDNOW sample (default 10)")
    ap.add_argument("--demo", action="store_true", help="the 2,000-customer demo workbook instead of CDNOW")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds LibreOffice may take (default 1800)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "book.xlsx"
        if args.demo:
            from xlseg.demo import make_demo

            make_demo(src, n_customers=2000)
            what = "demo, 2,000 customers"
        else:
            customers, lines = cdnow_book(src, args.scale)
            what = f"CDNOW x{args.scale}: {customers:,} customers, {lines:,} order lines"
        print(what)
        _, t_values = timed(lambda: classify_file(src, tmp / "values.xlsx"))
        _, t_formulas = timed(lambda: classify_file(src, tmp / "formulas.xlsx", formulas=True))
        print(f"xlseg classify: values {t_values:.1f} s, --formulas {t_formulas:.1f} s")
        c0 = child_cpu()
        _, base = timed(lambda: lo.convert_to_csv(tmp / "values.xlsx", tmp / "v", timeout=args.timeout))
        c1 = child_cpu()
        csvs, recalc = timed(lambda: lo.convert_to_csv(tmp / "formulas.xlsx", tmp / "f", timeout=args.timeout))
        c2 = child_cpu()
        n, bad = mismatches(tmp / "formulas.xlsx", csvs)
        print(f"LibreOffice to CSV: values-mode book {base:.1f} s wall, {c1 - c0:.1f} s CPU (baseline); "
              f"formulas book with forced recalculation {recalc:.1f} s wall, {c2 - c1:.1f} s CPU "
              f"({recalc / base:.1f}x wall, {(c2 - c1) / (c1 - c0):.1f}x CPU)")
        print(f"formula cells compared with Python: {n:,}; differing: {bad:,}")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
