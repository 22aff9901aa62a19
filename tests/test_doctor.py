"""`xlseg doctor` and the ribbon's Check setup: each finding with its fix, on Linux and against the fake Excel."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
import xlwings
from click.testing import CliRunner

from tests.fake_xlwings import FakeApp
from xlseg import addin, doctor
from xlseg.cli import main as cli
from xlseg.excel import checks
from xlseg.excel import interpreter as interp
from xlseg.excel.checks import NOT_CHECKED, OK, PROBLEM, WARNING


def by_key(findings):
    return {f.key: f for f in findings}


# ------------------------------------------------------------------ on Linux
def test_on_linux_the_python_side_is_checked_and_the_rest_says_why_not():
    found = by_key(doctor.run(platform="linux"))
    assert list(found) == ["python", "packages", "udfs", "config", "dll", "addin", *checks.EXCEL_KEYS]
    assert found["python"].status == OK and sys.executable in found["python"].detail
    assert found["packages"].status == OK and f"xlwings {xlwings.__version__}" in found["packages"].detail
    assert found["udfs"].status == OK and "SEG_TIER" in found["udfs"].detail
    for key in ("config", "dll", "addin", *checks.EXCEL_KEYS):
        assert found[key].status == NOT_CHECKED, key
    assert "Excel runs on Windows and macOS only" in found["excel"].detail


def test_cli_doctor_prints_every_item_and_exits_0_when_nothing_is_wrong():
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "xlseg setup: everything checked is fine."
    assert lines[1].startswith("[ok] python: Python 3.")
    assert any(line.startswith("[not checked] excel: Excel runs on Windows and macOS only") for line in lines)


def test_cli_doctor_runs_as_the_installed_command():
    done = subprocess.run([sys.executable, "-m", "xlseg.cli", "doctor"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "[ok] udfs: xlseg.udfs imports" in done.stdout


def test_old_python_and_missing_or_wrong_packages_are_problems_with_their_fix():
    assert doctor.check_python((3, 10, 4)).status == PROBLEM
    missing = doctor.check_packages({"xlseg": "1.0", "xlwings": None, "pandas": "3.0", "numpy": "2.0",
                                     "openpyxl": "3.1.5"})
    assert missing.status == PROBLEM and missing.fix.startswith("pip install xlwings")
    wrong = doctor.check_packages({"xlseg": "1.0", "xlwings": "0.33.0", "pandas": "3.0", "numpy": "2.0",
                                   "openpyxl": "3.1.5"})
    assert wrong.status == PROBLEM and "pip install xlwings==0.37.8" in wrong.fix


def test_exit_code_is_1_when_a_problem_is_found(monkeypatch):
    original = doctor.check_python
    monkeypatch.setattr(doctor, "check_python", lambda: original((3, 9, 0)))
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "xlseg setup: 1 problem found."


# ------------------------------------------------------------------ config file and DLL (Windows rules)
@pytest.fixture
def win_home(tmp_path, monkeypatch):
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    monkeypatch.delenv("CONDA_EXE", raising=False)
    return tmp_path


def test_config_missing_lf_incomplete_and_good(win_home):
    finding, _ = doctor.check_config("win32", win_home)
    assert finding.status == PROBLEM and "not found" in finding.detail and "xlseg addin install" in finding.fix
    path = addin.user_config_path("win32", win_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\n"UDF MODULES","xlseg.udfs"\n')
    finding, _ = doctor.check_config("win32", win_home)
    assert finding.status == PROBLEM and "LF line endings" in finding.detail
    path.write_bytes(b'"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\r\n')
    finding, _ = doctor.check_config("win32", win_home)
    assert finding.status == PROBLEM and "UDF MODULES" in finding.detail
    addin.write_interpreter_config(r"C:\py\python.exe", platform="win32", home=win_home)
    finding, config = doctor.check_config("win32", win_home)
    assert finding.status == OK and config["INTERPRETER_WIN"] == r"C:\py\python.exe"


def test_dll_found_or_not_where_the_vba_loads_it(tmp_path):
    python = tmp_path / "Python311"
    python.mkdir()
    config = {"INTERPRETER_WIN": str(python / "python.exe")}
    missing = doctor.check_dll(config, "win32")
    assert missing.status == PROBLEM and f"Could not load {interp.dll_name()}" in missing.detail
    (python / interp.dll_name()).write_bytes(b"MZ")
    assert doctor.check_dll(config, "win32").status == OK
    assert doctor.check_dll(config, "darwin").status == NOT_CHECKED


def test_the_installed_addin_must_match_pythons_xlwings(tmp_path):
    built = addin.build_addin(tmp_path)
    assert doctor.check_addin(built).status == OK
    parts = {}
    with zipfile.ZipFile(built) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    parts[addin.CUSTOMUI_PART] = parts[addin.CUSTOMUI_PART].replace(
        f"xlwings {xlwings.__version__}".encode(), b"xlwings 0.30.0")
    old = tmp_path / "old" / "xlseg.xlam"
    old.parent.mkdir()
    with zipfile.ZipFile(old, "w") as z:
        for i in infos:
            z.writestr(i, parts[i.filename])
    finding = doctor.check_addin(old)
    assert finding.status == PROBLEM and "built for xlwings 0.30.0" in finding.detail
    assert finding.fix == "Quit Excel, then run: xlseg addin install"


# ------------------------------------------------------------------ Excel's side, through the fake
class _Com:
    """The few COM members the doctor reads (the fake's .api refuses everything else)."""

    def __init__(self, **members):
        self.__dict__.update(members)


def _refuse():
    raise Exception("Programmatic access to Visual Basic Project is not trusted")  # noqa: TRY002 - a com_error


def test_excel_side_through_the_fake_all_fine(monkeypatch):
    app = FakeApp()
    app.add_book("xlseg.xlam", sheets=("Sheet1",))
    book = app.add_book("Sales.xlsx")
    monkeypatch.setattr(type(app), "api", property(lambda self: _Com(WorksheetFunction=_Com(Unique=lambda x: x))),
                        raising=True)
    monkeypatch.setattr(type(book), "api", property(lambda self: _Com(
        Date1904=False, VBProject=_Com(VBComponents=_Com(Count=5)))))
    found = by_key(checks.excel_side(app.xw, book.xw))
    assert [found[k].status for k in checks.EXCEL_KEYS] == [OK] * 5
    assert found["excel"].detail == "Excel 16.0"
    assert found["workbook"].detail == "active workbook: Sales.xlsx"


def test_excel_side_through_the_fake_with_every_problem(monkeypatch):
    app = FakeApp()
    app.add_book("xlseg.xlam", sheets=("Sheet1",))
    app._active_book = None  # only the (hidden) add-in is open

    def unique(_x):
        raise Exception("Unable to get the Unique property")  # noqa: TRY002 - Excel 2019

    monkeypatch.setattr(type(app), "api", property(lambda self: _Com(WorksheetFunction=_Com(Unique=unique))))
    monkeypatch.setattr(type(app.books("xlseg.xlam")), "api", property(
        lambda self: _Com(Date1904=True, VBProject=_Refusing())))
    found = by_key(checks.excel_side(app.xw))
    assert found["dynamic-arrays"].status == WARNING and "Ctrl+Shift+Enter" in found["dynamic-arrays"].fix
    assert found["vba-access"].status == PROBLEM and "Trust access to the VBA project" in found["vba-access"].fix
    assert found["workbook"].status == PROBLEM and "VBA error 91" in found["workbook"].detail
    assert found["date-system"].status == NOT_CHECKED


class _Refusing:
    @property
    def VBComponents(self):  # noqa: N802 - the COM name
        _refuse()


@pytest.mark.parametrize("platform", ["windows", "mac"])
def test_the_date_system_is_named_on_windows_and_on_a_mac(platform):
    """COM's Workbook.Date1904 on Windows, AppleScript's date 1904 on a Mac (the fake has each only on its
    platform); xlseg reads numbers typed as dates in either system, so neither is a problem."""
    app = FakeApp(platform=platform)
    book = app.add_book("Mac made.xlsx")
    finding = checks.check_date_system(book.xw)
    assert (finding.status, finding.detail) == (OK, "Mac made.xlsx uses the 1900 date system")
    book.date1904 = True
    finding = checks.check_date_system(book.xw)
    assert finding.status == OK and finding.detail.startswith("Mac made.xlsx uses the 1904 date system;")


def test_the_fakes_refusing_api_gives_not_checked_not_a_crash():
    app = FakeApp()
    app.add_book("xlseg.xlam", sheets=("Sheet1",))
    book = app.add_book("Sales.xlsx")
    found = by_key(checks.excel_side(app.xw, book.xw))
    assert found["excel"].status == OK
    for key in ("dynamic-arrays", "vba-access"):
        assert found[key].status == NOT_CHECKED, key
    assert found["date-system"].status == OK  # the fake's workbook .api answers Date1904, and only that


def test_the_ribbon_entry_shows_one_message_with_every_finding(monkeypatch):
    from tests.fake_xlwings import install_caller

    app = FakeApp()
    book = app.add_book("Sales.xlsx")
    with install_caller(book):
        doctor.main()
    (alert,) = app.alerts
    assert alert["title"] == "xlseg: Check setup / 检查环境"
    text = alert["prompt"]
    for key in ("python", "packages", "udfs", "config", "dll", "addin", *checks.EXCEL_KEYS):
        assert f"] {key}: " in text, key
