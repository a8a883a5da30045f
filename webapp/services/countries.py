"""Country names from Babel's territory data in the user's language, never a hand-kept list."""

from __future__ import annotations

import unicodedata
from functools import cache

from babel import Locale
from flask_babel import get_locale

# Babel also lists regions ("001" World, "EU"), pseudo-regions and ISO's exceptionally reserved
# codes (AC Ascension, CP Clipperton, DG Diego Garcia, EA Ceuta & Melilla, IC Canary Islands,
# TA Tristan da Cunha); keep the ISO 3166-1 alpha-2 countries and territories.
_NOT_COUNTRIES = {
    "AC",
    "CP",
    "DG",
    "EA",
    "EU",
    "EZ",
    "IC",
    "QO",
    "TA",
    "UN",
    "XA",
    "XB",
    "XK",
    "ZZ",
}


@cache
def _names(locale_code: str) -> tuple[tuple[str, str], ...]:
    territories = Locale.parse(locale_code).territories
    pairs = [
        (code, name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    ]
    if locale_code.startswith("zh"):
        # Chinese readers expect pinyin order (阿联酋, 埃及, 爱尔兰 …), not code-point order
        from pypinyin import lazy_pinyin

        return tuple(sorted(pairs, key=lambda p: lazy_pinyin(p[1])))
    # accents sort with their base letter (Åland by A, Côte d'Ivoire by C)
    return tuple(sorted(pairs, key=lambda p: _fold(p[1])))


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def country_choices(locale_code: str | None = None) -> list[tuple[str, str]]:
    return list(_names(locale_code or str(get_locale() or "zh")))


@cache
def _name_of(locale_code: str) -> dict[str, str]:
    # built once per language: a list page names 25 countries, and a dict of 250 per call was
    # 2 ms of each page
    return dict(_names(locale_code))


def country_name(code: str | None, locale_code: str | None = None) -> str:
    if not code:
        return ""
    return _name_of(locale_code or str(get_locale() or "zh")).get(code.upper(), code)


def is_country(code: str) -> bool:
    return code.upper() in _name_of("en")


def country_label(code: str, locale_code: str | None = None) -> str:
    """How the searchable country field shows a country: '德国 (DE)'."""
    return f"{country_name(code, locale_code)} ({code.upper()})"


def parse_country(text: str | None) -> str | None:
    """ISO code from what a person typed or picked: 'DE', 'de', '德国', 'Germany', '德国 (DE)'.

    Names are matched in Chinese and English whatever the UI language (imports mix both).
    Returns None for empty input; raises ValueError when nothing matches.
    """
    if text is None or not text.strip():
        return None
    value = text.strip()
    if value.endswith(")") and "(" in value:
        value = value[value.rindex("(") + 1 : -1].strip()
    if len(value) == 2 and value.isalpha() and is_country(value):
        return value.upper()
    wanted = _fold(value)
    for locale_code in ("zh", "en"):
        for code, name in _names(locale_code):
            if _fold(name) == wanted:
                return code
    raise ValueError(text)
