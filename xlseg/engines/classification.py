"""Step 3 of the one SQL definition (:mod:`xlseg.engines.sql`): ``xlseg_metrics`` classified as ``xlseg.core`` does.

:func:`classify_sql` adds recency, scores (rank_min formula or cut points),
segment (R x F grid or RFM8), ABC class, tier and stage, without collecting:
ranks come from counts per distinct value (a window over distinct values,
joined back), so no single window sorts every customer. Written in DuckDB's
dialect; :func:`xlseg.engines.sql.for_engine` transpiles it for Spark.
"""

from __future__ import annotations

import datetime as dt

from xlseg.core.config import Config
from xlseg.core.stages import ORDER as STAGE_ORDER
from xlseg.engines.sql import _in_list, ident, lit


def _rank_scores(column: str, higher_is_better: bool) -> str:
    """Per distinct value among buyers: 1 + floor(5 (rank_min - 1) / n), ranking so higher is better.

    rank_min - 1 is the number of buyers with a strictly worse value: a running sum of
    counts over the distinct values, worst first.
    """
    worst_first = "ASC" if higher_is_better else "DESC"
    return f"""
  SELECT v, CAST(1 + FLOOR(5.0 * (SUM(c) OVER (ORDER BY v {worst_first} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - c)
                           / SUM(c) OVER ()) AS INTEGER) AS score
  FROM (SELECT {column} AS v, COUNT(*) AS c FROM base WHERE is_buyer AND {column} IS NOT NULL GROUP BY {column}) AS g"""


def _cut_scores(column: str, cuts, higher_is_better: bool) -> str:
    op = ">=" if higher_is_better else "<="
    reached = " + ".join(f"CASE WHEN {column} {op} {float(c)!r} THEN 1 ELSE 0 END" for c in cuts)
    return f"CASE WHEN is_buyer AND {column} IS NOT NULL THEN 1 + {reached} END"


def _segment(cfg: Config) -> str:
    if cfg.segment_scheme == "rfm8":
        from xlseg.core.segments import RFM8

        bit = ("(recency < AVG(recency) FILTER (WHERE is_buyer) OVER ())",
               "(frequency > AVG(frequency) FILTER (WHERE is_buyer) OVER ())",
               "(monetary > AVG(monetary) FILTER (WHERE is_buyer) OVER ())")
        cases = " ".join(
            f"WHEN {' AND '.join(b if on else f'NOT {b}' for b, on in zip(bit, key))} THEN {lit(seg)}"
            for key, seg in RFM8.items())
        valid = "is_buyer AND recency IS NOT NULL AND frequency IS NOT NULL AND monetary IS NOT NULL"
        return f"CASE WHEN NOT ({valid}) THEN NULL {cases} END"
    cases = " ".join(f"WHEN r_score = {5 - i} AND f_score = {j + 1} THEN {lit(key)}"
                     for i, row in enumerate(cfg.grid) for j, key in enumerate(row))
    keys = {key for row in cfg.grid for key in row}
    if {"champions", "loyal_customers"} <= keys:
        # a negative net spend (refunds above purchases) is never Champions: Loyal Customers instead
        cases = f"WHEN monetary < 0 AND r_score IS NOT NULL AND ({f'CASE {cases} END'}) = 'champions' " \
                f"THEN 'loyal_customers' {cases}"
    return f"CASE {cases} END"


def _abc(cfg: Config) -> str:
    """ABC class per distinct positive monetary: share of revenue before this amount < abc_a -> A, < abc_b -> B."""
    return f"""
  SELECT v, CASE WHEN CAST(running - s AS DOUBLE) / CAST(total AS DOUBLE) < {cfg.abc_a!r} THEN 'A'
                 WHEN CAST(running - s AS DOUBLE) / CAST(total AS DOUBLE) < {cfg.abc_b!r} THEN 'B' ELSE 'C' END AS cls
  FROM (SELECT v, s, SUM(s) OVER (ORDER BY v DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
               SUM(s) OVER () AS total
        FROM (SELECT monetary AS v, SUM(CAST(monetary AS DECIMAL(38, 6))) AS s FROM base
              WHERE is_buyer AND monetary > 0 GROUP BY monetary) AS g) AS w"""


OUTPUT = ("customer_id", "recency", "frequency", "monetary", "avg_order_value", "first_purchase", "last_purchase",
          "mean_gap", "gap_before_last", "is_buyer", "r_score", "f_score", "m_score", "rfm", "segment_key", "abc",
          "tier_key", "stage_key")


def classify_sql(cfg: Config, as_of: dt.date, attributes=(), names: dict | None = None) -> str:
    """``xlseg_metrics`` classified as of ``as_of``: the columns of ``xlseg.core`` (keys, not labels).

    ``attributes``: columns of ``xlseg_metrics`` passed on; ``names``: the output name of some of them
    (the user's header of a carried column, for :data:`PLAIN_PREFIX` aliases).
    """
    names = names or {}
    passed = "".join(f", {a}" + (f" AS {ident(names[a])}" if a in names else "") for a in attributes)
    as_of_sql = f"DATE {lit(as_of.isoformat())}"
    withs = [f"""base AS (
  SELECT *, frequency > 0 AS is_buyer,
         CAST(DATE_DIFF('day', last_purchase, {as_of_sql}) AS DOUBLE) AS recency,
         CAST(DATE_DIFF('day', first_purchase, {as_of_sql}) AS DOUBLE) AS since_first
  FROM xlseg_metrics)"""]
    joins = []
    score = {}
    for letter, column, higher in (("r", "recency", False), ("f", "frequency", True), ("m", "monetary", True)):
        if cfg.score_method == "cuts":
            score[letter] = _cut_scores(column, getattr(cfg, f"{letter}_cuts"), higher)
        else:
            withs.append(f"{letter}_rank AS ({_rank_scores(column, higher)})")
            joins.append(f"LEFT JOIN {letter}_rank ON base.is_buyer AND {letter}_rank.v = base.{column}")
            score[letter] = f"{letter}_rank.score"
    if cfg.tier_method == "abc":
        withs.append(f"abc_class AS ({_abc(cfg)})")
        joins.append("LEFT JOIN abc_class ON base.is_buyer AND base.monetary > 0 AND abc_class.v = base.monetary")
        cls = "CASE WHEN NOT base.is_buyer OR base.monetary IS NULL THEN NULL ELSE COALESCE(abc_class.cls, 'C') END"
    elif cfg.tier_method == "quantile":
        withs.append(f"""q_rank AS (
  SELECT v, (SUM(c) OVER (ORDER BY v DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - c)
            / CAST(SUM(c) OVER () AS DOUBLE) AS position
  FROM (SELECT monetary AS v, COUNT(*) AS c FROM base WHERE is_buyer AND monetary IS NOT NULL GROUP BY monetary) AS g)""")
        joins.append("LEFT JOIN q_rank ON base.is_buyer AND q_rank.v = base.monetary")
        cls = (f"CASE WHEN q_rank.position IS NULL THEN NULL WHEN q_rank.position < {cfg.quantile_a!r} THEN 'A' "
               f"WHEN q_rank.position < {cfg.quantile_b!r} THEN 'B' ELSE 'C' END")
    else:
        cls = (f"CASE WHEN NOT base.is_buyer OR base.monetary IS NULL THEN NULL "
               f"WHEN base.monetary >= {float(cfg.threshold_high)!r} THEN 'A' "
               f"WHEN base.monetary >= {float(cfg.threshold_medium)!r} THEN 'B' ELSE 'C' END")
    scored = (f"SELECT base.*, {score['r']} AS r_score, {score['f']} AS f_score, {score['m']} AS m_score, "
              f"{cls} AS abc FROM base {' '.join(joins)}")
    withs.append(f"scored AS ({scored})")
    withs.append(f"segmented AS (SELECT *, {_segment(cfg)} AS segment_key FROM scored)")
    potential = _in_list(cfg.potential_segments) if cfg.potential_segments else "('')"
    # never Potential with a negative net spend
    overlay = (f"WHEN abc IN ('B', 'C') AND segment_key IN {potential} AND NOT monetary < 0 THEN 'potential' "
               if cfg.potential_overlay else "")
    tier = (f"CASE WHEN abc IS NULL THEN NULL {overlay}WHEN abc = 'A' THEN 'high' "
            f"WHEN abc = 'B' THEN 'medium' ELSE 'low' END")
    p, lost, reactivated, new, churn, active = STAGE_ORDER
    stage = f"""CASE WHEN NOT is_buyer THEN {lit(p)}
         WHEN recency IS NULL THEN NULL
         WHEN recency > {cfg.lost_days} THEN {lit(lost)}
         WHEN gap_before_last > {cfg.lost_days} THEN {lit(reactivated)}
         WHEN since_first <= {cfg.new_days} THEN {lit(new)}
         WHEN recency > {cfg.active_days}
              OR (frequency >= {cfg.churn_min_purchases} AND recency > {float(cfg.churn_gap_multiple)!r} * mean_gap)
              THEN {lit(churn)}
         ELSE {lit(active)} END"""
    rfm = ("CASE WHEN r_score IS NOT NULL AND f_score IS NOT NULL AND m_score IS NOT NULL THEN "
           "CONCAT(CAST(r_score AS VARCHAR), CAST(f_score AS VARCHAR), CAST(m_score AS VARCHAR)) END")
    return (f"WITH {', '.join(withs)}\n"
            f"SELECT {', '.join(OUTPUT[:4])}, CASE WHEN frequency > 0 THEN monetary / frequency END AS avg_order_value, "
            f"{', '.join(OUTPUT[5:13])}, {rfm} AS rfm, segment_key, abc, {tier} AS tier_key, {stage} AS stage_key"
            f"{passed} FROM segmented\n"
            # one order on every engine (DuckDB's hash aggregates come back in any order)
            f"ORDER BY customer_id")
