"""ISO weeks in the company's time zone: the unit of the call/visit plan (wk47 …) and of the
weekly inquiry report (due Sunday 20:30, discussed Monday morning)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from ..models import Tenant
from .followups import company_today, company_zone

REPORT_DUE = time(20, 30)  # 星期天晚上8:30以前上报
_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def week_start(day: date) -> date:
    """The Monday of the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def current_week_start(tenant: Tenant, now: datetime | None = None) -> date:
    return week_start(company_today(tenant, now))


def week_label(monday: date) -> str:
    """'2026-W48': the form used in URLs and query strings."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_number(day: date) -> int:
    """The paper's column heading number (wk47)."""
    return day.isocalendar()[1]


def parse_week(text: str | None) -> date | None:
    """'2026-W48' -> the Monday of that ISO week; None for anything else."""
    match = _WEEK_RE.match((text or "").strip())
    if not match:
        return None
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:  # week 53 of a 52-week year, week 00
        return None


def days_of(start: date, weeks: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(7 * weeks)]


def week_bounds_utc(tenant: Tenant, monday: date, weeks: int = 1) -> tuple[datetime, datetime]:
    """[start, end) of the weeks in UTC: Monday 00:00 to the Monday after, company time."""
    zone = company_zone(tenant)
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(weeks=weeks), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def report_deadline(tenant: Tenant, monday: date) -> datetime:
    """Sunday 20:30 of that week in the company's time zone (aware)."""
    sunday = monday + timedelta(days=6)
    return datetime.combine(sunday, REPORT_DUE, tzinfo=company_zone(tenant))


def is_late(tenant: Tenant, monday: date, submitted_at: datetime) -> bool:
    """A report submitted after the deadline (the deadline minute itself is still on time)."""
    return submitted_at > report_deadline(tenant, monday)


def local_date(tenant: Tenant, moment: datetime) -> date:
    """The company-local calendar day of an aware moment (an inquiry's received time)."""
    return moment.astimezone(company_zone(tenant)).date()


def recent_weeks(tenant: Tenant, count: int, now: datetime | None = None) -> list[date]:
    """The Mondays of the last `count` weeks, oldest first, ending with the current week."""
    this = current_week_start(tenant, now)
    return [this - timedelta(weeks=count - 1 - i) for i in range(count)]
