"""The one SQL definition of xlseg's metrics and classification, for DuckDB and Spark SQL.

Written once in DuckDB's dialect; :func:`for_engine` transpiles it with SQLGlot
for Spark. Three steps, each a query over the previous step's relation:

* :func:`lines_sql` cleans order lines (``xlseg_source``: the user's columns)
  into ``customer_id, date, amount, order_id`` and attributes: ids normalised
  like ``xlseg.core.clean.normalise_ids`` (stripped, whitespace runs collapsed,
  full-width forms folded), dates and amounts cast from their typed columns,
  amount = quantity x unit price when there is no amount column;
  :func:`kept_sql` keeps the usable ones (no blank or totals id, a date and an
  amount, not after an explicit as_of) and :func:`rejects_sql` counts the rest.
* :func:`metrics_sql` aggregates ``xlseg_lines`` to one row per customer
  (group-by and window functions), as ``xlseg.core.metrics.from_transactions``.
* :func:`xlseg.engines.classification.classify_sql` adds recency, scores,
  segment, ABC class, tier and stage to ``xlseg_metrics`` (step 3, its own module).

Identical answers to the pandas path are tested on CDNOW and a randomised log
(tests/test_engines.py).
"""

from __future__ import annotations

import datetime as dt

import sqlglot

from xlseg.core import clean

ATTRIBUTES = ("name", "customer_type", "source", "region", "country", "city", "industry", "company_size")
# A line's place in the order files: the file (its position in the list of files) and, within it, a value that
# grows with the line's position (DuckDB: the line number; Spark: the part file, the split and the row within the
# split). Attributes come from the latest line that has one: its date, then its place, decide (as the pandas path,
# where the later of two same-day lines wins).
ORDER_COLUMNS = ("xlseg_file", "xlseg_row")
LATEST = "{'d': date, 'f': xlseg_file, 'r': xlseg_row}"
# Attribute columns the recogniser does not know are carried under these names inside the SQL (the user's header
# may be any text); :func:`plain_alias` names the i-th.
PLAIN_PREFIX = "xlseg_plain_"


def plain_alias(i: int) -> str:
    return f"{PLAIN_PREFIX}{i}"


# Whitespace that str.split() splits on (clean._OTHER_SPACES plus the plain space), as a regex class.
_SPACES = "[ " + clean._OTHER_SPACES + "]+"
# NFKC folds the full-width ASCII forms U+FF01..U+FF5E to U+0021..U+007E and U+3000 to a space.
_FULL = "".join(chr(c) for c in range(0xFF01, 0xFF5F)) + "\u3000"
_HALF = "".join(chr(c) for c in range(0x21, 0x7F)) + " "
# An id already in normal form: printable ASCII (no space) words separated by single spaces. \z, not $:
# Java's (Spark's) $ also matches before a final line break; \z is the end of the text in Java and RE2 (DuckDB).
_PLAIN = r"^[!-~]+( [!-~]+)*\z"
# DuckDB's url_encode keeps letters, digits and -_.~ only (others become longer %XX text): an id equal to it is a
# plain word that no error text equals, decided before the _PLAIN regex (10M bench lines, one thread: customer ids
# 1.3-1.5 -> 0.7-1.1 s of CPU, order ids 1.6-1.9 -> 0.75-0.95 s). Spark's url_encode keeps '*': Spark keeps the regex.
QUICK_PLAIN = "{x} <> '' AND url_encode({x}) = {x}"
ERROR_TEXTS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!",
               "#GETTING_DATA")


def lit(value) -> str:
    """A SQL string literal (DuckDB dialect)."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def _in_list(values) -> str:
    return "(" + ", ".join(lit(v) for v in sorted(values)) + ")"


def _finite(x: str) -> str:
    """x is a finite number (inf - inf and NaN - NaN are NaN, never 0; no isfinite() in Spark SQL)."""
    return f"({x} - {x}) = 0"


# ------------------------------------------------------------------ step 1: clean lines
# A CSV cell such as 1001.0 is a number where Excel opens the file (``read.delimited.typed``), and a whole number
# is an id without its decimals (``clean._float_ids``): '1001'. Leading zeros keep a cell text ('007.0').
_WHOLE_DECIMAL = r"^\s*-?[1-9][0-9]{0,14}\.0*\s*\z"


def id_expr(col: str, kind: str, csv: bool = False, quick: bool = False) -> str:
    """A normalised id (text) from a column of ``kind`` ('string', 'integer', 'float', other); ``csv``: the
    column is the text of a CSV without a decimal comma, where ``1001.0`` is the id ``1001`` as the sheet path
    reads the file. ``quick`` (DuckDB): blank cells and :data:`QUICK_PLAIN` ids are decided before the regex."""
    x = ident(col)
    if kind == "integer":
        return f"CAST({x} AS VARCHAR)"
    if kind == "float":  # 1001.0 -> '1001' (clean._float_ids); other floats as their text
        x = f"CAST({x} AS DOUBLE)"
        return (f"CASE WHEN {_finite(x)} AND {x} = FLOOR({x}) AND ABS({x}) < 1e15 "
                f"THEN CAST(CAST({x} AS BIGINT) AS VARCHAR) WHEN {_finite(x)} THEN CAST({x} AS VARCHAR) END")
    text = f"CAST({x} AS VARCHAR)"
    if csv:
        text = (f"CASE WHEN REGEXP_MATCHES({text}, {lit(_WHOLE_DECIMAL)}) "
                f"THEN TRIM(SUBSTRING({text}, 1, STRPOS({text}, '.') - 1)) ELSE {text} END")
    folded = f"TRIM(REGEXP_REPLACE(TRANSLATE({text}, {lit(_FULL)}, {lit(_HALF)}), {lit(_SPACES)}, ' ', 'g'))"
    full = f"CASE WHEN {folded} = '' OR {folded} IN {_in_list(ERROR_TEXTS)} THEN NULL ELSE {folded} END"
    # Almost every id is already clean: printable ASCII words with single spaces between them (a fixed point of
    # NFKC, strip and whitespace collapsing), kept as it is; only the others pay for the folding above (100x dearer:
    # on 10M lines 48 s a scan against 0.4 s). One regex test (a second, for Java's $, cost DuckDB 1.3 s of CPU per
    # 10M ids); every error text starts with '#': the list is searched only for ids that do too (0.24 s less).
    tests = (f"WHEN REGEXP_MATCHES({text}, {lit(_PLAIN)}) AND (LEFT({text}, 1) <> '#' OR "
             f"{text} NOT IN {_in_list(ERROR_TEXTS)}) THEN {text}")
    if quick:
        tests = f"WHEN {text} IS NULL THEN NULL WHEN {QUICK_PLAIN.format(x=text)} THEN {text} {tests}"
    return f"CASE {tests} ELSE {full} END"


# Text a date or number column holds in its plainest form, which every reader takes the same way: read here in
# SQL. Any other text (03/04/2024, 12/1/10 8:26, 1.234,50, ¥12, (5)) is read by the core's own parsers, once per
# distinct text (:mod:`xlseg.engines.texts`), and joined back: one meaning for a value on every path.
_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\z"
_WHOLE = r"^-?[0-9]+\z"
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?\z"
TEXT_FIELDS = ("date", "amount", "quantity", "unit_price")


def plain_text(fld: str, col: str, decimals: bool) -> str:
    """The condition for a text cell of field ``fld`` that SQL reads itself (see ``_ISO_DAY``).

    ``decimals``: 12.5 is a plain number (a CSV without a decimal comma, where it is a number as Excel opens
    it); otherwise only whole numbers are, and 12.5 is text for the column's decimal separator to decide.
    """
    x = f"CAST({ident(col)} AS VARCHAR)"
    pattern = _ISO_DAY if fld == "date" else _DECIMAL if decimals else _WHOLE
    return f"REGEXP_MATCHES({x}, {lit(pattern)})"


def mapped(fld: str) -> tuple[str, str, str]:
    """(table, text column, value column) of the distinct texts of ``fld`` read by the core's parsers."""
    return f"xlseg_texts_{fld}", f"xlseg_t_{fld}", f"xlseg_v_{fld}"


def date_expr(col: str, kind: str, text: tuple | None = None) -> str:
    """A DATE from a typed column: dates, timestamps, yyyymmdd numbers or Excel serials; text as the core reads
    it (``text``: (decimals, whether a table of read texts is joined), see :func:`plain_text`)."""
    x = ident(col)
    if kind == "date":
        d = x
    elif kind == "timestamp":
        d = f"CAST({x} AS DATE)"
    elif kind in ("integer", "float"):
        v = f"CAST({x} AS DOUBLE)"
        digits = f"CAST(CAST({v} AS BIGINT) AS VARCHAR)"
        ymd = (f"TRY_CAST(CONCAT(SUBSTRING({digits}, 1, 4), '-', SUBSTRING({digits}, 5, 2), '-', "
               f"SUBSTRING({digits}, 7, 2)) AS DATE)")
        serial = f"DATE_ADD(DATE '1899-12-30', CAST(FLOOR({v}) AS INTEGER))"
        d = (f"CASE WHEN {v} >= 19000101 AND {v} <= 21991231 AND {v} = FLOOR({v}) THEN {ymd} "
             f"WHEN {v} >= {clean._SERIAL_MIN} AND {v} < {clean._SERIAL_MAX} THEN {serial} END")
    elif kind == "string":
        decimals, joined = text or (True, False)
        other = f"CAST({mapped('date')[2]} AS DATE)" if joined else "NULL"
        d = f"CASE WHEN {plain_text('date', col, decimals)} THEN TRY_CAST({x} AS DATE) ELSE {other} END"
    else:
        d = f"TRY_CAST(TRIM(CAST({x} AS VARCHAR)) AS DATE)"
    return f"CASE WHEN {d} >= DATE '1900-01-01' AND {d} < DATE '2200-01-01' THEN {d} END"


def number_expr(col: str, kind: str, fld: str | None = None, text: tuple | None = None) -> str:
    """A finite DOUBLE from a typed column; text of field ``fld`` as the core reads it (see :func:`date_expr`)."""
    x = ident(col)
    if kind in ("integer", "float"):
        v = f"CAST({x} AS DOUBLE)"
    elif kind == "string" and fld is not None:
        decimals, joined = text or (True, False)
        other = mapped(fld)[2] if joined else "NULL"
        v = f"CASE WHEN {plain_text(fld, col, decimals)} THEN TRY_CAST({x} AS DOUBLE) ELSE {other} END"
    else:
        v = f"TRY_CAST(TRIM(CAST({x} AS VARCHAR)) AS DOUBLE)"
    return f"CASE WHEN {_finite(v)} THEN {v} END"


def text_expr(col: str, kind: str) -> str:
    """An attribute as ``clean.parse_text`` leaves text: stripped, whitespace runs collapsed, blank -> NULL."""
    if kind != "string":
        return f"CAST({ident(col)} AS VARCHAR)"
    t = f"TRIM(REGEXP_REPLACE({ident(col)}, {lit(_SPACES)}, ' ', 'g'))"
    return f"NULLIF({t}, '')"


def plain_expr(col: str, kind: str, target: str) -> str:
    """An attribute column the header recogniser does not know, as ``target`` (the kind every file agrees on,
    else 'string'): text as :func:`text_expr` leaves it, floats finite or NULL, other kinds as they are."""
    if target == "string":
        return text_expr(col, kind)
    if target == "float":
        return number_expr(col, kind)
    return ident(col)


def lines_sql(fields: dict, kinds: dict, source: str = "xlseg_source", plain: dict | None = None,
              targets: dict | None = None, ordered: bool = False, texts=(), decimals: bool = False,
              quick: bool = False) -> str:
    """Order lines from ``source`` (a relation with the user's columns) with clean values (NULL: unusable).

    ``fields``: field -> the user's header (``customer_id``, ``date``, and
    ``amount`` or both ``quantity`` and ``unit_price``; optional ``order_id``
    and attributes). ``kinds``: header -> 'string', 'integer', 'float', 'date',
    'timestamp' or 'other'. ``plain``: alias -> header of the other attribute
    columns carried (``targets``: alias -> their kind, see :func:`plain_expr`).
    ``ordered``: ``source`` has the columns ``xlseg_file`` and ``xlseg_row``
    (the line's place: file, then line within the file), passed on.
    ``texts``: the fields (of :data:`TEXT_FIELDS`) whose other texts the core read
    (tables named by :func:`mapped`, joined here). ``decimals``: the source is a CSV without a decimal
    comma, where 12.5 is a number (:func:`plain_text`) and so ``1001.0`` the id ``1001`` (:func:`id_expr`).
    ``quick``: DuckDB's id test (:data:`QUICK_PLAIN`)."""
    texts = set(texts)

    def ident_of(fld):
        col = fields[fld]
        return id_expr(col, kinds[col], decimals, quick)

    def number(fld):
        col = fields[fld]
        return number_expr(col, kinds[col], fld, (decimals, fld in texts))

    date_col = fields["date"]
    cols = [f"{ident_of('customer_id')} AS customer_id",
            f"{date_expr(date_col, kinds[date_col], (decimals, 'date' in texts))} AS date"]
    if "amount" in fields:
        cols.append(f"{number('amount')} AS amount")
    elif "quantity" in fields:  # rounded as the pandas path rounds it: 3 x 0.1 is 0.3
        cols.append(f"ROUND({number('quantity')} * {number('unit_price')}, 6) AS amount")
    else:  # a unit price and no quantity: one unit a line
        cols.append(f"{number('unit_price')} AS amount")
    if "order_id" in fields:
        cols.append(f"{ident_of('order_id')} AS order_id")
    else:
        cols.append("CAST(NULL AS VARCHAR) AS order_id")
    for fld in ATTRIBUTES:
        if fld in fields:
            cols.append(f"{text_expr(fields[fld], kinds[fields[fld]])} AS {fld}")
    for alias, header in (plain or {}).items():
        cols.append(f"{plain_expr(header, kinds[header], (targets or {}).get(alias, kinds[header]))} AS {alias}")
    if ordered:
        cols.extend(ORDER_COLUMNS)
    joins = "".join(f" LEFT JOIN {mapped(fld)[0]} ON {mapped(fld)[1]} = CAST({ident(fields[fld])} AS VARCHAR)"
                    for fld in TEXT_FIELDS if fld in texts and fld in fields)
    return f"SELECT {', '.join(cols)} FROM {source}{joins}"


def other_texts_sql(fields: dict, kinds: dict, source: str, decimals: bool = True) -> str | None:
    """The distinct texts of ``source``'s date and number fields that :func:`plain_text` does not read, one list
    per field (column ``<field>``), in one scan of the file; None when none of those fields is text.
    (A filtered aggregate: a third of the CPU of a DISTINCT over the fields unpivoted.)"""
    wanted = [f for f in TEXT_FIELDS if f in fields and kinds[fields[f]] == "string"]
    if not wanted:
        return None
    lists = ", ".join(f"ARRAY_AGG(DISTINCT CAST({ident(fields[f])} AS VARCHAR)) "
                      f"FILTER (WHERE NOT {plain_text(f, fields[f], decimals)}) AS {f}" for f in wanted)
    return f"SELECT {lists} FROM {source}"


def all_lines_sql() -> str:
    """Every line of ``xlseg_read_lines`` and whether its id is a totals word (tested once: the list is long)."""
    return (f"SELECT *, COALESCE(customer_id IN {_in_list(clean._TOTAL_FORMS)}, FALSE) AS total_line "
            "FROM xlseg_read_lines")


_USABLE = "customer_id IS NOT NULL AND NOT total_line AND date IS NOT NULL AND amount IS NOT NULL"


def _not_after(as_of: dt.date | None, column: str = "date") -> str:
    return "TRUE" if as_of is None else f"{column} <= DATE {lit(as_of.isoformat())}"


def usable_sql(cancellations: bool = False, attributes=()) -> str:
    """The usable lines (``xlseg_usable``): an id that is not a totals word, a date and an amount.

    ``cancellations``: the order ids are plain numbers, so an id such as ``C536379`` is a
    cancellation: a refund (its amount negative), as in the pandas path. ``attributes``: the
    other columns to keep (attributes, and the order columns when there are any).
    """
    if not cancellations:
        return f"SELECT * FROM xlseg_all_lines WHERE {_USABLE}"
    flip = ("CASE WHEN REGEXP_MATCHES(order_id, '^[Cc][0-9]+$') AND amount > 0 THEN -amount ELSE amount END")
    rest = ", ".join(("customer_id", "date", f"{flip} AS amount", "order_id") + tuple(attributes))
    return f"SELECT {rest} FROM xlseg_all_lines WHERE {_USABLE}"


def numeric_orders_sql() -> str:
    """Whether some order id is a plain number (C + digits is then a cancellation); first digit tested first."""
    return ("SELECT COUNT(*) AS n FROM (SELECT 1 FROM xlseg_all_lines WHERE customer_id IS NOT NULL AND order_id >= "
            "'0' AND order_id < ':' AND REGEXP_MATCHES(order_id, '^[0-9]+$') LIMIT 1) AS o")


def kept_sql(limit: dt.date) -> str:
    """The lines that count (``xlseg_lines``): usable and not after ``limit`` (as_of, or today without one).

    Their customers stay (``metrics_sql`` lists every customer of ``xlseg_usable``): one whose every
    line is later is a Prospect, as in the pandas path.
    """
    return f"SELECT * FROM xlseg_usable WHERE {_not_after(limit)}"


def rejects_sql(limit: dt.date) -> str:
    """One pass over every line: how many, and how many were skipped for each reason (first reason wins)."""
    totals = "total_line"
    has_id = "customer_id IS NOT NULL AND NOT total_line"
    return f"""SELECT COUNT(*) AS lines,
       COUNT(CASE WHEN customer_id IS NULL THEN 1 END) AS no_id,
       COUNT(CASE WHEN {totals} THEN 1 END) AS totals,
       COUNT(CASE WHEN {has_id} AND date IS NULL THEN 1 END) AS no_date,
       COUNT(CASE WHEN {has_id} AND date IS NOT NULL AND amount IS NULL THEN 1 END) AS no_amount,
       COUNT(CASE WHEN {_USABLE} AND NOT ({_not_after(limit)}) THEN 1 END) AS after_limit
FROM xlseg_all_lines"""


# ------------------------------------------------------------------ step 2: metrics per customer
def metrics_sql(use_orders: bool, limit: dt.date, attributes=(), plain: dict | None = None) -> str:
    """One row per customer of ``xlseg_lines``: first/last purchase, frequency, monetary, mean gap, gap before last,
    first_spend (net amount of the first purchase day).

    A purchase is a line with amount >= 0; refunds only net out of monetary.
    ``use_orders``: frequency counts distinct order ids (lines without one count by day).
    Lines after ``limit`` (as_of, or today) are not counted, but their customers are listed (spent 0).
    Attributes: the value on the customer's latest line that has one (of any date); of two such lines on
    that day, the later in the files (``ORDER_COLUMNS``, which ``xlseg_usable`` then has).
    ``plain``: alias -> kind of the columns that are attributes if they are customer-level: their
    greatest value (the only one, when they are), their least (``lo_<alias>``) and, for text, how many
    error texts (``err_<alias>``), for :func:`summary_sql`.
    Distinct counts are group-bys (they spill to disk on big data; COUNT(DISTINCT) may not). No window
    function: the day before the last purchase is the latest purchase day before it (a join to each
    customer's last purchase); on 10M lines this query took about 11 s of DuckDB CPU instead of 15 with a
    window partitioned by customer (and days without an order id are counted in ``per_date``). Not DuckDB's
    ``MAX(date, 2)`` either (1 s less on 10M lines): its state per customer does not spill, and 100M lines of 5M
    customers ran out of memory under a 2 GB limit.
    """
    counted = _not_after(limit)
    kept = f"bought = 1 AND {counted}"  # a purchase day that counts
    plain = plain or {}
    attrs = ""
    picked = [f"ARG_MAX({a}, {LATEST}) FILTER (WHERE {a} IS NOT NULL) AS {a}" for a in attributes]
    picked += [f"MAX({a}) AS {a}, MIN({a}) AS lo_{a}" + (
        f", COUNT(CASE WHEN {a} IN {_in_list(ERROR_TEXTS)} THEN 1 END) AS err_{a}" if kind == "string" else "")
        for a, kind in plain.items()]
    attr_columns = list(attributes) + [c for a, kind in plain.items()
                                       for c in (a, f"lo_{a}") + ((f"err_{a}",) if kind == "string" else ())]
    if picked:  # joined below; a customer's usable lines all have a date, so every customer is there
        attrs = f"""attrs AS (
  SELECT customer_id, {', '.join(picked)} FROM xlseg_usable GROUP BY customer_id)"""
    # a day with a purchase line without an order id counts once towards the frequency by orders
    no_id = (",\n         MAX(CASE WHEN amount >= 0 AND order_id IS NULL THEN 1 ELSE 0 END) AS no_id_bought"
             if use_orders else "")
    no_id_days = (f",\n         COUNT(CASE WHEN no_id_bought = 1 AND {counted} THEN 1 END) AS no_id_days"
                  if use_orders else "")
    withs = [f"""per_date AS (
  -- amounts as exact decimals (6 places), as the pandas path rounds its float sums
  SELECT customer_id, date, SUM(CAST(amount AS DECIMAL(38, 6))) AS day_amount,
         MAX(CASE WHEN amount >= 0 THEN 1 ELSE 0 END) AS bought{no_id}
  FROM xlseg_usable GROUP BY customer_id, date)""",
             f"""per_day AS (
  SELECT customer_id, COALESCE(SUM(CASE WHEN {counted} THEN day_amount END), 0) AS monetary,
         COUNT(CASE WHEN {kept} THEN 1 END) AS n_days,
         MIN(CASE WHEN {kept} THEN date END) AS first_purchase, MAX(CASE WHEN {kept} THEN date END) AS last_purchase,
         ARG_MIN(CAST(day_amount AS DOUBLE), date) FILTER (WHERE {kept}) AS first_spend{no_id_days}
  FROM per_date GROUP BY customer_id)""",
             # among the purchase days that count, the latest one before the last (customers with two or more)
             f"""before AS (
  SELECT p.customer_id, MAX(p.date) AS before_last
  FROM per_date AS p JOIN per_day AS l ON p.customer_id = l.customer_id AND l.n_days >= 2
  WHERE p.bought = 1 AND {_not_after(limit, 'p.date')} AND p.date < l.last_purchase GROUP BY p.customer_id)"""]
    joins = "LEFT JOIN before AS b ON d.customer_id = b.customer_id"
    last, before_last = "d.last_purchase", "b.before_last"
    if attrs:
        withs.append(attrs)
    joins += " LEFT JOIN attrs AS a ON d.customer_id = a.customer_id" if attrs else ""
    freq = "d.n_days"
    if use_orders:
        withs.append("""per_order AS (
  SELECT customer_id, COUNT(*) AS n FROM (
    SELECT customer_id, order_id FROM xlseg_lines WHERE amount >= 0 AND order_id IS NOT NULL
    GROUP BY customer_id, order_id) AS o GROUP BY customer_id)""")
        joins += " LEFT JOIN per_order AS po ON d.customer_id = po.customer_id"
        freq = "COALESCE(po.n, 0) + d.no_id_days"
    return f"""WITH {', '.join(withs)}
SELECT d.customer_id, d.first_purchase, {last} AS last_purchase, CAST({freq} AS DOUBLE) AS frequency,
       CAST(d.monetary AS DOUBLE) AS monetary,
       CASE WHEN d.n_days >= 2
            THEN CAST(DATE_DIFF('day', d.first_purchase, {last}) AS DOUBLE) / (d.n_days - 1) END AS mean_gap,
       CAST(DATE_DIFF('day', {before_last}, {last}) AS DOUBLE) AS gap_before_last,
       d.first_spend AS first_spend{''.join(f', a.{a}' for a in attr_columns)}
FROM per_day AS d {joins}"""


def has_orders_sql() -> str:
    return "SELECT COUNT(*) AS n FROM (SELECT 1 FROM xlseg_lines WHERE order_id IS NOT NULL LIMIT 1) AS o"


def summary_sql(plain: dict | None = None) -> str:
    """One pass over ``xlseg_metrics``: how many customers (``n``), the latest purchase (``latest``) and which
    ``plain`` columns (alias -> kind) are customer-level, as the pandas path decides: no customer with two
    values (``n_<alias>``: customers whose least and greatest differ), some value somewhere (``v_<alias>``)
    and no error text such as #N/A (``e_<alias>``)."""
    checks = "".join(
        f", COUNT(CASE WHEN lo_{a} <> {a} THEN 1 END) AS n_{a}, COUNT({a}) AS v_{a}, "
        + (f"COALESCE(SUM(err_{a}), 0)" if kind == "string" else "0") + f" AS e_{a}"
        for a, kind in (plain or {}).items())
    return f"SELECT COUNT(*) AS n, MAX(last_purchase) AS latest{checks} FROM xlseg_metrics"


def for_engine(sql: str, engine: str) -> str:
    """The SQL as the engine reads it: DuckDB's text as written, Spark's through SQLGlot."""
    if engine == "duckdb":
        return sql
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]
