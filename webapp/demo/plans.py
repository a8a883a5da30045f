"""The demo company's call/visit plans: three weeks for two salespeople, with cells and
follow-ups placed to show every Plan/Actual code."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import CallPlan, CallPlanCell, CallPlanRow, Customer, FollowUp, Membership, Tenant
from ..models.followup import VISIT_METHODS
from ..services.followups import Links, save_followup
from ..services.plans import CALL, VISIT
from ..services.weeks import week_start


def seed_plans(tenant: Tenant, memberships: list[Membership], today: date) -> None:
    """Plans for 张伟 and Lucy over the last two weeks and this one, with cells placed so the
    follow-ups give a mix of CS, CN, UC, XS, XN, UX (a few follow-ups are added here)."""
    start = week_start(today) - timedelta(weeks=2)
    customers = list(
        db.session.scalars(
            select(Customer).where(Customer.archived_at.is_(None)).order_by(Customer.id)
        )
    )
    if not customers:
        return
    for index, goal in ((2, _SEED_GOALS[0]), (3, _SEED_GOALS[1])):
        member = memberships[index]
        mine = [c for c in customers if c.owner_id == member.id]
        chosen = (mine + [c for c in customers if c.owner_id != member.id])[: len(_SEED_PATTERNS)]
        plan = CallPlan(
            member_id=member.id, start_on=start, weeks=3, goal=goal, created_by_id=member.id
        )
        db.session.add(plan)
        for position, customer in enumerate(chosen, start=1):
            plan.rows.append(
                CallPlanRow(
                    customer_id=customer.id,
                    position=position,
                    turnover_current=Decimal(180000 - position * 20000),
                    turnover_previous=Decimal(150000 - position * 15000),
                    target="返单 / repeat order" if position % 2 else "样品确认 / sample approval",
                )
            )
        db.session.flush()
        _seed_cells_and_followups(plan, member, start, today)


def _seed_cells_and_followups(plan: CallPlan, member: Membership, start: date, today: date):
    existing = set(
        db.session.execute(
            select(FollowUp.customer_id, FollowUp.on_date).where(
                FollowUp.followed_by_id == member.id, FollowUp.on_date >= start
            )
        ).all()
    )
    for row, (cells, actions) in zip(plan.rows, _SEED_PATTERNS, strict=False):
        for offset, code in cells.items():
            row.cells.append(CallPlanCell(on_date=start + timedelta(days=offset), code=code))
        for offset, method in actions:
            day = start + timedelta(days=offset)
            if day > today or (row.customer_id, day) in existing:
                continue
            record = FollowUp(
                method=method,
                topic=_SEED_TOPICS[method],
                followed_by_id=member.id,
                author_id=member.id,
                on_date=day,
                place=row.customer.address if method in VISIT_METHODS else None,
            )
            save_followup(row.customer, record, Links(contact_ids=[], colleague_ids=[]))
    db.session.flush()


# per row: planned cells and the salesperson's follow-ups, as day offsets from the plan's first
# Monday; together they show every code (CS CN UC XS XN UX)
_SEED_PATTERNS = [
    ({0: CALL, 3: VISIT, 7: CALL, 15: CALL}, [(0, "phone"), (3, "visit_direct"), (8, "email")]),
    ({1: CALL, 8: CALL, 16: CALL}, [(1, "chat"), (5, "visit_invited"), (9, "phone")]),
    ({2: VISIT, 9: CALL, 14: CALL}, [(4, "visit_direct"), (9, "phone"), (14, "sms")]),
    ({0: CALL, 7: CALL, 14: VISIT}, [(2, "email"), (7, "phone"), (14, "visit_direct")]),
    ({3: CALL, 10: VISIT, 17: CALL}, [(3, "phone"), (10, "visit_direct"), (11, "chat")]),
    ({4: VISIT, 15: VISIT}, [(1, "phone"), (4, "visit_direct"), (13, "email")]),
]
_SEED_GOALS = (
    "拜访深圳、东莞的老客户；每周至少电话跟进重点客户两次。",
    "I will help to visit customer according to Felix's or Stephen's requirement.",
)
_SEED_TOPICS = {
    "phone": "电话跟进报价 / quotation call",
    "chat": "微信确认交期 / delivery date on WeChat",
    "sms": "短信提醒付款 / payment reminder",
    "email": "发送产品目录 / sent the catalogue",
    "visit_direct": "上门拜访 / visited the customer",
    "visit_invited": "客户来厂参观 / factory tour",
}
