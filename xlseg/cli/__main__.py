"""``python -m xlseg.cli``: the ``xlseg`` command."""

from xlseg.cli import main

main()
