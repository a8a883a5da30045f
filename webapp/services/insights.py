"""The numbers behind the dashboard charts: each is one grouped query, whatever the number of
customers or weeks, and each takes the member ids to look at (None = the whole company)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Customer, FollowUp, Inquiry, Membership, User
from .charts import percent
from .plans import compliance_by_week
from .reports import inquiry_targets


def customers_by(column: str, owner_ids: list[int] | None) -> dict[str | None, int]:
    """Active (not archived) customers per value of `grade` or `category` (None = not set)."""
    attr = {"grade": Customer.grade, "category": Customer.category}[column]
    stmt = select(attr, func.count()).where(Customer.archived_at.is_(None))  # count(*): covered
    if owner_ids is not None:
        stmt = stmt.where(Customer.owner_id.in_(owner_ids))
    return dict(db.session.execute(stmt.group_by(attr)).all())


def followups_per_week(weeks: list[date], member_ids: list[int] | None) -> dict[int, list[int]]:
    """Follow-up records per 跟进人 and ISO week (weeks: Mondays, oldest first). Members with
    no record in the period are absent."""
    start, end = weeks[0], weeks[-1] + timedelta(days=7)
    stmt = (
        select(FollowUp.followed_by_id, FollowUp.on_date, func.count(FollowUp.id))
        .where(FollowUp.on_date >= start, FollowUp.on_date < end)
        .group_by(FollowUp.followed_by_id, FollowUp.on_date)
    )
    if member_ids is not None:
        stmt = stmt.where(FollowUp.followed_by_id.in_(member_ids))
    index = {monday: i for i, monday in enumerate(weeks)}
    result: dict[int, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for member_id, on_date, n in db.session.execute(stmt):
        result[member_id][index[on_date - timedelta(days=on_date.weekday())]] += n
    return dict(result)


def inquiries_target_vs_received(
    weeks: list[date], member_ids: list[int] | None
) -> tuple[list[int], list[int]]:
    """Per week: the sum of the targets managers set on the weekly reports, and the inquiries
    received (by their company-local day) that were assigned to those members."""

    start, end = weeks[0], weeks[-1] + timedelta(days=7)
    index = {monday: i for i, monday in enumerate(weeks)}
    by_week = inquiry_targets(weeks, member_ids)
    targets = [by_week[monday] for monday in weeks]
    received = [0] * len(weeks)
    stmt = (
        select(Inquiry.received_on, func.count(Inquiry.id))
        .where(Inquiry.received_on >= start, Inquiry.received_on < end)
        .group_by(Inquiry.received_on)
    )
    if member_ids is not None:
        stmt = stmt.where(Inquiry.assigned_to_id.in_(member_ids))
    for day, n in db.session.execute(stmt):
        received[index[day - timedelta(days=day.weekday())]] += n
    return targets, received


def member_names(member_ids: list[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = db.session.execute(
        select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id.in_(member_ids))
    )
    return dict(rows.all())


def compliance_per_week(weeks: list[date], member_ids: list[int] | None) -> list[float | None]:
    """Plan compliance ((CS + XS) / planned, in %) per week; None for a week with no plan."""

    by_week = compliance_by_week(weeks, member_ids)
    return [percent(*by_week.get(monday, (0, 0))) for monday in weeks]
