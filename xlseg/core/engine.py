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

from xlseg.core import clean, columns, metrics, scores, segments, stages, summaries, tags, tiers
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
DATE_FIELDS = ("first_purchase", "last_purchase")
NUMBER_FIELDS = ("monetary", "interactions", "satisfaction")
TEXT_FIELDS = ("name", "customer_type", "source", "region", "country", "city", "industry", "company_size")


@dataclass
class Result:
    """Everything one classification run produced.

    * ``customers``: one row per customer (``RESULT_COLUMNS`` plus ``is_buyer``,
      ``source_row`` - the customer-sheet row, <NA> for customers found only
      in transactions - and the customer sheet's attribute columns).
    * ``summaries``: ``segments``, ``tier_stage``, ``tags``, ``kpis``, ``cut_points``.
    * ``issues``: the data-quality findings (sheet, row, column, value, problem, action).
    * ``flags``: one boolean column per tag; ``tags``: (customer_id, tag) long form.
    * ``notes``: features skipped because a column is missing, and similar remarks.
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
             explain: bool = False) -> Result:
    """Classify customers: scores, segment, value tier, stage and tags.

    ``customers``: one row per customer (needs a customer-id column).
    ``transactions``: one row per order line (customer id, date, amount,
    optional order id). Give either or both; with both, the customer sheet
    supplies attributes and the transactions supply the metrics.
    ``explain=True`` fills the ``why`` column with the reasons in words (what the
    workbook's Why column shows); it costs more than the classification itself,
    so it is off by default and ``why`` is then None.
    """
    cfg = _config(config)
    step = progress or (lambda _msg: None)
    if customers is None and transactions is None:
        raise InputError("Nothing to classify: give a customer table, a transaction table, or both.")
    log = IssueLog(sheet=customer_sheet if customers is not None else transaction_sheet)
    notes: list[str] = []

    step("reading customers")
    cust, cust_cols = (None, {})
    if customers is not None:
        cust, cust_cols, unique = prepare_customers(customers, cfg, log, customer_sheet)
    tx, tx_cols = (None, {})
    if transactions is not None:
        step("reading transactions")
        tx_log = IssueLog(sheet=transaction_sheet)
        tx, tx_cols = prepare_transactions(transactions, cfg, tx_log, transaction_sheet)
        log.extend(tx_log)
    # One row per customer id (a duplicate id was reported and takes the first row's values).
    base = None if cust is None else cust if unique else cust.drop_duplicates("customer_id")

    step("computing metrics")
    if tx is not None:
        explicit = resolve_as_of(cfg.as_of, None)
        if explicit is not None:
            later = tx["date"] > explicit
            if later.any():
                log.add("", tx_cols["date"], f"{int(later.sum())} rows",
                        f"dated after as_of {explicit.date().isoformat()}",
                        "not counted (the metrics are as of that date)", sheet=transaction_sheet)
                tx = tx[~later]
        m = metrics.from_transactions(tx, basis=cfg.frequency_basis)
        if cust is not None:
            unknown = m.index.difference(pd.Index(base["customer_id"]), sort=False)
            if len(unknown):
                first_rows = tx.reset_index().drop_duplicates("customer_id").set_index("customer_id")
                rows = first_rows.loc[unknown].iloc[:, 0].tolist()
                log.add_many(rows, tx_cols["customer_id"], list(unknown),
                             f"customer id not on sheet '{customer_sheet}'",
                             "classified from its transactions; listed on the Customers sheet only",
                             sheet=transaction_sheet, limit=50)
            ids = pd.Index(base["customer_id"]).append(unknown)
            m = m.reindex(ids)
            m["frequency"] = m["frequency"].fillna(0.0)
            m["monetary"] = m["monetary"].fillna(0.0)  # on the customer sheet, no transactions: spent 0
            for fld in ("orders", "monetary", "first_purchase", "last_purchase"):
                if fld in cust_cols:
                    notes.append(f"'{cust_cols[fld]}' on sheet '{customer_sheet}' was not used: "
                                 f"the metrics come from the transactions on sheet '{transaction_sheet}'.")
    else:
        m = metrics.from_customers(base)
        if "last_purchase" not in cust_cols:
            notes.append("No last-purchase column: recency, R scores, segments and stages were skipped.")
        if "orders" not in cust_cols:
            notes.append("No order-count column: F scores and segments were skipped.")
        if "monetary" not in cust_cols:
            notes.append("No spend column: M scores and value tiers were skipped.")

    as_of = resolve_as_of(cfg.as_of, metrics.latest_purchase(m))
    m = metrics.finish(m, as_of if as_of is not None else pd.NaT)
    if tx is None and cust is not None and as_of is not None:
        future = m["recency"] < 0
        if future.any():
            rows = base.loc[future.to_numpy()].index
            log.add_many(list(rows), cust_cols.get("last_purchase", ""),
                         list(m.loc[future, "last_purchase"].dt.strftime("%Y-%m-%d")),
                         f"last purchase after as_of {as_of.date().isoformat()}", "recency counted as 0")
            m.loc[future, "recency"] = 0.0
    no_date = m["is_buyer"] & m["last_purchase"].isna() & ("last_purchase" in cust_cols or tx is not None)
    if no_date.any() and cust is not None:
        rows = base.set_index("customer_id").loc[m.index[no_date], "source_row"].tolist()
        log.add_many(rows, cust_cols.get("last_purchase", ""), [None] * len(rows),
                     "has orders but no last purchase date", "recency, segment and stage left blank")

    step("scoring")
    # Score on a positional index: label alignment on a million string ids would rebuild hash tables.
    ids = m.index.to_numpy()
    m = m.reset_index(drop=True)
    sc = scores.score_all(m, cfg)
    # Segment, tier and stage are carried as Categoricals (integer codes into a short list of
    # keys) until the result is handed out: tags and summaries then group a million rows by
    # their codes instead of hashing a million strings again and again.
    seg_codes, seg_keys = segments.codes(m, sc, cfg)
    cls_codes = tiers.class_codes(m, cfg)
    potential = np.isin(seg_codes, [i for i, k in enumerate(seg_keys) if k in cfg.potential_segments])
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
    flags, skipped = _tags(out, cfg, cust_cols, as_of)
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
    }
    out = _plain(out)
    out["why"] = explaining.why(out, _plain(computed), cuts, cfg, as_of).to_numpy() if explain else None
    order = RESULT_COLUMNS + ["is_buyer", "source_row"] + [c for c in attr_cols if c not in RESULT_COLUMNS
                                                            and c not in ("source_row",)]
    out = _columns(out, list(dict.fromkeys(order)))
    return Result(customers=out, summaries=summ, issues=log.to_frame(), flags=flags, tags=tags_long,
                  as_of=as_of, config=cfg, notes=notes, customer_columns=cust_cols,
                  transaction_columns=tx_cols, cut_points=cuts,
                  row_ids=None if cust is None else cust["customer_id"])


# ------------------------------------------------------------------ preparation
def prepare_customers(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str):
    """Recognise and clean a customer sheet.

    Returns (frame with canonical columns, field -> header, whether every customer id is distinct).
    Text attribute columns whose values repeat come back as Categoricals (see ``_plain``).
    """
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="customers", sheet=sheet)
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
        s = df[header]
        if fld in DATE_FIELDS:
            work[fld] = clean.parse_dates(s, column=header, log=log, day_first=cfg.day_first)
        elif fld == "orders":
            work[fld] = clean.parse_counts(s, column=header, log=log)
        elif fld in NUMBER_FIELDS:
            work[fld] = clean.parse_amounts(s, column=header, log=log)
        elif fld in TEXT_FIELDS:
            work[fld] = clean.parse_text(s, categorical=True)
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
    return work, cols, unique


def prepare_transactions(df: pd.DataFrame, cfg: Config, log: IssueLog, sheet: str):
    cols = columns.recognise([str(c) for c in df.columns], cfg.columns, kind="transactions", sheet=sheet)
    df = _string_headers(df)
    if len(df) == 0:
        raise InputError(f"Sheet '{sheet}' has headers but no transaction rows. Add orders below the header row.")
    df, ids, _distinct = _rows_with_ids(df, cols["customer_id"], log, sheet)
    tx = pd.DataFrame(index=df.index)
    tx["customer_id"] = ids
    tx["date"] = clean.parse_dates(df[cols["date"]], column=cols["date"], log=log, day_first=cfg.day_first,
                                   required=True)
    tx["amount"] = clean.parse_amounts(df[cols["amount"]], column=cols["amount"], log=log, required=True)
    if "order_id" in cols:
        tx["order_id"] = clean.normalise_ids(df[cols["order_id"]], column=cols["order_id"], log=log)
    ok = tx["date"].notna() & tx["amount"].notna()  # (every row left has a customer id)
    if not ok.all():
        tx = tx[ok]
    if len(tx) == 0:
        raise InputError(f"Sheet '{sheet}' has no usable transaction rows: each needs a customer id, a date "
                         f"and an amount ('{cols['customer_id']}', '{cols['date']}', '{cols['amount']}'). "
                         "See the Issues sheet for what was wrong with each row.")
    neg = tx["amount"] < 0
    if neg.any():
        log.add_many(list(tx.index[neg]), cols["amount"], list(tx.loc[neg, "amount"]), "negative amount",
                     "counted as a refund: netted out of the customer's spend, not counted as a purchase",
                     limit=200)
    return tx, cols


def _rows_with_ids(df: pd.DataFrame, id_header, log: IssueLog, sheet: str, name_column=None):
    """The id column normalised once, and the rows that are not customers (order lines) dropped.

    Returns (the rows kept, their ids, the number of distinct ids before the drop).
    Blank and totals ids are judged on the normalised ids (each distinct id once), so
    a cell that normalises to no id (blank, a number that is not finite) is reported.
    """
    id_log = IssueLog(sheet=sheet)
    ids, codes, texts = clean.normalise_ids(df[id_header], column=id_header, log=id_log, codes=True)
    if codes is None:  # numbers among the ids: code the normalised ids here
        codes, texts = pd.factorize(ids.to_numpy(dtype=object))
    drop = clean.rows_to_drop(df, id_column=id_header, log=log, sheet=sheet, name_column=name_column,
                              ids=(codes, np.asarray(texts, dtype=object)))
    log.extend(id_log)  # after the skipped rows' records, as when ids were normalised after the drop
    if drop.any():
        df, ids = df[~drop], ids[~drop]
    return df, ids, len(texts)


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
    for fld, header in cust_cols.items():
        fields[header] = fld
    return fields


def _tags(out: pd.DataFrame, cfg: Config, cust_cols: dict, as_of):
    rules = []
    if cfg.tag_rules is not None and len(cfg.tag_rules):
        rules.extend(tags.parse_rules(cfg.tag_rules))
    if cfg.default_tags:
        available = {c for c in out.columns if out[c].notna().any()}
        rules.extend(tags.parse_rules(tags.default_rules(cfg.lang, cfg, available)))
    if not rules:
        return pd.DataFrame(index=out.index), []
    when = as_of if as_of is not None else pd.Timestamp(dt.date.today())
    flags = tags.evaluate(out, rules, as_of=when, fields=tag_fields(cust_cols))
    return flags, list(flags.attrs.get("skipped", []))
