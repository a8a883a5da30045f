"""The periodic jobs of the queue (webapp/jobs/periodic.py) and the weekly report reminder's rule
(services/reminders.py): when each runs, what each does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.factories import add_member, make_customer
from webapp.extensions import db
from webapp.jobs import periodic
from webapp.models import Customer, Tenant
from webapp.services import pool, reminders
from webapp.services import reports as report_rules
from webapp.tenancy.context import tenant_context

SUNDAY = date(2026, 11, 29)  # of the week starting Monday 2026-11-23
MONDAY = date(2026, 11, 23)


def _tenant(app, company, home_country: str) -> Tenant:
    tenant = db.session.get(Tenant, company.id)
    tenant.home_country = home_country
    return tenant


def _runs(day: date) -> list[datetime]:
    """The job's runs (:00 and :30 UTC) from the day before to the day after `day`."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
    return [start + timedelta(minutes=30 * i) for i in range(3 * 48)]


@pytest.mark.parametrize(
    ("country", "window_utc"),
    [
        ("CN", datetime(2026, 11, 29, 10, 30, tzinfo=UTC)),  # 18:30 in Shanghai
        ("DE", datetime(2026, 11, 29, 17, 30, tzinfo=UTC)),  # 18:30 in Berlin (CET)
        ("IN", datetime(2026, 11, 29, 13, 0, tzinfo=UTC)),  # 18:30 in Kolkata (+5:30)
        ("NP", datetime(2026, 11, 29, 12, 45, tzinfo=UTC)),  # 18:30 in Kathmandu (+5:45)
    ],
)
def test_exactly_one_half_hourly_run_reminds_per_week(app, company_a, country, window_utc):
    """Two hours before the Sunday 20:30 deadline, company time: whatever the zone's offset,
    one run of the half-hourly job falls in the window, so each week reminds once."""
    with app.app_context(), tenant_context(company_a.id):
        tenant = _tenant(app, company_a, country)
        reminding = [run for run in _runs(SUNDAY) if reminders.reminder_week(tenant, run)]
        assert len(reminding) == 1
        [run] = reminding
        assert window_utc <= run < window_utc + reminders.WINDOW
        assert reminders.reminder_week(tenant, run) == MONDAY
        assert reminders.reminder_week(tenant, window_utc - timedelta(seconds=1)) is None
        db.session.rollback()


def test_reminders_go_to_salespeople_whose_report_is_not_in(app, company_a, mail):
    add_member(app, company_a, "zhang@alpha.example.com", {"sales"}, "张伟")  # no report at all
    done = add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")
    drafting = add_member(app, company_a, "max@alpha.example.com", {"sales"}, "Max")
    add_member(app, company_a, "fay@alpha.example.com", {"finance"}, "Fay")  # writes no report
    window = datetime(2026, 11, 29, 10, 40, tzinfo=UTC)
    with app.app_context(), tenant_context(company_a.id):
        tenant = _tenant(app, company_a, "CN")
        assert report_rules.submit(tenant, report_rules.get_or_create(done, MONDAY), window)
        report_rules.get_or_create(drafting, MONDAY).prefilled = True  # opened: a draft
        db.session.commit()
        assert reminders.send_reminders(tenant, window - timedelta(hours=1)) == 0  # too early
        assert mail == []
        assert reminders.send_reminders(tenant, window) == 2
        db.session.rollback()
    assert sorted(m["To"] for m in mail) == ["max@alpha.example.com", "zhang@alpha.example.com"]
    assert all("20:30" in m["Subject"] for m in mail)


def test_no_mail_server_no_reminders(app, company_a):
    add_member(app, company_a, "zhang@alpha.example.com", {"sales"}, "张伟")
    with app.app_context(), tenant_context(company_a.id):
        tenant = _tenant(app, company_a, "CN")
        window = datetime(2026, 11, 29, 10, 40, tzinfo=UTC)
        assert len(reminders.due_reminders(tenant, window)) == 1
        assert reminders.send_reminders(tenant, window) == 0  # MAIL_SERVER unset
        db.session.rollback()


def test_the_sweep_job_returns_overdue_customers_in_every_company(app, company_a, company_b):
    sales = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam")
    old = datetime(2025, 1, 1, tzinfo=UTC)
    overdue = make_customer(app, company_a, "Idle GmbH", owner_id=sales, grade="A",
                            last_followup_on=old.date(), owned_since=old)  # fmt: skip
    with app.test_request_context(), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48)})
        db.session.commit()
    with app.app_context():
        periodic.pool_sweep_job()  # immediate mode: runs now, in an app context of its own
        with tenant_context(company_a.id):
            assert (
                db.session.scalar(select(Customer.owner_id).where(Customer.id == overdue)) is None
            )
        assert periodic.sweep_pools() == {company_a.slug: 0, company_b.slug: 0}  # done already


def test_analyze_refreshes_sqlite_statistics(app, company_a):
    make_customer(app, company_a, "Acme")
    with app.app_context():
        ran = periodic.analyze()
        if db.engine.dialect.name != "sqlite":
            assert ran is False  # autovacuum's job on PostgreSQL
            return
        assert ran is True
        tables = db.session.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()
        assert "customer" in tables


def test_the_periodic_jobs_run_when_cron_would_have(app):
    def runs(job, moment: datetime) -> bool:
        return job.task_class().validate_datetime(moment)

    at = datetime(2026, 11, 29, 10, 0)
    assert runs(periodic.pool_sweep_job, at.replace(minute=5))
    assert not runs(periodic.pool_sweep_job, at.replace(minute=6))
    assert runs(periodic.analyze_job, at.replace(minute=35))
    assert [m for m in range(60) if runs(periodic.report_reminder_job, at.replace(minute=m))] == [
        0,
        30,
    ]
