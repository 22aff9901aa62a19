"""Regenerate the README pictures: classify the demo, render sheets with LibreOffice, PDF -> PNG.

    python docs/render_pictures.py

Needs soffice (LibreOffice Calc) and pdftoppm (poppler-utils) on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests import libreoffice as lo  # noqa: E402
from xlseg.demo import make_demo  # noqa: E402


def render(book: Path, sheet: str, out_png: Path, tmp: Path, dpi: int = 80, rows: int | None = None,
           crop: tuple | None = None) -> None:
    wb = openpyxl.load_workbook(book)
    for title in list(wb.sheetnames):
        if title != sheet:
            del wb[title]
    ws = wb[sheet]
    if rows:
        ws.print_area = f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}{rows}"
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 1
    one = tmp / f"{out_png.stem}.xlsx"
    wb.save(one)
    pdf = lo.convert_to_pdf(one, tmp)
    box = [] if crop is None else ["-x", str(crop[0]), "-y", str(crop[1]), "-W", str(crop[2]), "-H", str(crop[3])]
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", *box, str(pdf),
                    str(tmp / out_png.stem)], check=True)
    shutil.copy(tmp / f"{out_png.stem}.png", out_png)
    print(f"wrote {out_png}")


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        book = tmp / "xlseg_demo.xlsx"
        make_demo(book, n_customers=2000, generated="2026-07-01 09:00:00 · xlseg demo")
        render(book, "Summary", HERE / "demo_summary.png", tmp)
        render(book, "Customer List", HERE / "demo_customers.png", tmp, dpi=200, rows=24,
               crop=(140, 190, 1900, 360))


if __name__ == "__main__":
    main()
