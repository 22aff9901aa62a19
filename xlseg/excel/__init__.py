"""Live Excel: the xlwings adapter and the ribbon entry point (thin; see docs/excel.md)."""
