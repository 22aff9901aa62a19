"""Realistic synthetic CRM data for demos, templates, tests and benchmarks.

Everything here is deterministic for a seed (one ``numpy.random.Generator`` per
call) and vectorised, so 100,000 customers take a second or so.

- :func:`demo_frames` — a customer sheet and an order-line sheet as a user's
  workbook would hold them (headers as people type them, English or Chinese).
  Purchase behaviour is mixed so that every RFM segment and every lifecycle
  stage occurs: prospects, new, active, reactivated, churn-warning and lost
  customers, heavy-tailed spend, multi-line orders and a few refunds.
- :func:`messy` — copies with a few realistic data-entry problems planted, and
  the list of what was planted (for the demo's Issues sheet and for tests).
- :func:`template_frames` — the data of the three template workbooks.
- :func:`write_input_workbook` — the user's raw input workbook (the package writer, xlseg.ooxml).

This package generates data only; it never classifies anything.
"""

from xlseg.sample_data.demo import MESSY_KINDS, Planted, demo_frames, messy
from xlseg.sample_data.model import CUSTOMER_COLUMNS, DEFAULT_AS_OF, TEMPLATE_NAMES, TRANSACTION_COLUMNS
from xlseg.sample_data.templates import template_frames
from xlseg.sample_data.workbook import write_input_workbook

__all__ = [
    "CUSTOMER_COLUMNS",
    "DEFAULT_AS_OF",
    "TRANSACTION_COLUMNS",
    "TEMPLATE_NAMES",
    "MESSY_KINDS",
    "Planted",
    "demo_frames",
    "messy",
    "template_frames",
    "write_input_workbook",
]
