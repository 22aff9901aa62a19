"""The built-in default tags and the fields they need."""

from __future__ import annotations

import dataclasses

import pandas as pd

from xlseg.core import labels as L
from xlseg.core.config import Config
from xlseg.core.tags.operators import (
    COUNTRY_EQUIVALENTS,
    DEFAULT_TAG_NAMES,
    ENTERPRISE_WORDS,
    FIELD_NAMES,
    INDIVIDUAL_WORDS,
    OFFLINE_WORDS,
    ONLINE_WORDS,
    OPERATORS_ZH,
    RULE_HEADERS,
)
from xlseg.errors import ConfigError

# ------------------------------------------------------------------ vocabulary
# Canonical operator spellings, in the order messages list them.


_FIELD_DISPLAY = {
    "customer_type": FIELD_NAMES["customer_type"][:2],
    "source": FIELD_NAMES["source"][:2],
    "country": FIELD_NAMES["country"][:2],
    "satisfaction": FIELD_NAMES["satisfaction"][:2],
    **{k: L.HEADERS[k] for k in ("monetary", "value_tier", "stage", "m_score")},
}


def _home_words(home: str) -> tuple[str, ...]:
    n = L.norm(home)
    for words in COUNTRY_EQUIVALENTS:
        if any(L.norm(w) == n for w in words):
            return words
    return (home.strip(),)


# The Value of the built-in International rule when home_country is blank: the engine puts the
# home country in its place (Settings home_country, else the most common country in the data).
HOME_TOKEN = ("(home country)", "（本国）")


def is_home_token(value) -> bool:
    return isinstance(value, str) and L.norm(value) in {L.norm(w) for w in HOME_TOKEN}


def resolve_home(rules: list, home: str | None) -> list:
    """``rules`` with every "(home country)" Value replaced by the names of ``home``.

    A rule whose Value is the token while no home country is known stays as it
    is and matches nothing (its field, country, is then absent anyway).
    """
    if not home:
        return rules
    words = _home_words(home)
    out = []
    for rule in rules:
        if rule.operator in ("in", "not in") and len(rule.arg or ()) == 1 and is_home_token(rule.arg[0]):
            rule = dataclasses.replace(rule, value=", ".join(words), arg=tuple(words))
        elif rule.operator in ("=", "<>") and is_home_token(rule.value):
            op = "in" if rule.operator == "=" else "not in"
            rule = dataclasses.replace(rule, operator=op, value=", ".join(words), arg=tuple(words))
        out.append(rule)
    return out


def default_rules(lang: str, config: Config | None = None, available: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """The built-in rule table in ``lang`` ('en' or 'zh'): headers, tag names, fields, operators, values.

    ``available`` holds the canonical names of the columns the classified
    frame has, computed ones included (``customer_type``, ``source``,
    ``country``, ``satisfaction``, ``monetary``, ``m_score``, ``value_tier``,
    ``stage``); a default tag whose fields are not all available is left out.
    ``config`` supplies ``home_country`` (None: the default Config; a blank
    home_country writes the Value "(home country)", see :func:`resolve_home`). Whether to
    use the defaults at all (``config.default_tags``) is the caller's decision.
    International assumes nothing but a country column; Dissatisfied assumes a
    1-5 satisfaction scale (satisfaction < 3).
    """
    if lang not in L.LANGS:
        raise ConfigError(f"Setting 'lang' is '{lang}'. Use one of: {', '.join(L.LANGS)}.")
    i = L.LANGS.index(lang)
    if config is None:
        config = Config()
    sep = ", " if lang == "en" else "、"

    def words(ws):
        return sep.join(ws)

    def label_of(table, key):
        return table[key][i]

    home = str(config.home_country or "").strip() or HOME_TOKEN[i]
    candidates = [
        ("enterprise", [("customer_type", "in", words(ENTERPRISE_WORDS))]),
        ("individual", [("customer_type", "in", words(INDIVIDUAL_WORDS))]),
        ("online", [("source", "in", words(ONLINE_WORDS))]),
        ("offline", [("source", "in", words(OFFLINE_WORDS))]),
        ("international", [("country", "not blank", None),
                           ("country", "not in", home if home == HOME_TOKEN[i] else words(_home_words(home)))]),
        ("key_account", [("value_tier", "=", label_of(L.TIERS, "high")),
                         ("customer_type", "in", words(ENTERPRISE_WORDS))]),
        ("vip", [("monetary", "top %", 5)]),
        ("winback", [("stage", "in", words([label_of(L.STAGES, "lost"), label_of(L.STAGES, "churn_warning")])),
                     ("m_score", ">=", 4)]),
        ("dissatisfied", [("satisfaction", "<", 3)]),
    ]
    records = []
    for key, rows in candidates:
        if rows is None or any(fld not in available for fld, _, _ in rows):
            continue
        for fld, op, value in rows:
            records.append((DEFAULT_TAG_NAMES[key][i], _FIELD_DISPLAY[fld][i],
                            op if lang == "en" else OPERATORS_ZH[op], value, 1))
    return pd.DataFrame(records, columns=[h[i] for h in RULE_HEADERS.values()], dtype=object)
