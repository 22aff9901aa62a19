"""Values as people type them: dates, amounts, counts, ids and text.

Every function takes a Series whose index is the sheet row number (see
``docs/architecture.md``) and returns a *new* Series with the same index and
name; the input is never changed. Each cell that is fixed or rejected gets one
:class:`~xlseg.core.issues.Issue` in ``log`` with ``row`` = the index label,
``column`` = the user's header, ``value`` = the original cell. Cells that are
already clean get no record: a number in a number column, a datetime in a date
column, a plain ISO date string without a zone (``2024-03-05``,
``2024-03-05 10:20``, ``2024-03-05T10:20:30.5``) or a plain number string
(``1234.5``, ``-120``). Blank cells (None, NaN, NaT, whitespace)
become NaN / NaT / None with no record, unless the function is called with
``required=True``.

Issue vocabulary (``problem`` -> ``action``; problems are fixed strings so the
Issues sheet can be filtered and pivoted by them; actions of fixes name the
value that was read):

====================================  =================================================
problem                               action
====================================  =================================================
date written as text                  read as 2024-03-05 [(month/day/year) |
                                      (day/month/year) | (yyyymmdd) | (Excel serial)]
date written as a number              read as 2023-03-15 (Excel serial) | (yyyymmdd)
date written day first                read as 2024-12-31 (day/month/year)
date written month first              read as 2024-12-31 (month/day/year)
not a date                            left blank; use YYYY-MM-DD or an Excel date
date out of range                     left blank; use a date between 1900 and 2199
amount written as text                read as 1234.5
not an amount                         left blank; use a number such as 1234.50
count written as text                 read as 3
not a count                           left blank; use a whole number, 0 or more
not a whole number                    (same)
negative count                        (same)
blank                                 row skipped              (``required=True`` only)
id too long for an Excel number       kept as 123456789012346000; format the id column
                                      as text so no digits are lost
totals row                            skipped
no customer id                        skipped
====================================  =================================================

With ``required=True`` (transaction sheets: every line needs a date and an
amount) "left blank" reads "row skipped" instead: the caller must drop every
row whose parsed value is missing, and each such row has exactly one record.

At most :data:`ISSUE_LIMIT` records are written per column and problem in one
call; the rest are counted in one further record (``row`` and ``value`` "", as
in :meth:`IssueLog.add_many`; the same ``problem``; action ``"same for N more
rows (not listed)"``), so a million Excel serial dates cost a hundred records.

Dates come back as ``datetime64[ns]`` at midnight (times are dropped), amounts
and counts as ``float64`` (NaN when missing), ids and text as ``object``
(str or None). Work is done with masks by kind of value (numbers, datetimes,
strings) and, for strings, once per *distinct* string: a column of a million
rows with a few thousand distinct dates parses a few thousand strings.
"""

from xlseg.core.clean.base import ISSUE_LIMIT, TOTALS_ROW
from xlseg.core.clean.dates import _SERIAL_MAX, _SERIAL_MIN, parse_dates
from xlseg.core.clean.errors import blank_error_cells, error_cells
from xlseg.core.clean.ids import _float_ids, normalise_ids, parse_text
from xlseg.core.clean.numbers import parse_amounts, parse_counts
from xlseg.core.clean.rows import _TOTAL_FORMS, drop_blank_and_total_rows, not_an_id, rows_to_drop
from xlseg.core.clean.values import _OTHER_SPACES

__all__ = [
    "ISSUE_LIMIT",
    "parse_dates",
    "parse_amounts",
    "parse_counts",
    "parse_text",
    "normalise_ids",
    "drop_blank_and_total_rows",
    "rows_to_drop",
]
