"""One entry point: :func:`classify` customers and/or transactions.

Input frames are as read from a sheet: the user's headers (recognised in
English or Chinese), values as typed, index = sheet row number. The result
holds one row per customer with canonical columns (see docs/architecture.md),
the summaries, the issues and the tags. The sheets are prepared in
:mod:`~xlseg.core.customer_sheet` and :mod:`~xlseg.core.transaction_sheet`; the record is
:class:`~xlseg.core.result.Result`; :mod:`~xlseg.core.report` words what the run understood.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np
import pandas as pd

from xlseg.core import columns, metrics, overrides, predict, scores, segments, stages, summaries, tags, tiers
from xlseg.core import explain as explaining
from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.customer_sheet import _recency_days, prepare_customers
from xlseg.core.input_rows import TEXT_FIELDS
from xlseg.core.issues import IssueLog
from xlseg.core.report import _as_of_sentence, _rows_sentence, _warnings, issue_groups
from xlseg.core.result import PREDICTION_COLUMNS, RESULT_COLUMNS, Result, _columns, _keys_and_labels, _plain, _rfm_code
from xlseg.core.transaction_sheet import _customers_from_lines, prepare_transactions, transactions_first_rows
from xlseg.errors import ConfigError, InputError


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
    ``columns`` (field -> header), ``use_orders``, ``notes`` and ``plain_attributes``
    (its columns that are attributes the header recogniser does not know).
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
    twice = 0  # order lines with two records of being skipped (counted once in the rows sentence)
    if transactions is not None:
        step("reading transactions")
        tx_log = IssueLog(sheet=transaction_sheet)
        tx, tx_cols, line_attrs = prepare_transactions(transactions, cfg, tx_log, transaction_sheet, understood)
        twice = tx.attrs.get("rows_counted_twice", 0)
        log.extend(tx_log)
    elif aggregated is not None:
        tx_cols = dict(aggregated.attrs.get("columns", {}))
        notes.extend(aggregated.attrs.get("notes", []))  # e.g. order lines the engine skipped, and why
        understood.extend(aggregated.attrs.get("understood", []))  # e.g. a date column's day/month order
        present = [c for c in TEXT_FIELDS if c in aggregated.columns]
        present += [h for h in aggregated.attrs.get("plain_attributes", []) if h in aggregated.columns]
        line_attrs = aggregated[present] if present else None
    # One row per customer id (a duplicate id was reported and takes the first row's values).
    base = None if cust is None else cust if unique else cust.drop_duplicates("customer_id")
    attributes: list[str] = []
    if base is None and line_attrs is not None:
        base, attributes = _customers_from_lines(line_attrs, tx_cols, None if tx is None else transaction_sheet,
                                                 understood)

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
    if "source_row" in out:
        out["source_row"] = pd.array(out["source_row"], dtype="Int64")
    else:  # no sheet row: all missing (built from arrays; a list of a million pd.NA took 0.5 s to coerce)
        out["source_row"] = pd.arrays.IntegerArray(np.ones(len(out), dtype="int64"), np.ones(len(out), dtype=bool))

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
    out["why"] = explaining.why(out, _plain(computed), cuts, cfg, as_of).array if explain else None
    order = RESULT_COLUMNS + (PREDICTION_COLUMNS if pred.columns is not None else []) + ["is_buyer", "source_row"] + [c for c in attr_cols if c not in RESULT_COLUMNS
                                                            and c not in ("source_row",)]
    out = _columns(out, list(dict.fromkeys(order)))
    issues_frame = log.to_frame()
    groups = issue_groups(issues_frame)
    rows_in = (0 if customers is None else len(customers)) + (0 if transactions is None else len(transactions))
    warnings = _warnings(groups, rows_in, notes, skipped, twice)
    if rows_in or aggregated is None:  # an engine's order lines are counted in its own note
        understood.append(_rows_sentence(groups, rows_in, twice))
    return Result(customers=out, summaries=summ, issues=issues_frame, flags=flags, tags=tags_long,
                  as_of=as_of, config=cfg, notes=notes, customer_columns=cust_cols,
                  transaction_columns=tx_cols, cut_points=cuts,
                  row_ids=None if cust is None else cust["customer_id"], understood=understood,
                  warnings=warnings, issue_groups=groups, attributes=attributes, home_country=home,
                  issue_rows=log.rows_count())


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


# ------------------------------------------------------------------ helpers


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
