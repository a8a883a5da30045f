"""The weekly inquiry report (阿里巴巴客户跟进一览表, DOMAIN.md §6): rules, no request.

- One report per salesperson and ISO week (`get_or_create`). The inquiry counts (received /
  worth following / actually followed) come from `services.inquiries.week_counts` every time
  they are shown; they are never stored, so the report always agrees with the inquiry list.
- The target (本周目标询盘数) is the manager's: `set_target` creates the report row if the
  salesperson has not opened it yet.
- The three tables are copied once from the records (`prefill`, guarded by `report.prefilled`)
  when the salesperson first opens the report, then they are plain editable lines: a sample sent
  by mistake can be removed, a deal agreed on the phone added.
- Submitting stamps `submitted_at` and `late` (after Sunday 20:30 company time) once. The
  salesperson may still correct the report until a manager marks it discussed (the Monday
  meeting); from then on it is read-only. The first submission time and lateness stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from babel.numbers import format_currency
from flask import has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import (
    Customer,
    ExportOrder,
    FollowUp,
    Inquiry,
    Membership,
    MembershipRole,
    Sample,
    Tenant,
    User,
    WeeklyReport,
    WeeklyReportComment,
    WeeklyReportLine,
)
from ..models.report import REPORT_SECTIONS, SUMMARY_FIELDS
from .countries import country_name
from .followups import company_zone
from .inquiries import InquiryCounts, week_counts
from .visibility import hidden_ids, visible_by_customer, visible_clause
from .weeks import is_late, report_deadline, week_bounds_utc

# how far ahead of the report's week an appointment makes a customer one "to follow"
PROSPECT_HORIZON_WEEKS = 4
# a pre-filled table never grows beyond this (the paper has room for a handful of lines)
PREFILL_LIMIT = 30

STATUS_LABELS = {
    "missing": _l("Not started"),
    "draft": _l("Draft"),
    "on_time": _l("Submitted on time"),
    "late": _l("Submitted late"),
    "discussed": _l("Discussed"),
}
SECTION_TITLES = {
    "sample": _l("Customers sent samples"),  # 寄样品的客户数量
    "prospect": _l("Customers to follow up"),  # 需要跟进的客户情况
    "deal": _l("Deals closed"),  # 成交情况
}
SUMMARY_LABELS = {
    "sellers_text": _l("How sellers sell"),  # 卖家销售方式
    "buyers_text": _l("How buyers buy"),  # 买家采购方式
    "market_text": _l("Market at home and abroad"),  # 国内外行情
    "strengths_text": _l("Our strengths and weaknesses, and how to play to our strengths"),
    "success_text": _l("This week's biggest success and biggest regret"),
    "distance_text": _l("How far from the target"),  # 离目标多远
}
CHARGE_LABELS = {
    "free": _l("Free"),
    "charged": _l("Charged"),
    "freight_collect": _l("Freight collect"),
}
# the columns each table shows, in the paper's order (WeeklyReportLine attributes)
SECTION_COLUMNS = {
    "sample": ("country", "contact", "item", "quantity", "terms"),
    "prospect": ("country", "contact", "expected_close", "notes"),
    "deal": ("country", "contact", "item", "quantity", "terms", "notes"),
}
# column headings of each table, as on the paper
COLUMN_LABELS = {
    "sample": {
        "country": _l("Country"),
        "contact": _l("Contact details"),  # 联系方式
        "item": _l("Sample"),  # 样品名称
        "quantity": _l("Quantity"),
        "terms": _l("Charge"),  # 收费情况
    },
    "prospect": {
        "country": _l("Country"),
        "contact": _l("Contact and status"),  # 联系情况
        "expected_close": _l("Expected to close"),  # 预计何时成交
        "notes": _l("Problems and how to follow up"),  # 存在问题及如何跟进
    },
    "deal": {
        "country": _l("Country"),
        "contact": _l("Contact details"),
        "item": _l("Product"),  # 产品名称
        "quantity": _l("Quantity"),  # 数量及价格: quantity …
        "terms": _l("Price"),  # … and price
        "notes": _l("Reorder rate and reasons"),  # 反单率及原因
    },
}
assert set(SECTION_TITLES) == set(REPORT_SECTIONS) == set(SECTION_COLUMNS)
assert all(tuple(COLUMN_LABELS[s]) == SECTION_COLUMNS[s] for s in REPORT_SECTIONS)
assert set(SUMMARY_LABELS) == set(SUMMARY_FIELDS)


class ReportLocked(Exception):
    """The report was marked discussed: it is read-only now."""


class NotSubmitted(Exception):
    """Only a submitted report can be marked discussed."""


# --- reading ----------------------------------------------------------------------------------


def find(member_id: int, monday: date) -> WeeklyReport | None:
    return db.session.scalar(
        select(WeeklyReport).where(
            WeeklyReport.member_id == member_id, WeeklyReport.week_start == monday
        )
    )


def get_or_create(member_id: int, monday: date) -> WeeklyReport:
    """The report of (salesperson, ISO week), created empty when missing (flushed)."""
    report = find(member_id, monday)
    if report is None:
        report = WeeklyReport(member_id=member_id, week_start=monday, prefilled=False, late=False)
        db.session.add(report)
        db.session.flush()
    return report


def counts(report: WeeklyReport) -> InquiryCounts:
    """Received / worth following / followed of the report's salesperson and week (derived)."""
    return week_counts([report.member_id], report.week_start).get(report.member_id, InquiryCounts())


def status(report: WeeklyReport | None) -> str:
    """missing (not opened yet) / draft / on_time / late / discussed (keys of STATUS_LABELS)."""
    if report is None:
        return "missing"
    if report.submitted_at is None and report.discussed_at is None and not report.prefilled:
        # only the manager's target so far: the salesperson has not opened it yet
        return "missing"
    if report.discussed_at is not None:
        return "discussed"
    if report.submitted_at is not None:
        return "late" if report.late else "on_time"
    return "draft"


def deadline_passed(tenant: Tenant, report: WeeklyReport, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) > report_deadline(tenant, report.week_start)


def company_time(tenant: Tenant, moment: datetime | None) -> datetime | None:
    """A stored moment in the company's zone (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(company_zone(tenant))


def is_editable(report: WeeklyReport) -> bool:
    return report.discussed_at is None


def lines_by_section(
    report: WeeklyReport, viewer: Membership | None = None
) -> dict[str, list[WeeklyReportLine]]:
    """The report's lines per table. With `viewer`, without the lines copied from a customer
    they may not see (one handed to a colleague since): its name and contact are in the text."""
    hidden = hidden_line_customers(report.lines, viewer)
    grouped: dict[str, list[WeeklyReportLine]] = {s: [] for s in REPORT_SECTIONS}
    for line in report.lines:
        if line.customer_id not in hidden:
            grouped[line.section].append(line)
    return grouped


def section_lines(
    report_id: int, section: str, viewer: Membership | None = None
) -> list[WeeklyReportLine]:
    lines = list(
        db.session.scalars(
            select(WeeklyReportLine)
            .where(WeeklyReportLine.report_id == report_id, WeeklyReportLine.section == section)
            .order_by(WeeklyReportLine.position, WeeklyReportLine.id)
        )
    )
    hidden = hidden_line_customers(lines, viewer)
    return [line for line in lines if line.customer_id not in hidden]


def hidden_line_customers(lines, viewer: Membership | None) -> set[int]:
    """The customer ids of these lines that `viewer` may not see (none without a viewer)."""
    if viewer is None:
        return set()
    return hidden_ids(viewer, {line.customer_id for line in lines})


def line_visible(line: WeeklyReportLine, viewer: Membership | None) -> bool:
    """May `viewer` open and change this line? Not one copied from a customer they may not see."""
    return not hidden_line_customers([line], viewer)


def salespeople() -> list[Membership]:
    """Active members holding the sales role, by name: the rows of the team page."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.active.is_(True),
                Membership.id.in_(
                    select(MembershipRole.membership_id).where(MembershipRole.role == "sales")
                ),
            )
            .order_by(User.name, Membership.id)
        ).unique()
    )


@dataclass
class TeamRow:
    member: Membership
    report: WeeklyReport | None
    counts: InquiryCounts
    comment_count: int

    @property
    def status(self) -> str:
        return status(self.report)


def team_week(monday: date) -> list[TeamRow]:
    """Every salesperson's report of the week with its counts, in a fixed number of queries."""
    members = salespeople()
    ids = [m.id for m in members]
    reports = {
        r.member_id: r
        for r in db.session.scalars(
            select(WeeklyReport).where(
                WeeklyReport.week_start == monday, WeeklyReport.member_id.in_(ids)
            )
        )
    }
    comment_counts: dict[int, int] = {}
    if reports:
        comment_counts = dict(
            db.session.execute(
                select(WeeklyReportComment.report_id, func.count(WeeklyReportComment.id))
                .where(WeeklyReportComment.report_id.in_([r.id for r in reports.values()]))
                .group_by(WeeklyReportComment.report_id)
            ).all()
        )
    inquiry_counts = week_counts(ids, monday) if ids else {}
    return [
        TeamRow(
            member=m,
            report=reports.get(m.id),
            counts=inquiry_counts.get(m.id, InquiryCounts()),
            comment_count=comment_counts.get(reports[m.id].id, 0) if m.id in reports else 0,
        )
        for m in members
    ]


def my_reports_query(member_id: int):
    """The salesperson's reports, newest week first (for pagination)."""
    return (
        select(WeeklyReport)
        .where(WeeklyReport.member_id == member_id)
        .order_by(WeeklyReport.week_start.desc())
    )


def inquiry_targets(weeks: list[date], member_ids: list[int] | None = None) -> dict[date, int]:
    """Sum of the managers' targets per Monday (0 where none is set), in one query."""
    result = dict.fromkeys(weeks, 0)
    if not weeks:
        return result
    stmt = (
        select(WeeklyReport.week_start, func.coalesce(func.sum(WeeklyReport.target_inquiries), 0))
        .where(WeeklyReport.week_start.in_(weeks))
        .group_by(WeeklyReport.week_start)
    )
    if member_ids is not None:
        stmt = stmt.where(WeeklyReport.member_id.in_(member_ids))
    for monday, total in db.session.execute(stmt):
        result[monday] = int(total or 0)
    return result


# --- writing ----------------------------------------------------------------------------------


def set_target(member_id: int, monday: date, target: int | None, by: Membership) -> WeeklyReport:
    """The manager's 本周目标询盘数 (None clears it); works before the salesperson opens it."""
    report = get_or_create(member_id, monday)
    if not is_editable(report):
        raise ReportLocked
    report.target_inquiries = target
    report.target_set_by_id = by.id if target is not None else None
    return report


def save_summary(report: WeeklyReport, values: dict[str, str | None]) -> None:
    """The overview (大体情况) and the six 本周总结 answers."""
    if not is_editable(report):
        raise ReportLocked
    for name in ("overview", *SUMMARY_FIELDS):
        if name in values:
            setattr(report, name, values[name])


def submit(tenant: Tenant, report: WeeklyReport, now: datetime | None = None) -> bool:
    """Stamp the first submission (late after Sunday 20:30 company time; still accepted).
    Returns False when it had been submitted already (the first time and lateness stay)."""
    if not is_editable(report):
        raise ReportLocked
    if report.submitted_at is not None:
        return False
    now = now or datetime.now(UTC)
    report.submitted_at = now
    report.late = is_late(tenant, report.week_start, now)
    return True


def mark_discussed(report: WeeklyReport, by: Membership, now: datetime | None = None) -> None:
    """The Monday meeting went through it: read-only from now on."""
    if report.submitted_at is None:
        raise NotSubmitted
    if report.discussed_at is None:
        report.discussed_at = now or datetime.now(UTC)
        report.discussed_by_id = by.id


def add_comment(report: WeeklyReport, author: Membership, body: str) -> WeeklyReportComment:
    # added by id, not through report.comments: the report row (and its version) stays as is,
    # so the salesperson's open summary form does not turn stale because a manager commented
    comment = WeeklyReportComment(report_id=report.id, author_id=author.id, body=body)
    db.session.add(comment)
    return comment


def next_position(report_id: int, section: str) -> int:
    last = db.session.scalar(
        select(func.max(WeeklyReportLine.position)).where(
            WeeklyReportLine.report_id == report_id, WeeklyReportLine.section == section
        )
    )
    return (last or 0) + 1


def add_line(report: WeeklyReport, section: str, values: dict[str, str | None]) -> WeeklyReportLine:
    if not is_editable(report):
        raise ReportLocked
    line = WeeklyReportLine(
        report_id=report.id, section=section, position=next_position(report.id, section)
    )
    for name, value in values.items():
        setattr(line, name, value)
    db.session.add(line)
    return line


# --- pre-filling ------------------------------------------------------------------------------


def _contact_text(company: str | None, person: str | None, *ways: str | None) -> str | None:
    """联系方式: who, at which company, and how to reach them, in one short line."""
    who = " · ".join(p for p in (company, person) if p)
    how = " / ".join(w for w in ways if w)
    text = f"{who} ({how})" if who and how else who or how
    return text[:300] or None


def _customer_contact(customer: Customer) -> str | None:
    primary = next((c for c in customer.contacts if c.is_primary), None) or next(
        iter(customer.contacts), None
    )
    if primary is None:
        return _contact_text(customer.name, None)
    return _contact_text(
        customer.name, primary.name, primary.email, primary.mobile or primary.phone, primary.wechat
    )


def _money(amount: Decimal | None, currency: str | None, locale: str) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency or "USD", locale=locale)


def _sample_lines(member: Membership, monday: date, locale: str) -> list[dict]:
    samples = db.session.scalars(
        select(Sample)
        .where(
            Sample.sent_by_id == member.id,
            Sample.sent_on >= monday,
            Sample.sent_on < monday + timedelta(days=7),
            # not a customer the salesperson may not see (sent for a colleague, or handed over)
            Sample.customer_id.is_(None) | visible_by_customer(Sample.customer_id, member),
        )
        .options(
            joinedload(Sample.customer).selectinload(Customer.contacts),
            joinedload(Sample.inquiry),
        )
        .order_by(Sample.sent_on, Sample.id)
        .limit(PREFILL_LIMIT)
    ).all()
    lines = []
    for s in samples:
        if s.customer is not None:
            country, contact = s.customer.country, _customer_contact(s.customer)
        else:
            inquiry: Inquiry = s.inquiry
            country = inquiry.country
            contact = _contact_text(inquiry.company, inquiry.contact_name, inquiry.email,
                                    inquiry.phone)  # fmt: skip
        terms = str(CHARGE_LABELS.get(s.charge, s.charge))
        if s.amount is not None:
            terms = f"{terms} {_money(s.amount, s.currency, locale)}"
        lines.append({
            "customer_id": s.customer_id,
            "country": country_name(country, locale) or None,
            "contact": contact,
            "item": s.name[:300],
            "quantity": s.quantity,
            "terms": terms[:200],
        })  # fmt: skip
    return lines


def _prospect_lines(member: Membership, monday: date, locale: str) -> list[dict]:
    """需要跟进的客户: the salesperson's customers with something booked.

    Rule: a customer of the salesperson (owner, not archived) whose current appointment
    (next_followup_on) falls from the report's Monday to PROSPECT_HORIZON_WEEKS after its week,
    plus any customer the salesperson followed up during the week with a next date set. The
    newest such record gives the next step (notes) and date; the customer's forecast deal date,
    when known, is the expected close, else the next date is the hint.
    """
    end = monday + timedelta(weeks=1 + PROSPECT_HORIZON_WEEKS)
    week_end = monday + timedelta(days=7)
    member_id = member.id
    followed_this_week = select(FollowUp.customer_id).where(
        FollowUp.followed_by_id == member_id,
        FollowUp.on_date >= monday,
        FollowUp.on_date < week_end,
        FollowUp.next_date.is_not(None),
    )
    customers = db.session.scalars(
        select(Customer)
        .where(Customer.archived_at.is_(None), visible_clause(member))
        .where(
            or_(
                and_(
                    Customer.owner_id == member_id,
                    Customer.next_followup_on >= monday,
                    Customer.next_followup_on < end,
                ),
                Customer.id.in_(followed_this_week),
            )
        )
        .options(selectinload(Customer.contacts))
        .order_by(Customer.next_followup_on, Customer.name_key)
        .limit(PREFILL_LIMIT)
    ).all()
    if not customers:
        return []
    # the newest record with a next date, per customer (one query for all of them)
    latest: dict[int, FollowUp] = {}
    for record in db.session.scalars(
        select(FollowUp)
        .where(
            FollowUp.customer_id.in_([c.id for c in customers]),
            FollowUp.next_date.is_not(None),
            FollowUp.on_date < week_end,
        )
        .order_by(FollowUp.customer_id, FollowUp.on_date.desc(), FollowUp.seq.desc())
    ):
        latest.setdefault(record.customer_id, record)
    lines = []
    for c in customers:
        record = latest.get(c.id)
        next_date = c.next_followup_on or (record.next_date if record else None)
        close = c.forecast_deal_date or next_date
        lines.append({
            "customer_id": c.id,
            "country": country_name(c.country, locale) or None,
            "contact": _customer_contact(c),
            "expected_close": close.isoformat() if close else None,
            "notes": (record.next_action if record else None) or None,
        })  # fmt: skip
    return lines


def _deal_lines(tenant: Tenant, member_id: int, monday: date, locale: str) -> list[dict]:
    """成交情况: export orders of the salesperson's customers ordered (customer order date) or
    created that week. The order carries no product, so the contract number names the deal."""
    start_utc, end_utc = week_bounds_utc(tenant, monday)
    orders = db.session.scalars(
        select(ExportOrder)
        .join(Customer, Customer.id == ExportOrder.customer_id)
        .where(Customer.owner_id == member_id)
        .where(
            or_(
                and_(
                    ExportOrder.customer_order_date >= monday,
                    ExportOrder.customer_order_date < monday + timedelta(days=7),
                ),
                and_(ExportOrder.created_at >= start_utc, ExportOrder.created_at < end_utc),
            )
        )
        .options(joinedload(ExportOrder.customer).selectinload(Customer.contacts))
        .order_by(ExportOrder.customer_order_date, ExportOrder.id)
        .limit(PREFILL_LIMIT)
    ).all()
    with force_locale(locale):
        contract = _("Contract %(no)s")
    return [
        {
            "customer_id": o.customer_id,
            "country": country_name(o.customer.country, locale) or None,
            "contact": _customer_contact(o.customer),
            "item": (contract % {"no": o.contract_no})[:300],
            "terms": _money(o.contract_amount, o.currency, locale)[:200] or None,
        }
        for o in orders
    ]


def prefill(tenant: Tenant, report: WeeklyReport, locale: str | None = None) -> int:
    """Copy the week's samples, customers to follow and deals into the report's lines, once.
    Returns the number of lines added (0 when it had been pre-filled or is read-only)."""
    if report.prefilled or not is_editable(report):
        return 0
    # outside a request (the demo, the CLI) there is no user to ask: Chinese, the paper's
    locale = locale or (str(get_locale() or "zh") if has_request_context() else "zh")
    # the salesperson's report: only customers they may see (services/visibility.py), whoever
    # opens it first
    member = db.session.get(Membership, report.member_id)
    with force_locale(locale):
        found = {
            "sample": _sample_lines(member, report.week_start, locale),
            "prospect": _prospect_lines(member, report.week_start, locale),
            "deal": _deal_lines(tenant, report.member_id, report.week_start, locale),
        }
    added = 0
    for section, rows in found.items():
        start = next_position(report.id, section)
        for offset, values in enumerate(rows):
            db.session.add(
                WeeklyReportLine(
                    report_id=report.id, section=section, position=start + offset, **values
                )
            )
            added += 1
    report.prefilled = True
    return added


def open_report(
    tenant: Tenant, member_id: int, monday: date, locale: str | None = None
) -> WeeklyReport:
    """What the salesperson's "my report of week X" does: find or create, pre-fill once."""
    report = get_or_create(member_id, monday)
    if not report.prefilled:
        prefill(tenant, report, locale)
        db.session.flush()
    return report
