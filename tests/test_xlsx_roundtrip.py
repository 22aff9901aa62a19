"""Classifying the same file twice gives the same file (apart from the run timestamp)."""

from __future__ import annotations

import openpyxl
import pytest

from xlseg import sample_data
from xlseg.core import labels as L
from openpyxl.utils import get_column_letter

from xlseg.plan.build import OUTPUT_KEYS, TITLES
from xlseg.filemode.run import classify_file

OUR_HEADERS = [L.header(k, "en") for k in OUTPUT_KEYS]
CORE_TITLES = ["Summary", "Customers", "Tags", "Issues", "Settings"]
# Sheets that log runs (issue 7): History appends each run's rows, Migration compares the last two runs.
# They change on every run by design; everything else must not.
RUN_LOG = {TITLES[k][0] for k in ("history", "migration") if k in TITLES}
HISTORY = TITLES["history"][0] if "history" in TITLES else None


def _cf(ws) -> list:
    out = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            dxf = rule.dxf
            fill = dxf.fill.fgColor.rgb if dxf is not None and dxf.fill is not None else None
            font = dxf.font.color.rgb if dxf is not None and dxf.font is not None and dxf.font.color else None
            out.append((str(cf.sqref), rule.type, rule.operator, tuple(rule.formula or ()), fill, font))
    return sorted(out)


def snapshot(path, *, strip_generated: bool = False) -> dict:
    """Everything a second run could change, per sheet (openpyxl as the second reader)."""
    wb = openpyxl.load_workbook(path)
    snap = {"sheets": list(wb.sheetnames),
            "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    cells[c.coordinate] = (c.value, c.data_type, c.number_format)
        if strip_generated and ws.title == "Summary":
            assert cells["A3"][0] == "Generated"
            cells.pop("B3")
        snap[ws.title] = {
            "cells": cells,
            "dims": (ws.max_row, ws.max_column),
            "cf": _cf(ws),
            "tables": sorted(ws.tables.items()),  # (name, ref)
            "charts": len(ws._charts),
            "images": len(ws._images),
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": sorted((str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation),
            "freeze": ws.freeze_panes,
        }
    return snap


@pytest.fixture(scope="module")
def input_book(tmp_path_factory):
    d = tmp_path_factory.mktemp("roundtrip")
    customers, transactions = sample_data.demo_frames(n_customers=200, seed=5)
    customers, transactions, _ = sample_data.messy(customers, transactions, seed=5)
    path = d / "A.xlsx"
    sample_data.write_input_workbook(path, customers, transactions, customer_sheet="Customer List",
                                     transaction_sheet="Orders")
    return path


@pytest.fixture(scope="module")
def runs(input_book):
    b = input_book.with_name("B.xlsx")
    c = input_book.with_name("C.xlsx")
    classify_file(input_book, b, generated="fixed")
    classify_file(b, c, generated="fixed")
    return input_book, b, c


def assert_same_apart_from_run_log(sb: dict, sc: dict) -> None:
    assert sb["sheets"] == sc["sheets"]
    assert sb["sheets"][:2] == ["Customer List", "Orders"]
    assert [t for t in sb["sheets"] if t in CORE_TITLES] == CORE_TITLES
    assert sb["names"] == sc["names"]
    for title in sb["sheets"]:
        if title in RUN_LOG:
            continue
        for part in sb[title]:
            assert sb[title][part] == sc[title][part], (title, part)


def test_second_run_gives_identical_content(runs):
    _a, b, c = runs
    assert_same_apart_from_run_log(snapshot(b), snapshot(c))


@pytest.mark.skipif(HISTORY is None, reason="no History sheet in this version")
def test_history_only_grows(runs):
    _a, b, c = runs
    hb, hc = snapshot(b)[HISTORY], snapshot(c)[HISTORY]
    n_rows = hb["dims"][0]
    assert hc["dims"][0] == 2 * n_rows - 1  # one more run: the same customers appended below
    assert {k: v for k, v in hc["cells"].items() if int("".join(filter(str.isdigit, k))) <= n_rows} == hb["cells"]


def test_timestamp_is_the_only_difference_without_fixed_generated(runs, tmp_path):
    _a, b, _c = runs
    d = tmp_path / "D.xlsx"
    classify_file(b, d)  # a real timestamp
    assert openpyxl.load_workbook(d)["Summary"]["B3"].value.endswith("xlseg 0.1.0")
    assert_same_apart_from_run_log(snapshot(b, strip_generated=True), snapshot(d, strip_generated=True))


def test_our_columns_appear_once_on_the_users_sheet(runs):
    a, b, c = runs
    head_a = [x.value for x in next(openpyxl.load_workbook(a)["Customer List"].iter_rows(max_row=1))]
    for path in (b, c):
        head = [x.value for x in next(openpyxl.load_workbook(path)["Customer List"].iter_rows(max_row=1))]
        assert head == head_a + OUR_HEADERS, path
        for h in OUR_HEADERS:
            assert head.count(h) == 1


def test_users_cells_unchanged_and_our_columns_filled(runs):
    a, b, _c = runs
    wa, wb = openpyxl.load_workbook(a)["Customer List"], openpyxl.load_workbook(b)["Customer List"]
    width = wa.max_column
    assert wb.max_row == wa.max_row
    for ra, rb in zip(wa.iter_rows(), wb.iter_rows()):
        assert [(x.value, x.number_format) for x in ra] == [(x.value, x.number_format) for x in rb[:width]]
    segs = [r[0] for r in wb.iter_rows(min_row=2, min_col=width + 5, max_col=width + 5, values_only=True)]
    known = {L.label(L.SEGMENTS, k, "en") for k in L.SEGMENTS}
    assert {s for s in segs if s is not None} <= known
    assert sum(s is not None for s in segs) > 100


def test_in_place_rerun_is_stable_too(runs, tmp_path):
    _a, b, _c = runs
    book = tmp_path / "book.xlsx"
    book.write_bytes(b.read_bytes())
    before = snapshot(book)
    run = classify_file(book, in_place=True, generated="fixed")
    assert run.output == book and run.backup == tmp_path / "book.backup.xlsx"
    assert run.backup.read_bytes() == b.read_bytes()
    assert_same_apart_from_run_log(snapshot(book), before)


def test_shrunk_table_clears_our_old_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Customer ID", "Name", "Orders", "Total Spend", "Last Purchase"])
    for i in range(1, 11):
        ws.append([f"C{i:03}", f"Name {i}", i, 100.0 * i, f"2026-0{1 + i % 6}-15"])
    first = tmp_path / "first.xlsx"
    wb.save(first)
    classify_file(first, first, generated="fixed")
    wb = openpyxl.load_workbook(first)
    ws = wb["Data"]
    for row in ws.iter_rows(min_row=8, max_row=11, max_col=5):  # the user clears the last four customers
        for cell in row:
            cell.value = None
    wb.save(first)
    classify_file(first, first, generated="fixed")
    ws = openpyxl.load_workbook(first)["Data"]
    head = [c.value for c in ws[1]]
    assert head[5:] == OUR_HEADERS and head.count("Segment") == 1
    assert all(ws.cell(r, 6).value is not None for r in range(2, 8))
    # our old values in rows 8-11 are gone: nothing of ours is left below the table
    assert all(ws.cell(r, c).value is None for r in range(8, 12) for c in range(1, 6 + len(OUTPUT_KEYS)))
    last = get_column_letter(5 + len(OUTPUT_KEYS))
    assert openpyxl.load_workbook(first).defined_names["xlseg_columns"].attr_text == f"'Data'!$F$1:${last}$7"
