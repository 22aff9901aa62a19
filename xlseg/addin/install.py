"""Installing the add-ins into Excel's startup folder (Windows, macOS) and pointing them at this Python."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from xlseg.addin.build import ADDIN_NAME, build_addins
from xlseg.addin.config import write_interpreter_config
from xlseg.addin.errors import AddinError, ExcelNotAvailableError, _no_excel_message


@dataclass(frozen=True)
class InstallResult:
    """What :func:`install_addin` did: the installed add-in and the files it wrote."""

    addin_path: Path
    config_path: Path
    interpreter: str
    extra_files: tuple[Path, ...] = field(default=())


def _excel_startup_dir() -> Path:
    """Excel's per-user XLSTART folder, asked of a running (or hidden new) Excel."""
    try:
        import xlwings as xw

        if xw.apps:
            return Path(xw.apps.active.startup_path)
        with xw.App(visible=False, add_book=False) as app:
            return Path(app.startup_path)
    except Exception as exc:  # xlwings raises several types when Excel is absent
        raise ExcelNotAvailableError(
            f"Could not reach Excel to find its startup folder ({exc}). Start Excel once, "
            "or pass the folder explicitly (addin_dir=...), then install again."
        ) from exc


def install_addin(
    addin_dir: str | os.PathLike[str] | None = None,
    *,
    interpreter: str | os.PathLike[str] | None = None,
    platform: str | None = None,
    home: str | os.PathLike[str] | None = None,
) -> InstallResult:
    """Install ``xlseg.xlam`` for the current user and point it at this Python.

    Builds the add-in from the installed xlwings' template straight into Excel's
    startup folder (``addin_dir``, default: asked of Excel via xlwings), so the
    add-in's VBA always matches the xlwings that Python runs. Then writes
    ``INTERPRETER_WIN``/``INTERPRETER_MAC`` = ``interpreter`` (default
    ``sys.executable``) with :func:`write_interpreter_config`. On macOS it also
    installs xlwings' AppleScript that ``RunPython`` needs. Quit Excel first.

    Raises :class:`ExcelNotAvailableError` on Linux and other platforms without Excel.
    """
    platform = sys.platform if platform is None else platform
    if not (platform.startswith("win") or platform == "darwin"):
        raise ExcelNotAvailableError(_no_excel_message(platform))
    target_dir = Path(addin_dir) if addin_dir is not None else _excel_startup_dir()
    target = target_dir / ADDIN_NAME
    try:
        build_addins(target_dir)
    except PermissionError as exc:
        raise AddinError(
            f"Cannot write {target}: {exc.strerror}. Quit Excel (it locks loaded add-ins) "
            "and run the install again."
        ) from exc
    config = write_interpreter_config(interpreter, platform=platform, home=home)
    extra: tuple[Path, ...] = ()
    value = os.fspath(interpreter) if interpreter is not None else sys.executable
    if platform == "darwin":
        extra = (_install_applescript(home),)
    else:
        dll = _place_dll(value)
        extra = (dll,) if dll is not None else ()
    return InstallResult(addin_path=target, config_path=config, interpreter=value, extra_files=extra)


def _place_dll(interpreter: str) -> Path | None:
    """xlwings' DLL where the add-in's VBA loads it from (a ``pip install --user`` puts it elsewhere)."""
    from xlseg.excel import interpreter as interp

    try:
        return interp.place_dll(interpreter)
    except OSError as exc:
        name = interp.dll_name()
        raise AddinError(
            f"The add-in loads {name} from {interp.dll_dirs(interpreter)[0]}, but pip put it elsewhere "
            f"(pip install --user) and copying it there failed: {exc.strerror or exc}. Install xlwings without "
            "--user (pip install --force-reinstall xlwings), or copy the file there yourself."
        ) from exc


def _install_applescript(home: str | os.PathLike[str] | None) -> Path:
    """Copy xlwings' RunPython AppleScript where sandboxed Excel for Mac may run it."""
    import xlwings

    name = f"xlwings-{xlwings.__version__}.applescript"
    source = Path(xlwings.__file__).resolve().parent / name
    base = Path(home) if home is not None else Path.home()
    dest_dir = base / "Library" / "Application Scripts" / "com.microsoft.Excel"
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    shutil.copyfile(source, dest)
    return dest
