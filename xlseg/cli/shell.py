"""What every command shares: an error becomes one message and an exit code, the progress bar, --as-of."""

from __future__ import annotations

import functools
import os
import sys

import click

from xlseg.errors import XlsegError

STEPS = 14  # roughly how many progress steps a classify run reports


def _fail(message: str, code: int = 1):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def friendly(func):
    """Turn xlseg errors into one clear message (exit 1), and hide tracebacks."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except XlsegError as exc:
            _fail(str(exc))
        except PermissionError as exc:
            _fail(f"Permission denied: '{exc.filename}'. Close the file in Excel (or any other program) "
                  "and check that the folder is writable, then run again.")
        except BrokenPipeError:  # stdout closed early (``| head -1``): the work is done, say nothing more
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except KeyboardInterrupt:
            _fail("Interrupted; nothing was written.", 130)
        except click.exceptions.ClickException:
            raise
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
            if os.environ.get("XLSEG_DEBUG"):
                raise
            _fail(f"xlseg hit an unexpected problem ({type(exc).__name__}: {exc}). Your files are unchanged. "
                  "Run again with XLSEG_DEBUG=1 for details and report it.")

    return wrapper


_END_AT_ONCE: list = []


def end_at_once() -> None:
    """Let the ``xlseg`` process end without the interpreter's teardown once this command has succeeded.

    For commands that only read the user's files and have written everything they write (``xlseg history``):
    freeing every object and module at exit (pandas, pyarrow, a frame of 200,000 rows) costs about 0.3 s of a
    command that takes a few. The output is flushed first; under :class:`click.testing.CliRunner`, which calls
    ``main.main`` rather than the process entry point, nothing changes."""
    _END_AT_ONCE.append(True)


class Main(click.Group):
    """The ``xlseg`` group; as the process's entry point (``main()``) it honours :func:`end_at_once`."""

    def __call__(self, *args, **kwargs):
        _END_AT_ONCE.clear()  # asked by this run's command only
        try:
            return self.main(*args, **kwargs)
        except SystemExit as exc:
            if _END_AT_ONCE and not exc.code and _flushed():
                os._exit(0)
            raise


def _flushed() -> bool:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the ordinary exit says what it says
        return False
    return True


class Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, label: str, total: int = STEPS):
        self.enabled = sys.stderr.isatty()
        self.label, self.total = label, total
        self._progress = None

    def __enter__(self):
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                          TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=self.total)
        return self

    def __call__(self, message: str) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"{self.label}: {message}")

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.__exit__(*exc)
        return False


def _as_of(ctx, param, value):
    if value is None:
        return None
    from xlseg.core.config import parse_date

    try:
        return parse_date(value)
    except ValueError as exc:
        raise click.BadParameter(f"'{value}' is {exc}.") from None
