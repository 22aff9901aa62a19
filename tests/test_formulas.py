"""Portable formulas: parameters, formula text, and LibreOffice equality on a hand-made book."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from xlseg.cli import main
from xlseg.core import scores as S
from xlseg.workbook import xlsx
from xlseg.workbook.build import OUTPUT_KEYS
from xlseg.workbook.formulas import (FORMULA_KEYS, UNREACHABLE_HIGH, UNREACHABLE_LOW, effective_cuts,
                                     settings_positions)
from xlseg.workbook.plan import Formula
from xlseg.workbook.run import analyse, classify_file


# values, higher_is_better -> rank scores must come back from 1 + cuts reached
CASES = [
    ([1, 1, 1, 1, 1, 1, 2, 3, 4, 5], True),       # heavy ties: scores 2 and 3 empty
    ([5, 5, 5, 5], True),                          # all equal: every customer score 1
    ([7], True),                                   # one customer
    ([0, 10, 30, 30, 90, 365, 400, 2], False),    # recency: lower is better
    ([3.5, 1.25, 1000.0, 2.0, 2.0, 0.0], True),
]


@pytest.mark.parametrize("values,higher", CASES)
def test_effective_cuts_give_back_the_rank_scores(values, higher):
    v = pd.Series(values, dtype="float64")
    rank = S.rank_score(v, higher_is_better=higher)
    cuts = effective_cuts(v, rank, higher_is_better=higher)
    assert list(S.cut_score(v, cuts, higher_is_better=higher)) == list(rank)


def test_effective_cuts_unreachable_when_no_one_reaches_a_score():
    v = pd.Series([5.0, 5.0, 5.0])
    assert effective_cuts(v, S.rank_score(v), higher_is_better=True) == (UNREACHABLE_HIGH,) * 4
    assert effective_cuts(v, S.rank_score(v, higher_is_better=False), higher_is_better=False) == (UNREACHABLE_LOW,) * 4


def _book(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Clients"
    ws.append(["Customer ID", "Name", "First Purchase", "Last Purchase", "Orders", "Total Spend"])
    d = dt.datetime
    rows = [
        ("C01", "Ann", d(2023, 1, 5), d(2024, 6, 28), 12, 5400.0),
        ("C02", "Bo", d(2024, 6, 1), d(2024, 6, 20), 1, 80.0),
        ("C03", "Cy", d(2022, 2, 1), d(2023, 3, 1), 4, 900.0),
        ("C04", "Di", None, None, 0, 0.0),                         # prospect
        ("C05", "Ed", d(2023, 5, 1), d(2024, 1, 10), 6, 900.0),    # tie in spend with C03
        ("C06", "Fa", d(2023, 9, 9), d(2024, 6, 30), 2, 150.0),
        ("C07", "Gu", None, d(2024, 3, 3), None, 40.0),            # orders blank: one purchase
        ("C08", "Hi", d(2021, 1, 1), d(2024, 5, 5), 30, 12000.0),
        ("C01", "Ann again", d(2020, 1, 1), d(2020, 1, 1), 1, 1.0),  # duplicate id: shows row 2's result
    ]
    for r in rows:
        ws.append(list(r))
    wb.save(path)


def test_plan_has_formulas_only_from_the_allowed_functions(tmp_path):
    src = tmp_path / "book.xlsx"
    _book(src)
    run = classify_file(src, tmp_path / "out.xlsx", formulas=True)
    body = run.plan.columns.block.values[1:]
    texts = [v.text for row in body for v in row if isinstance(v, Formula)]
    assert len(texts) == len(body) * len(FORMULA_KEYS)
    for t in texts:
        assert len(t) < 8192
        assert not re.search(r"\b(LET|XLOOKUP|FILTER|LAMBDA|TEXTJOIN|IFS|SWITCH)\(", t)
    # tags stay values
    tags = OUTPUT_KEYS.index("tags")
    assert not any(isinstance(row[tags], Formula) for row in body)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb.defined_names["xlseg_r_cuts"].attr_text.endswith("!$N$5:$Q$5")


def test_settings_positions_finds_values_and_grid():
    rows = [("xlseg settings",), ("hint",), (None,), ("Setting", "Value", "Description"),
            ("lang", "en", ""), ("lost_days", 365, ""), (None,), ("R \\ F", 1, 2, 3, 4, 5), (5, "Champions")]
    pos = settings_positions(rows)
    assert pos["lost_days"] == (6, 2) and pos["lang"] == (5, 2) and pos["grid"] == (9, 2)


def _lo_columns(lo, path, outdir, sheet, first_col):
    rows = lo.read_csv_sheet(lo.convert_to_csv(path, outdir)[sheet])
    return {r + 1: rows[r][first_col - 1:first_col - 1 + len(FORMULA_KEYS)] for r in range(1, len(rows))}


def test_libreoffice_equals_python_and_follows_settings_edits(tmp_path, libreoffice):
    src, out = tmp_path / "book.xlsx", tmp_path / "out.xlsx"
    _book(src)
    run = classify_file(src, out, formulas=True)
    cp = run.plan.columns
    got = _lo_columns(libreoffice, out, tmp_path / "a", "Clients", cp.first_col)
    c = run.result.customers.set_index("customer_id")
    for r in range(2, 11):
        exp = c.loc[run.result.row_ids[r]]
        for i, k in enumerate(FORMULA_KEYS):
            v = exp[k]
            v = None if v is None or (not isinstance(v, str) and pd.isna(v)) else (int(v) if "score" in k else v)
            assert libreoffice.cell_equal(got[r][i], v), (r, k, got[r][i], v)
    # row 10 (duplicate C01) shows row 2's result
    assert got[10] == got[2]
    # A Settings edit takes effect without Python: lost_days 365 -> 30 makes old buyers Lost
    wb = openpyxl.load_workbook(out)
    st = wb["Settings"]
    row = next(r for r in range(1, 60) if st.cell(r, 1).value == "lost_days")
    st.cell(row, 2).value = 30
    wb.save(tmp_path / "edited.xlsx")
    got2 = _lo_columns(libreoffice, tmp_path / "edited.xlsx", tmp_path / "b", "Clients", cp.first_col)
    stage = FORMULA_KEYS.index("stage")
    assert got2[4][stage] == "Lost"  # C03: last purchase 2023-03-01
    assert got2[2][stage] == got[2][stage]  # C01 bought 2 days before as_of


def test_reclassify_refreshes_cut_points_and_keeps_formulas(tmp_path):
    src, out = tmp_path / "book.xlsx", tmp_path / "out.xlsx"
    _book(src)
    classify_file(src, out, formulas=True)
    wb = openpyxl.load_workbook(out)
    ws = wb["Clients"]
    ws["F2"].value = 99_999.0  # much bigger spend
    wb.save(out)
    run = classify_file(out, out, formulas=True)
    wb = openpyxl.load_workbook(out)
    st = wb["Settings"]
    m_cuts = [st[c].value for c in ("N7", "O7", "P7", "Q7")]
    assert st["M7"].value.startswith("M cuts")
    expected = run.result.customers.loc[run.result.customers["m_score"] >= 5, "monetary"].min()
    assert m_cuts[3] == expected
    assert str(wb["Clients"].cell(2, run.plan.columns.first_col).value).startswith("=")
    assert [c.value for c in wb["Clients"][1]].count("R Score") == 1


def test_cli_classify_formulas_flag(tmp_path):
    src = tmp_path / "book.xlsx"
    _book(src)
    res = CliRunner().invoke(main, ["classify", str(src), "-o", str(tmp_path / "o.xlsx"), "--formulas"])
    assert res.exit_code == 0, res.output
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx")["Clients"]
    assert str(ws["G2"].value).startswith("=IF(")
    assert "--formulas" in CliRunner().invoke(main, ["classify", "--help"]).output
    assert CliRunner().invoke(main, ["template", "--help"]).exit_code == 0


def test_cli_template(tmp_path):
    res = CliRunner().invoke(main, ["template", "b2b_key_accounts", "-o", str(tmp_path / "t.xlsx")])
    assert res.exit_code == 0, res.output
    assert "Accounts" in openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames
