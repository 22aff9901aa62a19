"""The add-in's user config file (xlwings' "KEY","value" lines): where it is, and writing the interpreter into it."""

from __future__ import annotations

import locale
import os
import sys
import tempfile
from pathlib import Path

from xlseg.addin.build import CONFIG_PROJECT_NAME
from xlseg.addin.errors import AddinError, ExcelNotAvailableError, _no_excel_message


def user_config_path(platform: str | None = None, home: str | os.PathLike[str] | None = None) -> Path:
    """Where the add-in's VBA looks for its user config file on ``platform``.

    Windows: ``%USERPROFILE%\\.myaddin\\myaddin.conf``; macOS (sandboxed Excel):
    ``~/Library/Containers/com.microsoft.Excel/Data/myaddin.conf``. ``myaddin`` is the
    template's VBA ``PROJECT_NAME``, which xlseg keeps unchanged with the VBA project.
    """
    platform = sys.platform if platform is None else platform
    base = Path(home) if home is not None else Path.home()
    name = f"{CONFIG_PROJECT_NAME}.conf"
    if platform.startswith("win"):
        return base / f".{CONFIG_PROJECT_NAME}" / name
    if platform == "darwin":
        return base / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / name
    raise ExcelNotAvailableError(_no_excel_message(platform))


def _config_encoding(platform: str) -> str:
    # VBA's "Input #" reads the file in the ANSI code page on Windows (what xlwings'
    # own "open(..., 'w')" writes too); Excel for Mac reads UTF-8 paths fine.
    if platform.startswith("win"):
        return "mbcs" if sys.platform.startswith("win") else locale.getpreferredencoding(False)
    return "utf-8"


UDF_MODULES_KEY = "UDF MODULES"


def write_interpreter_config(
    interpreter: str | os.PathLike[str] | None = None,
    *,
    platform: str | None = None,
    home: str | os.PathLike[str] | None = None,
    environ=None,
) -> Path:
    """Point the add-in at a Python interpreter; return the config file written.

    Sets ``INTERPRETER_WIN`` (Windows) or ``INTERPRETER_MAC`` (macOS) to
    ``interpreter`` (default: ``sys.executable``, the Python that has xlseg
    installed) in the user config file from :func:`user_config_path`, in xlwings'
    ``"KEY","value"`` format. With no ``interpreter`` in an activated conda
    environment on Windows it writes ``CONDA PATH`` and ``CONDA ENV`` instead, as
    xlwings' own ``xlwings config create`` does (:mod:`xlseg.excel.interpreter`).
    Every other line of an existing file is kept as it was; an old entry for the
    same keys (any letter case) is replaced. The write is atomic. Lines end in
    CRLF on Windows, as xlwings' writer (``open(..., "w")``) ends them there: the
    add-in's VBA reads the file with ``Input #``, which on Windows ends a line
    only at CR or CRLF. Raises :class:`ExcelNotAvailableError` on other platforms.

    It also sets ``UDF MODULES`` to ``xlseg.udfs``: without it the add-in would
    look for worksheet functions in a module named after the file (``xlseg``).
    """
    from xlseg.excel.interpreter import conda_settings

    platform = sys.platform if platform is None else platform
    path = user_config_path(platform, home)
    windows = platform.startswith("win")
    key = "INTERPRETER_WIN" if windows else "INTERPRETER_MAC"
    conda = conda_settings(environ) if interpreter is None and windows else None
    value = os.fspath(interpreter) if interpreter is not None else sys.executable
    entries = {"CONDA PATH": conda[0], "CONDA ENV": conda[1]} if conda else {key: value}
    entries[UDF_MODULES_KEY] = "xlseg.udfs"
    encoding = _config_encoding(platform)
    for name, text in entries.items():
        if not text or '"' in text or "\n" in text or "\r" in text:
            raise AddinError(
                f"{name} {text!r} cannot be written to {path}: it is empty or contains "
                "a quote or line break. Pass the full path of python(.exe) that has xlseg installed."
            )
        try:
            text.encode(encoding)
        except UnicodeEncodeError as exc:
            raise AddinError(
                f"{name} {text!r} has characters Excel cannot read from {path} "
                f"(encoding {encoding}). Install Python under a folder whose path uses only "
                "characters of your system code page, or set the Windows option 'Use Unicode UTF-8'."
            ) from exc

    newline = "\r\n" if windows else "\n"
    replaced = {key, "CONDA PATH", "CONDA ENV", UDF_MODULES_KEY}
    lines: list[str] = []
    if path.is_file():
        text = path.read_text(encoding=encoding, errors="surrogateescape")
        for line in text.splitlines():
            if not line.strip():
                continue  # dropped, as xlwings' own config writer does
            if _config_key(line).upper() in replaced:
                continue
            lines.append(line + newline)
    lines.extend(f'"{name}","{text}"{newline}' for name, text in entries.items())

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, errors="surrogateescape", newline="") as handle:
            handle.writelines(lines)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _config_key(line: str) -> str:
    """The key of one ``"KEY","value"`` line (also tolerates an unquoted key)."""
    head = line.split(",", 1)[0].strip()
    return head[1:-1] if len(head) >= 2 and head[0] == head[-1] == '"' else head
