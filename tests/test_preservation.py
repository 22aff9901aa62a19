"""The user's own workbook survives classification: cells, styles, layout, objects.

The input is built here with openpyxl (formulas, a merged title above the
header, a hidden column, validation, comments, a defined name, a chart, an
image, styles, another sheet and a user sheet that happens to be called
"Summary"); after one and after two runs everything of the user's is read back
with openpyxl and compared.
"""

from __future__ import annotations

import copy
import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from xlseg.core import labels as L
from openpyxl.utils import get_column_letter

from xlseg.plan.build import OUTPUT_KEYS
from xlseg.filemode.run import classify_file

HEADER = ["Customer ID", "Name", "Last Purchase", "Orders", "Total Spend", "Double Spend", "Internal Note"]
N = 12
USER_SHEETS = ("Data", "Notes", "Summary")


def _png() -> bytes:
    """A 4x4 red PNG made with Pillow (openpyxl needs Pillow to read or write images)."""
    image_mod = pytest.importorskip("PIL.Image", reason="Pillow is needed for images in openpyxl")
    buf = io.BytesIO()
    image_mod.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def make_book(path, *, with_image: bool = True) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws["A1"] = "Key accounts 2026"
    ws["A1"].font = Font(bold=True, size=18, color="1F4E79")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.merge_cells("A1:G1")
    ws["A2"] = "Internal - do not forward"
    ws["A2"].font = Font(italic=True)
    ws.append(HEADER)  # row 3
    for c in ws[3]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", start_color="305496", end_color="305496")
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i in range(N):
        r = 4 + i
        ws.append([f"K{i + 1:03}", f"Company {i + 1}", dt.datetime(2026, 1 + i % 6, 1 + 2 * i), 1 + i,
                   1000.0 * (i + 1) + 0.5, f"=E{r}*2", f"note {i}"])
        ws.cell(r, 3).number_format = "dd/mm/yyyy"
        ws.cell(r, 5).number_format = "¥#,##0.00"
        ws.cell(r, 6).number_format = "#,##0.0"
        ws.cell(r, 6).font = Font(italic=True, color="7030A0")
        if i % 3 == 0:
            ws.cell(r, 2).fill = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
    ws.column_dimensions["G"].hidden = True
    ws.column_dimensions["B"].width = 24
    dv = DataValidation(type="whole", operator="between", formula1="0", formula2="1000", allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"D4:D{3 + N}")
    ws["B4"].comment = Comment("Signed in March", "Ann")
    ws["E6"].comment = Comment("Includes a refund", "Bob")
    wb.defined_names["TopSpend"] = DefinedName("TopSpend", attr_text=f"Data!$E$4:$E${3 + N}")
    chart = BarChart()
    chart.title = "Spend"
    chart.add_data(Reference(ws, min_col=5, min_row=3, max_row=3 + N), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=3 + N))
    ws.add_chart(chart, "J3")
    if with_image:
        from openpyxl.drawing.image import Image

        ws.add_image(Image(io.BytesIO(_png())), "J20")

    notes = wb.create_sheet("Notes")
    notes["A1"] = "Plan"
    notes["A2"] = "=SUM(Data!E4:E15)"
    notes["B2"] = 0.25
    notes["B2"].number_format = "0.0%"
    notes["A3"] = "=cannot be a formula"  # a string the user typed as text
    notes["A3"].data_type = "s"

    mine = wb.create_sheet("Summary")  # the user's own sheet, not xlseg's
    mine["A1"] = "My summary"
    mine["A2"] = "Total"
    mine["B2"] = "=SUM(Data!E4:E15)"
    mine["B2"].font = Font(bold=True)
    wb.save(path)


def user_state(path) -> dict:
    """Everything of the user's on the user's sheets, as openpyxl reads it."""
    wb = openpyxl.load_workbook(path)
    out = {"names": {n: d.attr_text for n, d in wb.defined_names.items() if not n.startswith("xlseg_")}}
    for title in USER_SHEETS:
        ws = wb[title]
        width = len(HEADER) if title == "Data" else ws.max_column
        cells = {}
        for row in ws.iter_rows(max_col=width):
            for c in row:
                cells[c.coordinate] = (
                    c.value, c.data_type, c.number_format,
                    (c.font.b, c.font.i, c.font.sz, c.font.color.rgb if c.font.color else None),
                    (c.fill.fill_type, c.fill.fgColor.rgb),
                    (c.alignment.horizontal, c.alignment.vertical, c.alignment.wrap_text),
                    c.comment.text if c.comment else None,
                )
        out[title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "hidden": {k: d.hidden for k, d in ws.column_dimensions.items() if d.hidden},
            "widths": {k: d.width for k, d in ws.column_dimensions.items() if k <= "G" and d.customWidth},
            "validations": sorted((str(v.sqref), v.type, v.operator, v.formula1, v.formula2)
                                  for v in ws.data_validations.dataValidation),
            "charts": len(ws._charts),
            "images": len(ws._images),
        }
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("preserve")
    a = d / "book.xlsx"
    make_book(a)
    b = d / "book_classified.xlsx"
    c = d / "book_again.xlsx"
    run1 = classify_file(a, b, generated="fixed")
    classify_file(b, c, generated="fixed")
    return a, b, c, run1


def test_input_is_what_we_meant(books):
    a, *_ = books
    st = user_state(a)
    assert st["Data"]["charts"] == 1 and st["Data"]["images"] == 1
    assert st["Data"]["cells"]["F4"][0] == "=E4*2"
    assert st["Data"]["hidden"] == {"G": True}


@pytest.mark.parametrize("which", [1, 2], ids=["first run", "second run"])
def test_users_sheets_unchanged(books, which):
    a, b, c, _run = books
    before, after = user_state(a), user_state((b, c)[which - 1])
    assert after["names"] == before["names"] == {"TopSpend": "Data!$E$4:$E$15"}
    for title in USER_SHEETS:
        for part, want in before[title].items():
            assert after[title][part] == want, (title, part)


def test_every_cell_detail_is_kept(books):
    _a, b, _c, _run = books
    ws = openpyxl.load_workbook(b)["Data"]
    assert ws["F4"].value == "=E4*2" and ws["F4"].data_type == "f"
    assert ws["C4"].number_format == "dd/mm/yyyy" and ws["E4"].number_format == "¥#,##0.00"
    assert ws.column_dimensions["G"].hidden
    assert "A1:G1" in [str(m) for m in ws.merged_cells.ranges]
    assert ws["B4"].comment.text == "Signed in March" and ws["E6"].comment.author == "Bob"


def test_our_columns_sit_right_of_the_table_under_the_header_row(books):
    _a, b, c, run = books
    assert run.plan.columns.header_row == 3
    for path in (b, c):
        ws = openpyxl.load_workbook(path)["Data"]
        head = [ws.cell(3, col).value for col in range(1, ws.max_column + 1)]
        assert head == HEADER + [L.header(k, "en") for k in OUTPUT_KEYS]
        assert ws.cell(1, 8).value is None and ws.cell(2, 8).value is None
        assert all(ws.cell(r, 8).value is not None for r in range(4, 4 + N))  # R Score for every customer
        assert ws.max_row == 3 + N
        last = get_column_letter(len(HEADER) + len(OUTPUT_KEYS))
        assert openpyxl.load_workbook(path).defined_names["xlseg_columns"].attr_text == f"'Data'!$H$3:${last}${3 + N}"


def test_a_user_sheet_named_summary_is_left_alone(books):
    a, b, c, _run = books
    for path in (b, c):
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[:4] == ["Data", "Notes", "Summary", "Summary (xlseg)"]
        assert [t for t in wb.sheetnames if t in ("Customers", "Tags", "Issues", "Settings")] == [
            "Customers", "Tags", "Issues", "Settings"]
        assert wb["Summary"]["A1"].value == "My summary" and wb["Summary"]["B2"].value == "=SUM(Data!E4:E15)"
        assert wb["Summary"].max_row == 2 and wb["Summary"].max_column == 2
        assert wb["Summary (xlseg)"]["A1"].value == "Customer segments"
        assert wb.defined_names["xlseg_sheet_summary"].attr_text == "'Summary (xlseg)'!$A$1"
        assert len(wb["Summary (xlseg)"]._charts) == 2
    assert user_state(a)["Summary"] == user_state(c)["Summary"]


def test_guard_counts_nothing_lost(books):
    from xlseg.filemode import guard

    a, b, c, _run = books
    before = guard.inventory(a)
    assert before[("Data", "pictures")] == 1 and before[("Data", "charts and other graphic frames")] == 1
    assert before[("Data", "comments")] == 2 and before[("Data", "merged cells")] == 1
    assert before[("(workbook)", "defined names")] == 1
    for path in (b, c):
        assert guard.losses(before, guard.inventory(path)) == []


def test_the_second_run_changes_nothing_of_ours_either(books):
    from tests.test_xlsx_roundtrip import RUN_LOG, snapshot

    _a, b, c, _run = books
    sb, sc = snapshot(b), snapshot(c)
    assert sb["sheets"] == sc["sheets"] and sb["names"] == sc["names"]
    for title in sb["sheets"]:
        if title not in RUN_LOG:  # History and Migration log runs (issue 7)
            assert sb[title] == sc[title], title


def test_user_sheet_titled_like_a_later_owned_sheet(tmp_path):
    """'Customers' and 'Settings' taken by the user: xlseg picks other titles and reads no user Settings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Customers"
    ws.append(["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"])
    for i in range(1, 8):
        ws.append([f"C{i}", f"N{i}", i, 10.0 * i, dt.datetime(2026, 1, i)])
    st = wb.create_sheet("Settings")
    st["A1"] = "Setting"
    st["B1"] = "Value"
    st["A2"] = "lang"
    st["B2"] = "zh"  # not xlseg's Settings: must not switch the language
    path = tmp_path / "b.xlsx"
    wb.save(path)
    run = classify_file(path, tmp_path / "out.xlsx", generated="fixed")
    out = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert out.sheetnames[:3] == ["Customers", "Settings", "Summary"]
    assert [t for t in out.sheetnames if "xlseg" in t] == ["Customers (xlseg)", "Settings (xlseg)"]
    assert out.defined_names["xlseg_sheet_settings"].attr_text == "'Settings (xlseg)'!$A$1"
    assert [c.value for c in out["Settings"][2]] == ["lang", "zh"] and out["Settings"].max_row == 2
    assert run.result.config.lang == "en"
