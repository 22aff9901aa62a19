"""Regenerate the README pictures: classify the demo, render its sheets with LibreOffice, PDF -> PNG.

    python docs/render_pictures.py

Uses the same rendering as docs/render_templates.py. Needs soffice (LibreOffice
Calc) and pdftoppm (poppler-utils) on PATH.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from render_templates import render, render_rows  # noqa: E402

from xlseg.demo import make_demo  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        book = tmp / "xlseg_demo.xlsx"
        make_demo(book, n_customers=2000, generated="2026-07-01 09:00:00 · xlseg demo")
        print("wrote", render(book, "Summary", HERE / "demo_summary.png", tmp, dpi=80))
        print("wrote", render_rows(book, "Customer List", HERE / "demo_customers.png", tmp))


if __name__ == "__main__":
    main()
