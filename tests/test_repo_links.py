"""Nothing in the repository cites a file it does not have: every Markdown link and every
``*.md`` / ``docs/...`` path named in code, tests and docs exists in the clone."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
NAMED = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.md)\b")


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [ROOT / p for p in out.splitlines() if p.endswith((".md", ".py", ".toml", ".bas"))]


def _exists(ref: str, where: Path) -> bool:
    if "://" in ref or ref.startswith("mailto:"):
        return True
    if (where.parent / ref).exists() or (ROOT / ref).exists():
        return True
    # a bare name built up in code (ROOT / "docs" / "excel.md"): some file of the clone has it
    return "/" not in ref and any(p.name == ref for p in ROOT.rglob(ref) if ".git" not in p.parts)


def test_every_cited_file_exists():
    missing = []
    for path in _tracked():
        text = path.read_text(encoding="utf-8", errors="replace")
        refs = set(LINK.findall(text)) if path.suffix == ".md" else set()
        refs |= set(NAMED.findall(text))
        missing += [f"{path.relative_to(ROOT)}: {ref}" for ref in sorted(refs) if not _exists(ref, path)]
    assert missing == []


def test_the_check_sees_a_missing_file():
    gone = "DESIGN" + ".md"  # spelled in two parts so this file does not cite it itself
    assert not _exists(gone, ROOT / "README.md")
    assert _exists("docs/design.md", ROOT / "README.md")
    assert NAMED.findall(f'see {gone} "Metrics"') == [gone]
