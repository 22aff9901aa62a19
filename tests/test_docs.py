"""Docs that run: the README's quick start, its Python example, its Settings table and CLI coverage."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import openpyxl
import pytest

from xlseg.cli import main as cli
from xlseg.core.config import Config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_quick_start_has_the_two_commands_first():
    first, second = _blocks("bash")[:2]
    assert first.strip() == "pip install -e . && xlseg demo"
    assert second.strip() == 'pip install -e ".[test]" && python -m pytest'
    assert README.index("## Quick start") < README.index(first)


def test_ci_runs_the_readme_test_command():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'python -m pip install -e ".[test]"' in script
    assert script.rstrip().endswith("python -m pytest")


def test_quick_start_demo_command_runs(tmp_path):
    """`xlseg demo` as the README has it: the installed command, in a fresh folder, exit 0."""
    exe = shutil.which("xlseg")
    if exe is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("the `xlseg` command is not on PATH: `pip install -e .` did not install its entry point")
        pytest.skip("xlseg is not installed as a command here (pip install -e .)")
    command = _blocks("bash")[0].split("&&")[1].split()
    assert command == ["xlseg", "demo"]
    done = subprocess.run([exe, *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    out = tmp_path / "xlseg_demo.xlsx"
    assert f"Wrote {out.name}" in done.stdout or f"Wrote {out}" in done.stdout
    wb = openpyxl.load_workbook(out, read_only=True)
    assert {"Summary", "Customers", "Tags", "Issues", "Settings"} <= set(wb.sheetnames)


def test_python_example_runs(capsys):
    (code,) = _blocks("python")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # the README's own code, as a reader would run it
    c = namespace["result"].customers
    # 3 buyers as of 2026-06-30: C1 (29 days, 2 days) R2 F4 -> At Risk; C2 (477 days) R1 F1 -> Hibernating;
    # C3 (10 days, first purchase) R4 F1 -> Promising; C3 alone makes 80 % of revenue -> High value.
    assert c["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert c["segment"].tolist() == ["At Risk", "Hibernating", "Promising"]
    assert c["value_tier"].tolist() == ["Medium value", "Low value", "High value"]
    assert c["stage"].tolist() == ["Active", "Lost", "New"]
    assert "Promising" in capsys.readouterr().out


def test_settings_table_lists_every_setting_with_its_default():
    for key, value, _help in Config().settings_rows():
        if isinstance(value, bool):
            value = "TRUE" if value else "FALSE"
        shown = "(blank)" if value is None else str(value)
        assert f"| `{key}` | {shown} |" in README, key


def _commands(group: click.Group, prefix: str = "xlseg"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


def test_every_command_is_documented():
    docs = README + (ROOT / "docs" / "excel.md").read_text(encoding="utf-8")
    for path, command in _commands(cli):
        assert command.help, f"{path} has no --help text"
        top = " ".join(path.split()[:2])
        assert top in docs, f"{top} is not in the README or docs/excel.md"
