"""What xlseg writes, decided before any write: the write plan (plain data) and the modules that build it."""
