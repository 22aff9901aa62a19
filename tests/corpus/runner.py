"""The ``xlseg`` CLI in a child process, with its exit status, output, peak memory and a time limit.

Also the outcome every hostile input must have (:func:`check_outcome`).

A small wrapper process starts the CLI, so ``RUSAGE_CHILDREN`` of the wrapper
is the CLI's own peak RSS (not that of everything pytest ever started). The CLI
runs under ``RLIMIT_AS`` (a cap that protects the shared machine from a zip
bomb; the tests assert a much lower peak RSS) and is killed after ``timeout``
seconds: no timing assertion, just a bound.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.corpus.package import problems

MAX_RSS_MB = 1024  # "never more than about 1 GB" (issue 12)
AS_LIMIT = 3 * 1024**3  # address-space cap for the child: a runaway run dies here, not the machine
TIMEOUT = 240.0  # generous: a bound, not a benchmark

CLI = "import sys; from xlseg.cli import main; main(prog_name='xlseg')"
_WRAPPER = r"""
import json, resource, subprocess, sys
limit, timeout, report = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
p = subprocess.Popen(sys.argv[4:], preexec_fn=cap)
try:
    rc = p.wait(timeout)
    timed_out = False
except subprocess.TimeoutExpired:
    p.kill()
    rc = p.wait()
    timed_out = True
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as fh:
    json.dump({"rc": rc, "timed_out": timed_out, "maxrss_kb": ru.ru_maxrss}, fh)
"""


@dataclass
class CliRun:
    args: list
    returncode: int
    stdout: str
    stderr: str
    maxrss_mb: float
    timed_out: bool

    def __str__(self) -> str:
        return (f"xlseg {' '.join(map(str, self.args))}: exit {self.returncode}"
                f"{' (killed after the time limit)' if self.timed_out else ''}, peak RSS {self.maxrss_mb:.0f} MB\n"
                f"stdout: {self.stdout[-1500:]!r}\nstderr: {self.stderr[-1500:]!r}")


def run_cli(*args, cwd=None, timeout: float = TIMEOUT, stdout=subprocess.PIPE, as_limit: int = AS_LIMIT) -> CliRun:
    """Run ``xlseg *args``; ``stdout`` may be a file descriptor (e.g. a pipe whose reader is closed)."""
    fd, report = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        cmd = [sys.executable, "-c", _WRAPPER, str(as_limit), str(timeout), report, sys.executable, "-c", CLI,
               *map(str, args)]
        env = dict(os.environ)
        env.pop("XLSEG_DEBUG", None)
        proc = subprocess.run(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE, env=env,
                              timeout=timeout + 60)
        data = json.loads(Path(report).read_text())
    finally:
        os.unlink(report)
    out = proc.stdout.decode("utf-8", "replace") if isinstance(proc.stdout, bytes) else ""
    return CliRun(list(args), data["rc"], out, proc.stderr.decode("utf-8", "replace"), data["maxrss_kb"] / 1024,
                  data["timed_out"])


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def folder_state(folder: Path) -> dict:
    return {p.name: sha(p) for p in folder.iterdir() if p.is_file()}


def check_outcome(run, src: Path, out: Path, before: dict) -> str:
    """'refused' or 'written'; asserts the rules every hostile input shares."""
    assert not run.timed_out, str(run)
    assert run.maxrss_mb < MAX_RSS_MB, str(run)
    assert "Traceback" not in run.stderr, str(run)
    assert "unexpected problem" not in run.stderr, str(run)
    assert run.returncode in (0, 1), str(run)
    if run.returncode == 1:
        assert run.stderr.startswith("Error: ") and run.stderr.strip().count("Error:") == 1, str(run)
        assert folder_state(src.parent) == before, f"a refused run changed files: {run}"
        return "refused"
    assert out.is_file(), str(run)
    assert problems(out) == [], str(run)
    assert sha(src) == before[src.name], "the input changed"
    return "written"


def cli_in_process(*args) -> CliRun:
    """The CLI through click's runner: for cases about file handling, where memory is not the question."""
    from click.testing import CliRunner

    from xlseg.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args], prog_name="xlseg")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliRun(list(args), result.exit_code, result.stdout, result.stderr, 0.0, False)


def run_case(tmp_path: Path, src: Path, *args, out_name: str = "out.xlsx"):
    """``xlseg classify src -o tmp_path/out_name *args`` in a child process: (run, output, outcome)."""
    out = tmp_path / out_name
    before = folder_state(src.parent)
    run = run_cli("classify", src, "-o", out, *args)
    return run, out, check_outcome(run, src, out, before)


