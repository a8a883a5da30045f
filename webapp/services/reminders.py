"""The weekly report's reminder (周报提醒): two hours before the Sunday 20:30 deadline (company
time), each salesperson whose report of the week is not submitted gets a mail.

The job queue asks every half hour (webapp/jobs/periodic.py, at :00 and :30 UTC). The reminder's
window is that half hour, so exactly one run falls in it for every company, whatever its time
zone's offset (India's +5:30, Nepal's +5:45 included), and nothing has to remember who was
reminded: a run in the window reminds, any other run does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _

from ..models import Tenant
from . import reports
from .mail import mail_configured, send_mail
from .weeks import current_week_start, report_deadline

REMIND_BEFORE = timedelta(hours=2)
WINDOW = timedelta(minutes=30)  # = the job's interval


def reminder_week(tenant: Tenant, now: datetime | None = None) -> date | None:
    """The Monday of the week whose reminder falls in the half hour starting at `now`; None
    outside that window."""
    now = now or datetime.now(UTC)
    monday = current_week_start(tenant, now)
    start = report_deadline(tenant, monday) - REMIND_BEFORE
    return monday if start <= now < start + WINDOW else None


@dataclass
class Reminder:
    email: str
    name: str
    locale: str


def due_reminders(tenant: Tenant, now: datetime | None = None) -> list[Reminder]:
    """Whom to remind now: salespeople whose report of this week is missing or a draft."""
    monday = reminder_week(tenant, now)
    if monday is None:
        return []
    return [
        Reminder(row.member.user.email, row.member.user.name, row.member.user.locale or "zh")
        for row in reports.team_week(monday)
        if row.status in ("missing", "draft")
    ]


def send_reminders(tenant: Tenant, now: datetime | None = None) -> int:
    """Mail the due reminders (none when no mail server is configured); how many were sent."""
    if not mail_configured():
        return 0
    due = due_reminders(tenant, now)
    for reminder in due:
        with force_locale(reminder.locale):
            send_mail(
                reminder.email,
                _("Your weekly report is due today at 20:30"),
                _(
                    "Hello %(name)s,\n\nyour weekly report for %(company)s is not submitted "
                    "yet. It is due today, Sunday, at 20:30. Open TradeFollow, then Inquiry "
                    "reports, to fill it in and submit it.\n",
                    name=reminder.name,
                    company=tenant.name,
                ),
            )
    return len(due)
