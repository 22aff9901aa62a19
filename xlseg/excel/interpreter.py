"""Which Python the add-in's VBA starts, and where that VBA looks for xlwings' DLL (Windows).

Both follow xlwings 0.37.8 exactly:

* ``xlwings.cli.get_conda_settings``/``config_create``: in an activated conda environment on Windows the
  config gets ``CONDA PATH`` (the conda root: ``CONDA_EXE`` without ``\\Scripts\\conda.exe``) and
  ``CONDA ENV`` (``CONDA_DEFAULT_ENV``) instead of an interpreter path, so RunPython runs
  ``conda activate`` first (without it pandas can fail to load its DLLs);
* ``XLPyLoadDLL`` (xlwings.bas in the ribbon template) resolves ``PYTHON_WIN`` from ``INTERPRETER_WIN``
  (default ``pythonw``) and the conda keys, then loads ``xlwings64-<version>.dll`` from the interpreter's
  folder or the folder above it (a virtualenv) - nowhere else. pip puts the DLL in its data folder:
  ``sys.prefix`` normally, ``site.USER_BASE`` (``%APPDATA%\\Python``) for ``pip install --user``, where
  the add-in does not look; :func:`place_dll` copies it next to the interpreter then.
"""

from __future__ import annotations

import ntpath
import os
import shutil
import site
import sys
from pathlib import Path


def conda_settings(environ=None) -> tuple[str, str] | None:
    """(CONDA PATH, CONDA ENV) of the activated conda environment, as xlwings' ``config create`` finds them."""
    environ = os.environ if environ is None else environ
    env, exe = environ.get("CONDA_DEFAULT_ENV"), environ.get("CONDA_EXE")
    if not (env and exe):
        return None
    return "\\".join(exe.replace("/", "\\").split("\\")[:-2]), env


def python_win(config: dict) -> str:
    """The interpreter path XLPyLoadDLL ends up with for the config keys ``config`` (upper-case keys)."""
    path = config.get("INTERPRETER_WIN") or config.get("INTERPRETER") or "pythonw"
    conda_path, conda_env = config.get("CONDA PATH", ""), config.get("CONDA ENV", "")
    if path in ("python", "pythonw") and conda_path and conda_env:
        if conda_env == "base":
            path = conda_path + "\\" + path
        elif "\\" in conda_env:
            path = conda_env + "\\" + path
        else:
            path = conda_path + "\\envs\\" + conda_env + "\\" + path
    return path


def dll_name(version: str | None = None, bits: int = 64) -> str:
    if version is None:
        import xlwings

        version = xlwings.__version__
    return f"xlwings{bits}-{version}.dll"


def dll_dirs(interpreter: str) -> list[str]:
    """The two folders XLPyLoadDLL loads the DLL from: the interpreter's, and the one above it."""
    parent = ntpath.dirname(interpreter)
    return [parent, ntpath.dirname(parent)]


def pip_data_dirs() -> list[Path]:
    """Where pip may have put xlwings' DLL (a wheel's data files): this Python's prefix, the user base."""
    dirs = [Path(sys.prefix), Path(site.getuserbase()), Path(sys.base_prefix)]
    return list(dict.fromkeys(dirs))


def find_dll(name: str, dirs) -> Path | None:
    for d in dirs:
        candidate = Path(d) / name
        if candidate.is_file():
            return candidate
    return None


def place_dll(interpreter: str, name: str | None = None) -> Path | None:
    """Make the DLL loadable for ``interpreter``: if it is not in a folder XLPyLoadDLL searches but pip put it
    elsewhere (``--user``), copy it next to the interpreter. Returns the copy, or None when nothing was done.
    Raises OSError when the interpreter's folder is not writable (the caller says what to do)."""
    name = name or dll_name()
    if find_dll(name, dll_dirs(interpreter)) is not None:
        return None
    source = find_dll(name, pip_data_dirs())
    if source is None:
        return None
    target = Path(dll_dirs(interpreter)[0]) / name
    shutil.copyfile(source, target)
    return target
