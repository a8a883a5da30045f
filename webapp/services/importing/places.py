"""Country cells as real sheets write them: ISO codes, English and Chinese names, the seed
tracker's "NG-尼日利亚" code-name form, and the short forms people type (UK, USA, Holland, 英国,
韩国 …). A name that is two countries (Congo / 刚果) is ambiguous: the preview asks which one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..countries import is_country, parse_country
from .mapping import fold

# short forms sheets use that are not Babel's country names (compared folded)
COUNTRY_ALIASES = {
    "uae": "AE", "usa": "US", "us": "US", "america": "US", "unitedstatesofamerica": "US",
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "britain": "GB",
    "greatbritain": "GB", "korea": "KR", "southkorea": "KR", "republicofkorea": "KR",
    "northkorea": "KP", "russia": "RU", "russianfederation": "RU", "vietnam": "VN",
    "holland": "NL", "thenetherlands": "NL", "turkey": "TR", "taiwan": "TW", "hongkong": "HK",
    "macau": "MO", "macao": "MO", "iran": "IR", "syria": "SY", "laos": "LA",
    "czechrepublic": "CZ", "ivorycoast": "CI", "cotedivoire": "CI", "burma": "MM",
    "myanmar": "MM", "swaziland": "SZ", "macedonia": "MK", "capeverde": "CV", "easttimor": "TL",
    "vatican": "VA", "palestine": "PS", "saudi": "SA", "ksa": "SA", "mainlandchina": "CN",
    "prc": "CN", "peoplesrepublicofchina": "CN",
    "英国": "GB", "英格兰": "GB", "美国": "US", "美利坚": "US", "阿联酋": "AE", "韩国": "KR",
    "南韩": "KR", "北韩": "KP", "香港": "HK", "中国香港": "HK", "台湾": "TW", "中国台湾": "TW",
    "澳门": "MO", "中国澳门": "MO", "荷兰": "NL", "俄罗斯": "RU", "俄国": "RU", "象牙海岸": "CI",
    "科特迪瓦": "CI", "沙特": "SA", "捷克共和国": "CZ", "缅甸": "MM", "越南": "VN",
    "新西兰": "NZ", "纽西兰": "NZ", "澳洲": "AU", "中国大陆": "CN", "大陆": "CN",
}  # fmt: skip

# names that are two countries: the user picks one in the preview
AMBIGUOUS = {"congo": ("CG", "CD"), "刚果": ("CG", "CD"), "刚果共和国": ("CG", "CD")}

# "NG-尼日利亚", "NG 尼日利亚", "尼日利亚(NG)", "NG/Nigeria": a code next to a name
_CODE_NAME_RE = re.compile(r"^\s*([A-Za-z]{2})\s*[-–—_/|:：\s]\s*(.+?)\s*$")
_NAME_CODE_RE = re.compile(r"^\s*(.+?)\s*[(（]\s*([A-Za-z]{2})\s*[)）]\s*$")


class AmbiguousCountry(ValueError):
    """The name is more than one country; `codes` are the candidates."""

    def __init__(self, text: str, codes: tuple[str, ...]) -> None:
        super().__init__(text)
        self.codes = codes


def _by_name(text: str) -> str | None:
    key = fold(text)
    if key in AMBIGUOUS:
        raise AmbiguousCountry(text, AMBIGUOUS[key])
    code = COUNTRY_ALIASES.get(key)
    if code:
        return code
    try:
        return parse_country(text)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO code for a country cell; ValueError when unknown, AmbiguousCountry when it names two
    (cached: a sheet names the same few countries thousands of times, and the lookup scans)."""
    value = text.strip()
    if not value:
        return None
    code = _by_name(value)
    if code:
        return code
    for pattern, code_group, name_group in ((_CODE_NAME_RE, 1, 2), (_NAME_CODE_RE, 2, 1)):
        found = pattern.match(value)
        if found and is_country(found.group(code_group)):
            # the code decides; the name next to it is only what people read
            return found.group(code_group).upper()
        if found:
            name_code = _by_name(found.group(name_group))
            if name_code:
                return name_code
    raise ValueError(text)
