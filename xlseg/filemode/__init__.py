"""File mode: classify a workbook or CSV file end to end (read, analyse, write with the package editor)."""
