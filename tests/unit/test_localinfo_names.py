"""Holiday and time-zone names in the user's language (issue 25): the holidays package's own
language where it has it, our catalog's translation of its English name otherwise, several
holidays on one day as a list, and Babel's zone names instead of "America/New_York, EST"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from webapp.services import localinfo


def _names(app, country: str, locale: str, start: date, days: int = 30) -> dict[date, str]:
    with app.test_request_context():
        return {h.day: h.name for h in localinfo.upcoming_holidays(country, locale, start, days)}


def test_a_country_without_chinese_names_gets_translated_ones(app):
    names = _names(app, "US", "zh", date(2026, 12, 20), 15)
    assert names == {date(2026, 12, 25): "圣诞节", date(2027, 1, 1): "元旦"}


def test_suffixes_are_translated_too(app):
    names = _names(app, "GB", "zh", date(2026, 12, 24), 7)
    assert names[date(2026, 12, 26)] == "节礼日"
    assert names[date(2026, 12, 28)] == "节礼日（补假）"


def test_two_holidays_on_one_day_are_a_list_in_the_users_language(app):
    assert _names(app, "IT", "zh", date(2026, 11, 1), 1) == {
        date(2026, 11, 1): "诸圣节和民族团结日"
    }
    assert _names(app, "IT", "en", date(2026, 11, 1), 1) == {
        date(2026, 11, 1): "All Saints' Day and National Unity Day"
    }


def test_the_packages_own_chinese_is_used_where_it_has_it(app):
    assert _names(app, "CN", "zh", date(2026, 10, 1), 1) == {date(2026, 10, 1): "国庆节"}


def test_english_stays_the_packages_english(app):
    assert _names(app, "US", "en", date(2026, 12, 20), 7) == {date(2026, 12, 25): "Christmas Day"}


def test_a_name_the_catalog_does_not_know_stays_english(app):
    # Thailand's royal birthdays are not in holiday_names.py: shown as the package has them
    names = _names(app, "TH", "zh", date(2026, 12, 5), 1)
    assert "HM King Bhumibol Adulyadej the Great's Birthday" in names[date(2026, 12, 5)]
    assert "国庆日" in names[date(2026, 12, 5)]  # its known companions are translated


def test_zone_names_are_babels_localised_ones():
    summer = datetime(2026, 7, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    assert localinfo.zone_names(summer, "zh") == ("美国（纽约）时间", "北美东部夏令时间")
    assert localinfo.zone_names(summer, "en") == (
        "United States (New York) Time",
        "Eastern Daylight Time",
    )
    winter = datetime(2026, 1, 1, 12, tzinfo=ZoneInfo("America/New_York"))
    assert localinfo.zone_names(winter, "en")[1] == "Eastern Standard Time"
