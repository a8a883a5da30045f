"""What the paper calls 当地主要节日 and the customer's local time: derived from the country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import pytz

# Countries spanning several zones: the zone where most business happens. Others take the first
# zone of the IANA table (zone.tab), which is the main one for single-zone countries.
MAIN_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "KZ": "Asia/Almaty",
    "MN": "Asia/Ulaanbaatar",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
}

# holidays' language codes per UI language, best first
_HOLIDAY_LANGUAGES = {"zh": ("zh_CN", "en_US"), "en": ("en_US",)}


@dataclass(frozen=True)
class Holiday:
    day: date
    name: str


def main_zone(country: str | None) -> ZoneInfo | None:
    if not country:
        return None
    code = country.upper()
    name = MAIN_ZONES.get(code) or next(iter(pytz.country_timezones.get(code, [])), None)
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        return None


def local_now(country: str | None, now: datetime | None = None) -> datetime | None:
    """The current time in the customer's country (None when we cannot tell)."""
    zone = main_zone(country)
    if zone is None:
        return None
    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(zone)


@cache
def _calendar(country: str, year: int, language: str | None):
    return holidays.country_holidays(country, years=[year, year + 1], language=language)


def upcoming_holidays(
    country: str | None, locale: str, start: date, days: int = 30
) -> list[Holiday]:
    """Public holidays of the country in [start, start + days), names in the user's language
    where the holidays package has it (else English, else the country's own)."""
    if not country:
        return []
    return list(_upcoming(country.upper(), locale, start, days))


@lru_cache(maxsize=4096)
def _upcoming(code: str, locale: str, start: date, days: int) -> tuple[Holiday, ...]:
    # a pure function of its arguments: my day asks it for every country of one's customers
    # (22 for a salesperson at scale) on every visit, and each answer built a holidays
    # calendar object to read its languages (0.2 ms a country)
    if code not in _supported_countries():
        return ()
    supported = holidays.country_holidays(code).supported_languages
    language = next(
        (lang for lang in _HOLIDAY_LANGUAGES.get(locale, ()) if lang in supported), None
    )
    calendar = _calendar(code, start.year, language)
    end = start + timedelta(days=days)
    return tuple(Holiday(day, name) for day, name in sorted(calendar.items()) if start <= day < end)


@cache
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())
