"""The built add-in xlseg.xlam, checked as a file by second readers, and its install config."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET

from xlseg import addin
from xlseg.errors import XlsegError

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "workbook_templates" / "xlseg.xlam"
CUI = "{http://schemas.microsoft.com/office/2006/01/customui}"
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return addin.build_addin(tmp_path_factory.mktemp("build") / "xlseg.xlam")


def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def names_of(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


# ------------------------------------------------------------------ the ribbon


@pytest.fixture(scope="module")
def built_doctor(tmp_path_factory) -> Path:
    return addin.build_addin(tmp_path_factory.mktemp("build") / "xlseg.doctor.xlam")


def _groups(path):
    root = SafeET.fromstring(parts_of(path)["customUI/customUI.xml"])
    assert root.tag == CUI + "customUI"
    tabs = root.findall(f"{CUI}ribbon/{CUI}tabs/{CUI}tab")
    # one tab shared by both add-ins: the same qualified id in the same namespace
    assert [(t.get("idQ"), t.get("label")) for t in tabs] == [("x:xlsegTab", "Customer Segments / 客户分群")]
    assert b'xmlns:x="xlseg.ribbon"' in parts_of(path)["customUI/customUI.xml"]
    return root, tabs[0].findall(f"{CUI}group")


def test_customui_is_valid_xml_with_our_labels(built, built_doctor):
    root, groups = _groups(built)
    assert [(g.get("label"), g.get("tag")) for g in groups] == [("xlseg", "xlwings 0.37.8")]
    buttons = groups[0].findall(f"{CUI}button")
    assert [(b.get("label"), b.get("imageMso"), b.get("onAction")) for b in buttons] == [
        ("Reclassify / 重新分类", "RefreshAll", "RibbonMyAddin.RunMain")
    ]
    _root, groups = _groups(built_doctor)
    assert [(g.get("label"), g.get("tag")) for g in groups] == [("Setup / 环境", "xlwings 0.37.8")]
    assert [(b.get("label"), b.get("onAction")) for b in groups[0].findall(f"{CUI}button")] == [
        ("Check setup / 检查环境", "RibbonMyAddin.RunMain")]
    assert addin.addin_xlwings_version(parts_of(built_doctor)["customUI/customUI.xml"]) == "0.37.8"
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), "ribbon control ids must be unique"


def test_package_relationship_points_at_existing_customui_part(built):
    parts = parts_of(built)
    rels = SafeET.fromstring(parts["_rels/.rels"])
    targets = [
        r.get("Target").lstrip("/")
        for r in rels.findall(PKG_RELS + "Relationship")
        if r.get("Type") == addin.CUSTOMUI_REL_TYPE
    ]
    assert targets == ["customUI/customUI.xml"]
    assert targets[0] in parts


@pytest.mark.parametrize("name", ["xlseg.xlam", "xlseg.doctor.xlam"])
def test_every_on_action_is_a_macro_olevba_finds(built, built_doctor, name):
    built = built if name == "xlseg.xlam" else built_doctor
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(built))
    try:
        assert parser.detect_vba_macros()
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    root = SafeET.fromstring(parts_of(built)["customUI/customUI.xml"])
    actions = [el.get("onAction") for el in root.iter() if el.get("onAction")]
    assert actions
    for action in actions:
        module, _, sub = action.partition(".")
        assert f"{module}.bas" in modules, f"VBA module {module} not in {sorted(modules)}"
        code = modules[f"{module}.bas"]
        assert f'Attribute VB_Name = "{module}"' in code
        assert f"Sub {sub}(control As IRibbonControl)" in code


def test_ribbon_macro_runs_the_module_named_like_the_file(built):
    """RunMain imports ThisWorkbook.Name minus extension: xlseg.xlam -> xlseg.main()."""
    olevba = pytest.importorskip("oletools.olevba")
    parser = olevba.VBA_Parser(str(built))
    try:
        modules = {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()
    code = modules["RibbonMyAddin.bas"]
    assert "mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name" in code
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in code
    assert built.name == "xlseg.xlam"
    # The config file name used by install_addin is the VBA's PROJECT_NAME.
    assert 'Public Const PROJECT_NAME As String = "myaddin"' in modules["xlwings.bas"]
    assert f'XLWINGS_VERSION As String = "{addin.TEMPLATE_XLWINGS_VERSION}"' in modules["xlwings.bas"]


# ------------------------------------------------------------------ faithful to the template


def test_vba_project_and_other_parts_are_the_templates(built):
    template = parts_of(addin.template_path())
    ours = parts_of(built)
    assert ours["xl/vbaProject.bin"] == template["xl/vbaProject.bin"]
    assert names_of(built) == names_of(addin.template_path())
    changed = sorted(n for n in template if ours[n] != template[n])
    assert changed == ["customUI/customUI.xml"]


def test_build_is_deterministic(built, tmp_path):
    again = addin.build_addin(tmp_path)
    assert again == tmp_path / "xlseg.xlam"
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(again) as b:
        assert [(i.filename, i.date_time) for i in a.infolist()] == [
            (i.filename, i.date_time) for i in b.infolist()
        ]
    assert again.read_bytes() == built.read_bytes()


def test_the_doctor_addin_runs_xlseg_doctor_main(built_doctor):
    """RunMain imports ThisWorkbook.Name minus its last extension: xlseg.doctor.xlam -> xlseg.doctor.main()."""
    import importlib

    name = built_doctor.name
    module = name[:name.rindex(".")]
    assert module == "xlseg.doctor"
    assert callable(importlib.import_module(module).main)
    assert parts_of(built_doctor)["xl/vbaProject.bin"] == parts_of(addin.template_path())["xl/vbaProject.bin"]


def test_committed_doctor_addin_equals_a_fresh_build(built_doctor):
    committed = REPO / "workbook_templates" / "xlseg.doctor.xlam"
    assert committed.read_bytes() == built_doctor.read_bytes(), "run: python -m xlseg.addin build"


def test_committed_addin_equals_a_fresh_build(built):
    assert COMMITTED.is_file(), "run: python -m xlseg.addin build"
    assert addin.template_sha256() == addin.TEMPLATE_SHA256, (
        "The installed xlwings ships a different ribbon template than the one "
        f"workbook_templates/xlseg.xlam was built from (xlwings {addin.TEMPLATE_XLWINGS_VERSION}). "
        "Install that xlwings, or review the new template, rebuild with "
        "'python -m xlseg.addin build' and update TEMPLATE_SHA256/TEMPLATE_XLWINGS_VERSION."
    )
    assert names_of(COMMITTED) == names_of(built)
    committed, fresh = parts_of(COMMITTED), parts_of(built)
    for name in fresh:
        assert committed[name] == fresh[name], f"{name} differs: run python -m xlseg.addin build"


def test_build_refuses_another_file_name(tmp_path):
    with pytest.raises(addin.AddinBuildError) as info:
        addin.build_addin(tmp_path / "segments.xlam")
    assert str(info.value) == (
        "The add-in must be named 'xlseg.xlam', not 'segments.xlam': its ribbon macro runs "
        "'import <file name>; <file name>.main()'. Choose a path ending in xlseg.xlam."
    )
    assert not (tmp_path / "segments.xlam").exists()


def test_build_refuses_a_template_whose_ribbon_calls_another_macro(tmp_path):
    source = parts_of(addin.template_path())
    source["customUI/customUI.xml"] = source["customUI/customUI.xml"].replace(
        b"RibbonMyAddin.RunMain", b"Ribbon.Other"
    )
    fake = tmp_path / "template.xlam"
    with zipfile.ZipFile(fake, "w") as z:
        for name, data in source.items():
            z.writestr(name, data)
    with pytest.raises(addin.AddinBuildError, match=r"calls \['Ribbon.Other'\] from its ribbon"):
        addin.build_addin(tmp_path / "xlseg.xlam", template=fake)


def test_module_entry_point_builds(tmp_path, capsys):
    assert addin._main(["build", str(tmp_path / "xlseg.xlam")]) == 0
    assert (tmp_path / "xlseg.xlam").is_file()
    assert addin._main(["nonsense"]) == 2


# ------------------------------------------------------------------ LibreOffice reads it


def _soffice() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("CI=true but LibreOffice (soffice) is missing: apt-get install libreoffice-calc-nogui")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    return found


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_libreoffice_opens_the_addin_with_vba_filter(built, tmp_path, fmt):
    soffice = _soffice()
    src = tmp_path / "in" / "xlseg.xlam"
    src.parent.mkdir()
    shutil.copyfile(built, src)
    out = tmp_path / "out"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--infilter=Calc MS Excel 2007 VBA XML",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    produced = out / f"xlseg.{fmt}"
    assert result.returncode == 0 and produced.is_file(), result.stdout + result.stderr
    if fmt == "pdf":
        assert produced.read_bytes().startswith(b"%PDF")
    else:
        # The add-in's hidden config sheet, as LibreOffice read it.
        first_cells = [line.split(",")[0] for line in produced.read_text().splitlines()[:3]]
        assert first_cells == ["Interpreter_Win", "Interpreter_Mac", "PYTHONPATH"]


# ------------------------------------------------------------------ install and config


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    return tmp_path


def test_config_path_is_where_the_vba_looks(home):
    assert addin.user_config_path("win32") == home / ".myaddin" / "myaddin.conf"
    assert addin.user_config_path("darwin") == (
        home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "myaddin.conf"
    )


def test_write_config_creates_file_with_sys_executable(home):
    path = addin.write_interpreter_config(platform="win32")
    assert path == home / ".myaddin" / "myaddin.conf"
    # CRLF, as xlwings' own writer on Windows: the VBA's Input # ends a line only at CR there
    assert path.read_bytes() == f'"INTERPRETER_WIN","{sys.executable}"\r\n"UDF MODULES","xlseg.udfs"\r\n'.encode()


def test_write_config_in_a_conda_environment_on_windows_names_conda_as_xlwings_does(home):
    environ = {"CONDA_DEFAULT_ENV": "seg", "CONDA_EXE": r"C:\Users\me\miniconda3\Scripts\conda.exe"}
    old = home / ".myaddin" / "myaddin.conf"
    old.parent.mkdir()
    old.write_bytes(b'"INTERPRETER_WIN","C:\\old\\python.exe"\n"SHOW CONSOLE","True"\n')
    path = addin.write_interpreter_config(platform="win32", environ=environ)
    assert path.read_bytes() == (b'"SHOW CONSOLE","True"\r\n'
                                 b'"CONDA PATH","C:\\Users\\me\\miniconda3"\r\n"CONDA ENV","seg"\r\n'
                                 b'"UDF MODULES","xlseg.udfs"\r\n')
    from tests.fake_xlwings import vba_get_config_from_file
    from xlseg.excel.interpreter import python_win

    config = {k: vba_get_config_from_file(path.read_bytes(), k) for k in ("INTERPRETER_WIN", "CONDA PATH", "CONDA ENV")}
    assert config["INTERPRETER_WIN"] is None
    assert python_win(config) == r"C:\Users\me\miniconda3\envs\seg\pythonw"  # XLPyLoadDLL's resolution
    # an explicit interpreter wins over the environment, as with xlwings' INTERPRETER_WIN
    path = addin.write_interpreter_config(r"D:\py\python.exe", platform="win32", environ=environ)
    assert b'"INTERPRETER_WIN","D:\\py\\python.exe"\r\n' in path.read_bytes()
    assert b"CONDA" not in path.read_bytes()


def test_a_pip_user_dll_is_copied_where_the_vba_loads_it(tmp_path, monkeypatch):
    from xlseg.excel import interpreter as interp

    python_dir, user_base = tmp_path / "Python311", tmp_path / "Roaming" / "Python"
    python_dir.mkdir()
    user_base.mkdir(parents=True)
    name = interp.dll_name()
    (user_base / name).write_bytes(b"MZ dll")
    monkeypatch.setattr(interp, "pip_data_dirs", lambda: [tmp_path / "nowhere", user_base])
    exe = str(python_dir / "python.exe")
    assert interp.dll_dirs(exe) == [str(python_dir), str(tmp_path)]
    assert interp.place_dll(exe) == python_dir / name
    assert (python_dir / name).read_bytes() == b"MZ dll"
    assert interp.place_dll(exe) is None  # found now: nothing to do


def test_write_config_keeps_other_keys_and_replaces_old_interpreter(home):
    path = home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "myaddin.conf"
    path.parent.mkdir(parents=True)
    path.write_text(
        '"PYTHONPATH","/Users/me/code"\n'
        "\n"
        '"Interpreter_Mac","/old/python"\n'
        '"INTERPRETER_WIN","C:\\Python\\python.exe"\n'
        '"udf modules","old_module"\n'
        '"SHOW CONSOLE","True"'
    )
    assert addin.write_interpreter_config(platform="darwin") == path
    assert path.read_text() == (
        '"PYTHONPATH","/Users/me/code"\n'
        '"INTERPRETER_WIN","C:\\Python\\python.exe"\n'
        '"SHOW CONSOLE","True"\n'
        f'"INTERPRETER_MAC","{sys.executable}"\n'
        '"UDF MODULES","xlseg.udfs"\n'
    )
    # Running it twice changes nothing.
    before = path.read_text()
    addin.write_interpreter_config(platform="darwin")
    assert path.read_text() == before
    assert [p.name for p in path.parent.iterdir()] == ["myaddin.conf"]  # no temp files left


def test_write_config_refuses_a_path_with_a_quote(home):
    with pytest.raises(addin.AddinError, match="contains a quote or line break"):
        addin.write_interpreter_config('C:\\a"b\\python.exe', platform="win32")
    assert not (home / ".myaddin").exists()


def test_install_on_linux_says_excel_is_not_available(home):
    with pytest.raises(addin.ExcelNotAvailableError) as info:
        addin.install_addin(platform="linux")
    assert isinstance(info.value, XlsegError)
    assert str(info.value) == (
        "Excel is not available on Linux, so the xlseg add-in cannot be installed here. "
        "Use 'xlseg classify BOOK.xlsx' to classify a workbook without Excel; "
        "install the add-in on Windows or macOS."
    )
    assert list(home.iterdir()) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="checks this Linux host")
def test_install_on_this_linux_host_refuses(home):
    with pytest.raises(addin.ExcelNotAvailableError, match="Excel is not available on Linux"):
        addin.install_addin()


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_install_into_a_given_folder_writes_addin_and_config(home, tmp_path, platform):
    startup = tmp_path / "XLSTART"
    startup.mkdir()
    result = addin.install_addin(startup, platform=platform)
    assert result.addin_path == startup / "xlseg.xlam"
    assert parts_of(result.addin_path)["xl/vbaProject.bin"] == parts_of(addin.template_path())[
        "xl/vbaProject.bin"
    ]
    assert result.config_path == addin.user_config_path(platform)
    key = "INTERPRETER_WIN" if platform == "win32" else "INTERPRETER_MAC"
    assert result.config_path.read_text() == f'"{key}","{sys.executable}"\n"UDF MODULES","xlseg.udfs"\n'
    if platform == "darwin":
        import xlwings

        script = home / "Library" / "Application Scripts" / "com.microsoft.Excel"
        assert result.extra_files == (script / f"xlwings-{xlwings.__version__}.applescript",)
        assert result.extra_files[0].is_file()
    else:
        assert result.extra_files == ()
