"""Order histories beyond a workbook: order-line files aggregated and classified by DuckDB or Spark."""
