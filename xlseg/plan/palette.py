"""The fixed palette: one (fill, text) pair per label key, text contrast >= 4.5:1.

Colours are 6-digit hex RGB without '#'. Fills are light so dark text stays
readable when printed; colour is never the only signal (the label is the text).
"""

from __future__ import annotations

DARK = "1F1F1F"

SEGMENT_COLOURS = {
    "champions": ("1B5E20", "FFFFFF"),
    "loyal_customers": ("A5D6A7", DARK),
    "potential_loyalists": ("C5E1A5", DARK),
    "new_customers": ("B3E5FC", DARK),
    "promising": ("B2EBF2", DARK),
    "need_attention": ("FFF59D", DARK),
    "about_to_sleep": ("FFE0B2", DARK),
    "at_risk": ("FFAB91", DARK),
    "cant_lose_them": ("B71C1C", "FFFFFF"),
    "hibernating": ("CFD8DC", DARK),
    "important_value": ("1B5E20", "FFFFFF"),
    "important_development": ("C5E1A5", DARK),
    "important_retention": ("FFE082", DARK),
    "important_winback": ("B71C1C", "FFFFFF"),
    "general_value": ("A5D6A7", DARK),
    "general_development": ("B3E5FC", DARK),
    "general_retention": ("FFE0B2", DARK),
    "general_winback": ("CFD8DC", DARK),
}

TIER_COLOURS = {
    "high": ("0D47A1", "FFFFFF"),
    "medium": ("BBDEFB", DARK),
    "potential": ("E1BEE7", DARK),
    "low": ("ECEFF1", DARK),
}

STAGE_COLOURS = {
    "prospect": ("F5F5F5", DARK),
    "lost": ("9E9E9E", "000000"),
    "reactivated": ("D1C4E9", DARK),
    "new": ("B3E5FC", DARK),
    "churn_warning": ("FFCC80", DARK),
    "active": ("C8E6C9", DARK),
}

HEADER_FILL = "263238"  # xlseg's own headers: white on blue-grey, so users see what is ours
HEADER_TEXT = "FFFFFF"
TITLE_TEXT = "263238"

COLOURS = {"segment": SEGMENT_COLOURS, "value_tier": TIER_COLOURS, "stage": STAGE_COLOURS}


def _channel(c: int) -> float:
    c = c / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_rgb: str) -> float:
    r, g, b = (int(hex_rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
