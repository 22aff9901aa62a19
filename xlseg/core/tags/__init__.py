"""Tags: a rule table of plain data, applied to every customer at once.

The rule table (Settings sheet, or ``Config.tag_rules``) has the columns
``Tag | Field | Operator | Value | Group`` (headers matched case-insensitively,
English or Chinese: 标签 | 字段 | 运算符 | 值 | 组) and optionally ``row``, the
Settings row of each rule (used in messages; without it the frame index is
used). ``Value`` and ``Group`` may be left out when no rule needs them. Rows
that are blank in Tag, Field, Operator and Value are ignored.

A tag applies when ANY of its groups matches; a group matches when ALL its rows
match. A blank Group is group ``1``, so the blank-group rows of a tag are ANDed
together. Tags come out in the order they first appear in the table.

Rules are data, never code: no cell of the table is ever passed to ``eval``,
``exec``, ``pandas.eval`` or ``DataFrame.query``; a Value such as ``=1+1`` is the
text ``=1+1``.

Operators (English, symbol and Chinese spellings are all accepted)
-----------------------------------------------------------------

==================  ===========================  ============================================
operator            also written                 meaning
==================  ===========================  ============================================
``=``               ==, 等于                      equal
``<>``              !=, ≠, 不等于                 not equal (missing cells do NOT match)
``>`` ``>=``        ≥ ≧, 大于, 大于等于             greater (or equal)
``<`` ``<=``        ≤ ≦, 小于, 小于等于             less (or equal)
``between``         介于                          low <= cell <= high, both ends included;
                                                 Value ``low~high`` or ``low,high`` (also
                                                 ``至``/``到``); use ``~`` when the numbers
                                                 have thousands separators (``1,000~5,000``);
                                                 the two ends may come in either order
``in``              属于                          one of a list: items separated by
                                                 ``, ; ， ； 、 |`` or new lines
``not in``          不属于                         none of the list (missing cells do NOT match)
``contains``        包含                          case-insensitive substring
``starts with``     开头是                         case-insensitive prefix
``is blank``        为空                          missing: empty cell, NaN/NaT/None, spaces only
``not blank``       不为空                         anything else (Value is ignored for both)
``within days``     最近天数内                      date column, 0 <= as_of - date <= N days
``older than days`` 超过天数                       date column, as_of - date > N days
``top %``           前%                          among the best p % (largest values)
``bottom %``        后%                          among the lowest p %
==================  ===========================  ============================================

How a cell is compared depends on the column:

* **numeric** column: the Value is a number; ``1,000``, ``¥1,000``, full-width
  digits and ``80%`` (= 0.8, as Excel stores it) are accepted. ``=`` and the
  ordered comparisons treat numbers within 1e-9 (relative) as equal, so sums
  like 0.1 + 0.2 equal 0.3.
* **date** column: the Value is a date (``YYYY-MM-DD``, ``YYYY/MM/DD``,
  ``2024年3月1日``, an Excel date cell, or ``today``/``今天`` = as_of); cells are
  compared by calendar day.
* **label** columns Segment, Value Tier and Stage (``segment``/``segment_key``,
  ``value_tier``/``tier_key``, ``stage``/``stage_key``): ``=``, ``<>``, ``in``
  and ``not in`` compare label *keys*, so ``Champions`` and ``冠军客户`` are the
  same Value whatever the output language; a Value that is no label of that
  column is an error. ``contains``/``starts with`` match the label in either
  language. Ordered comparisons, days and % operators do not apply.
* any other column is **text**: cells and Value are compared after NFKC,
  strip, collapsing inner spaces and case folding. ``>``/``<``/``between`` on
  text compare numerically when the Value is a number (cells that are not
  numbers then never match), otherwise alphabetically.
* ``within days`` / ``older than days`` need a date column; N is a whole number
  of days (``30``, ``30 days``, ``30天``).
* ``top %`` / ``bottom %`` need a numeric or date column (for dates, top =
  latest). p is 0-100, with or without ``%``; a *numeric* Value cell between 0
  and 1 is read as a fraction (Excel stores a typed ``5%`` as 0.05), a text
  Value is always percent (``"0.5"`` = 0.5 %). Tie-consistent: with ``r`` the
  descending min-rank (1 = largest) and ``n`` the number of non-missing cells,
  a cell is selected when (r - 1) / n < p / 100 (so equal values are always
  selected together); ``bottom %`` ranks ascending.

Missing values (blank, NaN, NaT, None, spaces only) never match any operator
except ``is blank`` -- not even ``<>`` or ``not in``.

Fields
------

A rule's Field is matched with :func:`xlseg.core.labels.norm` against, in
order: the ``fields`` mapping passed to :func:`evaluate` (display name ->
column), the frame's column names, then the known names of the canonical
fields (``Customer Type``, ``客户类型``, ``Monetary``, ``消费金额``, ...), which
resolve to the canonical column (``customer_type``, ``monetary``). A Field that
matches none of these is a :class:`~xlseg.errors.RuleError` listing the
available fields. A Field that names a known canonical field whose column is
simply absent from this data is *skipped*, not an error: the group it belongs
to is dropped, and a tag left with no group is left out of the result.
:func:`evaluate` reports this in ``result.attrs["skipped"]``, a list of
``(tag, reason)`` pairs, one per dropped group.
"""

from xlseg.core.tags.defaults import default_rules, resolve_home
from xlseg.core.tags.evaluate import evaluate
from xlseg.core.tags.operators import DEFAULT_TAG_NAMES, FIELD_NAMES, OPERATORS, RULE_HEADERS
from xlseg.core.tags.output import tags_column, tags_long
from xlseg.core.tags.rule import Rule, parse_rules

__all__ = [
    "Rule",
    "OPERATORS",
    "DEFAULT_TAG_NAMES",
    "RULE_HEADERS",
    "parse_rules",
    "evaluate",
    "default_rules",
    "tags_column",
    "tags_long",
]
