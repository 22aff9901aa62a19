"""Rows held as columns (xlseg/plan/rows.py): the same rows a list would give, made a band at a time."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from xlseg.plan.write_plan import values
from xlseg.read.table import read_table
from xlseg.plan.rows import CHUNK, Rows


def frame():
    return pd.DataFrame({
        "id": pd.array(["C1", "C2", None, "C4"], dtype="str"),
        "n": [1.5, np.nan, 3.0, 4.0],
        "k": pd.array([1, None, 3, 4], dtype="Int64"),
        "d": pd.to_datetime(["2026-01-02", None, "2026-03-04", "2026-05-06"]),
        "o": np.array(["x", None, 7, True], dtype=object),
    })


def test_rows_equal_the_lists_values_gives():
    f = frame()
    rows = Rows(f, head=[["ID", "N", "K", "D", "O"]])
    expected = [["ID", "N", "K", "D", "O"]] + values(f)
    assert len(rows) == 5 and rows.width == 5
    assert list(rows) == expected and rows == expected
    assert rows[0] == ["ID", "N", "K", "D", "O"] and rows[-1] == expected[-1] and rows[2] == expected[2]
    assert rows[1:3] == expected[1:3] and rows[:] == expected and rows[4:99] == expected[4:]
    assert rows[1] == ["C1", 1.5, 1, dt.datetime(2026, 1, 2), "x"]
    assert rows[2] == ["C2", None, None, None, None]
    assert type(rows[1][2]) is int and type(rows[1][3]) is dt.datetime


def test_rows_placed_among_blank_rows():
    f = frame()
    rows = Rows(f, head=[["h"] * 5], at=[0, 2, 7, 8], n=10)
    got = list(rows)
    assert len(got) == 11
    blank = [None] * 5
    assert got[1] == values(f)[0] and got[3] == values(f)[1] and got[8] == values(f)[2] and got[9] == values(f)[3]
    assert [got[i] for i in (2, 4, 5, 6, 7, 10)] == [blank] * 6
    assert rows[5:10] == got[5:10]


def test_tuples_trimmed_as_the_csv_module_gives_short_rows():
    f = pd.DataFrame({0: np.array(["a", "b", None], dtype=object), 1: np.array([None, "c", None], dtype=object)})
    rows = Rows(f, row=tuple, trim=True)
    assert list(rows) == [("a",), ("b", "c"), ()]


def test_iteration_crosses_bands():
    n = CHUNK * 2 + 7
    f = pd.DataFrame({"i": np.arange(n, dtype=np.int64), "s": np.array([f"s{i}" for i in range(n)], dtype=object)})
    rows = Rows(f, row=tuple)
    got = list(rows)
    assert len(got) == n and got[CHUNK] == (CHUNK, f"s{CHUNK}") and got[-1] == (n - 1, f"s{n - 1}")


def test_read_table_takes_the_columns_directly_and_blanked_hides_columns():
    f = pd.DataFrame({0: np.array(["Customer ID", "C1", None, "C3"], dtype=object),
                      1: np.array(["Name", "Ann", None, "  "], dtype=object),
                      2: np.array(["R Score", 5, None, 3], dtype=object)})
    rows = Rows(f, row=tuple)
    table, layout = read_table(rows, "S")
    assert table.index.tolist() == [2, 4] and table["Name"].tolist() == ["Ann", "  "]
    assert table["R Score"].tolist() == [5, 3]
    hidden = rows.blanked(3, 3)
    assert list(hidden) == [("Customer ID", "Name", None), ("C1", "Ann", None), (None, None, None), ("C3", "  ", None)]
    assert list(rows)[1] == ("C1", "Ann", 5)  # the original is unchanged
