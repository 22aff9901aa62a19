"""Order lines to customers on an engine (DuckDB or Spark): aggregate, resolve as_of, classify.

An engine (``DuckEngine``, ``SparkEngine``) registers the cleaned lines as
``xlseg_lines`` and answers queries; this module runs the one SQL definition
(:mod:`xlseg.engines.sql`) on it. The per-customer metrics stay in the engine
(``xlseg_metrics``) until someone asks for them: :func:`metrics_frame` brings
them into pandas for the pandas core to finish the job, :func:`classified_query`
classifies them where they are (a cluster never collects them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from xlseg.core import metrics
from xlseg.core.config import Config
from xlseg.core.engine import resolve_as_of
from xlseg.engines import classification, sources, sql
from xlseg.errors import InputError


@dataclass
class Aggregated:
    """What :func:`aggregate` left in the engine (table ``xlseg_metrics``) and what it decided."""

    engine: object
    files: list
    fields: dict  # field -> header (of the first file; every file has the same fields)
    attributes: tuple  # columns of xlseg_metrics: recognised fields, then carried columns (sql.plain_alias)
    use_orders: bool
    as_of: dt.date | None  # the run's as_of: the explicit one, or the latest purchase
    customers: int
    notes: list  # lines skipped and why (the file path counts them; the sheet path lists rows)
    understood: list = field(default_factory=list)  # what reading the files decided (a date column's order)
    plain: dict = field(default_factory=dict)  # alias -> the user's header of each carried column


def skipped_notes(counts: dict, fields: dict, limit: dt.date, explicit: bool) -> list[str]:
    """What :func:`xlseg.engines.sql.rejects_sql` counted, as sentences for the run's notes."""
    total = int(counts["lines"])
    reasons = [(counts["no_id"], f"no customer id in '{fields['customer_id']}'"),
               (counts["totals"], "a totals line (Total, 合计 ...)"),
               (counts["no_date"], f"'{fields['date']}' is not a date (use YYYY-MM-DD or a date column)"),
               (counts["no_amount"], "the amount is not a number")]
    shown = [f"{int(n):,} {why}" for n, why in reasons if n]
    out = []
    if shown:
        skipped = sum(int(n) for n, _ in reasons)
        out.append(f"{skipped:,} of {total:,} order lines skipped: " + "; ".join(shown) + ".")
    if counts["after_limit"]:
        when = f"as_of {limit.isoformat()}" if explicit else f"today ({limit.isoformat()})"
        out.append(f"{int(counts['after_limit']):,} order lines dated after {when} not counted (a customer with "
                   "no earlier line is a Prospect).")
    return out


def aggregate(engine, paths, config: Config, *, progress=None) -> Aggregated:
    """Clean the lines of ``paths`` and aggregate them to one row per customer, inside ``engine``."""
    step = progress or (lambda _m: None)
    files = sources.expand(paths)
    step(f"reading {len(files)} order file{'s' if len(files) != 1 else ''}")
    schemas = engine.register_lines(files, dict(config.columns), day_first=config.day_first)
    return aggregate_lines(engine, schemas, config, progress=step)


def aggregate_lines(engine, schemas, config: Config, *, progress=None) -> Aggregated:
    """Aggregate the lines an engine registered as ``xlseg_read_lines`` (see :func:`aggregate`)."""
    step = progress or (lambda _m: None)
    explicit = resolve_as_of(config.as_of, None)
    files = [s.path for s in schemas]
    fields = schemas[0].fields
    attributes = sources.attributes(schemas)
    candidates = sources.targets(schemas)  # alias -> kind
    ordered = sources.needs_order(schemas)
    kept_columns = attributes + tuple(candidates) + (sql.ORDER_COLUMNS if ordered else ())
    # Lines after as_of, or after today without one (a typo such as 2099), are not counted.
    limit = explicit.date() if explicit is not None else dt.date.today()
    # The files are read and their values cleaned once (then spilled to disk if they do not fit in memory):
    # the queries below read ``xlseg_all_lines`` five times.
    engine.materialise("xlseg_all_lines", sql.all_lines_sql(), ordered=ordered)
    cancellations = "order_id" in fields and engine.scalar(sql.numeric_orders_sql()) > 0
    engine.register_view("xlseg_usable", sql.usable_sql(cancellations, kept_columns))
    engine.register_view("xlseg_lines", sql.kept_sql(limit))
    step("checking order lines")
    understood = list(getattr(engine, "notes", []))  # what reading the files decided (a date column's order)
    notes = skipped_notes(engine.row(sql.rejects_sql(limit)), fields, limit, explicit is not None)
    has_orders = "order_id" in fields and engine.scalar(sql.has_orders_sql()) > 0
    use_orders = has_orders and config.frequency_basis != "days"
    step("aggregating order lines")
    engine.materialise("xlseg_metrics", sql.metrics_sql(use_orders, limit, attributes, candidates))
    summary = engine.row(sql.summary_sql(candidates))
    plain = carried(summary, candidates, schemas[0].plain)
    attributes += tuple(plain)
    n = int(summary["n"])
    if n == 0:
        names = ", ".join(f"'{fields[f]}'" for f in ("customer_id", "date") if f in fields)
        raise InputError(f"The order files have no usable lines: each needs a customer id, a date and an amount "
                         f"({names} and the amount). Check that dates are dates (YYYY-MM-DD) and amounts numbers.")
    as_of = explicit.date() if explicit is not None else _as_date(summary["latest"])
    return Aggregated(engine, files, fields, attributes, use_orders, as_of, n, notes, understood, plain)


def carried(counts: dict, candidates: dict, headers: dict) -> dict:
    """The candidate columns (alias -> kind) the pandas path would carry, as alias -> the user's header:
    customer-level ones (at most one value per customer, some value, no error text such as #N/A; ``counts``
    from ``sql.summary_sql``); a product or a ship mode is not."""
    return {a: headers[a] for a in candidates
            if not counts[f"n_{a}"] and counts[f"v_{a}"] and not counts[f"e_{a}"]}


def classified_query(agg: Aggregated, config: Config) -> str:
    """The query (DuckDB's dialect, as every engine takes it) that classifies ``xlseg_metrics`` (keys, not labels)."""
    if agg.as_of is None:
        raise InputError("Nobody in the order files bought anything (every line is a refund): nothing to classify.")
    return classification.classify_sql(config, agg.as_of, agg.attributes, agg.plain)


def metrics_frame(agg: Aggregated) -> pd.DataFrame:
    """``xlseg_metrics`` as pandas: indexed by customer_id, the columns of ``core.metrics.from_transactions``."""
    columns = ", ".join(("customer_id",) + metrics.COLUMNS + agg.attributes)
    frame = typed(agg.engine.frame(f"SELECT {columns} FROM xlseg_metrics ORDER BY customer_id"))
    frame = frame.set_index("customer_id").rename(columns=agg.plain)  # carried columns under the user's headers
    frame.attrs["columns"] = dict(agg.fields)  # for the notes and tag fields of classify(aggregated=...)
    frame.attrs["plain_attributes"] = list(agg.plain.values())  # carried as attributes, as the sheet path does
    frame.attrs["notes"] = list(agg.notes)
    frame.attrs["understood"] = list(agg.understood)
    frame.attrs["use_orders"] = agg.use_orders
    return frame


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Engine output with the pandas core's dtypes: dates as datetime64[ns], numbers float64, ids object."""
    out = frame.copy()
    for col in ("first_purchase", "last_purchase"):
        if col in out:
            out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    for col in ("frequency", "monetary", "mean_gap", "gap_before_last", "first_spend", "recency", "avg_order_value"):
        if col in out:
            out[col] = out[col].astype("float64")
    for col in ("r_score", "f_score", "m_score"):
        if col in out:
            out[col] = out[col].astype("Int64")
    if "customer_id" in out:
        out["customer_id"] = out["customer_id"].astype(object)
    if "is_buyer" in out:
        out["is_buyer"] = out["is_buyer"].astype(bool)
    return out


def _as_date(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value
