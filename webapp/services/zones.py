"""A customer's time zone where its country spans several: from the state, province or city
its address names (San Francisco is not New York), else the one the user picked on the card,
else the country's main zone, said as such (services/localinfo.customer_zone)."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytz

from ..normalize import fold

_EAST, _CENTRAL, _MOUNTAIN, _PACIFIC = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)

# state / province codes as addresses write them ("San Francisco, CA 94103"), with their names
_REGIONS: dict[str, dict[str, tuple[str, str]]] = {
    "US": {
        "AL": ("Alabama", _CENTRAL), "AK": ("Alaska", "America/Anchorage"),
        "AZ": ("Arizona", "America/Phoenix"), "AR": ("Arkansas", _CENTRAL),
        "CA": ("California", _PACIFIC), "CO": ("Colorado", _MOUNTAIN),
        "CT": ("Connecticut", _EAST), "DE": ("Delaware", _EAST),
        "DC": ("District of Columbia", _EAST), "FL": ("Florida", _EAST),
        "GA": ("Georgia", _EAST), "HI": ("Hawaii", "Pacific/Honolulu"),
        "ID": ("Idaho", "America/Boise"), "IL": ("Illinois", _CENTRAL),
        "IN": ("Indiana", "America/Indiana/Indianapolis"), "IA": ("Iowa", _CENTRAL),
        "KS": ("Kansas", _CENTRAL), "KY": ("Kentucky", "America/Kentucky/Louisville"),
        "LA": ("Louisiana", _CENTRAL), "ME": ("Maine", _EAST), "MD": ("Maryland", _EAST),
        "MA": ("Massachusetts", _EAST), "MI": ("Michigan", "America/Detroit"),
        "MN": ("Minnesota", _CENTRAL), "MS": ("Mississippi", _CENTRAL),
        "MO": ("Missouri", _CENTRAL), "MT": ("Montana", _MOUNTAIN),
        "NE": ("Nebraska", _CENTRAL), "NV": ("Nevada", _PACIFIC),
        "NH": ("New Hampshire", _EAST), "NJ": ("New Jersey", _EAST),
        "NM": ("New Mexico", _MOUNTAIN), "NY": ("New York", _EAST),
        "NC": ("North Carolina", _EAST), "ND": ("North Dakota", _CENTRAL),
        "OH": ("Ohio", _EAST), "OK": ("Oklahoma", _CENTRAL), "OR": ("Oregon", _PACIFIC),
        "PA": ("Pennsylvania", _EAST), "RI": ("Rhode Island", _EAST),
        "SC": ("South Carolina", _EAST), "SD": ("South Dakota", _CENTRAL),
        "TN": ("Tennessee", _CENTRAL), "TX": ("Texas", _CENTRAL), "UT": ("Utah", _MOUNTAIN),
        "VT": ("Vermont", _EAST), "VA": ("Virginia", _EAST),
        "WA": ("Washington", _PACIFIC), "WV": ("West Virginia", _EAST),
        "WI": ("Wisconsin", _CENTRAL), "WY": ("Wyoming", _MOUNTAIN),
    },
    "CA": {
        "BC": ("British Columbia", "America/Vancouver"), "AB": ("Alberta", "America/Edmonton"),
        "SK": ("Saskatchewan", "America/Regina"), "MB": ("Manitoba", "America/Winnipeg"),
        "ON": ("Ontario", "America/Toronto"), "QC": ("Quebec", "America/Toronto"),
        "NB": ("New Brunswick", "America/Moncton"), "NS": ("Nova Scotia", "America/Halifax"),
        "PE": ("Prince Edward Island", "America/Halifax"),
        "NL": ("Newfoundland", "America/St_Johns"), "YT": ("Yukon", "America/Whitehorse"),
        "NT": ("Northwest Territories", "America/Edmonton"), "NU": ("Nunavut", "America/Iqaluit"),
    },
    "AU": {
        "NSW": ("New South Wales", "Australia/Sydney"), "VIC": ("Victoria", "Australia/Melbourne"),
        "QLD": ("Queensland", "Australia/Brisbane"),
        "SA": ("South Australia", "Australia/Adelaide"),
        "WA": ("Western Australia", "Australia/Perth"), "TAS": ("Tasmania", "Australia/Hobart"),
        "NT": ("Northern Territory", "Australia/Darwin"),
        "ACT": ("Australian Capital Territory", "Australia/Sydney"),
    },
}  # fmt: skip

# big cities whose zone is not named after them (the zone's own city is found from its name)
_CITIES: dict[str, dict[str, str]] = {
    "US": {
        "san francisco": _PACIFIC, "san jose": _PACIFIC, "san diego": _PACIFIC,
        "seattle": _PACIFIC, "las vegas": _PACIFIC, "sacramento": _PACIFIC,
        "oakland": _PACIFIC, "houston": _CENTRAL, "dallas": _CENTRAL, "austin": _CENTRAL,
        "san antonio": _CENTRAL, "minneapolis": _CENTRAL, "st. louis": _CENTRAL,
        "kansas city": _CENTRAL, "new orleans": _CENTRAL, "milwaukee": _CENTRAL,
        "nashville": _CENTRAL, "memphis": _CENTRAL, "salt lake city": _MOUNTAIN,
        "albuquerque": _MOUNTAIN, "boston": _EAST, "philadelphia": _EAST, "miami": _EAST,
        "atlanta": _EAST, "washington, dc": _EAST, "washington dc": _EAST, "baltimore": _EAST,
        "pittsburgh": _EAST, "charlotte": _EAST, "orlando": _EAST, "tampa": _EAST,
        "brooklyn": _EAST, "newark": _EAST, "cleveland": _EAST, "columbus": _EAST,
        "洛杉矶": _PACIFIC, "旧金山": _PACIFIC, "西雅图": _PACIFIC, "芝加哥": _CENTRAL,
        "休斯顿": _CENTRAL, "达拉斯": _CENTRAL, "纽约": _EAST, "迈阿密": _EAST,
    },
    "CA": {
        "montreal": "America/Toronto", "ottawa": "America/Toronto", "calgary": "America/Edmonton",
        "多伦多": "America/Toronto", "温哥华": "America/Vancouver",
    },
    "AU": {
        "canberra": "Australia/Sydney", "gold coast": "Australia/Brisbane",
        "悉尼": "Australia/Sydney", "墨尔本": "Australia/Melbourne", "珀斯": "Australia/Perth",
    },
    "BR": {"rio de janeiro": "America/Sao_Paulo", "brasilia": "America/Sao_Paulo"},
    "MX": {"guadalajara": "America/Mexico_City", "puebla": "America/Mexico_City"},
    "RU": {"saint petersburg": "Europe/Moscow", "st. petersburg": "Europe/Moscow",
           "莫斯科": "Europe/Moscow"},
}  # fmt: skip


def zones_of(country: str | None) -> tuple[str, ...]:
    """The IANA zones of a country (zone.tab), main one first where we know it."""
    if not country:
        return ()
    return _zones(country.upper())


# one legal time whatever zone.tab lists: Xinjiang's Urumqi time is not China's official one
_ONE_LEGAL_ZONE = {"CN": "Asia/Shanghai"}


@cache
def _zones(code: str) -> tuple[str, ...]:
    """zone.tab's zones of the country; only the first when they all keep the same time
    (Germany's Büsingen is Berlin's time): nothing to choose then."""
    if code in _ONE_LEGAL_ZONE:
        return (_ONE_LEGAL_ZONE[code],)
    zones = tuple(pytz.country_timezones.get(code, ()))
    return zones if len({_offsets(zone) for zone in zones}) > 1 else zones[:1]


def _offsets(zone: str) -> tuple:
    """A zone's UTC offset in winter and in summer: two zones that agree on both keep one time."""
    info = ZoneInfo(zone)
    return tuple(datetime(2026, month, 15, 12, tzinfo=info).utcoffset() for month in (1, 7))


def zone_from_address(country: str | None, address: str | None) -> tuple[str, str] | None:
    """(zone, the place that gave it) for an address in a country of several zones, or None
    when the address names no state, province or city we know."""
    code = (country or "").upper()
    if not address or len(zones_of(code)) < 2:
        return None
    folded = fold(address)
    regions = _REGIONS.get(code, {})
    # a state code as addresses write it, in capitals after a comma or before a postcode
    # ("San Francisco, CA 94103"): the most reliable, so a Portland in Maine is not Oregon's
    for match in reversed(list(_CODE_RE.finditer(address))):
        found = regions.get(match.group(1))
        if found:
            return found[1], found[0]
    # then a city: "Kansas City" is not Kansas, "Seattle, Washington" is not Washington DC
    for city, zone in _cities(code):
        if _has_words(folded, city):
            return zone, _place(address, city)
    for name, zone in sorted(regions.values(), key=lambda region: -len(region[0])):
        if _has_words(folded, fold(name)):
            return zone, name
    return None


# "…, CA 94103", "… VIC 3000", "…, BC V6B 1A1", "…, NY" at the end or before a comma
_CODE_RE = re.compile(r"(?:,\s*|\s)([A-Z]{2,3})(?=\s+\d{4,5}\b|\s+[A-Z]\d[A-Z]\b|\s*$|\s*,)")


@cache
def _cities(code: str) -> tuple[tuple[str, str], ...]:
    """Known big cities, then every zone's own city ("America/Los_Angeles" → "los angeles"),
    longest first so "new york" wins over "york"."""
    named = {fold(zone.rsplit("/", 1)[1].replace("_", " ")): zone for zone in _zones(code)}
    named.update(_CITIES.get(code, {}))
    return tuple(sorted(named.items(), key=lambda item: -len(item[0])))


def _has_words(folded: str, words: str) -> bool:
    if not words.isascii():  # Chinese has no spaces between words
        return words in folded
    return re.search(rf"(?<![\w]){re.escape(words)}(?![\w])", folded) is not None


def _place(address: str, folded_city: str) -> str:
    """The city as the address writes it (for "from the address: San Francisco"): the part of
    the address naming it, without a trailing postcode."""
    for part in re.split(r"[,\n]", address):
        if _has_words(fold(part), folded_city):
            return re.sub(r"\s+[\d\s-]+$", "", part.strip())
    return folded_city.title()
