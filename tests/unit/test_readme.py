"""The README (issue 25): it names the PORT/HOST variables `make run` takes, and every file it
points a reader to is in the repository (no `../shared/…`, which only the founders have)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_says_how_to_change_port_and_host() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "PORT ?=" in makefile and "HOST ?=" in makefile  # what the README promises
    assert re.search(r"`make run [^`]*PORT=\d+", README)
    assert re.search(r"`make run [^`]*HOST=[\d.]+", README)


def test_readme_points_only_to_files_in_the_repository() -> None:
    assert "../" not in README
    mentioned = set(re.findall(r"`((?:docs|scripts|webapp|tests)/[\w./-]+)`", README))
    assert {"docs/architecture.md", "docs/deploy.md", "docs/domain.md"} <= mentioned
    missing = sorted(p for p in mentioned if not (ROOT / p).exists())
    assert not missing, missing
