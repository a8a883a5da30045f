"""The pool's auto-return rules as pure functions: exact day and hour boundaries, in the
company's time zone (services/pool.py)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.services.pool import (
    Rule,
    clock_start,
    cooldown_ends,
    days_left,
    in_cooldown,
    is_due,
    return_on,
    warns,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")  # UTC+8, no daylight saving
RULE = Rule(return_days=30, warn_days=5, cooldown_hours=48)
LAST = date(2026, 3, 1)
OWNED = datetime(2026, 1, 1, 4, 0, tzinfo=UTC)


def local(y, m, d, hh=0, mm=0, ss=0) -> datetime:
    """A wall-clock moment in Shanghai, as the aware datetime the app passes around."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI)


def test_the_clock_starts_at_the_later_of_last_follow_up_and_owned_since():
    assert clock_start(LAST, OWNED, SHANGHAI) == LAST
    # claimed after the last follow-up: the new owner's clock starts on the day they got it
    owned_later = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)  # 11 March 01:00 in Shanghai
    assert clock_start(LAST, owned_later, SHANGHAI) == date(2026, 3, 11)
    assert clock_start(None, owned_later, SHANGHAI) == date(2026, 3, 11)
    # SQLite hands back naive datetimes, stored as UTC
    assert clock_start(None, owned_later.replace(tzinfo=None), SHANGHAI) == date(2026, 3, 11)


def test_return_day_is_n_days_after_the_start():
    assert return_on(LAST, OWNED, RULE, SHANGHAI) == date(2026, 3, 31)


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (local(2026, 3, 30, 0, 0), False),  # day N-1
        (local(2026, 3, 30, 23, 59, 59), False),  # the last second of day N-1
        (local(2026, 3, 31, 0, 0), True),  # day N, at the company's midnight
        (local(2026, 4, 1, 12, 0), True),  # day N+1
    ],
)
def test_due_from_the_company_midnight_of_day_n(now, due):
    assert is_due(LAST, OWNED, RULE, now, SHANGHAI) is due


def test_the_day_is_the_company_s_not_utc_s():
    # 30 March 16:00 UTC is already 31 March in Shanghai
    assert is_due(LAST, OWNED, RULE, datetime(2026, 3, 30, 16, 0, tzinfo=UTC), SHANGHAI)
    assert not is_due(LAST, OWNED, RULE, datetime(2026, 3, 30, 15, 59, tzinfo=UTC), SHANGHAI)
    # the same instant, judged in UTC, is still day N-1
    assert not is_due(LAST, OWNED, RULE, datetime(2026, 3, 30, 16, 0, tzinfo=UTC), UTC)


@pytest.mark.parametrize(
    ("day", "left", "warned"),
    [
        (date(2026, 3, 25), 6, False),  # M+1 days before: not yet
        (date(2026, 3, 26), 5, True),  # exactly M days before
        (date(2026, 3, 30), 1, True),  # the day before
        (date(2026, 3, 31), 0, False),  # the day itself: due, no longer a warning
    ],
)
def test_warning_on_the_m_days_before(day, left, warned):
    now = local(day.year, day.month, day.day, 9, 0)
    assert days_left(LAST, OWNED, RULE, now, SHANGHAI) == left
    assert warns(LAST, OWNED, RULE, now, SHANGHAI) is warned


def test_no_warning_without_warn_days():
    rule = Rule(return_days=30, warn_days=0)
    assert not warns(LAST, OWNED, rule, local(2026, 3, 30, 9), SHANGHAI)


def test_a_new_follow_up_restarts_the_clock():
    now = local(2026, 3, 31, 9)
    assert is_due(LAST, OWNED, RULE, now, SHANGHAI)
    assert not is_due(date(2026, 3, 30), OWNED, RULE, now, SHANGHAI)


def test_cooldown_ends_exactly_h_hours_after_the_return():
    returned = datetime(2026, 3, 31, 0, 0, 5, tzinfo=UTC)
    assert cooldown_ends(returned, RULE) == returned + timedelta(hours=48)
    assert in_cooldown(returned, RULE, returned)
    assert in_cooldown(returned, RULE, returned + timedelta(hours=48) - timedelta(seconds=1))
    assert not in_cooldown(returned, RULE, returned + timedelta(hours=48))
    assert not in_cooldown(returned, RULE, returned + timedelta(hours=49))
    # naive (SQLite) timestamps are UTC
    assert in_cooldown(returned.replace(tzinfo=None), RULE, returned + timedelta(hours=47))


def test_no_cooldown_when_h_is_zero():
    returned = datetime(2026, 3, 31, tzinfo=UTC)
    assert not in_cooldown(returned, Rule(30, 5, 0), returned)
