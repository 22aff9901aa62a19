"""Blank rows and totals rows: which rows of a sheet are not customers or orders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.core.clean.base import NO_ID, SKIPPED, TOTALS_ROW, _cell
from xlseg.core.clean.errors import error_cells
from xlseg.core.clean.values import (
    _BLANK,
    _DT,
    _NUM,
    _STR,
    _kind_of_type,
    _split,
    _strip,
)
from xlseg.core.issues import IssueLog

TOTAL_WORDS = ("total", "totals", "grand total", "grandtotal", "sub total", "subtotal", "sub-total", "sum",
               "合计", "总计", "小计", "共计", "总和")
# As typed: any of the usual capitalisations, with or without a colon (compared after strip).
_TOTAL_FORMS = frozenset(
    form + end
    for word in TOTAL_WORDS
    for form in (word, word.upper(), word.title(), word.capitalize())
    for end in ("", ":", "：", " :")
)


def _strings_of(col: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kinds, positions of string cells, those strings stripped) for one column."""
    if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
        kinds = np.where(col.isna().to_numpy(), _BLANK, _NUM).astype(np.int8)
        return kinds, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    values, kinds = _split(col)
    spos = np.flatnonzero(kinds == _STR)
    return kinds, spos, (_strip(values[spos]) if len(spos) else np.zeros(0, dtype=object))


def _blank_cells(cells) -> np.ndarray:
    kinds, spos, stripped = cells
    blank = kinds == _BLANK
    blank[spos[stripped == ""]] = True
    return blank


def _total_cells(cells) -> np.ndarray:
    kinds, spos, stripped = cells
    total = np.zeros(len(kinds), dtype=bool)
    if len(spos):
        total[spos[pd.Series(stripped, dtype=object).isin(_TOTAL_FORMS).to_numpy(dtype=bool)]] = True
    return total


def drop_blank_and_total_rows(df: pd.DataFrame, *, id_column, log: IssueLog, sheet: str,
                              name_column=None) -> pd.DataFrame:
    """Rows that are not customers (or order lines), removed; a new frame. See :func:`rows_to_drop`."""
    drop = rows_to_drop(df, id_column=id_column, log=log, sheet=sheet, name_column=name_column)
    return df.loc[~drop].copy() if drop.any() else df.copy(deep=False)  # copy-on-write: never shares edits


def not_an_id(values: np.ndarray) -> np.ndarray:
    """Per cell: why it cannot be a customer id (a date, TRUE/FALSE, an error cell), or None."""
    out = np.full(len(values), None, dtype=object)
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    if inferred in ("integer", "floating", "mixed-integer-float", "empty"):
        return out
    if inferred == "string":  # the usual case: only error cells can be wrong
        bad = error_cells(pd.Series(values, dtype=object))
        for i in np.flatnonzero(bad):
            out[i] = f"error value {values[i].strip()}"
        return out
    types = np.frompyfunc(type, 1, 1)(values)
    codes, uniques = pd.factorize(types)
    for code, t in enumerate(uniques):
        kind = _kind_of_type(t)
        sel = codes == code
        if issubclass(t, (bool, np.bool_)):
            out[sel] = "not a customer id (TRUE/FALSE)"
        elif kind == _DT:
            out[sel] = "not a customer id (a date)"
        elif kind == _STR:
            where = np.flatnonzero(sel)
            bad = error_cells(pd.Series(values[where], dtype=object))
            for i in where[bad]:
                out[i] = f"error value {values[i].strip()}"
    return out


def rows_to_drop(df: pd.DataFrame, *, id_column, log: IssueLog, sheet: str, name_column=None,
                 ids: tuple[np.ndarray, np.ndarray] | None = None, id_problems: np.ndarray | None = None,
                 limit: int | None = None) -> np.ndarray:
    """Which rows are not customers (or order lines), as a boolean array; records for them.

    * entirely blank rows: dropped, no record (sheets often have blank
      separator rows);
    * totals rows (the id or name cell is Total, Grand Total, Subtotal, Sum,
      合计, 总计, 小计, 共计 ..., any case, optional colon): one record each,
      "totals row" / "skipped", column and value of the cell that said so;
    * rows with a blank id but other values: "no customer id" / "skipped".

    ``id_column`` and ``name_column`` are the frame's column labels (the
    user's headers). Records go to ``sheet``.

    ``ids``: the id column already normalised, as the ``(codes, texts)`` that
    ``normalise_ids(..., codes=True)`` gives. Blank and totals ids are then
    judged on those cleaned values, once per distinct id, instead of the
    column being read again (so ``ＴＯＴＡＬ`` and ``Grand  Total`` count too).
    """
    if ids is not None:
        codes, texts = ids
        id_blank = codes < 0
        totals_id = np.append(pd.Series(texts, dtype=object).isin(_TOTAL_FORMS).to_numpy(dtype=bool), False)[codes]
    else:
        id_cells = _strings_of(df[id_column])
        id_blank = _blank_cells(id_cells)
        totals_id = _total_cells(id_cells)
    totals_name = (_total_cells(_strings_of(df[name_column])) & ~totals_id if name_column is not None
                   else np.zeros(len(df), dtype=bool))
    # Only a row with a blank id can be entirely blank: check the other cells of those rows only.
    candidates = np.flatnonzero(id_blank & ~totals_name)
    all_blank = np.zeros(len(df), dtype=bool)
    if len(candidates):
        sub = df.iloc[candidates]
        empty = np.ones(len(candidates), dtype=bool)
        for j in range(sub.shape[1]):
            empty &= _blank_cells(_strings_of(sub.iloc[:, j]))
        all_blank[candidates[empty]] = True
    no_id = id_blank & ~all_blank & ~totals_name

    index = df.index
    id_values = df[id_column].to_numpy(dtype=object)
    name_values = df[name_column].to_numpy(dtype=object) if name_column is not None else None
    reported = np.flatnonzero(totals_id | totals_name | no_id)
    more: dict[str, list] = {}
    per_problem: dict[str, int] = {}
    for i in reported:
        if totals_id[i]:
            column, value, problem = str(id_column), id_values[i], TOTALS_ROW
        elif totals_name[i]:
            column, value, problem = str(name_column), name_values[i], TOTALS_ROW
        else:
            why = id_problems[i] if id_problems is not None else None
            column, value, problem = str(id_column), _cell(id_values[i]), why or NO_ID
        seen = per_problem[problem] = per_problem.get(problem, 0) + 1
        if limit is not None and seen > limit:
            more.setdefault(problem, []).append(index[i])
            continue
        log.add(index[i], column, value, problem, SKIPPED, sheet=sheet)
    for problem, rows in more.items():  # the rest counted in one record, as in parse_dates
        log.add("", str(id_column), "", problem, f"same for {len(rows)} more rows (not listed)", sheet=sheet)
        log.also(rows, sheet=sheet)
    return all_blank | totals_id | totals_name | no_id
