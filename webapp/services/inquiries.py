"""Inquiries (询盘): channels, and what "followed" means.

An inquiry counts as followed (实际跟进) when the customer it is linked to has a follow-up
record dated on or after the day the inquiry arrived. It is derived, never ticked by hand, so
the weekly report and the inquiry list always agree with the follow-up log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, case, exists, func, select

from ..extensions import db
from ..models import FollowUp, Inquiry
from ..models.inquiry import INQUIRY_CHANNELS

CHANNEL_LABELS = {
    "alibaba": _l("Alibaba"),
    "made_in_china": _l("Made-in-China"),
    "global_sources": _l("Global Sources"),
    "website": _l("Own website"),
    "email": _l("Email"),
    "exhibition": _l("Exhibition"),
    "other": _l("Other"),
}
assert set(CHANNEL_LABELS) == set(INQUIRY_CHANNELS)


def followed_expr() -> ColumnElement[bool]:
    """SQL: the inquiry's customer has a follow-up on or after the day it was received."""
    return exists(
        select(FollowUp.id).where(
            FollowUp.tenant_id == Inquiry.tenant_id,
            FollowUp.customer_id == Inquiry.customer_id,
            FollowUp.on_date >= Inquiry.received_on,
        )
    )


@dataclass(frozen=True)
class InquiryCounts:
    received: int = 0  # 实际询盘数
    worth_following: int = 0  # 可以跟进数
    followed: int = 0  # 实际跟进数


def week_counts(member_ids: list[int] | None, monday: date) -> dict[int, InquiryCounts]:
    """Counts per assigned salesperson for the ISO week starting `monday` (company-local days).
    `member_ids` None means everyone; members with no inquiry are absent from the result."""
    return period_counts(member_ids, monday, monday + timedelta(days=7))


def period_counts(member_ids: list[int] | None, start: date, end: date) -> dict[int, InquiryCounts]:
    """Counts per assigned salesperson for inquiries received on days in [start, end)."""
    followed = followed_expr()
    stmt = (
        select(
            Inquiry.assigned_to_id,
            func.count(Inquiry.id),
            func.sum(case((Inquiry.worth_following.is_(True), 1), else_=0)),
            func.sum(case((and_(Inquiry.customer_id.is_not(None), followed), 1), else_=0)),
        )
        .where(Inquiry.received_on >= start, Inquiry.received_on < end)
        .where(Inquiry.assigned_to_id.is_not(None))
        .group_by(Inquiry.assigned_to_id)
    )
    if member_ids is not None:
        stmt = stmt.where(Inquiry.assigned_to_id.in_(member_ids))
    return {
        member: InquiryCounts(int(received), int(worth or 0), int(done or 0))
        for member, received, worth, done in db.session.execute(stmt)
    }
