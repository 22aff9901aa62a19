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
"""

from __future__ import annotations

import hashlib
import io
import locale
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from xlseg.errors import XlsegError

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
]

ADDIN_NAME = "xlseg.xlam"
"""The file name is the contract: the ribbon macro imports the module named like it."""

TEMPLATE_NAME = "quickstart_addin_ribbon.xlam"
TEMPLATE_XLWINGS_VERSION = "0.37.8"
"""xlwings release whose template the committed ``workbook_templates/xlseg.xlam`` was built from."""
TEMPLATE_SHA256 = "43010e1abd6e7a48b4693367f062196654a21c256683dccbaec810df7a6f4dbb"
"""SHA-256 of that template file; a different one means the committed add-in must be rebuilt."""

CUSTOMUI_PART = "customUI/customUI.xml"
VBA_PART = "xl/vbaProject.bin"
RELS_PART = "_rels/.rels"
CUSTOMUI_REL_TYPE = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"

RIBBON_MACRO = "RibbonMyAddin.RunMain"
"""The template's ribbon callback (module ``RibbonMyAddin``, sub ``RunMain``)."""

CONFIG_PROJECT_NAME = "myaddin"
"""``PROJECT_NAME`` in the template's VBA: it names the config file and config sheet."""

TAB_LABEL = "Customer Segments / 客户分群"
GROUP_LABEL = "xlseg"
BUTTON_LABEL = "Reclassify / 重新分类"
BUTTON_IMAGE = "RefreshAll"
BUTTON_SCREENTIP = "Reclassify / 重新分类"
BUTTON_SUPERTIP = (
    "Recompute segments, value tiers, stages and tags for the active workbook. "
    "/ 重新计算当前工作簿的客户分群、价值等级、生命周期阶段和标签。"
)

DOCTOR_ADDIN_NAME = "xlseg.doctor.xlam"
"""The second add-in: the "Check setup" button. The template's ribbon macro imports the module named like
the file minus ``.xlam``, so this file runs ``import xlseg.doctor; xlseg.doctor.main()`` - the same
checks as ``xlseg doctor``, inside Excel, without a line of VBA of ours."""
DOCTOR_GROUP_LABEL = "Setup / 环境"
DOCTOR_LABEL = "Check setup / 检查环境"
DOCTOR_IMAGE = "ReviewCompareMenu"
DOCTOR_SUPERTIP = (
    "Check Python, xlwings, the add-in's config file and Excel, each with its fix (the same as 'xlseg doctor'). "
    "/ 检查 Python、xlwings、加载项配置文件和 Excel，并给出修复方法。"
)
RIBBON_NS = "xlseg.ribbon"
"""Both add-ins name the tab with this namespace (``idQ``), so their groups share one tab."""
VERSION_TAG = "xlwings "
"""The group's ``tag``: the xlwings version whose template (and DLL name in the VBA) the add-in was built from."""


class AddinError(XlsegError):
    """The add-in cannot be built or installed as asked.

    The message names the file or setting involved and what to do about it.
    """


class AddinBuildError(AddinError):
    """The xlwings ribbon template is missing or not the shape xlseg expects.

    Reinstall xlwings (``pip install --force-reinstall xlwings``); if a new
    xlwings release changed the template, review it and update ``xlseg/addin.py``.
    """


class ExcelNotAvailableError(AddinError):
    """The add-in needs desktop Excel (Windows or macOS), which is not on this machine.

    Use ``xlseg classify BOOK.xlsx`` instead: it gives the same results without Excel.
    """


# --------------------------------------------------------------------------- build


def template_path() -> Path:
    """Path of xlwings' ribbon add-in template inside the installed xlwings package."""
    try:
        import xlwings
    except ImportError as exc:  # pragma: no cover - xlwings is a dependency
        raise AddinBuildError(
            "xlwings is not installed, so its ribbon add-in template is missing. "
            "Run 'pip install xlwings' and build again."
        ) from exc
    path = Path(xlwings.__file__).resolve().parent / TEMPLATE_NAME
    if not path.is_file():
        raise AddinBuildError(
            f"The xlwings ribbon add-in template {path} is missing. "
            "Reinstall xlwings ('pip install --force-reinstall xlwings') and build again."
        )
    return path


def customui_xml(kind: str = ADDIN_NAME, xlwings_version: str | None = None) -> bytes:
    """The ribbon definition of ``kind`` (``xlseg.xlam``: the Reclassify group; ``xlseg.doctor.xlam``: the
    Check setup group), both on the shared tab (UTF-8 XML). The group's tag records the xlwings version."""
    if xlwings_version is None:
        import xlwings

        xlwings_version = xlwings.__version__
    root = ElementTree.Element("customUI", {"xmlns": CUSTOMUI_NS, "xmlns:x": RIBBON_NS})
    ribbon = ElementTree.SubElement(root, "ribbon")
    tabs = ElementTree.SubElement(ribbon, "tabs")
    tab = ElementTree.SubElement(tabs, "tab", {"idQ": "x:xlsegTab", "label": TAB_LABEL})
    if kind == DOCTOR_ADDIN_NAME:
        group_id, group_label, button = "xlsegSetup", DOCTOR_GROUP_LABEL, {
            "id": "xlsegCheckSetup", "label": DOCTOR_LABEL, "imageMso": DOCTOR_IMAGE,
            "screentip": DOCTOR_LABEL, "supertip": DOCTOR_SUPERTIP}
    else:
        group_id, group_label, button = "xlsegGroup", GROUP_LABEL, {
            "id": "xlsegReclassify", "label": BUTTON_LABEL, "imageMso": BUTTON_IMAGE,
            "screentip": BUTTON_SCREENTIP, "supertip": BUTTON_SUPERTIP}
    group = ElementTree.SubElement(tab, "group", {"id": group_id, "label": group_label,
                                                  "tag": VERSION_TAG + xlwings_version})
    ElementTree.SubElement(group, "button", {**button, "size": "large", "onAction": RIBBON_MACRO})
    ElementTree.indent(root, space="    ")
    body = ElementTree.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body + "\n").encode("utf-8")


def addin_xlwings_version(customui: bytes) -> str | None:
    """The xlwings version an add-in was built for, from its ribbon XML (None for an add-in without it)."""
    from defusedxml import ElementTree as SafeET

    for el in SafeET.fromstring(customui).iter():
        tag = el.get("tag") or ""
        if tag.startswith(VERSION_TAG):
            return tag[len(VERSION_TAG):]
    return None


def _check_template(parts: dict[str, bytes], source: Path) -> None:
    """Refuse a template that lacks what the build relies on."""
    for name in (CUSTOMUI_PART, VBA_PART, RELS_PART):
        if name not in parts:
            raise AddinBuildError(
                f"The xlwings template {source} has no part '{name}'. "
                "Reinstall xlwings; if a new release changed the template, update xlseg/addin.py."
            )
    # The template's own button must call the macro we point our button at.
    from defusedxml import ElementTree as SafeET

    template_ui = SafeET.fromstring(parts[CUSTOMUI_PART])
    actions = {el.get("onAction") for el in template_ui.iter() if el.get("onAction")}
    if actions != {RIBBON_MACRO}:
        raise AddinBuildError(
            f"The xlwings template {source} calls {sorted(actions)} from its ribbon, "
            f"not '{RIBBON_MACRO}'. Update RIBBON_MACRO in xlseg/addin.py to the template's macro."
        )
    rels = SafeET.fromstring(parts[RELS_PART])
    targets = {
        el.get("Target").lstrip("/")
        for el in rels
        if el.get("Type") == CUSTOMUI_REL_TYPE and el.get("Target")
    }
    if CUSTOMUI_PART not in targets:
        raise AddinBuildError(
            f"The xlwings template {source} has no ribbon relationship to '{CUSTOMUI_PART}' "
            f"in '{RELS_PART}'. Update xlseg/addin.py to the template's layout."
        )


def build_addin(out_path: str | os.PathLike[str], template: str | os.PathLike[str] | None = None) -> Path:
    """Build ``xlseg.xlam`` from xlwings' ribbon add-in template; return its path.

    ``out_path`` is a file path (its name must be ``xlseg.xlam``, because the ribbon
    macro imports the module named like the file) or an existing directory, into
    which ``xlseg.xlam`` is written. ``template`` defaults to the installed xlwings'
    ``quickstart_addin_ribbon.xlam``. Only ``customUI/customUI.xml`` changes; every
    other part, the part order and the zip timestamps are the template's, so two
    builds from the same template are identical. The file is written atomically.
    """
    out = Path(out_path)
    if out.is_dir():
        out = out / ADDIN_NAME
    if out.name not in (ADDIN_NAME, DOCTOR_ADDIN_NAME):
        raise AddinBuildError(
            f"The add-in must be named '{ADDIN_NAME}', not '{out.name}': its ribbon macro runs "
            "'import <file name>; <file name>.main()'. Choose a path ending in xlseg.xlam."
        )
    source = Path(template) if template is not None else template_path()
    try:
        with zipfile.ZipFile(source) as zin:
            infos = zin.infolist()
            parts = {info.filename: zin.read(info) for info in infos}
    except (OSError, zipfile.BadZipFile) as exc:
        raise AddinBuildError(
            f"Cannot read the xlwings template {source}: {exc}. Reinstall xlwings and build again."
        ) from exc
    _check_template(parts, source)
    parts[CUSTOMUI_PART] = customui_xml(out.name, _template_xlwings_version(source))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zout:
        for info in infos:
            clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            clone.compress_type = zipfile.ZIP_DEFLATED
            clone.external_attr = info.external_attr
            clone.create_system = info.create_system
            zout.writestr(clone, parts[info.filename])
    out.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write_bytes(out, buffer.getvalue())
    return out


def _template_xlwings_version(source: Path) -> str:
    """The version of the xlwings whose template ``source`` is (it sits in that xlwings' package folder)."""
    import xlwings

    if source.resolve().parent == Path(xlwings.__file__).resolve().parent:
        return xlwings.__version__
    return TEMPLATE_XLWINGS_VERSION if template_sha256(source) == TEMPLATE_SHA256 else "unknown"


def build_addins(out_dir: str | os.PathLike[str], template: str | os.PathLike[str] | None = None) -> list[Path]:
    """Both add-ins, ``xlseg.xlam`` (Reclassify) and ``xlseg.doctor.xlam`` (Check setup), into ``out_dir``."""
    return [build_addin(Path(out_dir) / name, template) for name in (ADDIN_NAME, DOCTOR_ADDIN_NAME)]


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def template_sha256(template: str | os.PathLike[str] | None = None) -> str:
    """SHA-256 of the template file, to tell which xlwings template a build came from."""
    source = Path(template) if template is not None else template_path()
    return hashlib.sha256(source.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- config


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


# --------------------------------------------------------------------------- install


@dataclass(frozen=True)
class InstallResult:
    """What :func:`install_addin` did: the installed add-in and the files it wrote."""

    addin_path: Path
    config_path: Path
    interpreter: str
    extra_files: tuple[Path, ...] = field(default=())


def _no_excel_message(platform: str) -> str:
    return (
        f"Excel is not available on {'Linux' if platform.startswith('linux') else platform}, "
        "so the xlseg add-in cannot be installed here. Use 'xlseg classify BOOK.xlsx' to "
        "classify a workbook without Excel; install the add-in on Windows or macOS."
    )


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


# --------------------------------------------------------------------------- CLI


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


if __name__ == "__main__":
    raise SystemExit(_main())
