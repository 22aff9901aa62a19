"""Pure classification core: DataFrames in, DataFrames out (no openpyxl, no xlwings)."""
