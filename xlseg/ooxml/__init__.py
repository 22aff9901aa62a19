"""The package editor: write a workbook file by editing its OOXML parts (parts xlseg does not own are copied as they are)."""
