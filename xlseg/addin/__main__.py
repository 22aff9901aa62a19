"""``python -m xlseg.addin build [OUT]``: rebuild the add-ins."""

from xlseg.addin import _main

raise SystemExit(_main())
