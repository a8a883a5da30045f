"""What the paper calls 当地主要节日 and the customer's local time: derived from the country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import pytz
from babel.dates import get_timezone_location, get_timezone_name
from babel.lists import format_list
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import Customer
from .holiday_names import NAMES
from .zones import zone_from_address, zones_of

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


def zone_names(moment: datetime, locale: str) -> tuple[str, str]:
    """The zone of an aware moment as people read it, in `locale` (Babel's CLDR names):
    where ("美国（纽约）时间" / "United States (New York) Time") and which time ("北美东部夏令时间"
    / "Eastern Daylight Time"), instead of "America/New_York, EDT"."""
    return (
        get_timezone_location(moment.tzinfo, locale=locale),
        get_timezone_name(moment, "long", locale=locale),
    )


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


@dataclass(frozen=True)
class CustomerZone:
    """Which zone a customer's local time is in, and why (the card says so):
    "chosen" on the card, from the "address" (`place`: the state or city that gave it), or the
    "country"'s main zone. `choices`: the country's zones when it spans several (the card then
    offers them), else empty."""

    zone: ZoneInfo
    source: str
    place: str | None = None
    choices: tuple[str, ...] = ()


def customer_zone(
    country: str | None, address: str | None = None, chosen: str | None = None
) -> CustomerZone | None:
    """The zone of a customer: the one picked on the card (if it is one of its country's), else
    the one its address names where the country spans several, else the country's main one."""
    zones = zones_of(country)
    several = zones if len(zones) > 1 else ()
    if chosen and chosen in zones:
        return CustomerZone(ZoneInfo(chosen), "chosen", choices=several)
    found = zone_from_address(country, address)
    if found is not None:
        return CustomerZone(ZoneInfo(found[0]), "address", found[1], several)
    zone = main_zone(country)
    return CustomerZone(zone, "country", choices=several) if zone is not None else None


class ZoneRefused(ValueError):
    """A zone that is not one of the customer's country's; `message` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def choose_zone(customer: Customer, zone: str | None) -> None:
    """The zone picked on the card (None: work it out from the address or the country again).
    Only one of the country's own zones: the picker offers those, anything else is refused."""
    if zone and zone not in zones_of(customer.country):
        raise ZoneRefused(_("Choose one of the time zones of the customer's country."))
    customer.time_zone = zone or None


def zone_options(zones: tuple[str, ...], locale: str) -> list[tuple[str, str]]:
    """The picker's (zone, its name in `locale`: "美国（洛杉矶）时间"), in the name's order."""
    named = [(zone, get_timezone_location(ZoneInfo(zone), locale=locale)) for zone in zones]
    return sorted(named, key=lambda option: option[1])


def local_now(country: str | None, now: datetime | None = None) -> datetime | None:
    """The current time in the customer's country (None when we cannot tell)."""
    zone = main_zone(country)
    return None if zone is None else now_in(zone, now)


def now_in(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    return (now or datetime.now(ZoneInfo("UTC"))).astimezone(zone)


@cache
def _calendar(country: str, year: int, language: str | None):
    return holidays.country_holidays(country, years=[year, year + 1], language=language)


def upcoming_holidays(
    country: str | None, locale: str, start: date, days: int = 30
) -> list[Holiday]:
    """Public holidays of the country in [start, start + days), names in the user's language:
    the holidays package's own where it has that language, else its English name translated
    by our catalog (holiday_names.py), else the English name (or the country's own language
    for the few calendars without English)."""
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
    wanted = _HOLIDAY_LANGUAGES.get(locale, ())
    language = next((lang for lang in wanted if lang in supported), None)
    # the package's own names when it speaks the user's language; else its English ones, which
    # our catalog translates where it knows them (services/holiday_names.py)
    own = language is not None and language.split("_")[0] == locale
    calendar = _calendar(code, start.year, language)
    end = start + timedelta(days=days)
    return tuple(
        Holiday(day, holiday_name(name, locale, translate=not own))
        for day, name in sorted(calendar.items())
        if start <= day < end
    )


# the package's suffixes on an English name ("Eid al-Fitr (estimated)", "Boxing Day (observed)")
_SUFFIXES = {
    " (observed, estimated)": _l("%(name)s (observed, estimated)"),
    " (observed)": _l("%(name)s (observed)"),
    " (estimated)": _l("%(name)s (estimated)"),
    " (in lieu)": _l("%(name)s (in lieu)"),
}


def holiday_name(name: str, locale: str, translate: bool = True) -> str:
    """One day's holiday name(s) for the user: the package joins two holidays on one day with
    "; ", shown as a list in the user's language ("A、B" / "A, B"); with `translate`, each
    English name our catalog knows is given in `locale`."""
    parts = name.split("; ")
    with force_locale(locale):
        if translate:
            parts = [_translated(part) for part in parts]
        return format_list(parts, locale=str(get_locale() or locale))


def _translated(name: str) -> str:
    for suffix, pattern in _SUFFIXES.items():
        if name.endswith(suffix):
            base = name.removesuffix(suffix)
            return str(pattern) % {"name": str(NAMES.get(base, base))}
    return str(NAMES.get(name, name))


@cache
def _supported_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())
