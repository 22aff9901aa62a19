"""The Arrow path of the package writer (xlseg/ooxml/arrow_cells.py) writes the same cells as the cell-by-cell path.

A band of at least ``grid.ARROW_ROWS`` rows held as a frame's columns goes through Arrow's kernels; the same
block rendered with the Arrow path switched off is the reference. Cells are compared as parsed XML: the
format index, the type, the value (numbers as doubles, since Arrow writes the shortest form: ``3`` for
``3.0``) and the text.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from xlseg.ooxml import grid as G
from xlseg.ooxml.styles import MINIMAL, StyleBook
from xlseg.plan.rows import Rows
from xlseg.plan.write_plan import Block, Style

N = 400
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _frame(seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = ["Champions", "Loyal Customers", "At Risk", "", None, " leading space", "trailing ", "two  spaces",
             "Tom & Jerry <Ltd>", "=cmd|' /C calc'!A0", "+86 138", "-5", "@SUM(A1)", "客户 甲", "tab\there",
             "line\nbreak", "bad\x01control", "_x0041_ literal", "a>b"]
    floats = rng.normal(size=N) * 10.0 ** rng.integers(-8, 12, size=N)
    floats[::17] = np.nan
    floats[5] = math.inf
    floats[6] = -math.inf
    floats[7] = 3.0
    floats[8] = -0.0
    stamps = pd.to_datetime("1899-12-31") + pd.to_timedelta(rng.integers(0, 50_000, size=N), unit="D") + \
        pd.to_timedelta(rng.integers(0, 86_400_000_000, size=N), unit="us")
    stamps = pd.Series(stamps)
    stamps[::13] = pd.NaT
    stamps[3] = pd.Timestamp("1900-02-28 12:00")
    stamps[4] = pd.Timestamp("1900-03-01")
    return pd.DataFrame({
        "clean": pd.Series(rng.choice(["Champions", "Loyal", "At Risk", None], size=N), dtype="str"),
        "messy": pd.Series([words[i % len(words)] for i in range(N)], dtype="str"),
        "special": pd.Series(rng.choice(["A & B", "x<y", "plain", None], size=N), dtype="str"),
        "risky": pd.Series(rng.choice(["=1+1", "ok", "-3", None], size=N), dtype="str"),
        "float": floats,
        "int": pd.Series(rng.integers(-10**12, 10**12, size=N)),
        "nullable": pd.Series([None if i % 5 == 0 else i for i in range(N)], dtype="Int64"),
        "when": stamps,
        "mixed": pd.Series([i if i % 3 else "t" for i in range(N)], dtype=object),
    })


def _cells(xml: str) -> dict:
    root = etree.fromstring(f'<r xmlns="{NS[1:-1]}">{xml}</r>'.encode())
    out = {}
    for c in root.iter(f"{NS}c"):
        v = c.find(f"{NS}v")
        t = c.find(f"{NS}is/{NS}t")
        value = float(v.text) if v is not None else (t.text if t is not None else None)
        out[c.get("r")] = (c.get("s"), c.get("t"), value)
    return out


def _render(frame, styles, arrow: bool, date1904: bool, monkeypatch) -> dict:
    monkeypatch.setattr(G, "ARROW_ROWS", 256 if arrow else 10 ** 9)
    book = StyleBook(MINIMAL)
    g = G.Grid([Block(2, 2, Rows(frame))], styles, book, date1904=date1904)
    cells = {}
    for _r, xml in g.rows():
        cells.update(_cells(xml))
    return cells


@pytest.mark.parametrize("date1904", [False, True])
@pytest.mark.parametrize("styled", [False, True])
@pytest.mark.parametrize("distinct", [False, True])
def test_arrow_path_writes_what_the_cell_path_writes(monkeypatch, date1904, styled, distinct):
    """``distinct``: every text column taken as long, nearly distinct texts are (no dictionary)."""
    frame = _frame()
    styles = [Style(ref=f"B2:J{N + 1}", number_format="0.00", bold=True)] if styled else []
    from xlseg.ooxml import arrow_cells
    if distinct:
        monkeypatch.setattr(arrow_cells, "LONG_TEXT", 0)
    rendered = []
    real = arrow_cells.render

    def spy(arr, *args):
        out = real(arr, *args)
        rendered.append((str(arr.type), out is not None))
        return out

    monkeypatch.setattr(arrow_cells, "render", spy)
    ours = _render(frame, styles, True, date1904, monkeypatch)
    # text (clean, special, risky), float, int, nullable int and datetime went through Arrow; 'messy' (a
    # control character, a line break) fell back to the cell path
    assert sum(ok for _t, ok in rendered) == 7 and sum(not ok for _t, ok in rendered) == 1
    reference = _render(frame, styles, False, date1904, monkeypatch)
    assert len(reference) > N * 6
    assert ours == reference


def test_rows_placed_among_blanks_and_line_breaks_fall_back(monkeypatch):
    frame = _frame(3)
    at = np.arange(N) * 2  # every other row is blank
    book = StyleBook(MINIMAL)
    out = {}
    for arrow in (True, False):
        monkeypatch.setattr(G, "ARROW_ROWS", 256 if arrow else 10 ** 9)
        g = G.Grid([Block(1, 1, Rows(frame, head=[list(frame.columns)], at=at, n=2 * N))], [], StyleBook(MINIMAL))
        cells = {}
        for _r, xml in g.rows():
            cells.update(_cells(xml))
        out[arrow] = cells
    assert out[True] == out[False]
    assert book is not None


def test_serials_equal_the_python_serial_function():
    import pyarrow as pa

    from xlseg.ooxml.arrow_cells import render, row_numbers
    from xlseg.ooxml.cells import serial
    when = [dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28, 23, 59, 59, 999999), dt.datetime(1900, 3, 1),
            dt.datetime(2026, 12, 2, 20, 4, 53, 123456), dt.datetime(1904, 1, 1), dt.datetime(1899, 12, 30, 6)]
    for date1904 in (False, True):
        cells = render(pa.array(when, pa.timestamp("us")), '<c r="A', row_numbers(1, len(when)), "", 0,
                       lambda: 9, lambda: 10, date1904).to_pylist()
        got = [float(c.split("<v>")[1].split("</v>")[0]) for c in cells]
        assert got == [serial(w, date1904) for w in when]


def test_text_checks_answer_as_the_regular_expressions_do():
    """The byte searches of ``text_checks`` give, for any set of distinct strings, what Arrow's regular
    expressions gave per string (a match made only across two strings may say more, never less)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from xlseg.ooxml import arrow_cells as A

    rng = np.random.default_rng(3)
    alphabet = ["a", "Z", " ", "\t", "\n", "\r", "\x01", "\x0b", "\x0c", "\x1f", "_", "x", "&", "<", ">", "=", "+",
                "-", "@", "客", "\ufffe", "\uffff", "é"]
    for _ in range(3000):
        words = list({"".join(rng.choice(alphabet, size=rng.integers(0, 5))) for _ in range(rng.integers(1, 6))})
        arr = pa.array(words, type=pa.large_string() if rng.random() < 0.3 else pa.string())
        if rng.random() < 0.3 and len(arr) > 1:
            arr = arr.slice(1)
        esc, special, space, risky = A.text_checks(arr)

        def anyre(pattern):
            return bool(pc.any(pc.match_substring_regex(arr, pattern)).as_py()) if len(arr) else False

        assert special == anyre(A._XML_SPECIAL)
        assert esc >= anyre(A._NEEDS_EXCEL_ESCAPE)
        if not esc:
            assert esc == anyre(A._NEEDS_EXCEL_ESCAPE) and space == anyre(A._EDGE_SPACE), arr.to_pylist()
        expect = pc.match_substring_regex(arr, A._RISKY).to_pylist()
        assert (risky.to_pylist() if risky is not None else [False] * len(arr)) == expect


def _chunks(grid) -> bytes:
    return b"".join(bytes(c) if not isinstance(c, str) else c.encode() for c in grid.row_chunks())


@pytest.mark.parametrize("with_blanks", [False, True])
def test_row_chunks_with_column_pieces_write_the_same_bytes(monkeypatch, with_blanks):
    """Columns with a cell in every row go into the row's join as their pieces (arrow_cells.Pieces): the sheet's
    bytes are those of joining each column's cells first, and its cells those of the cell-by-cell path."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "days": rng.integers(0, 5000, N).astype(float), "money": np.round(rng.gamma(2, 500, N), 2),
        "count": pd.Series(rng.integers(1, 40, N)), "word": pd.Series(rng.choice(["A", "B & C", "=x"], N), dtype="str"),
        "when": pd.Series(pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 900, N), unit="D")),
    })
    if with_blanks:
        frame["gap"] = np.where(rng.random(N) < 0.3, np.nan, rng.gamma(2, 30, N))
    book = StyleBook(MINIMAL)
    monkeypatch.setattr(G, "ARROW_ROWS", 256)
    from xlseg.ooxml import arrow_cells
    made = []
    real = arrow_cells._cells
    monkeypatch.setattr(arrow_cells, "_cells", lambda parts, pieces: made.append(pieces) or real(parts, pieces))
    fused = _chunks(G.Grid([Block(2, 2, Rows(frame))], [], book))
    assert any(made)
    monkeypatch.setattr(arrow_cells, "_cells", lambda parts, pieces: real(parts, False))
    joined = _chunks(G.Grid([Block(2, 2, Rows(frame))], [], book))
    assert fused == joined
    monkeypatch.setattr(G, "ARROW_ROWS", 10 ** 9)
    reference = {}
    for _r, xml in G.Grid([Block(2, 2, Rows(frame))], [], book).rows():
        reference.update(_cells(xml))
    root = etree.fromstring(b'<s xmlns="' + NS[1:-1].encode() + b'">' + fused + b"</s>")
    assert len(root) == N and _cells(fused.decode()) == reference


def test_whole_numbers_cast_through_int64_as_arrow_writes_doubles():
    """Doubles that are all whole and below WHOLE_TEXT are written as Arrow writes them (nulls, NaN and
    infinities stay without text); -0.0, 1e10, a fraction or float32 keep Arrow's own cast."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from xlseg.ooxml import arrow_cells
    whole = [0.0, 1.0, -1.0, 3.0, 99999.0, 9_999_999_999.0, -9_999_999_999.0, 123456789.0, None, np.nan, np.inf]
    for values in (whole, whole + [-0.0], whole + [1e10], whole + [0.5], [None, np.nan], []):
        arr = pa.array(values, type=pa.float64(), from_pandas=False)
        finite = pc.fill_null(pc.is_finite(arr), False)
        want = pc.if_else(finite, pc.cast(arr, pa.string()), None)
        got = pc.if_else(finite, arrow_cells._number_text(arr), None)
        assert got.equals(want), values
    single = pa.array([123456789.0, 3.0], type=pa.float32())  # float32's shortest text: 123456790, not ...792
    assert arrow_cells._number_text(single).equals(pc.cast(single, pa.string()))
