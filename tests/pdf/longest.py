"""Records holding the longest values the forms accept, for the layout tests and the samples:
every free-text column filled to its length (Text columns to the 5,000 characters the forms
allow), in Chinese with unbroken Latin tokens (a URL, an e-mail address), the largest amounts.

The filler is generic — every String(n ≥ 40) and Text column of the row — so a column added
later is filled too without anyone remembering this file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import String, Text

from webapp.extensions import db

TEXT_MAX = 5000  # the forms' TextAreaField limit (followups/forms.py _area)
MONEY_MAX = Decimal("99999999999999.99")  # Numeric(16, 2)
# Chinese with the tokens that cannot break at a space: the widest a cell can be asked to hold
PATTERN = (
    "深圳市华彩数码科技有限公司对投影仪的报价比较满意，要求再寄两台样品并确认包装要求。"
    "https://www.nordlicht-projektoren-international-trading.example.com/catalogue/2026 "
    "purchasing.department.manager@nordlicht-projektoren-international.example.com "
)
# columns that hold codes or keys, not free text
NOT_FREE_TEXT = {"name_key", "website_host", "stage", "kind", "role", "action", "field", "section"}


def long_text(length: int) -> str:
    return (PATTERN * (length // len(PATTERN) + 1))[:length]


def fill(row: object) -> object:
    """Set every free-text column of `row` to its longest value; returns the row."""
    for column in row.__table__.columns:
        if column.name in NOT_FREE_TEXT or column.foreign_keys:
            continue
        if isinstance(column.type, Text):
            setattr(row, column.key, long_text(TEXT_MAX))
        elif isinstance(column.type, String) and (column.type.length or 0) >= 40:
            setattr(row, column.key, long_text(column.type.length))
    return row


def longest_records(owner_id: int) -> dict[str, int]:
    """Inside a tenant context: one of each record, filled to the brim; returns their ids."""
    from webapp.models import (
        CallPlan,
        CallPlanCell,
        CallPlanRow,
        Contact,
        Customer,
        ExportOrder,
        FollowUp,
        OrderClaim,
        OrderInspection,
        OrderPayment,
        WeeklyReport,
        WeeklyReportComment,
        WeeklyReportLine,
    )
    from webapp.services.followups import Links, save_followup

    today = date(2026, 12, 2)
    monday = today - timedelta(days=today.weekday())
    customers = []
    for n in range(20):  # the plan's 20 rows, each a customer with the longest name
        customer = fill(
            Customer(
                name="", owner_id=owner_id, country="BA", nature="buying_office", grade="A",
                importance="very_important", category="quality_prospect", status="negotiating",
                sincerity=100, forecast_unit_price=Decimal("9999999999.9999"),
                forecast_currency="USD",
                forecast_deal_date=today, order_amount=MONEY_MAX, order_currency="USD",
                reorder_count=999, first_deal_date=today, outcome="lost", stages=127,
                turnover_current=MONEY_MAX, turnover_previous=MONEY_MAX,
            )
        )  # fmt: skip
        customer.name = customer.name[: 200 - 3] + f"{n:03d}"
        db.session.add(customer)
        customers.append(customer)
    db.session.flush()
    main = customers[0]
    for n in range(3):
        db.session.add(fill(Contact(customer_id=main.id, name="", gender="female", age=120,
                                    qq="12345678901234567890", is_primary=n == 0)))  # fmt: skip
    db.session.flush()
    records = []
    for n, method in enumerate(("phone", "visit_direct", "email")):
        record = fill(
            FollowUp(method=method, topic="", on_date=today - timedelta(days=3 - n),
                     followed_by_id=owner_id, author_id=owner_id, category="quality_prospect",
                     next_date=today + timedelta(days=30), purposes=0b11111)
        )  # fmt: skip
        save_followup(main, record, Links(contact_ids=[], colleague_ids=[]))
        records.append(record)
    order = fill(
        ExportOrder(customer_id=main.id, contract_no="", contract_amount=MONEY_MAX,
                    currency="USD", customer_order_date=date(2026, 10, 29),
                    factory_order_date=date(2026, 11, 12), customer_delivery_date=today,
                    factory_delivery_date=today, payment_method="LC", freight_currency="USD",
                    freight_amount=MONEY_MAX, terminal_charges=MONEY_MAX,
                    cbm=Decimal("9999999.999"), cartons=2_000_000_000, other_charges=MONEY_MAX,
                    port_filed=True, customs_amount=MONEY_MAX, purchase_total=MONEY_MAX,
                    actual_purchase_amount=MONEY_MAX, created_by_id=owner_id, stage="draft")
    )  # fmt: skip
    order.contract_no = order.contract_no.replace(" ", "")
    db.session.add(order)
    db.session.flush()
    for kind in ("deposit1", "deposit2", "balance", "lc"):
        order.payments.append(OrderPayment(kind=kind, amount=MONEY_MAX, currency="USD",
                                           paid_on=date(2026, 10, 30)))  # fmt: skip
    for result in ("fail", "pass"):
        order.inspections.append(fill(OrderInspection(inspected_on=today, result=result)))
    for _ in range(3):
        order.claims.append(fill(OrderClaim(amount=MONEY_MAX, currency="USD")))
    plan = fill(CallPlan(member_id=owner_id, start_on=monday, weeks=3, created_by_id=owner_id))
    for position, customer in enumerate(customers, start=1):
        row = fill(CallPlanRow(customer_id=customer.id, position=position,
                               turnover_current=MONEY_MAX,
                               turnover_previous=MONEY_MAX))  # fmt: skip
        for day in range(21):
            row.cells.append(CallPlanCell(on_date=monday + timedelta(days=day), code="CX"[day % 2]))
        plan.rows.append(row)
    db.session.add(plan)
    report = fill(WeeklyReport(member_id=owner_id, week_start=monday, target_inquiries=99999))
    db.session.add(report)
    db.session.flush()
    for section in ("sample", "prospect", "deal"):
        for position in range(1, 4):
            db.session.add(fill(WeeklyReportLine(report_id=report.id, section=section,
                                                 position=position)))  # fmt: skip
    db.session.add(fill(WeeklyReportComment(report_id=report.id, author_id=owner_id)))
    db.session.flush()
    return {
        "customer": main.id,
        "customers": [c.id for c in customers],
        "visit": records[1].id,
        "order": order.id,
        "plan": plan.id,
        "report": report.id,
    }
