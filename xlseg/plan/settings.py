"""The Settings sheet: written once with every default, then read on every run.

Layout (found by its header cells, not by position, so users may move blocks):

* a table ``Setting | Value | Description`` (one row per key of :class:`Config`),
* the R x F grid under a ``R \\ F`` cell: 5 rows (R = 5..1) x 5 columns (F = 1..5),
* a table ``Tag | Field | Operator | Value | Group``: the tag rules. It starts
  with the built-in rules written out, so what users see is what applies.

Only the Value column, the grid and the rule rows are read; descriptions are
for people. Keys and labels are accepted in English or Chinese.
"""

from __future__ import annotations

import pandas as pd

from xlseg.core import labels as L
from xlseg.core import tags as T
from xlseg.core.config import CHOICES, FIELD_KINDS, Config, parse_grid
from xlseg.core.setting_values import serial_date
from xlseg.plan.write_plan import Block, SheetPlan, Style, Table, Validation, ref
from xlseg.plan import palette

SETTING_HEAD = {"setting": ("Setting", "设置项"), "value": ("Value", "值"), "description": ("Description", "说明")}
RULE_HEAD = ("Tag", "Field", "Operator", "Value", "Group")
RULE_HEAD_ZH = ("标签", "字段", "运算符", "值", "组")
GRID_CORNER = "R \\ F"
TITLES = {
    "title": ("xlseg settings", "xlseg 设置"),
    "hint": ("Edit the Value column, the grid and the rules; xlseg keeps your edits. A blank value means the default.",
             "修改“值”列、分群网格和标签规则即可，xlseg 会保留您的修改。留空表示使用默认值。"),
    "grid": ("Segment grid (rfm10): rows R score 5 to 1, columns F score 1 to 5",
             "分群网格（rfm10）：行为 R 评分 5 至 1，列为 F 评分 1 至 5"),
    "rules": ("Tag rules: a tag applies when any of its groups matches; a group matches when all its rows match.",
              "标签规则：任一组满足即打标签；同一组内所有行都满足才算该组满足。"),
}
OPERATORS = ("=", "<>", ">", ">=", "<", "<=", "between", "in", "not in", "contains", "starts with", "is blank",
             "not blank", "within days", "older than days", "top %", "bottom %")


def _norm(v) -> str:
    return L.norm(v) if v is not None else ""


def _find(rows, predicate, start=0):
    for r in range(start, len(rows)):
        if predicate(rows[r]):
            return r
    return None


def read_settings(rows: list, *, sheet: str = "Settings", date1904: bool = False, **overrides) -> Config:
    """Config from a Settings sheet's values (rows of tuples from A1); ``overrides`` win (CLI options).

    ``date1904``: the workbook counts dates from 1904, so a plain number typed as a date setting (as_of
    45000) is a serial of that system (file mode: workbook.xml's ``date1904``; live Excel: the workbook's).
    """
    setting_words = {_norm(w) for w in SETTING_HEAD["setting"]}
    head = _find(rows, lambda r: len(r) >= 2 and _norm(r[0]) in setting_words)
    items = []
    if head is not None:
        for r in range(head + 1, len(rows)):
            row = rows[r]
            key = row[0] if row else None
            if key is None or str(key).strip() == "":
                break
            value = row[1] if len(row) > 1 else None
            if date1904 and FIELD_KINDS.get(str(key).strip()) == "date":
                value = serial_date(value, date1904=True) if _is_number(value) else value
            items.append((str(key).strip(), value, r + 1))
    grid = None
    corner = _find(rows, lambda r: len(r) >= 1 and _norm(r[0]) == _norm(GRID_CORNER))
    if corner is not None:
        cells = [list(rows[r][1:6]) + [None] * (5 - len(rows[r][1:6])) if r < len(rows) else [None] * 5
                 for r in range(corner + 1, corner + 6)]
        grid = parse_grid(cells, sheet=sheet, first_row=corner + 2)
    rule_words = ({_norm(w) for w in RULE_HEAD[:3]}, {_norm(w) for w in RULE_HEAD_ZH[:3]})
    rhead = _find(rows, lambda r: len(r) >= 3 and {_norm(v) for v in r[:3]} in rule_words)
    rules = None
    if rhead is not None:
        body = []
        for r in range(rhead + 1, len(rows)):
            row = list(rows[r][:5]) + [None] * (5 - len(rows[r][:5]))
            if all(v is None or str(v).strip() == "" for v in row):
                break
            body.append(row + [r + 1])
        rules = pd.DataFrame(body, columns=list(RULE_HEAD) + ["row"])
    manual = read_overrides(rows, sheet=sheet)  # issue 7
    cfg = Config.from_settings(items, grid=grid, tag_rules=rules, sheet=sheet, overrides=manual)
    changes = {k: v for k, v in overrides.items() if v is not None}
    if rules is not None:
        changes.setdefault("default_tags", False)
    return cfg.replace(**changes) if changes else cfg


def first_run_config(title_for, **overrides) -> Config:
    """The Config of a workbook that has no Settings sheet yet.

    It is the Settings sheet xlseg is about to write (titled ``title_for(lang)``),
    read back exactly as a re-run will read it, so the first and the second run
    give the same results and notes. ``overrides`` (e.g. CLI ``as_of``, ``lang``)
    win; None means not given.
    """
    base = Config().replace(**{k: v for k, v in overrides.items() if v is not None})
    title = title_for(base.lang)
    return read_settings(settings_sheet(base, title).rows(), sheet=title, **overrides)


def settings_sheet(cfg: Config, title: str, *, key: str = "settings") -> SheetPlan:
    """The Settings sheet with every default, the grid and the built-in tag rules."""
    i = L.LANGS.index(cfg.lang)
    plan = SheetPlan(key=key, title=title, keep_existing=True, tab_color="607D8B", freeze=None)
    plan.blocks.append(Block(1, 1, [[TITLES["title"][i]], [TITLES["hint"][i]]]))
    plan.styles.append(Style("A1", bold=True, size=14, color=palette.TITLE_TEXT))
    top = 4
    rows = [[SETTING_HEAD[k][i] for k in ("setting", "value", "description")]]
    for key_, value, help_text in cfg.settings_rows():
        if key_ == "default_tags":
            continue
        rows.append([key_, value, help_text])
    plan.blocks.append(Block(top, 1, rows))
    plan.tables.append(Table("xlsegSettings", ref(top, 1, top + len(rows) - 1, 3)))
    for r, (key_, *_rest) in enumerate(rows[1:], start=top + 1):
        if key_ in CHOICES:
            plan.validations.append(Validation(ref(r, 2), CHOICES[key_]))
        elif FIELD_KINDS.get(key_) == "bool":
            plan.validations.append(Validation(ref(r, 2), ("TRUE", "FALSE")))
    g = top + len(rows) + 2
    plan.blocks.append(Block(g, 1, [[TITLES["grid"][i]]]))
    plan.styles.append(Style(ref(g, 1), bold=True))
    grid_rows = [[GRID_CORNER, 1, 2, 3, 4, 5]]
    for r, row in enumerate(cfg.grid):
        grid_rows.append([5 - r] + [L.label(L.SEGMENTS, k, cfg.lang) for k in row])
    plan.blocks.append(Block(g + 1, 1, grid_rows))
    plan.styles.append(Style(ref(g + 1, 1, g + 1, 6), bold=True, fill=palette.HEADER_FILL, color=palette.HEADER_TEXT))
    plan.styles.append(Style(ref(g + 2, 1, g + 6, 1), bold=True))
    seg_names = tuple(L.label(L.SEGMENTS, k, cfg.lang) for k in L.RFM10_KEYS)
    plan.validations.append(Validation(ref(g + 2, 2, g + 6, 6), seg_names))
    t = g + 9
    plan.blocks.append(Block(t, 1, [[TITLES["rules"][i]]]))
    plan.styles.append(Style(ref(t, 1), bold=True))
    rules = T.default_rules(cfg.lang, cfg, _all_fields())
    head = list(RULE_HEAD_ZH if cfg.lang == "zh" else RULE_HEAD)
    body = [head] + [[_cell(v) for v in rec] for rec in rules[list(rules.columns[:5])].itertuples(index=False)]
    plan.blocks.append(Block(t + 1, 1, body))
    plan.tables.append(Table("xlsegTagRules", ref(t + 1, 1, t + len(body), 5)))
    plan.validations.append(Validation(ref(t + 2, 3, t + 200, 3), OPERATORS))
    plan.widths.update({"A": 22, "B": 24, "C": 90 if cfg.lang == "en" else 60, "D": 26, "E": 10, "F": 22})
    overrides_block(plan, cfg.lang)  # issue 7
    return plan


# ------------------------------------------------------------------ issue 7: manual overrides
# The Overrides table sits right of the settings table (columns H:K, header on row 4) so that
# neither the settings rows nor the tag rules below can grow into it. It is found by its header
# cells wherever the user moves it. One blank row keeps the Excel Table valid when it is empty.
OVERRIDES_AT = (4, 8)  # header row, first column (H)
OVERRIDES_TITLE = ("Manual overrides: one row per customer and field (Segment, Value Tier or Stage). "
                   "The Reason is required.",
                   "人工调整：每行一个客户的一个字段（客户分群、价值等级或生命周期阶段），必须填写原因。")


def overrides_block(plan: SheetPlan, lang: str) -> None:
    """Add the (empty) Overrides table ``Customer ID | Field | Value | Reason`` to a Settings plan."""
    from xlseg.core.overrides import HEAD, HEAD_ZH

    i = L.LANGS.index(lang)
    r, c = OVERRIDES_AT
    plan.blocks.append(Block(r - 1, c, [[OVERRIDES_TITLE[i]]]))
    plan.styles.append(Style(ref(r - 1, c), bold=True))
    plan.blocks.append(Block(r, c, [list(HEAD_ZH if lang == "zh" else HEAD), [None, None, None, None]]))
    plan.tables.append(Table("xlsegOverrides", ref(r, c, r + 1, c + 3)))
    fields = tuple(L.header(k, lang) for k in ("segment", "value_tier", "stage"))
    plan.validations.append(Validation(ref(r + 1, c + 1, r + 200, c + 1), fields))
    plan.widths.update({"H": 14, "I": 16, "J": 22, "K": 44})


def read_overrides(rows: list, *, sheet: str = "Settings") -> pd.DataFrame | None:
    """The Overrides table (columns Customer ID, Field, Value, Reason, row), or None when there is none."""
    from xlseg.core.overrides import HEAD, HEAD_ZH

    heads = [tuple(_norm(w) for w in HEAD), tuple(_norm(w) for w in HEAD_ZH)]
    for r, row in enumerate(rows):
        cells = [_norm(v) for v in row]
        for c in range(0, max(len(cells) - 3, 0)):
            if tuple(cells[c:c + 4]) in heads:
                body = []
                for rr in range(r + 1, len(rows)):
                    vals = list(rows[rr][c:c + 4]) + [None] * (4 - len(rows[rr][c:c + 4]))
                    if all(v is None or str(v).strip() == "" for v in vals):
                        if any(any(v is not None and str(v).strip() != "" for v in list(rows[x][c:c + 4]))
                               for x in range(rr + 1, min(rr + 2, len(rows)))):
                            continue  # one blank row (the empty table's placeholder) does not end the table
                        break
                    body.append(vals + [rr + 1])
                frame = pd.DataFrame(body, columns=list(HEAD) + ["row"])
                frame.attrs["sheet"] = sheet
                return frame
    return None


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v


def _cell(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    return v


def _all_fields() -> set:
    from xlseg.core.config import FIELDS_WITH_ALIASES
    from xlseg.core.engine import RESULT_COLUMNS

    return set(FIELDS_WITH_ALIASES) | set(RESULT_COLUMNS)
