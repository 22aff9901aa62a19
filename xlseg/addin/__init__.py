"""Build and install ``xlseg.xlam``, the ribbon add-in.

The add-in is built, never edited by hand, from the BSD-licensed ribbon add-in
template that ships in the xlwings wheel (``xlwings/quickstart_addin_ribbon.xlam``,
what ``xlwings quickstart --addin --ribbon`` copies). The build:

* copies every part of the template unchanged, in the template's order and with
  the template's zip metadata (names, timestamps, compression), so the output is
  the same bytes-for-content on every machine with the same xlwings;
* replaces only ``customUI/customUI.xml`` with our tab, group and button. The
  relationship to it in ``_rels/.rels`` is the template's own and is kept;
* keeps the Excel-made VBA project (``xl/vbaProject.bin``) byte-identical.

The ribbon button calls the template's macro ``RibbonMyAddin.RunMain``, which
runs ``RunPython "import <name>;<name>.main()"`` where ``<name>`` is the add-in's
file name without extension: for ``xlseg.xlam`` that is ``xlseg.main()``.

That VBA project reads its settings (``INTERPRETER_WIN``, ``INTERPRETER_MAC``,
``PYTHONPATH``, ...) with xlwings' ``GetConfig``, whose file name comes from the
VBA constant ``PROJECT_NAME``. The template sets it to ``"myaddin"``, so the
user config file of this add-in is ``%USERPROFILE%\\.myaddin\\myaddin.conf`` on
Windows and ``~/Library/Containers/com.microsoft.Excel/Data/myaddin.conf`` on
macOS (not ``xlwings.conf``, which only the xlwings add-in itself reads). The
format is xlwings' ``"KEY","value"`` lines.

Run ``python -m xlseg.addin build [OUT]`` to rebuild
``workbook_templates/xlseg.xlam``.

The package: :mod:`~xlseg.addin.build` (the build from the template),
:mod:`~xlseg.addin.config` (the user config file), :mod:`~xlseg.addin.install`
(installing into Excel), :mod:`~xlseg.addin.errors`; this module re-exports them
and holds ``python -m xlseg.addin``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from xlseg.errors import XlsegError
from xlseg.addin.build import (ADDIN_NAME, CUSTOMUI_PART, CUSTOMUI_REL_TYPE, TEMPLATE_SHA256, TEMPLATE_XLWINGS_VERSION,
                               addin_xlwings_version, build_addin, build_addins, customui_xml, template_path,
                               template_sha256)
from xlseg.addin.config import user_config_path, write_interpreter_config
from xlseg.addin.errors import AddinBuildError, AddinError, ExcelNotAvailableError
from xlseg.addin.install import InstallResult, install_addin

__all__ = [
    "ADDIN_NAME",
    "AddinError",
    "AddinBuildError",
    "ExcelNotAvailableError",
    "InstallResult",
    "build_addin",
    "build_addins",
    "customui_xml",
    "install_addin",
    "template_path",
    "user_config_path",
    "write_interpreter_config",
    # also used by the tests and xlseg.doctor
    "CUSTOMUI_PART",
    "CUSTOMUI_REL_TYPE",
    "TEMPLATE_SHA256",
    "TEMPLATE_XLWINGS_VERSION",
    "addin_xlwings_version",
    "template_sha256",
]


def _main(argv: list[str] | None = None) -> int:
    """``python -m xlseg.addin build [OUT]``: OUT a folder (default ``workbook_templates``) gets both add-ins."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "build" or len(args) > 2:
        print("usage: python -m xlseg.addin build [FOLDER | OUT.xlam]", file=sys.stderr)
        return 2
    out = args[1] if len(args) == 2 else "workbook_templates"
    try:
        paths = build_addins(out) if Path(out).is_dir() else [build_addin(out)]
    except XlsegError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(f"Built {path}")
    return 0
