"""The weekly inquiry report's rules: counts from the inquiries (week edges in the company's
zone), the Sunday 20:30 deadline, the pre-filled tables and the targets summed for the dashboard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.factories import (
    add_member,
    make_contact,
    make_customer,
    make_followup,
    make_inquiry,
    make_order,
    make_sample,
)
from webapp.extensions import db
from webapp.models import Customer, Membership, Tenant, WeeklyReport
from webapp.services import reports as rules
from webapp.services.inquiries import InquiryCounts
from webapp.tenancy.context import tenant_context

SHANGHAI = ZoneInfo("Asia/Shanghai")
W48 = date(2026, 11, 23)  # Monday of 2026-W48
W45 = date(2026, 11, 2)  # a week in the past, away from "today" (orders are created now)


def _at(y, mo, d, h, mi, s=0, zone=SHANGHAI) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=zone)


@pytest.fixture
def sales(app, company_a):
    return add_member(app, company_a, "zhang@alpha.example.com", {"sales"}, "张伟")


@pytest.fixture
def other_sales(app, company_a):
    return add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")


def _customer(app, company, name, owner_id, **fields) -> int:
    customer_id = make_customer(app, company, name, **fields)
    with app.app_context(), tenant_context(company.id):
        db.session.get(Customer, customer_id).owner_id = owner_id
        db.session.commit()
    return customer_id


def _report(app, company, member_id, monday) -> int:
    with app.app_context(), tenant_context(company.id):
        report = rules.get_or_create(member_id, monday)
        db.session.commit()
        return report.id


# --- counts -----------------------------------------------------------------------------------


def test_counts_follow_the_company_week_and_the_followup_log(app, company_a, sales, other_sales):
    customer = _customer(app, company_a, "Nordlicht GmbH", sales)
    late_customer = _customer(app, company_a, "Sunrise LLC", sales)
    # inside W48 in Shanghai: Monday 00:30 (still Sunday in UTC) and Sunday 23:59
    make_inquiry(
        app,
        company_a,
        "A",
        received_at=_at(2026, 11, 23, 0, 30),
        assigned_to_id=sales,
        worth_following=True,
        customer_id=customer,
    )
    make_inquiry(
        app,
        company_a,
        "B",
        received_at=_at(2026, 11, 29, 23, 59),
        assigned_to_id=sales,
        worth_following=True,
        customer_id=late_customer,
    )
    make_inquiry(
        app,
        company_a,
        "C",
        received_at=_at(2026, 11, 25, 10, 0),
        assigned_to_id=sales,
        worth_following=False,
    )
    # outside: Sunday 23:59 of the week before, Monday 00:00 of the week after
    make_inquiry(app, company_a, "D", received_at=_at(2026, 11, 22, 23, 59), assigned_to_id=sales)
    make_inquiry(app, company_a, "E", received_at=_at(2026, 11, 30, 0, 0), assigned_to_id=sales)
    # someone else's inquiry of the same week
    make_inquiry(
        app, company_a, "F", received_at=_at(2026, 11, 24, 9, 0), assigned_to_id=other_sales
    )
    # followed: A's customer was called on the Tuesday; B's only before B arrived
    make_followup(
        app,
        company_a,
        customer,
        "Called back",
        on_date=date(2026, 11, 24),
        author_membership_id=sales,
    )
    make_followup(
        app,
        company_a,
        late_customer,
        "Old talk",
        on_date=date(2026, 11, 20),
        author_membership_id=sales,
    )
    report_id = _report(app, company_a, sales, W48)
    with app.app_context(), tenant_context(company_a.id):
        report = db.session.get(WeeklyReport, report_id)
        assert rules.counts(report) == InquiryCounts(received=3, worth_following=2, followed=1)
        # nothing stored: a follow-up added later changes the report's count at once
    make_followup(
        app,
        company_a,
        late_customer,
        "Replied",
        on_date=date(2026, 11, 30),
        author_membership_id=sales,
    )
    with app.app_context(), tenant_context(company_a.id):
        report = db.session.get(WeeklyReport, report_id)
        assert rules.counts(report).followed == 2
        assert rules.counts(rules.get_or_create(sales, date(2026, 11, 16))).received == 1
        assert rules.counts(rules.get_or_create(sales, date(2026, 11, 30))).received == 1


def test_a_week_without_inquiries_counts_zero(app, company_a, sales):
    report_id = _report(app, company_a, sales, W48)
    with app.app_context(), tenant_context(company_a.id):
        assert rules.counts(db.session.get(WeeklyReport, report_id)) == InquiryCounts(0, 0, 0)


# --- the deadline -----------------------------------------------------------------------------


def _submit_at(app, company, member_id, moment: datetime, home_country: str = "CN") -> bool:
    with app.app_context(), tenant_context(company.id):
        tenant = db.session.get(Tenant, company.id)
        tenant.home_country = home_country
        report = rules.get_or_create(member_id, W48)
        assert rules.submit(tenant, report, moment)
        late = report.late
        db.session.rollback()
        return late


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (_at(2026, 11, 29, 20, 30, 0), False),  # the deadline itself is on time
        (_at(2026, 11, 29, 20, 30, 1), True),
        (_at(2026, 11, 29, 20, 29, 59), False),
        (datetime(2026, 11, 29, 12, 30, 0, tzinfo=UTC), False),  # = 20:30 in Shanghai
        (datetime(2026, 11, 29, 12, 30, 1, tzinfo=UTC), True),
        # 20:30 UTC is already Monday 04:30 in Shanghai: late, whatever the server thinks
        (datetime(2026, 11, 29, 20, 30, 0, tzinfo=UTC), True),
        (_at(2026, 11, 24, 9, 0), False),  # early in the week
        (_at(2026, 11, 30, 8, 0), True),  # Monday morning, before the meeting
    ],
)
def test_sunday_2030_deadline_in_company_time(app, company_a, sales, moment, late):
    assert _submit_at(app, company_a, sales, moment) is late


def test_deadline_follows_the_company_zone_not_utc(app, company_a, sales):
    berlin = ZoneInfo("Europe/Berlin")
    assert _submit_at(app, company_a, sales, _at(2026, 11, 29, 20, 30, 0, berlin), "DE") is False
    assert _submit_at(app, company_a, sales, _at(2026, 11, 29, 20, 30, 1, berlin), "DE") is True
    # 19:30 UTC on that Sunday is exactly 20:30 in Berlin (CET)
    assert (
        _submit_at(app, company_a, sales, datetime(2026, 11, 29, 19, 30, 1, tzinfo=UTC), "DE")
        is True
    )


def test_first_submission_stays_and_discussed_locks(app, company_a, sales):
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        manager = db.session.get(Membership, company_a.owner_membership_id)
        report = rules.get_or_create(sales, W48)
        with pytest.raises(rules.NotSubmitted):
            rules.mark_discussed(report, manager)
        first = _at(2026, 11, 29, 21, 0)
        assert rules.submit(tenant, report, first) is True
        assert rules.submit(tenant, report, _at(2026, 11, 29, 21, 5)) is False
        assert report.submitted_at == first and report.late is True
        assert rules.status(report) == "late"
        rules.save_summary(report, {"overview": "corrected after submitting"})
        rules.mark_discussed(report, manager)
        assert rules.status(report) == "discussed"
        with pytest.raises(rules.ReportLocked):
            rules.save_summary(report, {"overview": "too late"})
        with pytest.raises(rules.ReportLocked):
            rules.add_line(report, "deal", {"item": "x"})
        with pytest.raises(rules.ReportLocked):
            rules.set_target(sales, W48, 5, manager)
        assert rules.status(None) == "missing"


# --- pre-filling ------------------------------------------------------------------------------


@pytest.fixture
def week_records(app, company_a, sales, other_sales):
    """W45 records of 张伟 (and a few that must stay out of his report)."""
    mine = _customer(
        app,
        company_a,
        "Gulf Vision Trading",
        sales,
        country="AE",
        forecast_deal_date=date(2026, 12, 15),
    )
    make_contact(app, company_a, mine, "Ahmed Saleh", is_primary=True, email="ahmed@gulf.example")
    theirs = _customer(app, company_a, "Andes Import", other_sales, country="CL")
    far = _customer(app, company_a, "Far Future Ltd", sales, country="DE")
    make_sample(
        app,
        company_a,
        "LED panel P3",
        customer_id=mine,
        sent_by_id=sales,
        sent_on=date(2026, 11, 4),
        quantity="2 pcs",
        charge="charged",
        amount=Decimal("45.00"),
        currency="USD",
    )
    inquiry = make_inquiry(
        app,
        company_a,
        "Lagos Tech",
        received_at=_at(2026, 11, 2, 9, 0),
        assigned_to_id=sales,
        country="NG",
        contact_name="Obi",
    )
    make_sample(
        app,
        company_a,
        "Projector lamp",
        inquiry_id=inquiry,
        sent_by_id=sales,
        sent_on=date(2026, 11, 8),
        charge="freight_collect",
    )
    make_sample(
        app,
        company_a,
        "Not this week",
        customer_id=mine,
        sent_by_id=sales,
        sent_on=date(2026, 11, 9),
    )
    make_sample(
        app,
        company_a,
        "Lucy's sample",
        customer_id=theirs,
        sent_by_id=other_sales,
        sent_on=date(2026, 11, 4),
    )
    make_followup(
        app,
        company_a,
        mine,
        "Quoted",
        on_date=date(2026, 11, 3),
        author_membership_id=sales,
        next_date=date(2026, 11, 10),
        next_action="Video call about the trial order",
    )
    make_followup(
        app,
        company_a,
        far,
        "Met at the fair",
        on_date=date(2026, 10, 1),
        author_membership_id=sales,
        next_date=date(2027, 3, 1),
    )
    make_followup(
        app,
        company_a,
        theirs,
        "Lucy called",
        on_date=date(2026, 11, 3),
        author_membership_id=other_sales,
        next_date=date(2026, 11, 6),
    )
    make_order(
        app,
        company_a,
        mine,
        "GV-2026-01",
        customer_order_date=date(2026, 11, 5),
        contract_amount=Decimal("12500.00"),
        currency="USD",
    )
    make_order(app, company_a, mine, "GV-2026-00", customer_order_date=date(2026, 10, 5))
    make_order(app, company_a, theirs, "AI-2026-01", customer_order_date=date(2026, 11, 5))
    return {"mine": mine}


def test_prefill_copies_the_week_once(app, company_a, sales, week_records):
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        report = rules.get_or_create(sales, W45)
        added = rules.prefill(tenant, report, "en")
        db.session.flush()
        db.session.expire(report, ["lines"])
        grouped = rules.lines_by_section(report)
        samples = grouped["sample"]
        assert [line.item for line in samples] == ["LED panel P3", "Projector lamp"]
        assert samples[0].country == "United Arab Emirates"
        assert "Gulf Vision Trading" in samples[0].contact and "Ahmed Saleh" in samples[0].contact
        assert samples[0].quantity == "2 pcs"
        assert samples[0].terms == "Charged $45.00"
        assert samples[1].country == "Nigeria" and "Lagos Tech · Obi" in samples[1].contact
        assert samples[1].terms == "Freight collect"
        prospects = grouped["prospect"]
        assert [p.customer_id for p in prospects] == [week_records["mine"]]
        assert prospects[0].expected_close == "2026-12-15"  # the forecast deal date
        assert prospects[0].notes == "Video call about the trial order"
        deals = grouped["deal"]
        assert [d.item for d in deals] == ["Contract GV-2026-01"]
        assert deals[0].terms == "$12,500.00"
        assert added == 4 and report.prefilled
        # once only: the salesperson's edits are never overwritten by a second pre-fill
        deals[0].notes = "First order, trial"
        assert rules.prefill(tenant, report, "en") == 0


def test_prefill_of_an_empty_week_adds_nothing(app, company_a, sales):
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        report = rules.open_report(tenant, sales, W45, "en")
        assert report.prefilled and report.lines == []


def test_next_date_is_the_close_hint_without_a_forecast(app, company_a, sales):
    customer = _customer(app, company_a, "Hint GmbH", sales, country="DE")
    make_followup(
        app,
        company_a,
        customer,
        "Sent catalogue",
        on_date=date(2026, 11, 4),
        author_membership_id=sales,
        next_date=date(2026, 11, 20),
    )
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        report = rules.open_report(tenant, sales, W45, "en")
        (line,) = report.lines
        assert line.expected_close == "2026-11-20" and line.notes is None


# --- targets ----------------------------------------------------------------------------------


def test_inquiry_targets_sum_per_week(app, company_a, sales, other_sales):
    weeks = [date(2026, 11, 9), date(2026, 11, 16), W48]
    with app.app_context(), tenant_context(company_a.id):
        manager = db.session.get(Membership, company_a.owner_membership_id)
        rules.set_target(sales, weeks[0], 10, manager)
        rules.set_target(other_sales, weeks[0], 7, manager)
        rules.set_target(sales, W48, 12, manager)
        rules.set_target(other_sales, W48, None, manager)  # cleared: counts as nothing
        rules.set_target(sales, date(2026, 10, 5), 99, manager)  # outside the asked weeks
        db.session.commit()
    with app.app_context(), tenant_context(company_a.id):
        assert rules.inquiry_targets(weeks) == {weeks[0]: 17, weeks[1]: 0, W48: 12}
        assert rules.inquiry_targets(weeks, [other_sales]) == {weeks[0]: 7, weeks[1]: 0, W48: 0}
        assert rules.inquiry_targets([]) == {}
        # the target exists before the salesperson opened the report; the pre-fill still runs
        report = rules.find(sales, W48)
        assert report.target_inquiries == 12 and not report.prefilled


def test_team_week_lists_salespeople_with_status(app, company_a, sales, other_sales):
    add_member(app, company_a, "finance@alpha.example.com", {"finance"}, "刘芳")
    report_id = _report(app, company_a, sales, W48)
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        rules.submit(tenant, db.session.get(WeeklyReport, report_id), _at(2026, 11, 27, 18, 0))
        rows = rules.team_week(W48)
        assert [(r.member.user.name, r.status) for r in rows] == [
            ("Lucy Chen", "missing"),
            ("张伟", "on_time"),
        ]


def test_seed_demo_builds_a_few_weeks(app, company_a):
    from webapp.demo.reports import seed_reports

    members = [company_a.owner_membership_id]
    for n, (email, roles, name) in enumerate(
        [
            ("li@alpha.example.com", {"manager"}, "李娜"),
            ("zhang@alpha.example.com", {"sales"}, "张伟"),
            ("lucy@alpha.example.com", {"sales"}, "Lucy Chen"),
            ("liu@alpha.example.com", {"finance"}, "刘芳"),
            ("chen@alpha.example.com", {"merchandiser"}, "陈静"),
        ]
    ):
        members.append(add_member(app, company_a, email, roles, name))
        assert n < 5
    today = date(2026, 11, 26)
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        memberships = [db.session.get(Membership, m) for m in members]
        seed_reports(tenant, memberships, today)
        db.session.commit()
    with app.app_context(), tenant_context(company_a.id):
        statuses = {
            (r.member_id, r.week_start): rules.status(r)
            for r in db.session.query(WeeklyReport).all()
        }
        zhang, lucy = members[2], members[3]
        assert statuses[(zhang, W48)] == "draft"
        assert statuses[(lucy, W48)] == "missing"  # only the target: not opened yet
        assert statuses[(lucy, date(2026, 11, 9))] == "late"
        assert statuses[(zhang, date(2026, 11, 9))] == "discussed"
        assert "on_time" in statuses.values()
        past = [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
        assert all(total > 0 for total in rules.inquiry_targets(past).values())
        discussed = rules.find(zhang, date(2026, 11, 9))
        assert discussed.comments and discussed.discussed_by_id == members[1]
