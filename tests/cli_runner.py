"""The command line run in-process, as the tests call it: no traceback may reach the user, and an exception
that is not a clean exit is raised in the test (so its own traceback shows there)."""

from __future__ import annotations

from click.testing import CliRunner

from xlseg.cli import main


def cli(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="xlseg")
    assert "Traceback" not in result.stdout + result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result
