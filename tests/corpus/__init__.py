"""Test corpora for file mode, generated in code at test time (issue 12).

- :mod:`tests.corpus.package`: read, edit and write an OOXML package part by part.
- :mod:`tests.corpus.fidelity`: workbooks with one feature each (pivot tables,
  slicers, VBA, sparklines ...) around a customer sheet xlseg recognises.
- :mod:`tests.corpus.compare`: which parts xlseg may change, and the proof that
  every other part came through byte for byte.
- :mod:`tests.corpus.hostile`: inputs built to hurt (zip bombs, malformed XML,
  forged markers, huge used ranges, formula injection ...).
- :mod:`tests.corpus.runner`: the CLI in a child process with bounded memory
  and time, and its peak RSS.

Nothing here is committed as a binary blob: every file is built from code.
"""
