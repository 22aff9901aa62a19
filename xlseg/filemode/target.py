"""Where a file-mode run writes: the output checked before any work, its temporary file, the backup."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from xlseg.errors import WorkbookError


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _free_backup(path: Path) -> Path:
    """``book.backup.xlsx``, or the first free ``book.backup-N.xlsx``: an earlier backup is never overwritten."""
    backup = path.with_name(f"{path.stem}.backup{path.suffix}")
    n = 2
    while backup.exists():
        backup = path.with_name(f"{path.stem}.backup-{n}{path.suffix}")
        n += 1
    return backup


def _check_target(target: Path) -> None:
    """A clear refusal before any work when the output cannot be written."""
    folder = target.parent
    if not folder.exists():
        raise WorkbookError(f"The folder '{folder}' does not exist. Create it, or choose another output with -o.")
    if not folder.is_dir():
        raise WorkbookError(f"'{folder}' is not a folder. Choose another output with -o.")
    for lock in (folder / f"~${target.name}", folder / f".~lock.{target.name}#"):
        if lock.exists():
            raise WorkbookError(f"'{target.name}' is open in Excel or LibreOffice (lock file '{lock.name}'). Close "
                                "it there and run again; nothing was written.")
    if target.exists() and (not os.access(target, os.W_OK) or not target.stat().st_mode & 0o200):
        raise WorkbookError(f"'{target}' is read-only. Make it writable (or choose another output with -o) and "
                            "run again; nothing was written.")
    if not os.access(folder, os.W_OK):
        raise WorkbookError(f"The folder '{folder}' is not writable. Choose another output with -o; nothing "
                            "was written.")


def _tmp_next_to(target: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix + ".tmp", dir=target.parent)
    os.close(fd)
    return Path(tmp)
