"""The R x F grid of segments (scheme rfm10): its default, its checks, and reading it from a Settings block."""

from __future__ import annotations

from xlseg.core import labels as L
from xlseg.core.setting_values import _blank
from xlseg.errors import ConfigError

# R x F grid of the default scheme rfm10: rows are R = 5, 4, 3, 2, 1; columns F = 1..5.
DEFAULT_GRID: tuple[tuple[str, ...], ...] = (
    ("new_customers", "potential_loyalists", "potential_loyalists", "champions", "champions"),
    ("promising", "potential_loyalists", "potential_loyalists", "loyal_customers", "loyal_customers"),
    ("about_to_sleep", "about_to_sleep", "need_attention", "loyal_customers", "loyal_customers"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
    ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose_them"),
)


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
