"""Date and number columns held as text, read by the core's own parsers: one meaning for a value on every path.

A CSV export holds every value as text, and so may a Parquet file's string
column. SQL reads the plainest forms itself (``2024-03-05``, ``12``, ``12.5``:
:func:`xlseg.engines.sql.plain_text`); any other text (``12/1/10 8:26``,
``03/04/2024``, ``1.234,50``, ``¥12``, ``(5)``) is read here by
``xlseg.core.clean`` exactly as the sheet path reads it, with the same
column-wide rules (day or month first, decimal comma), once per distinct text,
and joined back by the engine (tables named by :func:`xlseg.engines.sql.mapped`).
The work is bounded by the distinct texts, not the lines.
"""

from __future__ import annotations

import pandas as pd

from xlseg.core import clean
from xlseg.core.issues import IssueLog
from xlseg.engines import sql
from xlseg.read.delimited import typed


def decimals(schema) -> bool:
    """Whether 12.5 is a plain number in this file: a CSV without a decimal comma (Excel opens it as a number);
    in a Parquet string column it is text, for the column's decimal separator to decide."""
    return schema.csv and not (schema.dialect is not None and schema.dialect.decimal_comma)


def read_texts(engine, schemas, relations, *, day_first: bool = False) -> tuple[set, list[str]]:
    """Read the other texts of every file's date and number fields and register their values in ``engine``.

    Returns the fields whose tables were registered (for ``sql.lines_sql(texts=...)``) and notes for the run
    (the day/month order chosen for a column of such dates, as the sheet path says it).
    """
    queries = [q for s, rel in zip(schemas, relations)
               if (q := sql.other_texts_sql(s.fields, s.kinds, rel, decimals(s)))]
    if not queries:
        return set(), []
    found: dict = {}
    for q in queries:
        for fld, values in engine.frame(q).iloc[0].items():
            if hasattr(values, "__len__") and not isinstance(values, str):  # a list (no texts: NULL)
                found.setdefault(fld, set()).update(v for v in values if v is not None)
    first = schemas[0]
    comma = first.dialect.decimal_comma if first.dialect is not None else False
    joined, notes = set(), []
    for fld in sql.TEXT_FIELDS:
        texts = sorted(found.get(fld, ()))
        if not texts:
            continue
        # a CSV cell as the sheet path holds it: a number where Excel would type one, else the text
        cells = [typed(t, comma) for t in texts] if first.csv else texts
        series = pd.Series(cells, dtype=object)
        header = first.fields[fld]
        if fld == "date":
            values = clean.parse_dates(series, column=header, log=IssueLog(), day_first=day_first)
            if values.attrs.get("date_order"):
                notes.append(f"Order files column '{header}': {values.attrs['date_order']}")
        else:
            values = clean.parse_amounts(series, column=header, log=IssueLog())
        keep = values.notna().to_numpy()
        if not keep.any():
            continue
        table, text_col, value_col = sql.mapped(fld)
        kept = values[keep].reset_index(drop=True)
        if fld == "date":  # as ISO text, cast to DATE in SQL: no time zone between pandas and a Spark session
            kept = pd.Series(kept.dt.strftime("%Y-%m-%d").to_numpy(dtype=object), dtype=object)
        engine.register_frame(table, pd.DataFrame({
            text_col: pd.Series(texts, dtype=object)[keep].reset_index(drop=True), value_col: kept}))
        joined.add(fld)
    return joined, notes
