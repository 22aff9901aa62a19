"""Every setting xlseg knows, with its default, as one validated object.

A :class:`Config` comes from keyword arguments, from a dict
(:meth:`Config.from_dict`) or from the rows of a Settings sheet
(:meth:`Config.from_settings`); all three go through the same parsers, so a
Settings cell and a Python value mean the same thing. Errors name the key (and
the Settings row when there is one) and the allowed values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlseg.core import labels as L
from xlseg.errors import ConfigError

# R x F grid of the default scheme rfm10: rows are R = 5, 4, 3, 2, 1; columns F = 1..5.
DEFAULT_GRID: tuple[tuple[str, ...], ...] = (
    ("new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    ("promising", "potential_loyalists", "potential_loyalists", "loyal_customers", "loyal_customers"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers", "loyal_customers"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
)

FIELDS_WITH_ALIASES = (
    "customer_id", "name", "customer_type", "source", "region", "country", "city", "industry",
    "company_size", "first_purchase", "last_purchase", "orders", "monetary", "interactions",
    "satisfaction", "date", "amount", "order_id", "quantity", "unit_price", "recency_days",
)

CHOICES = {
    "lang": ("en", "zh"),
    "segment_scheme": ("rfm10", "rfm8"),
    "score_method": ("rank", "cuts"),
    "tier_method": ("abc", "threshold", "quantile", "clv"),
    "frequency_basis": ("auto", "days", "orders"),
}


@dataclass(frozen=True)
class Config:
    """Settings for one classification run. Every field has a sensible default."""

    lang: str = "en"
    # None: the latest purchase date in the data (same file, same answer). "today" or a date.
    as_of: dt.date | str | None = None
    day_first: bool = False

    segment_scheme: str = "rfm10"
    grid: tuple[tuple[str, ...], ...] = DEFAULT_GRID

    score_method: str = "rank"
    # Fixed cut points for scores 2, 3, 4, 5 (score_method = cuts).
    # R: recency <= cut (days) earns at least that score; F and M: value >= cut.
    r_cuts: tuple[float, ...] = (365, 180, 90, 30)
    f_cuts: tuple[float, ...] = (2, 3, 5, 10)
    m_cuts: tuple[float, ...] = (100, 500, 1000, 5000)

    tier_method: str = "abc"
    abc_a: float = 0.80
    abc_b: float = 0.95
    quantile_a: float = 0.20
    quantile_b: float = 0.50
    # threshold method: monetary >= high -> High value, >= medium -> Medium value, else Low value.
    threshold_high: float = 1_000_000
    threshold_medium: float = 100_000
    potential_overlay: bool = True
    potential_segments: tuple[str, ...] = ("new_customers", "promising", "potential_loyalists",
                                           "important_development", "general_development")

    new_days: int = 90
    active_days: int = 180
    lost_days: int = 365
    churn_gap_multiple: float = 2.0
    churn_min_purchases: int = 3

    # Predicted value (BG/NBD + Gamma-Gamma, xlseg.core.predict): on/off, horizon of expected purchases
    # (days), CLV horizon (months) and monthly discount rate; Churn Warning when P(alive) < palive_warning.
    predict: bool = True
    predict_days: int = 365
    clv_months: int = 12
    discount_rate: float = 0.01
    palive_warning: float | None = None

    frequency_basis: str = "auto"
    # None: the most common country in the data (said in the run's notes).
    home_country: str | None = None
    default_tags: bool = True
    # Tag rules: a DataFrame with columns Tag, Field, Operator, Value, Group (and optionally
    # "row", the Settings row each rule came from). None: only the built-in defaults.
    tag_rules: Any = None
    # Manual overrides: a DataFrame with columns Customer ID, Field, Value, Reason (and optionally
    # "row"), read from the Settings sheet's Overrides table. None: no overrides. (issue 7)
    overrides: Any = None
    # History sheet: keep the last N runs (0 = keep every run). (issue 7)
    history_keep_runs: int = 0

    customer_sheet: str | None = None
    transaction_sheet: str | None = None
    # field -> header, overriding automatic column recognition.
    columns: dict = field(default_factory=dict)

    def __post_init__(self):
        for key, allowed in CHOICES.items():
            value = getattr(self, key)
            if value not in allowed:
                raise ConfigError(f"Setting '{key}' is '{value}'. Use one of: {', '.join(allowed)}.")
        for key in ("r_cuts", "f_cuts", "m_cuts"):
            cuts = getattr(self, key)
            if len(cuts) != 4:
                raise ConfigError(f"Setting '{key}' needs 4 cut points (for scores 2, 3, 4, 5); it has {len(cuts)}.")
            ordered = sorted(cuts, reverse=(key == "r_cuts"))
            if list(cuts) != ordered or len(set(cuts)) != 4:
                way = "decreasing (days)" if key == "r_cuts" else "increasing"
                raise ConfigError(f"Setting '{key}' = {_fmt_list(cuts)}: the 4 cut points must be strictly {way}.")
        if not 0 < self.abc_a < self.abc_b <= 1:
            raise ConfigError(f"Settings 'abc_a' ({self.abc_a:.0%}) and 'abc_b' ({self.abc_b:.0%}) "
                              "must satisfy 0% < abc_a < abc_b <= 100%.")
        if not 0 < self.quantile_a < self.quantile_b <= 1:
            raise ConfigError(f"Settings 'quantile_a' ({self.quantile_a:.0%}) and 'quantile_b' "
                              f"({self.quantile_b:.0%}) must satisfy 0% < quantile_a < quantile_b <= 100%.")
        if not self.threshold_high > self.threshold_medium:
            raise ConfigError(f"Setting 'threshold_high' ({self.threshold_high:,.2f}) must be greater than "
                              f"'threshold_medium' ({self.threshold_medium:,.2f}).")
        for key in ("new_days", "active_days", "lost_days", "churn_min_purchases", "history_keep_runs"):
            if getattr(self, key) < 0:
                raise ConfigError(f"Setting '{key}' is {getattr(self, key)}; it must be 0 or more.")
        if not (self.new_days <= self.lost_days and self.active_days <= self.lost_days):
            raise ConfigError(f"Settings 'new_days' ({self.new_days}) and 'active_days' ({self.active_days}) "
                              f"must not exceed 'lost_days' ({self.lost_days}).")
        if self.predict_days < 1 or self.clv_months < 1:
            key = "predict_days" if self.predict_days < 1 else "clv_months"
            raise ConfigError(f"Setting '{key}' is {getattr(self, key)}; it must be 1 or more.")
        if not 0 <= self.discount_rate < 1:
            raise ConfigError(f"Setting 'discount_rate' is {self.discount_rate}; use a monthly rate from 0 "
                              "to below 100% (e.g. 1% = 0.01).")
        if self.palive_warning is not None and not 0 < self.palive_warning < 1:
            raise ConfigError(f"Setting 'palive_warning' is {self.palive_warning}; use a probability between "
                              "0 and 1 (e.g. 30% or 0.3), or leave it blank for no P(alive) rule.")
        if self.churn_gap_multiple <= 0:
            raise ConfigError(f"Setting 'churn_gap_multiple' is {self.churn_gap_multiple}; it must be above 0.")
        _check_grid(self.grid)
        for key in self.potential_segments:
            if key not in L.SEGMENTS:
                raise ConfigError(f"Setting 'potential_segments' names '{key}', which is not a segment. "
                                  f"Use names such as {L.SEGMENTS['promising'][0]}.")
        for fld in self.columns:
            if fld not in FIELDS_WITH_ALIASES:
                raise ConfigError(f"Setting 'column.{fld}': '{fld}' is not a field. "
                                  f"Use one of: {', '.join(FIELDS_WITH_ALIASES)}.")

    # ------------------------------------------------------------------ builders
    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Config":
        """Build from plain values as a user would type them (strings are parsed)."""
        return cls.from_settings([(k, v, None) for k, v in (data or {}).items()])

    @classmethod
    def from_settings(cls, rows, *, grid=None, tag_rules=None, sheet: str = "Settings",
                      overrides=None) -> "Config":
        """Build from Settings rows ``(key, value, row_number)``; blank values keep the default.

        ``grid`` is the 5x5 R x F table as written on the sheet (labels in either
        language); ``tag_rules`` the rule table as a DataFrame.
        """
        kwargs: dict[str, Any] = {}
        columns: dict[str, str] = {}
        known = {f.name for f in dataclasses.fields(cls)} - {"grid", "tag_rules", "columns", "overrides"}
        for key, value, row in rows:
            if key is None or str(key).strip() == "":
                continue
            name = str(key).strip()
            where = f"{sheet} row {row}: " if row is not None else ""
            if name.lower().startswith("column."):
                fld = name[7:].strip().lower()
                if not _blank(value):
                    columns[fld] = str(value).strip()
                continue
            if name not in known and name not in ("grid", "tag_rules", "columns", "overrides"):
                raise ConfigError(f"{where}'{name}' is not a setting. Known settings: {', '.join(sorted(known))}.")
            if name in ("grid", "tag_rules", "columns", "overrides"):
                kwargs[name] = value
                continue
            if _blank(value):
                continue
            try:
                kwargs[name] = _parse(name, value)
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{where}setting '{name}' = {value!r}: {exc}") from None
        if columns:
            kwargs["columns"] = {**kwargs.get("columns", {}), **columns}
        if grid is not None:
            kwargs["grid"] = parse_grid(grid, sheet=sheet)
        if tag_rules is not None:
            kwargs["tag_rules"] = tag_rules
        if overrides is not None:
            kwargs["overrides"] = overrides
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            if rows and any(r is not None for _, _, r in rows):
                raise ConfigError(f"{sheet}: {exc}") from None
            raise

    def settings_rows(self) -> list[tuple[str, Any, str]]:
        """(key, value as written in a Settings cell, help text) for every scalar setting."""
        out = []
        for key, help_text in SETTING_HELP.items():
            out.append((key, _format(key, getattr(self, key)), help_text))
        return out


# ---------------------------------------------------------------- parsing helpers
def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or (isinstance(value, str) and not value.strip())


def _fmt_list(values) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in values)


_BOOL = {"true": True, "yes": True, "1": True, "on": True, "是": True, "false": False, "no": False,
         "0": False, "off": False, "否": False}


def _parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key not in _BOOL:
        raise ValueError("use TRUE or FALSE")
    return _BOOL[key]


def _parse_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "").replace("_", "")
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def _parse_share(value) -> float:
    """0.8, '80%', 80 all mean 80 %; a share above 100 % ('150%', 150) is rejected."""
    number = _parse_number(value)
    percent_text = isinstance(value, str) and value.strip().endswith("%")
    if not percent_text and 1 < number <= 100:
        number = number / 100
    if not 0 <= number <= 1:
        raise ValueError("a share must be between 0% and 100% (e.g. 80%)")
    return number


def _parse_list(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    import re

    text = str(value)
    # With a semicolon, 、 or a line break as separator, commas are thousands separators ("1,000; 5,000").
    pattern = r"[;；、\n]" if re.search(r"[;；、\n]", text) else r"[,，]"
    return [p.strip() for p in re.split(pattern, text) if p.strip()]


def parse_date(value):
    """A date as typed in a Settings cell or an option: a date, an Excel serial, YYYY-MM-DD, 2024/3/5,
    2024年3月5日, or 'today' (returned as the string "today"). Raises ValueError with the fix."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (dt.datetime(1899, 12, 30) + dt.timedelta(days=float(value))).date()
    text = str(value).strip()
    if text.lower() in ("today", "今天"):
        return "today"
    ts = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if pd.isna(ts):
        ts = pd.to_datetime(text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-"),
                            errors="coerce", format="%Y-%m-%d")
    if pd.isna(ts):
        raise ValueError("not a date. Use YYYY-MM-DD, an Excel date, 'today', or leave it blank "
                         "for the latest purchase date")
    return ts.date()


def _parse_segments(value) -> tuple[str, ...]:
    out = []
    for word in _parse_list(value):
        key = L.key_of(L.SEGMENTS, word)
        if key is None:
            raise ValueError(f"'{word}' is not a segment name")
        out.append(key)
    return tuple(out)


def _parse(name: str, value):
    kind = FIELD_KINDS[name]
    if kind == "choice":
        text = str(value).strip().lower()
        if text not in CHOICES[name]:
            raise ValueError(f"use one of: {', '.join(CHOICES[name])}")
        return text
    if kind == "bool":
        return _parse_bool(value)
    if kind == "int":
        number = _parse_number(value)
        if number != int(number):
            raise ValueError("expected a whole number of days")
        return int(number)
    if kind == "float":
        return _parse_number(value)
    if kind == "share":
        return _parse_share(value)
    if kind == "rate":  # 0.01 or "1%"; a bare number of 1 or more is a percentage (30 -> 30%)
        number = _parse_number(value)
        return number if str(value).strip().endswith("%") or abs(number) < 1 else number / 100
    if kind == "cuts":
        return tuple(_parse_number(v) for v in _parse_list(value))
    if kind == "date":
        return parse_date(value)
    if kind == "segments":
        return _parse_segments(value)
    return str(value).strip()


FIELD_KINDS = {
    "lang": "choice", "as_of": "date", "day_first": "bool", "segment_scheme": "choice",
    "score_method": "choice", "r_cuts": "cuts", "f_cuts": "cuts", "m_cuts": "cuts",
    "tier_method": "choice", "abc_a": "share", "abc_b": "share", "quantile_a": "share",
    "quantile_b": "share", "threshold_high": "float", "threshold_medium": "float",
    "potential_overlay": "bool", "potential_segments": "segments", "new_days": "int",
    "active_days": "int", "lost_days": "int", "churn_gap_multiple": "float",
    "churn_min_purchases": "int", "predict": "bool", "predict_days": "int", "clv_months": "int",
    "discount_rate": "rate", "palive_warning": "rate", "frequency_basis": "choice", "home_country": "text",
    "default_tags": "bool", "customer_sheet": "text", "transaction_sheet": "text",
    "history_keep_runs": "int",
}

SETTING_HELP = {
    "lang": "Language of labels and headers: en or zh.",
    "as_of": "Date the metrics are computed at: YYYY-MM-DD, 'today', or blank for the latest purchase date.",
    "day_first": "TRUE when dates are typed day first (31/12/2024); default FALSE (month first for a/b/yyyy).",
    "segment_scheme": "rfm10 (the R x F grid below) or rfm8 (R, F, M high/low against the mean).",
    "score_method": "rank (scores 1-5 by rank among buyers) or cuts (the fixed cut points below).",
    "r_cuts": "Recency days for R scores 2,3,4,5 (recency <= cut), strictly decreasing.",
    "f_cuts": "Purchases for F scores 2,3,4,5 (frequency >= cut), strictly increasing.",
    "m_cuts": "Spend for M scores 2,3,4,5 (monetary >= cut), strictly increasing.",
    "tier_method": "abc (share of revenue), threshold (fixed amounts), quantile (share of buyers) or clv "
                   "(abc on the predicted CLV).",
    "abc_a": "A tier: the customers making the first abc_a of revenue (the one crossing it included).",
    "abc_b": "B tier: up to abc_b of revenue; the rest is C.",
    "quantile_a": "quantile method: top share of buyers in the High value tier.",
    "quantile_b": "quantile method: top share of buyers in High or Medium value.",
    "threshold_high": "threshold method: monetary >= this is High value.",
    "threshold_medium": "threshold method: monetary >= this is Medium value; below is Low value.",
    "potential_overlay": "TRUE: a Medium or Low value customer in a potential segment is tiered Potential.",
    "potential_segments": "Segments that make a Medium/Low value customer Potential.",
    "new_days": "Stage New: first purchase at most this many days before as_of.",
    "active_days": "Stage Churn Warning: no purchase for more than this many days.",
    "lost_days": "Stage Lost: no purchase for more than this many days.",
    "churn_gap_multiple": "Churn Warning also when recency > this x the customer's own mean gap.",
    "churn_min_purchases": "... and the customer has at least this many purchases.",
    "predict": "TRUE: fit BG/NBD and Gamma-Gamma on the purchase history and add P(alive), Expected "
               "Purchases, Expected Spend and CLV to the Customers sheet.",
    "predict_days": "Expected Purchases: the number of purchases expected in the next this many days.",
    "clv_months": "CLV: the predicted spend over the next this many months, discounted monthly.",
    "discount_rate": "CLV: monthly discount rate (1% = 0.01).",
    "palive_warning": "Stage Churn Warning also when P(alive) is below this (e.g. 30%); blank: not used.",
    "frequency_basis": "auto (order ids when the transactions have them, else distinct days), days or orders.",
    "home_country": "Country that is not International (default tag rule); blank: the most common country "
                    "in the data.",
    "default_tags": "TRUE: apply the built-in tag rules besides the rule table.",
    "customer_sheet": "Name of the customer sheet (blank: detected).",
    "transaction_sheet": "Name of the transaction sheet (blank: detected).",
    "history_keep_runs": "History sheet: keep the last N runs (0 or blank: keep every run). Past 500,000 rows, "
                         "export it with `xlseg history export`.",
}


def _format(key, value):
    if value is None:
        return None
    kind = FIELD_KINDS[key]
    if kind == "cuts":
        return _fmt_list(value)
    if kind == "segments":
        return ", ".join(L.SEGMENTS[k][0] for k in value)
    if kind in ("share", "rate"):
        return f"{value:.0%}" if abs(value * 100 - round(value * 100)) < 1e-9 else value
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_grid(grid) -> None:
    if len(grid) != 5 or any(len(row) != 5 for row in grid):
        raise ConfigError("The R x F grid must have 5 rows (R = 5 down to 1) and 5 columns (F = 1 to 5).")
    for r, row in enumerate(grid):
        for f, key in enumerate(row):
            if key not in L.RFM10_KEYS and key not in L.SEGMENTS:
                raise ConfigError(f"The R x F grid cell R={5 - r}, F={f + 1} is '{key}', which is not a segment.")


def parse_grid(cells, *, sheet: str = "Settings", first_row: int | None = None) -> tuple[tuple[str, ...], ...]:
    """A 5x5 block of labels (either language, rows R=5..1, columns F=1..5) as segment keys."""
    cells = [list(r) for r in cells]
    if len(cells) != 5 or any(len(r) != 5 for r in cells):
        raise ConfigError(f"{sheet}: the R x F grid must be 5 rows by 5 columns.")
    out = []
    for r, row in enumerate(cells):
        keys = []
        for f, word in enumerate(row):
            key = L.key_of(L.SEGMENTS, word) if not _blank(word) else None
            if key is None:
                where = f"row {first_row + r}, " if first_row else ""
                raise ConfigError(
                    f"{sheet} {where}R x F grid cell R={5 - r}, F={f + 1}: '{word}' is not a segment name. "
                    f"Use one of: {', '.join(L.SEGMENTS[k][0] for k in L.RFM10_KEYS)}."
                )
            keys.append(key)
        out.append(tuple(keys))
    return tuple(out)
