"""Translation catalogs: complete (no empty or fuzzy entries) and in step with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def _ids(catalog) -> set:
    return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in catalog if m.id}


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--no-location",
         "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return out


def test_pot_is_up_to_date(fresh_pot: Path) -> None:
    fresh, committed = _ids(_read(fresh_pot)), _ids(_read(TRANSLATIONS / "messages.pot"))
    assert fresh == committed, (
        f"run `make i18n-update`: new {sorted(map(str, fresh - committed))[:10]}, "
        f"gone {sorted(map(str, committed - fresh))[:10]}"
    )


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_catalog_is_complete(locale: str) -> None:
    pot = _ids(_read(TRANSLATIONS / "messages.pot"))
    catalog = _read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale)
    assert _ids(catalog) == pot, "catalog out of step with messages.pot: run `make i18n-update`"
    untranslated = [
        m.id for m in catalog if m.id and not all(m.string if m.pluralizable else [m.string])
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy {fuzzy[:10]}"
    problems = [(m.id, errs) for m, errs in catalog.check()]
    assert not problems, f"{locale}: placeholder problems {problems[:5]}"
