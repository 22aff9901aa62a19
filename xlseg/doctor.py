"""The setup doctor: ``xlseg doctor`` and the ribbon's "Check setup / 检查环境" run these checks, each with its fix.

Python-side checks run anywhere; the Excel-side ones need a running Excel (the ribbon button runs inside it,
``xlseg doctor`` on Windows or macOS looks for one). On Linux the doctor says which checks it cannot do.
Every finding has a stable ``key``: docs/excel.md's troubleshooting table is keyed by it.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import sys
import zipfile
from pathlib import Path

from xlseg.excel import checks
from xlseg.excel.checks import NOT_CHECKED, OK, PROBLEM, Finding

PACKAGES = ("xlseg", "xlwings", "pandas", "numpy", "openpyxl")
MIN_PYTHON = (3, 11)


def _platform(platform: str | None) -> str:
    platform = sys.platform if platform is None else platform
    return "windows" if platform.startswith("win") else "mac" if platform == "darwin" else "other"


# ------------------------------------------------------------------ Python side
def check_python(version=None) -> Finding:
    version = tuple(sys.version_info[:3]) if version is None else tuple(version)
    text = ".".join(map(str, version))
    if version[:2] < MIN_PYTHON:
        return Finding("python", PROBLEM, f"Python {text} ({sys.executable})",
                       "Install Python 3.11 or newer, then: pip install xlseg; xlseg addin install")
    return Finding("python", OK, f"Python {text} ({sys.executable})")


def check_packages(versions: dict | None = None) -> Finding:
    """The installed versions of xlseg and what it needs; xlwings must be the pinned one."""
    from xlseg.addin import TEMPLATE_XLWINGS_VERSION

    if versions is None:
        versions = {}
        for name in PACKAGES:
            try:
                versions[name] = importlib.metadata.version(name)
            except importlib.metadata.PackageNotFoundError:
                versions[name] = None
    missing = [n for n, v in versions.items() if v is None]
    detail = ", ".join(f"{n} {v or 'missing'}" for n, v in versions.items())
    if missing:
        return Finding("packages", PROBLEM, detail, f"pip install {' '.join(missing)} (into {sys.executable})")
    if versions.get("xlwings") != TEMPLATE_XLWINGS_VERSION:
        return Finding("packages", PROBLEM, detail,
                       f"xlseg needs xlwings {TEMPLATE_XLWINGS_VERSION}: pip install xlwings=={TEMPLATE_XLWINGS_VERSION}; "
                       "then xlseg addin install")
    return Finding("packages", OK, detail)


def check_udfs() -> Finding:
    try:
        module = importlib.import_module("xlseg.udfs")
    except Exception as exc:  # noqa: BLE001 - any import failure is the finding
        return Finding("udfs", PROBLEM, f"xlseg.udfs cannot be imported: {type(exc).__name__}: {exc}",
                       "pip install --force-reinstall xlseg (into the Python the add-in runs)")
    names = [f.__name__ for f in module.UDFS]
    return Finding("udfs", OK, f"xlseg.udfs imports; {len(names)} functions ({', '.join(names)})")


def read_config(path: Path) -> tuple[dict, bytes]:
    """(KEY -> value with upper-case keys, raw bytes) of an xlwings ``"KEY","value"`` config file."""
    data = path.read_bytes()
    config = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        head, sep, value = line.partition(",")
        if sep:
            config[head.strip().strip('"').upper()] = value.strip().strip('"')
    return config, data


def check_config(platform: str | None = None, home=None) -> tuple[Finding, dict]:
    """The add-in's config file: found, readable, CRLF on Windows, naming a Python and xlseg.udfs."""
    from xlseg import addin

    where = _platform(platform)
    if where == "other":
        return Finding("config", NOT_CHECKED, "no Excel on this system, so no add-in config file"), {}
    path = addin.user_config_path("win32" if where == "windows" else "darwin", home)
    fix = "Run: xlseg addin install   (rewrites the file for this Python)"
    if not path.is_file():
        return Finding("config", PROBLEM, f"{path} not found", fix), {}
    try:
        config, data = read_config(path)
    except OSError as exc:
        return Finding("config", PROBLEM, f"{path} cannot be read: {exc.strerror or exc}", fix), {}
    if where == "windows" and b"\n" in data.replace(b"\r\n", b""):
        return Finding("config", PROBLEM, f"{path} has LF line endings: the add-in's VBA (Input #) reads only "
                       "the first key on Windows and stops with error 62", fix), config
    keys = "INTERPRETER_WIN" if where == "windows" else "INTERPRETER_MAC"
    if not (config.get(keys) or (where == "windows" and config.get("CONDA PATH") and config.get("CONDA ENV"))):
        return Finding("config", PROBLEM, f"{path} names no Python ({keys} or CONDA PATH/CONDA ENV)", fix), config
    if config.get("UDF MODULES") != "xlseg.udfs":
        return Finding("config", PROBLEM, f"{path}: UDF MODULES is {config.get('UDF MODULES')!r}, not "
                       "'xlseg.udfs' (Import Functions would find no worksheet functions)", fix), config
    return Finding("config", OK, f"{path} is readable and complete"), config


def check_dll(config: dict, platform: str | None = None) -> Finding:
    """Windows: xlwings' DLL is where the add-in's VBA loads it from (xlseg.excel.interpreter)."""
    from xlseg.excel import interpreter as interp

    if _platform(platform) != "windows":
        return Finding("dll", NOT_CHECKED, "xlwings' DLL is used on Windows only")
    if not config:
        return Finding("dll", NOT_CHECKED, "no config file, so the add-in's Python is unknown")
    python = interp.python_win(config)
    name = interp.dll_name()
    dirs = interp.dll_dirs(python)
    if interp.find_dll(name, dirs) is not None:
        return Finding("dll", OK, f"{name} found next to {python}")
    return Finding("dll", PROBLEM, f"{name} is in neither {dirs[0]} nor {dirs[1]}: Excel says "
                   f"'Could not load {name}'",
                   "Run: xlseg addin install (copies it from a pip --user install); or pip install "
                   "--force-reinstall xlwings without --user")


def check_addin(addin_path: Path | None) -> Finding:
    """The installed add-in was built for the xlwings Python has (its VBA declares that DLL version)."""
    import xlwings

    from xlseg.addin import CUSTOMUI_PART, addin_xlwings_version

    if addin_path is None:
        return Finding("addin", NOT_CHECKED, "the installed xlseg.xlam was not found (Excel's startup folder is "
                       "asked of a running Excel)")
    try:
        with zipfile.ZipFile(addin_path) as z:
            built_for = addin_xlwings_version(z.read(CUSTOMUI_PART))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        return Finding("addin", PROBLEM, f"{addin_path} cannot be read: {exc}", "Run: xlseg addin install")
    if built_for != xlwings.__version__:
        return Finding("addin", PROBLEM, f"{addin_path} was built for xlwings {built_for or 'unknown'}, Python "
                       f"has xlwings {xlwings.__version__} (the VBA would look for the wrong DLL)",
                       "Quit Excel, then run: xlseg addin install")
    return Finding("addin", OK, f"{addin_path} matches xlwings {built_for}")


def python_side(platform: str | None = None, home=None, addin_path: Path | None = None) -> list[Finding]:
    config_finding, config = check_config(platform, home)
    return [check_python(), check_packages(), check_udfs(), config_finding, check_dll(config, platform),
            check_addin(addin_path)]


# ------------------------------------------------------------------ report
def report(findings: list[Finding]) -> str:
    problems = sum(f.status == PROBLEM for f in findings)
    head = "xlseg setup: " + ("everything checked is fine." if not problems else
                              f"{problems} problem{'s' if problems > 1 else ''} found.")
    return "\n".join([head, *(f.line() for f in findings)])


def run(platform: str | None = None, home=None) -> list[Finding]:
    """Every check this process can do: the Python side, and Excel's side when an Excel is running."""
    app = checks.running_excel() if _platform(platform) != "other" else None
    addin_path = checks.installed_addin(app) if app is not None else None
    findings = python_side(platform, home, addin_path)
    if _platform(platform) == "other":
        findings += checks.not_here("Excel runs on Windows and macOS only; on this system use xlseg classify "
                                    "(file mode). Inside Excel, the ribbon's Check setup button runs these checks.")
    elif app is None:
        findings += checks.not_here("Excel is not running: start Excel with a workbook open and run "
                                    "xlseg doctor again, or use the ribbon's Check setup button.")
    else:
        findings += checks.excel_side(app)
    return findings


def main() -> None:
    """The ribbon's "Check setup / 检查环境" button: every check, shown in one message box inside Excel."""
    import xlwings as xw

    book = xw.Book.caller()
    findings = python_side(addin_path=checks.installed_addin(book.app)) + checks.excel_side(book.app, book)
    try:
        book.app.alert(report(findings), title="xlseg: Check setup / 检查环境", buttons="ok", mode="info")
    except Exception:  # noqa: BLE001 - the message box itself failed: nothing more to do safely
        pass
