"""One entry point: :func:`classify` customers and/or transactions.

Input frames are as read from a sheet: the user's headers (recognised in
English or Chinese), values as typed, index = sheet row number. The result
holds one row per customer with canonical columns (see docs/architecture.md),
the summaries, the issues and the tags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from xlseg.core import clean, columns, metrics, predict, scores, segments, stages, summaries, tags, tiers
from xlseg.core import explain as explaining
from xlseg.core import overrides
from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.issues import IssueLog
from xlseg.errors import ConfigError, InputError

RESULT_COLUMNS = [
    "customer_id", "name", "recency", "frequency", "monetary", "avg_order_value", "first_purchase",
    "last_purchase", "mean_gap", "gap_before_last", "r_score", "f_score", "m_score", "rfm",
    "segment_key", "segment", "abc", "tier_key", "value_tier", "stage_key", "stage", "tags",
    # issue 7: manual override marker ("" when none) and the Why explanation
    "override", "why",
]
# issue 15: predicted value (xlseg.core.predict), after the others; only when the data support a fit.
PREDICTION_COLUMNS = list(predict.COLUMNS)
DATE_FIELDS = ("first_purchase", "last_purchase")
NUMBER_FIELDS = ("monetary", "interactions", "satisfaction")
TEXT_FIELDS = ("name", "customer_type", "source", "region", "country", "city", "industry", "company_size")


@dataclass
class Result:
    """Everything one classification run produced.

    * ``customers``: one row per customer (``RESULT_COLUMNS`` plus ``is_buyer``,
      ``source_row`` - the customer-sheet row, <NA> for customers found only
      in transactions - and the customer sheet's attribute columns).
    * ``summaries``: ``segments``, ``tier_stage``, ``tags``, ``kpis``, ``cut_points``; ``model``
      (model, parameter, value: the fitted BG/NBD and Gamma-Gamma parameters, alpha in days),
      ``model_fit`` (model, customers, time_unit) and ``calibration`` (repeat_purchases, actual,
      expected); all empty when nothing was fitted.
    * ``issues``: the data-quality findings (sheet, row, column, value, problem, action).
    * ``flags``: one boolean column per tag; ``tags``: (customer_id, tag) long form.
    * ``notes``: features skipped because a column is missing, and similar remarks.
    * ``understood``: what the run made of its input, one sentence each (see :mod:`xlseg.core.explain`
      for per-customer reasons); ``warnings``: what may make the result wrong (over 5 % of rows
      rejected, a whole feature skipped); ``issue_groups``: :func:`xlseg.core.issues.group` of ``issues``.
    """

    customers: pd.DataFrame
    summaries: dict
    issues: pd.DataFrame
    flags: pd.DataFrame
    tags: pd.DataFrame
    as_of: pd.Timestamp | None
    config: Config
    notes: list = field(default_factory=list)
    customer_columns: dict = field(default_factory=dict)
    transaction_columns: dict = field(default_factory=dict)
    cut_points: pd.DataFrame | None = None
    # Customer-sheet row -> customer id, for every row that was classified (duplicates included).
    row_ids: pd.Series | None = None
    # issue 11: what the run understood (sheets, column -> field, derived amounts, conventions), in words;
    # warnings (many rows rejected, a whole feature skipped); the issues grouped by kind of problem;
    # the attribute columns taken from order lines (shown on the Customers sheet).
    understood: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    issue_groups: pd.DataFrame | None = None
    attributes: list = field(default_factory=list)
    home_country: str | None = None


def _config(config) -> Config:
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, dict):
        return Config.from_dict(config)
    raise ConfigError(f"config must be an xlseg.Config or a dict of settings, not {type(config).__name__}.")


def resolve_as_of(value, latest) -> pd.Timestamp | None:
    if value is None:
        return latest
    if isinstance(value, str) and value == "today":
        return pd.Timestamp(dt.date.today())
    return pd.Timestamp(value).normalize()


def classify(customers: pd.DataFrame | None = None, transactions: pd.DataFrame | None = None,
             config: Config | dict | None = None, *, customer_sheet: str = "Customers",
             transaction_sheet: str = "Transactions", progress: Callable[[str], None] | None = None,
             explain: bool = False, aggregated: pd.DataFrame | None = None) -> Result:
    """Classify customers: scores, segment, value tier, stage and tags.

    ``customers``: one row per customer (needs a customer-id column).
    ``transactions``: one row per order line (customer id, date, amount or
    quantity x unit price, optional order id). Give either or both; with both,
    the customer sheet supplies attributes and the transactions supply the
    metrics; with transactions only, the attributes on the lines (country,
    region, customer type ...) are the customer's, from the latest line.
    ``explain=True`` fills the ``why`` column with the reasons in words (what the
    workbook's Why column shows); it costs more than the classification itself,
    so it is off by default and ``why`` is then None.
    ``aggregated``: instead of ``transactions``, per-customer metrics already
    aggregated from order lines elsewhere (``xlseg.engines``: DuckDB or Spark),
    indexed by customer id with the columns of ``metrics.from_transactions``
    (and attributes from each customer's latest line); its ``attrs`` may hold
    ``columns`` (field -> header), ``use_orders`` and ``notes``.
    """
    cfg = _config(config)
    step = progress or (lambda _msg: None)
    if customers is None and transactions is None and aggregated is None:
        raise InputError("Nothing to classify: give a customer table, a transaction table, or both.")
    log = IssueLog(sheet=customer_sheet if customers is not None else transaction_sheet)
    notes: list[str] = []
    understood: list[str] = []
    today = pd.Timestamp(dt.date.today())

    step("reading customers")
    cust, cust_cols = (None, {})
    if customers is not None:
        cust, cust_cols, unique = prepare_customers(customers, cfg, log, customer_sheet, understood)
    tx, tx_cols, line_attrs = (None, {}, None)
    if transactions is not None:
        step("reading transactions")
        tx_log = IssueLog(sheet=transaction_sheet)
        tx, tx_cols, line_attrs = prepare_transactions(transactions, cfg, tx_log, transaction_sheet, understood)
        log.extend(tx_log)
    elif aggregated is not None:
        tx_cols = dict(aggregated.attrs.get("columns", {}))
        notes.extend(aggregated.attrs.get("notes", []))  # e.g. order lines the engine skipped, and why
        present = [c for c in TEXT_FIELDS if c in aggregated.columns]
        line_attrs = aggregated[present] if present else None
    # One row per customer id (a duplicate id was reported and takes the first row's values).
    base = None if cust is None else cust if unique else cust.drop_duplicates("customer_id")
    attributes: list[str] = []
    if base is None and line_attrs is not None:
        base, attributes = _customers_from_lines(line_attrs, tx_cols, transaction_sheet, understood)

    step("computing metrics")
    explicit = resolve_as_of(cfg.as_of, None)
    if tx is not None or aggregated is not None:
        if tx is not None:
            # Lines after as_of (or, without an as_of, after today: a typo such as 2099) are not counted;
            # their customers stay, as Prospects when nothing else is left (one rule with or without a
            # customer sheet).
            limit = explicit if explicit is not None else today
            later = (tx["date"] > limit).to_numpy()
            every_id = None
            if later.any():
                every_id = pd.Index(pd.unique(tx["customer_id"]))  # kept: a customer with only later lines
                what = (f"dated after as_of {explicit.date().isoformat()}" if explicit is not None
                        else f"dated after today ({today.date().isoformat()})")
                log.add_many(list(tx.index[later]), tx_cols["date"], list(tx.loc[later, "date"].dt.strftime("%Y-%m-%d")),
                             what, "not counted (a customer with no earlier line is a Prospect)",
                             sheet=transaction_sheet, limit=100)
                tx = tx[~later]
            m = metrics.from_transactions(tx, basis=cfg.frequency_basis)
            if every_id is not None and len(m) < len(every_id):
                m = m.reindex(every_id.append(m.index.difference(every_id, sort=False)))
                m["frequency"] = m["frequency"].fillna(0.0)
                m["monetary"] = m["monetary"].fillna(0.0)
        else:  # aggregated by an engine: lines after as_of (or today) were not counted there
            m = aggregated[list(metrics.COLUMNS)]
        if base is not None and cust is None:
            m = m.reindex(pd.Index(base["customer_id"]))
        if cust is not None:
            unknown = m.index.difference(pd.Index(base["customer_id"]), sort=False)
            if len(unknown):
                first_rows = transactions_first_rows(tx, unknown) if tx is not None else [""] * len(unknown)
                log.add_many(first_rows, tx_cols["customer_id"], list(unknown),
                             f"customer id not on sheet '{customer_sheet}'",
                             "classified from its transactions; listed on the Customers sheet only",
                             sheet=transaction_sheet, limit=50)
            ids = pd.Index(base["customer_id"]).append(unknown)
            m = m.reindex(ids)
            m["frequency"] = m["frequency"].fillna(0.0)
            m["monetary"] = m["monetary"].fillna(0.0)  # on the customer sheet, no transactions: spent 0
            for fld in ("orders", "monetary", "first_purchase", "last_purchase", "recency_days"):
                if fld in cust_cols:
                    notes.append(f"'{cust_cols[fld]}' on sheet '{customer_sheet}' was not used: "
                                 f"the metrics come from the transactions on sheet '{transaction_sheet}'.")
        if tx is not None:
            basis = "orders" if cfg.frequency_basis == "orders" or (
                cfg.frequency_basis == "auto" and "order_id" in tx.columns and tx["order_id"].notna().any()) else "days"
        else:
            basis = "orders" if aggregated.attrs.get("use_orders") else "days"
        understood.append("Frequency = " + ("distinct order ids (lines without one count by day)" if basis == "orders"
                                            else "distinct purchase days") + "; monetary = net spend (refunds "
                                                                             "net out); lines of value 0 are purchases.")
    else:
        base = _recency_days(base, cust_cols, explicit, today, understood, customer_sheet)
        m = metrics.from_customers(base)
        if "orders" in cust_cols:
            understood.append(f"Frequency = '{cust_cols['orders']}' on sheet '{customer_sheet}' (all purchases, "
                              "the first included); monetary = "
                              + (f"'{cust_cols['monetary']}'." if "monetary" in cust_cols else "not given."))
        if "last_purchase" not in cust_cols and "recency_days" not in cust_cols:
            notes.append("No last-purchase or recency column: recency, R scores, segments and stages were skipped.")
        if "orders" not in cust_cols:
            notes.append("No order-count column: F scores and segments were skipped.")
        if "monetary" not in cust_cols:
            notes.append("No spend column: M scores and value tiers were skipped.")

    latest = metrics.latest_purchase(m, until=today if explicit is None else None)
    as_of = explicit if explicit is not None else latest
    if as_of is None and cust is not None and "recency_days" in cust_cols:
        as_of = today
    understood.append(_as_of_sentence(cfg, as_of, latest))
    m = metrics.finish(m, as_of if as_of is not None else pd.NaT)
    if tx is None and aggregated is None and cust is not None and as_of is not None:
        future = m["recency"] < 0
        if future.any():
            rows = base.loc[future.to_numpy()].index
            log.add_many(list(rows), cust_cols.get("last_purchase", ""),
                         list(m.loc[future, "last_purchase"].dt.strftime("%Y-%m-%d")),
                         f"last purchase after as_of {as_of.date().isoformat()}", "recency counted as 0")
            m.loc[future, "recency"] = 0.0
    no_date = m["is_buyer"] & m["last_purchase"].isna() & ("last_purchase" in cust_cols or tx is not None
                                                           or aggregated is not None)
    if no_date.any() and cust is not None:
        rows = base.set_index("customer_id").loc[m.index[no_date], "source_row"].tolist()
        log.add_many(rows, cust_cols.get("last_purchase", ""), [None] * len(rows),
                     "has orders but no last purchase date", "recency, segment and stage left blank")
    negative = ((m["monetary"] < 0) & m["is_buyer"]).to_numpy()
    if negative.any():
        understood.append(f"{int(negative.sum()):,} customers have a negative net spend (refunds above their "
                          "purchases): never Champions (Loyal Customers instead) and never Potential.")

    step("scoring")
    # Score on a positional index: label alignment on a million string ids would rebuild hash tables.
    ids = m.index.to_numpy()
    m = m.reset_index(drop=True)
    pred = _predict(m, as_of, cfg, notes)
    if pred.columns is not None:
        m["p_alive"] = pred.columns["p_alive"].to_numpy()  # for the stage rule and the clv tier
        m["clv"] = pred.columns["clv"].to_numpy()
    sc = scores.score_all(m, cfg)
    # Segment, tier and stage are carried as Categoricals (integer codes into a short list of
    # keys) until the result is handed out: tags and summaries then group a million rows by
    # their codes instead of hashing a million strings again and again.
    seg_codes, seg_keys = segments.codes(m, sc, cfg)
    cls_codes = tiers.class_codes(m, cfg)
    potential = np.isin(seg_codes, [i for i, k in enumerate(seg_keys) if k in cfg.potential_segments])
    # A customer whose refunds outweigh the purchases (negative net spend) is never Champions (Loyal
    # Customers instead) and never Potential (README "How customers are classified").
    negative_net = (m["monetary"] < 0).to_numpy()
    if negative_net.any():
        potential &= ~negative_net
        if "champions" in seg_keys and "loyal_customers" in seg_keys:
            champs = negative_net & (seg_codes == seg_keys.index("champions"))
            seg_codes = np.where(champs, seg_keys.index("loyal_customers"), seg_codes).astype(seg_codes.dtype)
    tier_codes = tiers.tier_codes(cls_codes, potential, cfg)
    if as_of is not None:
        stage_codes = stages.codes(m, as_of, cfg)
    else:  # no purchase dates at all: only "prospect" is known
        stage_codes = np.where(m["is_buyer"].to_numpy(dtype=bool), -1, stages.ORDER.index("prospect"))

    # Built from one dict: inserting 30 columns one by one into a million-row frame copies blocks each time.
    cols = {"customer_id": ids}
    for col in ("recency", "frequency", "monetary", "avg_order_value", "first_purchase", "last_purchase",
                "mean_gap", "gap_before_last", "is_buyer"):
        cols[col] = m[col].to_numpy()
    for col in ("r_score", "f_score", "m_score"):
        cols[col] = sc[col].to_numpy()
    if pred.columns is not None:
        for col in PREDICTION_COLUMNS:
            cols[col] = pred.columns[col].to_numpy()
    cols["rfm"] = _rfm_code(sc)
    for key_col, label_col, codes, keys, table in (
            ("segment_key", "segment", seg_codes, seg_keys, L.SEGMENTS),
            ("tier_key", "value_tier", tier_codes, tiers.TIER_KEYS, L.TIERS),
            ("stage_key", "stage", stage_codes, stages.ORDER, L.STAGES)):
        cols[key_col], cols[label_col] = _keys_and_labels(codes, keys, table, cfg.lang)
    cols["abc"] = pd.Categorical.from_codes(cls_codes, categories=tiers.CLASSES)

    attr_cols: list[str] = []
    if base is not None:
        # Customers are in the customer sheet's order, then those found only in transactions: join by position.
        positions = pd.RangeIndex(len(ids))
        for col in base.columns:
            if col in cols:
                continue
            values = base[col].reset_index(drop=True)
            values = values.reindex(positions) if len(ids) > len(base) else values
            cols[col] = values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
            attr_cols.append(col)
    # copy=False: one block per column, nothing copied. Code below reads columns one at a time:
    # selecting several columns of such a frame at once would consolidate (copy) all of it.
    out = pd.DataFrame(cols, copy=False)
    if "name" not in out:
        out["name"] = None
    out["source_row"] = pd.array(out["source_row"] if "source_row" in out else [pd.NA] * len(out), dtype="Int64")

    # --- issue 7: manual overrides (Settings "Overrides" table) replace the computed keys and labels
    computed = _columns(out, ["segment_key", "abc", "tier_key", "stage_key"])
    valid = overrides.parse(cfg.overrides, out["customer_id"], log,
                            sheet=getattr(cfg.overrides, "attrs", {}).get("sheet", "Settings"))
    out, applied = overrides.apply(out, valid, cfg.lang)
    # --- end issue 7

    step("tagging")
    home = _home_country(out, cfg, understood)
    field_cols = {**{f: h for f, h in tx_cols.items() if f in TEXT_FIELDS}, **cust_cols} if cust is None else cust_cols
    flags, skipped = _tags(out, cfg, field_cols, as_of, home)
    if skipped:
        names = list(dict.fromkeys(tag for tag, _reason in skipped))
        notes.append(f"Tag rules skipped because a field they use is not in this data: {', '.join(names)}. "
                     "Add the column, or edit the rule on the Settings sheet.")
    out["tags"] = tags.tags_column(flags).to_numpy() if len(flags.columns) else ""
    tags_long = tags.tags_long(flags, out["customer_id"]) if len(flags.columns) else \
        pd.DataFrame({"customer_id": pd.Series(dtype=object), "tag": pd.Series(dtype=object)})

    step("summarising")
    cuts = scores.cut_points(m, sc, cfg)
    summ = {
        "segments": summaries.segment_table(out, cfg),
        "tier_stage": summaries.tier_stage(out, cfg),
        "tags": summaries.tag_counts(flags, len(out)),
        "kpis": summaries.kpis(out, as_of, cfg),
        "cut_points": cuts,
        "overrides": overrides.summary(applied, out, cfg.lang),  # issue 7
        "model": pred.model,  # issue 15
        "model_fit": _model_fit(pred),
        "calibration": pred.calibration,
    }
    out = _plain(out)
    out["why"] = explaining.why(out, _plain(computed), cuts, cfg, as_of).to_numpy() if explain else None
    order = RESULT_COLUMNS + (PREDICTION_COLUMNS if pred.columns is not None else []) + ["is_buyer", "source_row"] + [c for c in attr_cols if c not in RESULT_COLUMNS
                                                            and c not in ("source_row",)]
    out = _columns(out, list(dict.fromkeys(order)))
    issues_frame = log.to_frame()
    groups = issue_groups(issues_frame)
    rows_in = (0 if customers is None else len(customers)) + (0 if transactions is None else len(transactions))
    warnings = _warnings(groups, rows_in, notes, skipped)
    understood.append(_rows_sentence(groups, rows_in))
    return Result(customers=out, summaries=summ, issues=issues_frame, flags=flags, tags=tags_long,
                  as_of=as_of, config=cfg, notes=notes, customer_columns=cust_cols,
                  transaction_columns=tx_cols, cut_points=cuts,
                  row_ids=None if cust is None else cust["customer_id"], understood=understood,
                  warnings=warnings, issue_groups=groups, attributes=attributes, home_country=home)


def _predict(m: pd.DataFrame, as_of, cfg: Config, notes: list) -> predict.Prediction:
    """BG/NBD + Gamma-Gamma on the metrics (issue 15); notes say what was skipped and why."""
    if not cfg.predict:
        pred = predict.empty()
    else:
        pred = predict.predict(m, as_of, predict_days=cfg.predict_days, clv_months=cfg.clv_months,
                               discount_rate=cfg.discount_rate)
        notes.extend(pred.notes)
    if cfg.tier_method == "clv" and (pred.columns is None or pred.gammagamma is None):
        why = "prediction is off (Settings 'predict')" if not cfg.predict else "there is no CLV (see the notes)"
        notes.append(f"Value tier method 'clv' needs the predicted CLV, but {why}: tiers use 'abc' on spend instead.")
    if cfg.palive_warning is not None and pred.columns is None:
        notes.append("The P(alive) churn rule (Settings 'palive_warning') was not applied: there is no P(alive).")
    return pred


def _model_fit(pred: predict.Prediction) -> pd.DataFrame:
    """model, customers (how many the fit used), time_unit: one row per fitted model."""
    rows = []
    if pred.bgnbd is not None:
        rows.append(("BG/NBD", pred.bgnbd.customers, "days"))
    if pred.gammagamma is not None:
        rows.append(("Gamma-Gamma", pred.gammagamma.customers, None))
    return pd.DataFrame({"model": pd.Series([r[0] for r in rows], dtype=object),
                         "customers": pd.Series([r[1] for r in rows], dtype="int64"),
                         "time_unit": pd.Series([r[2] for r in rows], dtype=object)})


# ------------------------------------------------------------------ preparation
def prepare_customers(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str, understood: list | None = None):
    """Recognise and clean a customer sheet.

    Returns (frame with canonical columns, field -> header, whether every customer id is distinct).
    Text attribute columns whose values repeat come back as Categoricals (see ``_plain``).
    Error cells (``#N/A`` ...) count as blank, one record each. ``understood`` (a list) receives
    what was made of the sheet, in words.
    """
    chosen: list[str] = []
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="customers", sheet=sheet,
                             chosen=chosen)
    df = _string_headers(df)
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has headers but no customer rows. Add customers below the header row.")
    df, ids, distinct = _rows_with_ids(df, cols["customer_id"], log, sheet, name_column=cols.get("name"))
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has no usable customer rows (every row is blank, a totals row "
                         f"or has no '{cols['customer_id']}'). Add customers below the header row.")
    work = pd.DataFrame(index=df.index)
    work["source_row"] = df.index.to_numpy()
    work["customer_id"] = ids
    for fld, header in cols.items():
        if fld == "customer_id":
            continue
        if fld in TEXT_FIELDS:
            work[fld] = _text_without_errors(df[header], header, log)
            continue
        s = clean.blank_error_cells(df[header], column=header, log=log)
        if fld in DATE_FIELDS:
            dates = clean.parse_dates(s, column=header, log=log, day_first=cfg.day_first)
            _say_date_order(dates, header, sheet, understood)
            work[fld] = dates
        elif fld in ("orders", "recency_days"):
            work[fld] = clean.parse_counts(s, column=header, log=log)
        elif fld in NUMBER_FIELDS:
            work[fld] = clean.parse_amounts(s, column=header, log=log)
    unique = distinct == len(work)  # the usual case, known without hashing a million ids again
    # (distinct also counts ids on rows dropped above: then duplicated() below decides)
    dup = np.zeros(len(work), dtype=bool) if unique else work["customer_id"].duplicated(keep="first").to_numpy()
    if dup.any():
        first_row = work.drop_duplicates("customer_id").set_index("customer_id")["source_row"]
        for row, cid in zip(work.index[dup], work.loc[dup, "customer_id"]):
            log.add(row, cols["customer_id"], cid, f"duplicate customer id (first on row {first_row[cid]})",
                    f"classified once, from row {first_row[cid]}; this row gets the same result")
    # The user's other columns ride along under their own headers (tag fields).
    used = set(cols.values())
    for header in df.columns:
        if header not in used and header not in work.columns:
            work[header] = df[header].to_numpy()
    if understood is not None:
        understood.append(f"Sheet '{sheet}' holds customers: {_mapping(cols)}.")
        understood.extend(chosen)
    return work, cols, unique


def _text_without_errors(s: pd.Series, header: str, log: IssueLog) -> pd.Series:
    """A text attribute cleaned (a Categorical when it repeats), error cells blank with a record each.

    A repeating column is checked on its few distinct values only; the cells are looked at
    one by one only when an error text is among them, or when the column is mostly distinct.
    """
    parsed = clean.parse_text(s, categorical=True)
    if isinstance(parsed.dtype, pd.CategoricalDtype):
        cats = pd.Series(np.asarray(parsed.cat.categories, dtype=object), dtype=object)
        if not clean.error_cells(cats).any():
            return parsed
    cleaned = clean.blank_error_cells(s, column=header, log=log)
    return parsed if cleaned is s else clean.parse_text(cleaned, categorical=True)


def prepare_transactions(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str, understood: list | None = None):
    """Recognise and clean a transaction sheet (one row per order line).

    Returns (lines with ``customer_id``, ``date``, ``amount`` and maybe ``order_id``; field -> header;
    the per-customer attributes found on the lines, or None). Without an amount column the amount
    is quantity x unit price. Cancellations (negative quantities, and invoice ids such as
    ``C536379`` among plain numeric ones) are refunds: negative amounts, never purchases.
    """
    say = understood.append if understood is not None else (lambda _text: None)
    chosen: list[str] = []
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="transactions", sheet=sheet,
                             chosen=chosen)
    df = _string_headers(df)
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has headers but no transaction rows. Add orders below the header row.")
    say(f"Sheet '{sheet}' holds order lines: {_mapping(cols)}.")
    for text in chosen:
        say(text)
    df, ids, _distinct = _rows_with_ids(df, cols["customer_id"], log, sheet, limit=clean.ISSUE_LIMIT)
    tx = pd.DataFrame(index=df.index)
    tx["customer_id"] = ids
    date_cells = clean.blank_error_cells(df[cols["date"]], column=cols["date"], log=log, required=True)
    dates = clean.parse_dates(date_cells, column=cols["date"], log=log, day_first=cfg.day_first, required=True)
    _say_date_order(dates, cols["date"], sheet, understood)
    tx["date"] = dates

    def number(fld):
        cells = clean.blank_error_cells(df[cols[fld]], column=cols[fld], log=log, required=True)
        return clean.parse_amounts(cells, column=cols[fld], log=log, required=True)

    if "amount" in cols:
        tx["amount"] = number("amount")
        if "quantity" in cols or "unit_price" in cols:
            unused = [cols[f] for f in ("quantity", "unit_price") if f in cols]
            say(f"Sheet '{sheet}': the amount is '{cols['amount']}'; {_quoted(unused)} not used for it.")
    elif "quantity" in cols:
        # Rounded to cents-and-more so 3 x 0.1 is 0.3, as a spreadsheet shows it.
        tx["amount"] = (number("quantity") * number("unit_price")).round(6)
        say(f"Sheet '{sheet}' has no amount column: amount = '{cols['quantity']}' x '{cols['unit_price']}' "
            "on every line.")
    else:
        tx["amount"] = number("unit_price")
        say(f"Sheet '{sheet}' has no amount or quantity column: amount = '{cols['unit_price']}' (one unit a line).")
    cancelled = np.zeros(len(tx), dtype=bool)
    if "order_id" in cols:
        tx["order_id"] = clean.normalise_ids(df[cols["order_id"]], column=cols["order_id"], log=log)
        cancelled = _cancellations(tx, cols, log, say)
    tx["_cancelled"] = cancelled
    ok = tx["date"].notna() & tx["amount"].notna()  # (every row left has a customer id)
    if not ok.all():
        tx = tx[ok]
    if len(tx) == 0:
        amount = (f"'{cols['amount']}'" if "amount" in cols
                  else " x ".join(f"'{cols[f]}'" for f in ("quantity", "unit_price") if f in cols))
        raise InputError(f"Sheet '{sheet}' has no usable transaction rows: each needs a customer id, a date "
                         f"and an amount ('{cols['customer_id']}', '{cols['date']}', {amount}). "
                         "Fix the rows (the first problems: "
                         + "; ".join(f"row {r.row} '{r.column}': {r.problem}" for r in list(log)[:3]) + ").")
    neg = (tx["amount"] < 0) & ~tx.pop("_cancelled")  # a cancellation has its own record
    if neg.any():
        log.add_many(list(tx.index[neg]), cols.get("amount", cols.get("quantity", "")), list(tx.loc[neg, "amount"]),
                     "negative amount",
                     "counted as a refund: netted out of the customer's spend, not counted as a purchase",
                     limit=clean.ISSUE_LIMIT)
    return tx, cols, _line_attributes(df.loc[tx.index], tx, cols)


def _cancellations(tx: pd.DataFrame, cols: dict, log: IssueLog, say) -> np.ndarray:
    """Lines whose order id is a plain number with a leading C (``C536379``) among plain numeric ids
    are cancellations: their amount becomes negative (a refund). Changes ``tx`` in place; returns
    which lines are cancellations."""
    codes, uniques = pd.factorize(tx["order_id"])
    none = np.zeros(len(tx), dtype=bool)
    if not len(uniques):
        return none
    texts = pd.Series(uniques, dtype=object).astype(str)
    is_c = texts.str.fullmatch(r"[Cc][0-9]+").to_numpy(dtype=bool)
    if not is_c.any() or not texts.str.fullmatch(r"[0-9]+").any():
        return none
    cancel = np.append(is_c, False)[codes]
    flip = cancel & (tx["amount"] > 0).to_numpy()
    if flip.any():
        tx.loc[flip, "amount"] = -tx.loc[flip, "amount"]
    n = int(cancel.sum())
    log.add_many(list(tx.index[cancel]), cols["order_id"], list(tx.loc[cancel, "order_id"]),
                 "cancellation (order id starting with C)",
                 "counted as a refund: netted out of the customer's spend, not counted as a purchase",
                 limit=clean.ISSUE_LIMIT)
    say(f"{n:,} lines with order ids such as '{tx.loc[cancel, 'order_id'].iloc[0]}' are cancellations: refunds "
        "that net out, never purchases.")
    return cancel


def _line_attributes(df: pd.DataFrame, tx: pd.DataFrame, cols: dict) -> pd.DataFrame | None:
    """Per customer, the attributes on its order lines: the value on its latest line that has one.

    Recognised fields (country, region, city, customer type, source, industry, company size, name)
    always; the other text columns only when each customer has at most one value in them (a
    customer-level column such as Superstore's Segment, not a product or a ship mode). Returns a
    frame indexed by customer id (columns: field names, then the user's headers), or None.
    """
    fields = [f for f in TEXT_FIELDS if f in cols]
    used = set(cols.values())
    plain = [h for h in df.columns if h not in used and (pd.api.types.is_object_dtype(df[h].dtype)
                                                         or pd.api.types.is_string_dtype(df[h].dtype))]
    if not (fields or plain) or len(tx) == 0:
        return None
    code = pd.factorize(tx["customer_id"])[0]
    data = {}
    for fld in fields:
        data[fld] = clean.parse_text(df[cols[fld]]).to_numpy(dtype=object)
    for header in plain:
        values = clean.parse_text(df[header]).to_numpy(dtype=object)
        if clean.error_cells(pd.Series(values, dtype=object)).any():
            continue
        per = pd.Series(values, dtype=object).groupby(code).nunique(dropna=True)
        if len(per) and per.max() == 1 and per.sum() > 0:
            data[header] = values
    if not data:
        return None
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(tx)))
    frame["customer_id"] = tx["customer_id"].to_numpy()
    order = np.argsort(tx["date"].to_numpy(), kind="stable")
    last = frame.iloc[order].groupby("customer_id", sort=False).last()  # last non-blank value per column
    return last.reindex(pd.unique(tx["customer_id"]))  # customers in the order they first appear


def _customers_from_lines(attrs: pd.DataFrame, tx_cols: dict, sheet: str, understood: list):
    """A customer table (canonical columns) made from the attributes on the order lines."""
    base = attrs.reset_index()
    base.insert(0, "source_row", pd.array([pd.NA] * len(base), dtype="Int64"))
    fields = [c for c in base.columns if c in TEXT_FIELDS]
    plain = [c for c in base.columns if c not in TEXT_FIELDS and c not in ("customer_id", "source_row")]
    names = [f"'{tx_cols[f]}'" for f in fields if f != "name"] + [f"'{h}'" for h in plain]
    if names:
        understood.append(f"Customer attributes from the order lines on sheet '{sheet}' ({', '.join(names)}): "
                          "each customer's value is the one on its latest line that has one.")
    return base, [c for c in base.columns if c not in ("customer_id", "source_row", "name")]


def _recency_days(base: pd.DataFrame, cols: dict, explicit, today, understood: list, sheet: str) -> pd.DataFrame:
    """A recency-in-days column fills the last purchase: as_of - recency (as_of: Settings, else today)."""
    if base is None or "recency_days" not in base:
        return base
    as_of = explicit if explicit is not None else today
    days = base["recency_days"].to_numpy(dtype="float64")
    derived = (as_of - pd.to_timedelta(days, unit="D")).to_numpy().astype("datetime64[ns]")
    base = base.copy()
    if "last_purchase" in base:
        have = base["last_purchase"].notna().to_numpy()
        base["last_purchase"] = np.where(have, base["last_purchase"].to_numpy(), derived)
        how = f"where '{cols['last_purchase']}' is blank"
    else:
        base["last_purchase"] = derived
        how = "for every customer"
    cols["last_purchase"] = cols.get("last_purchase", cols["recency_days"])
    understood.append(f"Recency in days from '{cols['recency_days']}' on sheet '{sheet}': last purchase = as_of - "
                      f"recency ({how}), as_of {as_of.date().isoformat()}.")
    return base


def _as_of_sentence(cfg: Config, as_of, latest) -> str:
    if as_of is None:
        return "No purchase dates: recency, R scores, segments and stages cannot be computed."
    day = as_of.date().isoformat()
    if cfg.as_of == "today":
        return f"as_of {day}: today (as_of = today)."
    if cfg.as_of is not None:
        return f"as_of {day}: set by as_of."
    if latest is None:
        return f"as_of {day}: today (the data has recency in days but no dates)."
    return f"as_of {day}: the latest purchase date in the data (dates after today are not counted)."


def _home_country(out: pd.DataFrame, cfg: Config, understood: list) -> str | None:
    """Settings home_country, else the most common country among the customers (said in ``understood``)."""
    home = str(cfg.home_country).strip() if cfg.home_country else ""
    if home:
        understood.append(f"Home country {home} (Settings home_country): other countries are International.")
        return home
    if "country" not in out:
        return None
    counts = pd.Series(out["country"]).value_counts(dropna=True)  # by code when it is a Categorical
    counts = counts[counts > 0]
    if not len(counts):
        return None
    home = str(counts.index[0])
    understood.append(f"Home country {home}: the most common country in the data ({int(counts.iloc[0]):,} of "
                      f"{int(counts.sum()):,} customers); set home_country in Settings to choose another.")
    return home


def _say_date_order(dates: pd.Series, header: str, sheet: str, understood: list | None) -> None:
    order = dates.attrs.get("date_order")
    if order and understood is not None:
        understood.append(f"Sheet '{sheet}' column '{header}': {order}")


def _mapping(cols: dict) -> str:
    return ", ".join(f"'{h}' -> {f}" for f, h in cols.items())


def _quoted(items: list) -> str:
    return " and ".join(f"'{h}'" for h in items) + (" are" if len(items) > 1 else " is")


def transactions_first_rows(tx: pd.DataFrame, ids) -> list:
    """The sheet row of each id's first line in ``tx``."""
    first_rows = tx.reset_index().drop_duplicates("customer_id").set_index("customer_id")
    return first_rows.loc[ids].iloc[:, 0].tolist()


WARN_SHARE = 0.05  # rows rejected above this share of the rows read: a warning


def issue_groups(frame: pd.DataFrame) -> pd.DataFrame:
    from xlseg.core.issues import group

    return group(frame)


def _rejected(groups: pd.DataFrame) -> pd.DataFrame:
    """The kinds of problem whose rows were not used (totals rows are not data: not counted)."""
    return groups[groups["action"].astype(str).str.match(r"(?:first row: )?(?:row skipped|skipped|not counted \()")
                  & (groups["problem"] != clean.TOTALS_ROW)]


def _rows_sentence(groups: pd.DataFrame, rows_in: int) -> str:
    rejected = _rejected(groups)
    n = int(rejected["count"].sum()) if len(rejected) else 0
    if not n:
        return f"Rows: all {rows_in:,} data rows used (blank and totals rows aside)."
    top = rejected.sort_values("count", ascending=False, kind="stable").head(3)
    reasons = "; ".join(f"{r.problem} ({int(r.count):,})" for r in top.itertuples(index=False))
    return f"Rows: {rows_in - n:,} of {rows_in:,} used, {n:,} not used ({reasons})."


def _warnings(groups: pd.DataFrame, rows_in: int, notes: list, skipped: list) -> list[str]:
    """What may make the result wrong: many rows rejected (with the top reasons), a feature skipped."""
    out = []
    rejected = _rejected(groups)
    n = int(rejected["count"].sum()) if len(rejected) else 0
    if rows_in and n > WARN_SHARE * rows_in:
        top = rejected.sort_values("count", ascending=False, kind="stable").head(3)
        reasons = "; ".join(f"{r.problem} ({int(r.count):,}, '{r.column}')" for r in top.itertuples(index=False))
        out.append(f"{n:,} of {rows_in:,} rows ({n / rows_in:.0%}) were not used. Top reasons: {reasons}. "
                   "See the Issues sheet.")
    for note in notes:
        if "were skipped" in note:
            out.append(note)
    return out


def _rows_with_ids(df: pd.DataFrame, id_header, log: IssueLog, sheet: str, name_column=None, limit=None):
    """The id column normalised once, and the rows that are not customers (order lines) dropped.

    Returns (the rows kept, their ids, the number of distinct ids before the drop).
    Blank and totals ids are judged on the normalised ids (each distinct id once), so
    a cell that normalises to no id (blank, a number that is not finite) is reported.
    """
    id_log = IssueLog(sheet=sheet)
    ids, codes, texts = clean.normalise_ids(df[id_header], column=id_header, log=id_log, codes=True)
    # A date, TRUE/FALSE or an error cell (#N/A) is no customer id: such rows are skipped as id-less.
    if codes is None:  # numbers, dates or booleans among the ids: judge each cell, then code the ids here
        problems = clean.not_an_id(df[id_header].to_numpy(dtype=object))
        codes, texts = pd.factorize(ids.to_numpy(dtype=object))
    else:  # text ids only: only an error cell can be wrong, judged once per distinct id
        problems = None
        errors = clean.error_cells(pd.Series(np.asarray(texts, dtype=object), dtype=object))
        if errors.any():
            words = np.append(np.where(errors, [f"error value {t}" for t in texts], None), None)
            problems = words[codes]
    bad = pd.notna(problems) if problems is not None else np.zeros(len(ids), dtype=bool)
    if bad.any():
        codes = np.where(bad, -1, codes)
        ids = ids.where(~bad, None)
    drop = clean.rows_to_drop(df, id_column=id_header, log=log, sheet=sheet, name_column=name_column,
                              ids=(codes, np.asarray(texts, dtype=object)), id_problems=problems, limit=limit)
    log.extend(id_log)  # after the skipped rows' records, as when ids were normalised after the drop
    distinct = len(texts)
    if drop.any():
        df, ids = df[~drop], ids[~drop]
        kept = np.asarray(codes)[~drop]
        # distinct ids among the rows kept (a dropped totals row's id would otherwise hide a duplicate)
        distinct = int(np.count_nonzero(np.bincount(kept[kept >= 0]))) if len(kept) else 0
    return df, ids, distinct


def _string_headers(df: pd.DataFrame) -> pd.DataFrame:
    if all(isinstance(c, str) for c in df.columns):
        return df
    return df.rename(columns={c: str(c) for c in df.columns})


# ------------------------------------------------------------------ helpers
def _keys_and_labels(codes: np.ndarray, keys, table: dict, lang: str):
    """(keys, words) as two Categoricals over the same codes.

    The categories are every key of ``table`` (so a manual override to any key
    fits), in the table's order; ``codes`` index ``keys`` (-1: none). The words
    of one language are distinct (a test checks it), as categories must be.
    """
    every = list(dict.fromkeys([*table, *keys]))
    recode = np.array([every.index(k) for k in keys] + [-1], dtype=np.int16)[codes]
    words = L.labels(table, lang)
    return (pd.Categorical.from_codes(recode, categories=every),
            pd.Categorical.from_codes(recode, categories=[words.get(k, k) for k in every]))


def _columns(frame: pd.DataFrame, names: list) -> pd.DataFrame:
    """``frame[names]`` without consolidating ``frame`` (no copy of a million-row block)."""
    return pd.DataFrame({c: frame[c] for c in names}, index=frame.index, copy=False)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns back to what a frame of their values holds (str, or object when mixed).

    A column of strings becomes pandas' ``str`` (missing: NaN) by a take from its
    categories, without checking a million strings again.
    """
    out = {}
    for col in frame.columns:
        values = frame[col]
        if not isinstance(values.dtype, pd.CategoricalDtype):
            continue
        cats = np.asarray(values.cat.categories, dtype=object)
        codes = values.cat.codes.to_numpy()
        if len(cats) and (codes >= 0).any() and all(isinstance(c, str) for c in cats):
            out[col] = pd.array(cats, dtype="str").take(codes, allow_fill=True)
        else:
            out[col] = pd.Series(np.append(cats, None)[codes], index=frame.index).array
    # One frame over the new arrays (copy=False): assigning them one by one would copy each.
    return pd.DataFrame({c: out.get(c, frame[c]) for c in frame.columns}, index=frame.index, copy=False)


RFM_CODES = [f"{r}{f}{m}" for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]


def _rfm_code(sc: pd.DataFrame) -> pd.Categorical:
    """'545'-style codes (missing when a score is), as codes into the 125 possible ones."""
    r, f, m = (sc[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("r_score", "f_score", "m_score"))
    code = (r - 1) * 25 + (f - 1) * 5 + (m - 1)
    return pd.Categorical.from_codes(np.where(np.isnan(code), -1, code).astype(np.int16), categories=RFM_CODES)


def tag_fields(cust_cols: dict) -> dict:
    """Display name (either language, or the user's header) -> result column."""
    fields = {}
    for key, words in L.HEADERS.items():
        for w in words:
            fields[w] = key
    for fld, words in columns.ALIASES.items():
        for w in words:
            fields.setdefault(w, fld)
    computed = {w for words in L.HEADERS.values() for w in words}
    for fld, header in cust_cols.items():
        if header not in computed:  # a user's column called "Segment" never hides the computed Segment
            fields[header] = fld
    return fields


def _tags(out: pd.DataFrame, cfg: Config, cust_cols: dict, as_of, home: str | None = None):
    rules = []
    if cfg.tag_rules is not None and len(cfg.tag_rules):
        rules.extend(tags.parse_rules(cfg.tag_rules))
    if cfg.default_tags:
        available = {c for c in out.columns if out[c].notna().any()}
        rules.extend(tags.parse_rules(tags.default_rules(cfg.lang, cfg, available)))
    rules = tags.resolve_home(rules, home)
    if not rules:
        return pd.DataFrame(index=out.index), []
    when = as_of if as_of is not None else pd.Timestamp(dt.date.today())
    flags = tags.evaluate(out, rules, as_of=when, fields=tag_fields(cust_cols))
    return flags, list(flags.attrs.get("skipped", []))
