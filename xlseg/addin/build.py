"""Building xlseg.xlam and xlseg.doctor.xlam from xlwings' ribbon template: only the ribbon XML is ours."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from xlseg.addin.errors import AddinBuildError

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
                "Reinstall xlwings; if a new release changed the template, update xlseg/addin/build.py."
            )
    # The template's own button must call the macro we point our button at.
    from defusedxml import ElementTree as SafeET

    template_ui = SafeET.fromstring(parts[CUSTOMUI_PART])
    actions = {el.get("onAction") for el in template_ui.iter() if el.get("onAction")}
    if actions != {RIBBON_MACRO}:
        raise AddinBuildError(
            f"The xlwings template {source} calls {sorted(actions)} from its ribbon, "
            f"not '{RIBBON_MACRO}'. Update RIBBON_MACRO in xlseg/addin/build.py to the template's macro."
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
            f"in '{RELS_PART}'. Update xlseg/addin/build.py to the template's layout."
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
