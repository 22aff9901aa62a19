"""Manual overrides: the user overrules a customer's segment, value tier or stage, with a reason.

Overrides are a table (on the Settings sheet: ``Customer ID | Field | Value |
Reason``; optionally a ``row`` column with the sheet row). Field is Segment,
Value Tier or Stage (either language, or the key); Value is a label of that
field in either language. Because the table lives in Settings, it survives
every Reclassify unchanged.

:func:`parse` checks the rows; :func:`apply` replaces the keys and labels in a
Result's customers frame and fills the ``override`` marker column, e.g.
``"Segment: Champions (was At Risk) - key account, renewal signed"``.

Every bad row becomes an Issues record and is not applied: no reason, unknown
customer id, unknown field, unknown value, or a second override of the same
customer and field (the first one wins).
"""

from __future__ import annotations

import pandas as pd

from xlseg.core import labels as L
from xlseg.core.config import _blank
from xlseg.core.issues import IssueLog

HEAD = ("Customer ID", "Field", "Value", "Reason")
HEAD_ZH = ("客户编号", "字段", "值", "原因")
FIELDS = {  # field -> (key column, label column, label table)
    "segment": ("segment_key", "segment", L.SEGMENTS),
    "value_tier": ("tier_key", "value_tier", L.TIERS),
    "stage": ("stage_key", "stage", L.STAGES),
}
APPLIED_COLUMNS = ["customer_id", "field", "key", "was_key", "reason", "row"]
SEP = " — "


def field_of(word) -> str | None:
    """'Segment', '客户分群', 'value tier', 'stage' ... -> the field key, else None."""
    if word is None:
        return None
    n = L.norm(word)
    for fld in FIELDS:
        words = (fld,) + tuple(L.OUTPUT_HEADERS[fld]) + (("tier",) if fld == "value_tier" else ())
        if any(n == L.norm(w) for w in words):
            return fld
    return None


def parse(table: pd.DataFrame | None, ids, log: IssueLog, *, sheet: str = "Settings") -> pd.DataFrame:
    """Valid overrides (``customer_id, field, key, reason, row``); every bad row is logged, not applied.

    ``table``: columns Customer ID, Field, Value, Reason (and optionally ``row``).
    ``ids``: the customer ids of the run (normalised text).
    """
    cols = ["customer_id", "field", "key", "reason", "row"]
    if table is None or len(table) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    from xlseg.core.clean import normalise_ids

    t = table.reset_index(drop=True)
    rows = t["row"].tolist() if "row" in t.columns else [None] * len(t)
    scratch = IssueLog(sheet=sheet)
    norm_ids = normalise_ids(t[HEAD[0]].astype(object), column=HEAD[0], log=scratch).tolist()
    known = set(pd.Index(ids).astype(object))
    seen: dict = {}
    out = []
    for i in range(len(t)):
        cid, fword, vword, reason, row = norm_ids[i], t.at[i, HEAD[1]], t.at[i, HEAD[2]], t.at[i, HEAD[3]], rows[i]
        if all(_blank(v) for v in (t.at[i, HEAD[0]], fword, vword, reason)):
            continue
        what = f"override of {cid or '(no id)'}"
        if cid is None:
            log.add(row, HEAD[0], None, f"{what}: no customer id", "override ignored; fill in Customer ID",
                    sheet=sheet)
            continue
        if cid not in known:
            log.add(row, HEAD[0], cid, f"override for unknown customer id '{cid}'",
                    "override ignored; use an id from the customer sheet", sheet=sheet)
            continue
        fld = field_of(fword)
        if fld is None:
            log.add(row, HEAD[1], fword, f"{what}: '{fword}' is not a field that can be overridden",
                    "override ignored; use Segment, Value Tier or Stage", sheet=sheet)
            continue
        table_ = FIELDS[fld][2]
        key = None if _blank(vword) else L.key_of(table_, vword)
        if key is None:
            allowed = ", ".join(v[0] for v in table_.values())
            log.add(row, HEAD[2], vword, f"{what}: '{vword}' is not a {L.OUTPUT_HEADERS[fld][0]}",
                    f"override ignored; use one of: {allowed}", sheet=sheet)
            continue
        if _blank(reason):
            log.add(row, HEAD[3], None, f"{what} ({L.OUTPUT_HEADERS[fld][0]} -> {vword}) has no reason",
                    "override ignored; write why in the Reason column", sheet=sheet)
            continue
        if (cid, fld) in seen:
            log.add(row, HEAD[0], cid, f"second override of {L.OUTPUT_HEADERS[fld][0]} for '{cid}' "
                    f"(first on row {seen[(cid, fld)]})", "ignored; the first one applies", sheet=sheet)
            continue
        seen[(cid, fld)] = row
        out.append((cid, fld, key, str(reason).strip(), row))
    return pd.DataFrame(out, columns=cols) if out else pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def apply(customers: pd.DataFrame, valid: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(customers with overrides applied and an ``override`` column, applied overrides).

    The applied frame has :data:`APPLIED_COLUMNS` (``was_key``: the computed key).
    ``override`` is "" for customers without one.
    """
    out = customers.copy(deep=False)  # copy-on-write: the caller's frame is never changed
    marker = pd.Series("", index=out.index, dtype=object)
    if len(valid) == 0:
        out["override"] = marker.to_numpy()
        return out, pd.DataFrame({c: pd.Series(dtype=object) for c in APPLIED_COLUMNS})
    pos = pd.Series(range(len(out)), index=pd.Index(out["customer_id"]))
    pos = pos[~pos.index.duplicated()]
    applied = []
    parts: dict[int, list[str]] = {}
    for fld in FIELDS:  # fixed order: segment, value tier, stage
        key_col, label_col, table = FIELDS[fld]
        sub = valid[valid["field"] == fld]
        if len(sub) == 0:
            continue
        at = pos.reindex(sub["customer_id"]).to_numpy()
        was = out[key_col].to_numpy()[at]
        out.iloc[at, out.columns.get_loc(key_col)] = sub["key"].to_numpy()
        words = L.labels(table, lang)
        out.iloc[at, out.columns.get_loc(label_col)] = [words[k] for k in sub["key"]]
        header = L.header(fld, lang)
        none = "（无）" if lang == "zh" else "(none)"
        for p, k, w, reason in zip(at, sub["key"], was, sub["reason"]):
            old = words.get(w, none) if isinstance(w, str) else none
            was_word = f"原为 {old}" if lang == "zh" else f"was {old}"
            parts.setdefault(int(p), []).append(f"{header}: {words[k]} ({was_word}){SEP}{reason}")
        for (cid, k, reason, row), w in zip(sub[["customer_id", "key", "reason", "row"]].itertuples(index=False),
                                            was):
            applied.append((cid, fld, k, w if isinstance(w, str) else None, reason, row))
    marker.iloc[list(parts)] = ["; ".join(v) for v in parts.values()]
    out["override"] = marker.to_numpy()
    return out, pd.DataFrame(applied, columns=APPLIED_COLUMNS)


def summary(applied: pd.DataFrame, customers: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Overrides for the Summary: customer id, name, field, value, computed value, reason (labels)."""
    rows = []
    if len(applied) == 0:  # the usual case: no index of a million names for nothing
        return pd.DataFrame(rows, columns=["customer_id", "name", "field", "value", "was", "reason"])
    names = customers.drop_duplicates("customer_id").set_index("customer_id")["name"]
    none = "（无）" if lang == "zh" else "(none)"
    for cid, fld, key, was, reason, _row in applied.itertuples(index=False):
        table = FIELDS[fld][2]
        rows.append((cid, names.get(cid), L.header(fld, lang), L.label(table, key, lang),
                     L.label(table, was, lang) if was else none, reason))
    return pd.DataFrame(rows, columns=["customer_id", "name", "field", "value", "was", "reason"])
