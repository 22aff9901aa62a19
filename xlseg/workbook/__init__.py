"""File mode's plan and orchestration: what xlseg writes into a workbook and the run that reads, classifies and writes it."""
