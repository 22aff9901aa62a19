"""Worksheet functions: ``=SEG_TIER(Customers!A1:L2001)`` and friends (xlwings UDFs, Windows Excel).

Every function takes the customer **table with its header row** as first
argument and classifies exactly the frame Reclassify would read: the same
header recognition (header row anywhere in the first 20 rows of the range),
cleaning, Settings defaults and engine. So for the same data a function returns
exactly what Reclassify writes into the sheet.

* No ``customer``: one value per table row below the header, as a vertical
  array that spills (Excel 365 dynamic arrays). Blank and totals rows give
  ``""`` at their position, like the blank cells Reclassify leaves.
* ``customer`` one id (a cell or a literal): one value. A range of ids: one
  value per id, same shape.
* ``orders``: the order table (customer id, date, amount, optional order id);
  the metrics then come from it, as when a workbook has an order sheet.
  A ``table`` that is itself an order table (and no ``orders``) gives, per order
  row, that order's customer's value.
* ``as_of``: a date, an Excel serial number, ``YYYY-MM-DD`` or ``today``.
  ``lang``: ``en`` or ``zh``. ``settings``: the Settings sheet's range, so
  edited settings apply (without it: the defaults Reclassify writes on a first run).

Bad arguments and bad data never raise: the function returns one string
``#xlseg: <what is wrong and how to fix it>``.

Seven functions over the same table in one recalculation classify it once: a
small LRU cache keyed on the table's values and the arguments that change the
classification (not on the function or the selected ids).

The decorators are xlwings' own: on Windows they attach ``__xlfunc__``
metadata (what ``ImportPythonUDFs`` turns into VBA); elsewhere they are no-ops.
Either way each UDF is a plain function, called directly in tests. UDF
parameters carry no type annotations on purpose: xlwings would read them as
converters. This module is the one the add-in imports (``xlseg.udfs``): the functions and
their classification; their arguments are read in :mod:`xlseg.udfs.args`, the cache is
:mod:`xlseg.udfs.cache`, long texts are fitted by :mod:`xlseg.udfs.text`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import xlwings as xw

from xlseg.core import columns
from xlseg.core import labels as L
from xlseg.core.clean import normalise_ids
from xlseg.core.config import Config
from xlseg.core.engine import classify
from xlseg.core.issues import IssueLog
from xlseg.errors import InputError, XlsegError
from xlseg.udfs.args import (
    DAYS_1900_TO_1904,
    ERROR,
    ORDERS,
    SETTINGS,
    TABLE,
    _as_of,
    _date1904,
    _given,
    _grid,
    _lang,
    _message,
    _metric,
)
from xlseg.udfs.cache import CACHE_SIZE, Classified, _cache, _key, _lock, clear_cache
from xlseg.udfs.text import _fit_array, fit_text
from xlseg.plan.build import OUTPUT_KEYS, TITLES
from xlseg.read.table import detect, read_table
from xlseg.plan.settings import first_run_config, read_settings

CATEGORY = "xlseg"
# Columns that are blank for every customer when the table has no purchase columns (and no orders).
NEED_METRICS = {"r_score", "f_score", "m_score", "rfm", "segment", "value_tier", "abc"}
# Predicted value (issue 15): absent or blank when the data cannot support the model fit.
PREDICTED = ("p_alive", "clv")

# Argument docs shown in Excel's function wizard (Excel keeps at most 255 characters of each).
DOC_TABLE = ("The customer table including its header row, e.g. Customers!A1:L2001. "
             "An order table (customer id, date, amount) works too.")
DOC_CUSTOMER = ("Optional. One customer id for one value, or a range of ids for one value per id. "
                "Blank: one value per table row (spills).")
DOC_ORDERS = ("Optional. The order table including its header row (customer id, order date, amount, "
              "optional order id); the metrics are computed from it.")
DOC_AS_OF = ('Optional. The date recency is measured at: a date, YYYY-MM-DD or "today". '
             "Blank: the latest purchase date.")
DOC_LANG = 'Optional. "en" or "zh": the language of the labels. Blank: en (or the Settings value).'
DOC_SETTINGS = ("Optional. The xlseg Settings sheet, e.g. Settings!A1:F120, so your edited settings apply "
                "as in Reclassify. Blank: the defaults.")
DOC_CALLER = "Set by xlwings: the calling cell (its workbook's date system reads a numeric as_of)."
DOC_METRIC = 'Which score: "R" (recency), "F" (frequency) or "M" (monetary).'


# ------------------------------------------------------------------ classification (cached)


def _classified(table, orders, as_of, lang, settings, explain: bool = False, date1904: bool = False) -> Classified:
    rows = _grid(table, "table")
    order_rows = None if orders is None else _grid(orders, "orders")
    settings_rows = None if settings is None else _grid(settings, "settings")
    as_of, lang = _as_of(as_of), _lang(lang)
    try:
        key = (_key(rows), _key(order_rows), _key(settings_rows), as_of, lang, dt.date.today(), explain, date1904)
        hash(key)
    except TypeError:  # an unhashable value (only a caller outside Excel can pass one): no caching
        key = None
    if key is not None:
        with _lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit
    entry = _classify(rows, order_rows, settings_rows, as_of, lang, explain, date1904)
    if key is not None:
        with _lock:
            _cache[key] = entry
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return entry


def _config(settings_rows, as_of, lang, date1904: bool = False) -> Config:
    """The Config Reclassify would use: the Settings sheet when given, else the one it writes on a first run."""
    overrides = {"as_of": as_of, "lang": lang}
    if settings_rows is not None:
        return read_settings(settings_rows, sheet=SETTINGS, date1904=date1904, **overrides)
    return first_run_config(lambda lang: TITLES["settings"][L.LANGS.index(lang)], **overrides)


def _without_xlseg_columns(rows):
    """(rows, layout): xlseg's own columns (R Score ... Why) at the right end of the range dropped, as
    Reclassify ignores them. ``layout`` is None when read_table must detect (and report) it."""
    layout = detect(rows, TABLE) if rows else None
    if layout is None:
        return rows, None
    ours = {L.norm(L.header(k, lang)) for k in OUTPUT_KEYS for lang in L.LANGS}
    keep = len(layout.headers)
    while keep and L.norm(layout.headers[keep - 1]) in ours:
        keep -= 1
    if keep in (0, len(layout.headers)):
        return rows, layout
    cut = layout.first_col - 1 + keep
    return [r[:cut] for r in rows], None


def _classify(rows, order_rows, settings_rows, as_of, lang, explain: bool = False, date1904: bool = False) -> Classified:
    cfg = _config(settings_rows, as_of, lang, date1904)
    rows, layout = _without_xlseg_columns(rows)
    frame, layout = read_table(rows, TABLE, layout, blank_rows=True)  # row_ids go back row by row
    tx = None if order_rows is None else read_table(order_rows, ORDERS)[0]
    orders_only = tx is None and columns.looks_like(list(layout.headers), "transactions")
    if orders_only:
        result = classify(None, frame, cfg, customer_sheet=TABLE, transaction_sheet=TABLE, explain=explain)
        id_col = result.transaction_columns["customer_id"]
        row_ids = normalise_ids(frame[id_col], column=id_col, log=IssueLog(sheet=TABLE)).to_numpy(dtype=object)
    else:
        result = classify(frame, tx, cfg, customer_sheet=TABLE, transaction_sheet=ORDERS, explain=explain)
        # as build.columns_plan: every row from below the header to the table's last row
        body_rows = pd.RangeIndex(layout.header_row + 1, layout.last_row + 1)
        row_ids = result.row_ids.reindex(body_rows).to_numpy(dtype=object)
    cust = result.customers
    keys = [k for k in dict.fromkeys((*OUTPUT_KEYS, "abc", "why", *PREDICTED)) if k in cust.columns]
    return Classified(cust.set_index("customer_id")[keys], row_ids, list(result.notes))


def _run(key, table, customer, orders, as_of, lang, settings, caller=None):
    """The body of every UDF: classify (cached), pick the column, render; errors -> one string."""
    try:
        customer, orders, settings = _given(customer), _given(orders), _given(settings)
        numeric = isinstance(as_of, (int, float)) and not isinstance(as_of, bool)
        in_1904 = (numeric or settings is not None) and _date1904(caller)
        if numeric and in_1904:
            as_of = as_of + DAYS_1900_TO_1904  # a serial of the 1904 system (TODAY() passes one) -> 1900 system
        # Only SEG_EXPLAIN pays for the Why texts; the other functions share one faster classification.
        entry = _classified(table, orders, as_of, lang, settings, explain=(key == "why"), date1904=in_1904)
        if key in PREDICTED and (key not in entry.by_id.columns or entry.by_id[key].isna().all()):
            # no model fit (too few repeat buyers, no purchase dates, predict off): say why, once
            why = [n for n in entry.notes if "skipped" in n and ("Predicted value" in n or "CLV" in n)]
            raise InputError(" ".join(why) or "no prediction: the Settings value 'predict' is FALSE.")
        if key not in entry.by_id.columns:
            raise InputError("this column is not available in this version of xlseg.")
        if customer is None:
            out = entry.column(key)
            missing = [n for n in entry.notes if n.startswith("No ")]  # "No spend column: ... skipped."
            if key in NEED_METRICS and missing and all(r[0] == "" for r in out):
                # a column blank for everyone because an input column is missing: say why, not 2,000 blanks
                hint = "" if orders is not None else " If the purchases are on an order sheet, give it as the " \
                    "third argument, e.g. =SEG_TIER(Customers!A1:L2001, , Orders!A1:D9000)."
                return ERROR + " ".join(missing) + hint
            return _fit_array(out)
        found = entry.lookup(key, customer)
        return _fit_array(found) if isinstance(found, list) else found
    except XlsegError as exc:
        return _message(exc)
    except Exception as exc:  # noqa: BLE001 - a worksheet function must never raise into Excel
        return f"{ERROR}unexpected error ({type(exc).__name__}: {exc}). Please report it with your workbook."


# ------------------------------------------------------------------ the worksheet functions
def _excel_doc(f):
    """One-paragraph docstring: xlwings hands ``__doc__`` to Excel's function wizard as is."""
    f.__doc__ = " ".join(f.__doc__.split())
    return f


def _common_args(f):
    # err_to_str: error cells arrive as "#N/A" ..., as file mode reads them (xlwings' default gives None)
    f = xw.arg("table", ndim=2, err_to_str=True, doc=DOC_TABLE)(f)
    f = xw.arg("customer", ndim=2, err_to_str=True, doc=DOC_CUSTOMER)(f)
    f = xw.arg("orders", ndim=2, err_to_str=True, doc=DOC_ORDERS)(f)
    f = xw.arg("as_of", doc=DOC_AS_OF)(f)
    f = xw.arg("lang", doc=DOC_LANG)(f)
    f = xw.arg("settings", ndim=2, err_to_str=True, doc=DOC_SETTINGS)(f)
    # xlwings' reserved argument: the calling cell (not in the VBA signature; its workbook's date system)
    f = xw.arg("caller", doc=DOC_CALLER)(f)
    return f


@xw.func(category=CATEGORY, call_in_wizard=False)
@xw.arg("metric", doc=DOC_METRIC)
@_common_args
@_excel_doc
def SEG_SCORE(table, metric, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """R, F or M score 1-5 of each customer (higher is better); blank for prospects.
    Same as the R/F/M Score columns Reclassify writes."""
    try:
        key = _metric(metric)
    except XlsegError as exc:
        return _message(exc)
    return _run(key, table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_RFM(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """RFM code of each customer, e.g. "532" (R, F, M scores); blank for prospects.
    Same as the RFM column Reclassify writes."""
    return _run("rfm", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_SEGMENT(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """RFM segment of each customer, e.g. Champions, At Risk (冠军客户, 流失风险).
    Same as the Segment column Reclassify writes."""
    return _run("segment", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_TIER(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Value tier of each customer: High value, Potential, Medium value or Low value (高价值, 潜力 ...).
    Same as the Value Tier column Reclassify writes."""
    return _run("value_tier", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_ABC(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """ABC class of each customer by spend: A (the first 80% of revenue), B (to 95%), C (the rest);
    blank for prospects."""
    return _run("abc", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_STAGE(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Lifecycle stage of each customer: Prospect, New, Active, Churn Warning, Lost or Reactivated.
    Same as the Stage column Reclassify writes."""
    return _run("stage", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_TAGS(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Tags of each customer, separated by "; " (e.g. Enterprise; Online; VIP).
    Same as the Tags column Reclassify writes."""
    return _run("tags", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_EXPLAIN(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Why each customer got its scores, segment, value tier and stage, in words with the numbers.
    Same as the Why column Reclassify writes."""
    return _run("why", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_PALIVE(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Probability (0-1) that each customer is still active (BG/NBD fitted on the table's purchase history).
    Same as the P(alive) column of the Customers sheet."""
    return _run("p_alive", table, customer, orders, as_of, lang, settings, caller)


@xw.func(category=CATEGORY, call_in_wizard=False)
@_common_args
@_excel_doc
def SEG_CLV(table, customer=None, orders=None, as_of=None, lang=None, settings=None, caller=None):
    """Predicted value of each customer over the next clv_months months (BG/NBD x Gamma-Gamma, discounted).
    Same as the CLV column of the Customers sheet."""
    return _run("clv", table, customer, orders, as_of, lang, settings, caller)


UDFS = (SEG_SCORE, SEG_RFM, SEG_SEGMENT, SEG_TIER, SEG_ABC, SEG_STAGE, SEG_TAGS, SEG_EXPLAIN, SEG_PALIVE, SEG_CLV)

__all__ = [f.__name__ for f in UDFS] + ["clear_cache", "fit_text"]
