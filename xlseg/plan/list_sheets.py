"""The owned list sheets: Customers (one row per customer), Tags (one row per tag), Issues (one row per kind)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from xlseg.a1 import column_letter

from xlseg.core import labels as L
from xlseg.core.engine import Result
from xlseg.core.sentences import say
from xlseg.plan.label_styles import label_rules
from xlseg.plan.write_plan import Block, SheetPlan, Style, Table, ref, values
from xlseg.plan.rows import Rows
from xlseg.plan.texts import CUSTOMER_KEYS, FORMATS, PREDICTION_KEYS, WIDTHS, _t


def customers_sheet(result: Result, title: str, replaces) -> SheetPlan:
    lang = result.config.lang
    sp = SheetPlan("customers", title, replaces=replaces, freeze="C2", tab_color="1565C0", landscape=True,
                   fit_width=True)
    predicted = [k for k in PREDICTION_KEYS if k in result.customers]  # issue 15
    keys = list(CUSTOMER_KEYS) + predicted + [k for k in result.attributes if k in result.customers.columns]
    frame = result.customers[keys]
    head = [L.header(k, lang) for k in (*CUSTOMER_KEYS, *predicted)] + _attribute_headers(result, lang)
    sp.blocks.append(Block(1, 1, Rows(frame, head=[head]) if len(frame) else [head, [None] * len(head)]))
    last = max(len(frame), 1) + 1
    sp.tables.append(Table("xlsegCustomers", ref(1, 1, last, len(head)), style="TableStyleLight9"))
    col = {k: i + 1 for i, k in enumerate(keys)}
    for k, fmt in FORMATS.items():
        if k in col:
            sp.styles.append(Style(ref(2, col[k], last, col[k]), number_format=fmt))
    sp.styles.append(Style(ref(2, col["r_score"], last, col["rfm"]), align="center"))
    sp.styles.append(Style(ref(2, col["why"], last, col["why"]), wrap=True))
    # the header wraps (a long one, "Expected Spend per Purchase", over a number column is not cut off; its
    # row gets a height, xlseg.plan.row_heights); numbers' headers sit right, scores' centred
    sp.styles.append(Style(ref(1, 1, 1, len(head)), wrap=True))
    sp.styles.append(Style(ref(1, col["r_score"], 1, col["rfm"]), align="center", wrap=True))
    for k in ("recency", "frequency", "monetary", "avg_order_value", *PREDICTION_KEYS):
        if k in col:
            sp.styles.append(Style(ref(1, col[k]), align="right", wrap=True))
    sp.cond_rules = label_rules(result, 2, last, col)
    own = list(CUSTOMER_KEYS) + predicted
    sp.widths = {column_letter(col[k]): WIDTHS[k] for k in own}
    sp.widths.update({column_letter(len(own) + 1 + i): 16 for i in range(len(keys) - len(own))})
    return sp


def _attribute_headers(result: Result, lang: str) -> list:
    """Headers of the attribute columns taken from order lines: the field's name, or the user's header
    (made distinct from xlseg's own headers: a 'Segment' column of the data is 'Segment (data)')."""
    from xlseg.core.tags import FIELD_NAMES

    taken = {L.header(k, lang) for k in CUSTOMER_KEYS}
    out = []
    for k in result.attributes:
        if k not in result.customers.columns:
            continue
        name = FIELD_NAMES[k][L.LANGS.index(lang)] if k in FIELD_NAMES else str(k)
        while name in taken:
            name = f"{name} (data)" if lang == "en" else f"{name}（数据）"
        taken.add(name)
        out.append(name)
    return out


def tags_sheet(result: Result, title: str, replaces) -> SheetPlan:
    lang = result.config.lang
    sp = SheetPlan("tags", title, replaces=replaces, freeze="A2", tab_color="6A1B9A")
    c = result.customers
    long = result.tags.copy()
    # each tag row's name taken from its customer's row, kept in the column's own type: 3,169,317 tag rows of a
    # full sheet made 3.2M Python strings through to_numpy (+400 MB, issue 12); missing ids (none) give NA
    long.insert(1, "name", c["name"].array.take(_rows_of(c["customer_id"], long["customer_id"]), allow_fill=True))
    head = [L.header("customer_id", lang), L.header("name", lang), _t("tag", lang)]
    body = long[["customer_id", "name", "tag"]]
    sp.blocks.append(Block(1, 1, Rows(body, head=[head]) if len(body) else [head, [None, None, None]]))
    sp.tables.append(Table("xlsegTags", ref(1, 1, max(len(body), 1) + 1, 3)))
    sp.widths = {"A": 14, "B": 28, "C": 20}
    return sp


def _rows_of(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """The row of ``ids`` (unique) that holds each of ``wanted``, -1 for none. Arrow text is looked up by Arrow
    (a full sheet's 3.2M tag rows: 0.9 s and no Python strings; pandas' get_indexer took 2.8 s and +270 MB)."""
    if isinstance(ids.array, pd.arrays.ArrowStringArray) and isinstance(wanted.array, pd.arrays.ArrowStringArray):
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pa.array(ids.array)
        values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
        return pc.index_in(pa.array(wanted.array), value_set=values).fill_null(-1).to_numpy().astype(np.int64)
    return pd.Index(ids).get_indexer(wanted)


def issues_sheet(result: Result, title: str, replaces) -> SheetPlan:
    """One row per kind of problem (sheet, column, problem) with how many rows, the first rows and values."""
    from xlseg.core.issues import group

    lang = result.config.lang
    sp = SheetPlan("issues", title, replaces=replaces, freeze="A2", tab_color="C62828")
    head = list(_t("issue_head", lang))
    groups = result.issue_groups if result.issue_groups is not None else group(result.issues)
    body = [[sheet, column, say(problem, lang), count, rows, vals, say(action, lang)]
            for sheet, column, problem, count, rows, vals, action in values(groups)] \
        or [[None, None, _t("no_issues", lang), 0, None, None, None]]
    sp.blocks.append(Block(1, 1, [head] + body))
    sp.tables.append(Table("xlsegIssues", ref(1, 1, len(body) + 1, len(head))))
    sp.styles.append(Style(ref(2, 4, len(body) + 1, 4), number_format="#,##0"))
    sp.widths = {"A": 16, "B": 18, "C": 44, "D": 8, "E": 30, "F": 26, "G": 60}
    return sp
