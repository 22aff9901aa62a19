"""Every setting xlseg knows, with its default, as one validated object.

A :class:`Config` comes from keyword arguments, from a dict
(:meth:`Config.from_dict`) or from the rows of a Settings sheet
(:meth:`Config.from_settings`); all three go through the same parsers, so a
Settings cell and a Python value mean the same thing. Errors name the key (and
the Settings row when there is one) and the allowed values. A cell's value is parsed in
:mod:`xlseg.core.setting_values`; the R x F grid in :mod:`xlseg.core.rfm_grid`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from xlseg.core import labels as L
from xlseg.core.rfm_grid import DEFAULT_GRID, _check_grid, parse_grid
from xlseg.core.setting_values import CHOICES, _blank, _fmt_list, _format, _parse
from xlseg.core.setting_values import FIELD_KINDS, parse_date  # noqa: F401 (re-exported)
from xlseg.errors import ConfigError


FIELDS_WITH_ALIASES = (
    "customer_id", "name", "customer_type", "source", "region", "country", "city", "industry",
    "company_size", "first_purchase", "last_purchase", "orders", "monetary", "interactions",
    "satisfaction", "date", "amount", "order_id", "quantity", "unit_price", "recency_days",
)


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


