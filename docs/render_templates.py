"""Render the template pictures in docs/: each template's Summary and customer sheet, by LibreOffice.

    python docs/render_templates.py

Works on a copy of each committed template in which every other sheet is hidden (an edit of
xl/workbook.xml only, so charts, formulas and defined names stay intact); LibreOffice
recalculates the formulas, prints the visible sheet to PDF, and pdftoppm makes the PNG.
Needs soffice and pdftoppm on PATH.
"""

from __future__ import annotations

import html
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests import libreoffice as lo  # noqa: E402
from xlseg.templates import TEMPLATES  # noqa: E402

SUMMARY = ("Summary", "汇总")


def only_sheet(src: Path, keep: str, out: Path) -> None:
    """Copy ``src`` to ``out`` with every sheet but ``keep`` hidden, ``keep`` active."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                names = [html.unescape(n) for n in re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', text)]
                index = names.index(keep)

                def tag(m):
                    t = re.sub(r'\sstate="[^"]*"', "", m.group(0))
                    name = html.unescape(re.search(r'\bname="([^"]*)"', t).group(1))
                    return t if name == keep else t.replace("<sheet ", '<sheet state="hidden" ', 1)

                text = re.sub(r"<sheet\b[^>]*/>", tag, text)
                text = re.sub(r'activeTab="\d+"', f'activeTab="{index}"', text)
                text = re.sub(r'firstSheet="\d+"', f'firstSheet="{index}"', text)
                data = text.encode("utf-8")
            zout.writestr(info, data)


def render(src: Path, sheet: str, png: Path, tmp: Path, dpi: int = 70) -> Path:
    """The whole sheet as one picture: every printed page cropped to its content, the pages stacked.

    The Summary prints on more than one page: its notes, warnings and "What xlseg understood" come
    after the tables, on the last page, and belong in the picture too."""
    from PIL import Image, ImageOps

    one = tmp / f"{png.stem}.xlsx"
    only_sheet(src, sheet, one)
    pdf = lo.convert_to_pdf(one, tmp)
    images = [Image.open(p).convert("RGB") for p in lo.pdf_to_pngs(pdf, tmp / png.stem, dpi=dpi)]
    boxes = [ImageOps.invert(i).getbbox() for i in images]
    pages = [(i, b) for i, b in zip(images, boxes) if b is not None]
    left = max(min(b[0] for _i, b in pages) - 10, 0)
    right = max(b[2] for _i, b in pages) + 10
    parts = [i.crop((left, max(b[1] - 10, 0), right, b[3] + 10)) for i, b in pages]
    out = Image.new("RGB", (right - left, sum(p.height for p in parts)), "white")
    y = 0
    for part in parts:
        out.paste(part, (0, y))
        y += part.height
    out.save(png)
    return png


def render_rows(src: Path, sheet: str, png: Path, tmp: Path, rows: int = 24, dpi: int = 170) -> Path:
    """The first ``rows`` rows of ``sheet`` up to xlseg's Tags column (and one more), readable: other sheets hidden
    (formulas that read Settings still recalculate), a print area, then cropped to the content."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from PIL import Image, ImageOps

    wb = openpyxl.load_workbook(src)
    ws = wb[sheet]
    for other in wb.worksheets:
        if other.title != sheet:
            other.sheet_state = "hidden"
    wb.active = wb.worksheets.index(ws)
    head_row = next(r for r in ws.iter_rows(min_row=1, max_row=20) if any(c.value in ("Tags", "标签") for c in r))
    last = next(c.column for c in head_row if c.value in ("Tags", "标签"))
    # one column past Tags (Override, usually empty) so long tag lists are not clipped at the page edge
    ws.print_area = f"A1:{get_column_letter(last + 1)}{head_row[0].row + rows}"
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    one = tmp / f"{png.stem}.xlsx"
    wb.save(one)
    pdf = lo.convert_to_pdf(one, tmp)
    pages = lo.pdf_to_pngs(pdf, tmp / png.stem, dpi=dpi)
    image = Image.open(pages[0]).convert("RGB")
    box = ImageOps.invert(image).getbbox()
    image.crop((max(box[0] - 10, 0), max(box[1] - 10, 0), box[2] + 10, box[3] + 10)).save(png)
    return png


def main() -> None:
    folder = HERE.parent / "workbook_templates"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, t in TEMPLATES.items():
            book = folder / f"{name}.xlsx"
            with zipfile.ZipFile(book) as zf:
                sheets = re.findall(r'<sheet\b[^>]*\bname="([^"]*)"', zf.read("xl/workbook.xml").decode("utf-8"))
            summary = next(s for s in map(html.unescape, sheets) if s in SUMMARY)
            print("wrote", render(book, summary, HERE / f"template_{name}.png", tmp))
            print("wrote", render_rows(book, t.customer_sheet, HERE / f"template_{name}_customers.png", tmp))


if __name__ == "__main__":
    main()
