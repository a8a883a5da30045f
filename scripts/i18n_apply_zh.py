"""Merge Chinese translations written as JSON into the zh catalog.

    .venv/bin/python scripts/i18n_apply_zh.py zh-team.json [more.json ...]

Each file maps an English msgid to its Chinese text; a plural msgid is keyed by its singular and
maps to a list with one string (Chinese has one plural form). Work done in parallel branches
writes its strings to such a file instead of editing messages.po, so catalogs never conflict in a
merge: run `make i18n-update`, then this, then `make i18n-compile`. Only empty or fuzzy entries
are filled, so a translation already reviewed in the catalog wins; msgids the catalog does not
have are listed (a typo, or a string removed since).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).resolve().parent.parent / "translations/zh/LC_MESSAGES/messages.po"


def apply(translations: dict[str, str | list[str]]) -> tuple[int, list[str]]:
    with PATH.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    filled = 0
    unknown = []
    for msgid, text in translations.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        empty = not any(message.string) if message.pluralizable else not message.string
        if not (empty or message.fuzzy):
            continue
        if message.pluralizable:
            message.string = tuple(text) if isinstance(text, list) else (text,)
        else:
            message.string = text[0] if isinstance(text, list) else text
        message.flags.discard("fuzzy")
        filled += 1
    with PATH.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False, sort_output=True, no_location=True)
    return filled, unknown


def main(paths: list[str]) -> None:
    translations: dict[str, str | list[str]] = {}
    for path in paths:
        translations.update(json.loads(Path(path).read_text(encoding="utf-8")))
    filled, unknown = apply(translations)
    print(f"{filled} zh entries filled from {len(translations)} translations")
    for msgid in unknown:
        print(f"not in the catalog: {msgid!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
