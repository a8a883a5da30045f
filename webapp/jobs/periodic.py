"""The periodic jobs the consumer runs on its own (no cron): the pool sweep every hour, the
SQLite planner statistics every hour, the weekly report reminders every half hour."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import text

from ..extensions import db
from ..models import Tenant
from ..services import lookups, reminders
from ..services.pool import sweep
from ..tenancy.context import tenant_context
from .queue import periodic_job

logger = logging.getLogger(__name__)


def each_company() -> list[int]:
    # the lookup function: under row-level security the app's role sees one company's row at a
    # time, and no company before one is chosen
    return lookups.company_ids()


def sweep_pools() -> dict[str, int]:
    """Send overdue customers back to the pool (公海) in every company: {slug: how many}."""
    returned: dict[str, int] = {}
    for tenant_id in each_company():
        with tenant_context(tenant_id):
            tenant = db.session.get(Tenant, tenant_id)
            returned[tenant.slug] = sweep(tenant)
            db.session.commit()
    return returned


def analyze() -> bool:
    """SQLite: refresh the planner's statistics (sqlite_stat1), reading at most 1,000 rows per
    index. PostgreSQL's autovacuum does this itself (and the app's role, owning no table, may
    not): nothing to do there. Whether it ran."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.connect() as conn:
        conn.execute(text("PRAGMA analysis_limit=1000"))
        conn.execute(text("ANALYZE"))
        conn.commit()
    return True


def remind_reports() -> int:
    """The weekly report reminders due in this half hour, in every company."""
    sent = 0
    for tenant_id in each_company():
        with tenant_context(tenant_id):
            sent += reminders.send_reminders(db.session.get(Tenant, tenant_id))
            db.session.rollback()  # read only
    return sent


@periodic_job(crontab(minute="5"))
def pool_sweep_job() -> None:
    returned = sweep_pools()
    logger.info("pool sweep: %d customer(s) back to the pool", sum(returned.values()))


@periodic_job(crontab(minute="35"))
def analyze_job() -> None:
    analyze()


@periodic_job(crontab(minute="0,30"))
def report_reminder_job() -> None:
    logger.info("weekly report reminders sent: %d", remind_reports())
