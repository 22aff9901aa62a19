"""Array results within what Excel shows: long texts (Why) shortened to 255 characters."""

from __future__ import annotations

import re

ARRAY_TEXT_LIMIT = 255
"""Excel shows #VALUE! for a whole array from a VBA function when one string in it is longer (xlwings
returns arrays bigger than 1 x 1 as a Variant array; xlwings issue 456). A single value may be longer."""
_DETAIL = re.compile(r" \([^()]*\)|（[^（）]*）")  # "(>= 7)", "（>= 7）"; not the "(s)" of "purchase(s)"
_BREAKS = ("。", ". ", "；", "; ", "，", ", ", " ")


def fit_text(text: str, limit: int = ARRAY_TEXT_LIMIT) -> str:
    """``text`` shortened to ``limit`` characters for an array result.

    First the details in parentheses (the thresholds of a Why text: "(>= 7)") are left out; if that is not
    enough, the text is cut after the last sentence (or clause, or word) that fits and ends in "…". The full
    text is what one customer's lookup returns.
    """
    if len(text) <= limit:
        return text
    short = _DETAIL.sub("", text)
    if len(short) <= limit:
        return short
    head = short[:limit - 1]
    for mark in _BREAKS:
        cut = head.rfind(mark)
        if cut > limit // 2:
            return head[:cut + len(mark.rstrip())].rstrip() + "…"
    return head + "…"


def _fit_array(rows: list) -> list:
    """Every string of a 2-D result within ARRAY_TEXT_LIMIT; the same list when all are."""
    if not any(isinstance(v, str) and len(v) > ARRAY_TEXT_LIMIT for r in rows for v in r):
        return rows
    return [[fit_text(v) if isinstance(v, str) else v for v in r] for r in rows]
