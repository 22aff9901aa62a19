"""Styles shared by xlseg's sheets: the header row, and the Segment / Value Tier / Stage colours."""

from __future__ import annotations

from xlseg.core import labels as L
from xlseg.core.engine import Result
from xlseg.core.summaries import TIER_ORDER, segment_keys
from xlseg.plan import palette
from xlseg.plan.write_plan import CondRule, Style, ref


def _cond_rules(col_ref: str, kind: str, lang: str, keys) -> list:
    colours = palette.COLOURS[kind]
    table = L.KINDS[kind]
    return [CondRule(col_ref, L.label(table, k, lang), *colours[k]) for k in keys]


def label_rules(result: Result, first_row: int, last_row: int, cols: dict) -> list:
    """Conditional-format rules for the Segment, Value Tier and Stage columns (col numbers in ``cols``)."""
    lang = result.config.lang
    rules = []
    last_row = max(last_row, first_row)
    for kind, keys in (("segment", segment_keys(result.config)), ("value_tier", TIER_ORDER),
                       ("stage", L.STAGES.keys())):
        c = cols[kind]
        rules += _cond_rules(ref(first_row, c, last_row, c), kind, lang, keys)
    return rules


def _header_style(r: int, c1: int, c2: int, align: str | None = None) -> Style:
    """A header row; ``align`` follows the column's values (numbers right, scores centred)."""
    return Style(ref(r, c1, r, c2), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT, wrap=True,
                 align=align)
