"""Inquiry rules called directly: the received moment in company time, validation, "followed"
derived from the follow-up log (before / on / after the received day, across the company's
midnight), list filters, and conversion into a customer with the duplicate check."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from tests.factories import (
    Company,
    add_member,
    make_contact,
    make_customer,
    make_followup,
    make_sample,
)
from webapp.extensions import db
from webapp.models import Contact, Customer, Inquiry, Sample, Tenant
from webapp.services import inquiries as rules
from webapp.services import lookups
from webapp.tenancy.context import tenant_context

# Monday 23 Nov 2026, 00:30 in Shanghai is still Sunday 22 Nov, 16:30 in UTC
MONDAY = date(2026, 11, 23)
JUST_AFTER_MIDNIGHT = datetime(2026, 11, 23, 0, 30)
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app: Flask, company_a: Company):
    """A request context inside company A: the services run as they do in a view."""
    with app.test_request_context(), tenant_context(company_a.id):
        yield db.session.get(Tenant, company_a.id)


def ext(factory, *args, **kwargs):
    """Run a factory (its own session) with ours between transactions: on SQLite a read
    transaction of ours that saw an older snapshot could not write afterwards."""
    db.session.commit()
    return factory(*args, **kwargs)


def data(**overrides) -> rules.InquiryInput:
    values = {"received_local": JUST_AFTER_MIDNIGHT, "channel": "alibaba",
              "company": "Nordlicht Handel GmbH", "contact_name": "Jonas Weber",
              "email": "jonas@nordlicht-handel.de"}  # fmt: skip
    values.update(overrides)
    return rules.InquiryInput(**values)


def new_inquiry(tenant: Tenant, owner: Company, /, **overrides) -> Inquiry:
    overrides.setdefault("assigned_to_id", owner.owner_membership_id)
    inquiry = rules.create_inquiry(tenant, data(**overrides), owner.owner_membership_id)
    db.session.commit()
    return inquiry


# --- received moment --------------------------------------------------------------------------


def test_received_time_is_company_time_and_the_day_is_the_local_day(ctx):
    moment, day = rules.received_moment(ctx, JUST_AFTER_MIDNIGHT)
    assert moment == datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    assert day == MONDAY  # not the UTC Sunday: the week counts read this day


def test_saved_inquiry_keeps_utc_and_local_day(ctx, company_a):
    inquiry = new_inquiry(ctx, company_a)
    db.session.expire_all()
    inquiry = db.session.get(Inquiry, inquiry.id)
    assert inquiry.received_on == MONDAY
    local = rules.received_local(ctx, inquiry)
    assert (local.date(), local.hour, local.minute) == (MONDAY, 0, 30)


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"company": None, "contact_name": None, "email": None}, "company"),
        ({"worth_following": False, "worth_reason": None}, "worth_reason"),
        ({"received_local": datetime(2026, 11, 29, 12, 0)}, "received_local"),
    ],
)
def test_problems(ctx, overrides, field):
    assert field in rules.inquiry_problems(ctx, data(**overrides), now=NOW)


def test_a_valid_inquiry_has_no_problems(ctx):
    assert rules.inquiry_problems(ctx, data(worth_following=True), now=NOW) == {}
    assert rules.inquiry_problems(ctx, data(phone="+4930123456", company=None, email=None,
                                            contact_name=None), now=NOW) == {}  # fmt: skip


def test_assignee_must_be_an_active_member_of_this_company(app, ctx, company_a, company_b):
    assert "assigned_to_id" in rules.inquiry_problems(
        ctx, data(assigned_to_id=company_b.owner_membership_id), now=NOW
    )
    with pytest.raises(rules.InquiryInvalid):
        rules.create_inquiry(ctx, data(assigned_to_id=10_000), company_a.owner_membership_id)


def test_undecided_drops_the_reason(ctx, company_a):
    inquiry = new_inquiry(ctx, company_a, worth_following=False, worth_reason="Price only")
    assert inquiry.worth_reason == "Price only"
    rules.apply_inquiry(ctx, inquiry, data(worth_following=None, worth_reason="Price only"))
    assert inquiry.worth_reason is None


def test_assign(app, ctx, company_a):
    inquiry = new_inquiry(ctx, company_a)
    lucy = ext(add_member, app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy")
    rules.assign(inquiry, lucy)
    assert inquiry.assigned_to_id == lucy
    rules.assign(inquiry, None)
    assert inquiry.assigned_to_id is None


# --- followed ---------------------------------------------------------------------------------


def _linked(app, ctx, company, followup_on: date | None):
    """An inquiry received Monday 00:30 company time, linked to a customer with one follow-up."""
    customer_id = ext(make_customer, app, company, "Followed GmbH")
    if followup_on:
        ext(make_followup, app, company, customer_id, on_date=followup_on)
    inquiry = new_inquiry(ctx, company)
    inquiry.customer_id = customer_id
    db.session.commit()
    return inquiry


@pytest.mark.parametrize(
    ("followup_on", "followed"),
    [
        (None, False),
        (MONDAY - timedelta(days=1), False),  # the UTC day of the inquiry, before its local day
        (MONDAY - timedelta(days=5), False),
        (MONDAY, True),  # on the received (company-local) day
        (MONDAY + timedelta(days=2), True),
    ],
)
def test_followed_is_a_follow_up_on_or_after_the_local_received_day(
    app, ctx, company_a, followup_on, followed
):
    inquiry = _linked(app, ctx, company_a, followup_on)
    assert rules.is_followed(inquiry) is followed
    assert (inquiry.id in rules.followed_ids([inquiry.id])) is followed
    counts = rules.week_counts(None, MONDAY)[company_a.owner_membership_id]
    assert (counts.received, counts.followed) == (1, int(followed))
    found = db.session.scalars(rules.inquiry_query(rules.InquiryFilters(followed="yes"))).all()
    assert [i.id for i in found] == ([inquiry.id] if followed else [])


def test_an_inquiry_without_customer_is_not_followed(ctx, company_a):
    inquiry = new_inquiry(ctx, company_a)
    assert not rules.is_followed(inquiry)
    assert rules.first_followup_after(inquiry) is None


def test_first_followup_after(app, ctx, company_a):
    inquiry = _linked(app, ctx, company_a, MONDAY - timedelta(days=1))
    ext(
        make_followup,
        app,
        company_a,
        inquiry.customer_id,
        "Second",
        on_date=MONDAY + timedelta(days=3),
    )
    ext(
        make_followup,
        app,
        company_a,
        inquiry.customer_id,
        "First",
        on_date=MONDAY + timedelta(days=1),
    )
    assert rules.first_followup_after(inquiry).topic == "First"


# --- list filters -----------------------------------------------------------------------------


def test_filters(app, ctx, company_a):
    lucy = ext(add_member, app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy")
    a = new_inquiry(
        ctx, company_a, company="Alpha Lights", product="LED panel", worth_following=True
    )
    b = new_inquiry(ctx, company_a, company="Beta Sound", channel="website", assigned_to_id=lucy,
                    received_local=datetime(2026, 11, 10, 9, 0), worth_following=False,
                    worth_reason="Student")  # fmt: skip
    c = new_inquiry(ctx, company_a, company="Gamma 100%", email="x@gamma.com", assigned_to_id=None)

    def ids(**args) -> list[int]:
        filters = rules.InquiryFilters.from_args(MultiDict(args), mine_id=lucy)
        return sorted(i.id for i in db.session.scalars(rules.inquiry_query(filters)))

    assert ids() == sorted([a.id, b.id, c.id])
    assert ids(q="led") == [a.id]  # product
    assert ids(q="GAMMA.COM") == [c.id]  # email, any case
    assert ids(q="100%") == [c.id]  # % is a character, not a wildcard
    assert ids(channel="website") == [b.id]
    assert ids(channel="nonsense") == sorted([a.id, b.id, c.id])
    assert ids(assigned="mine") == [b.id]
    assert ids(assigned="none") == [c.id]
    assert ids(assigned=str(company_a.owner_membership_id)) == [a.id]
    assert ids(worth="yes") == [a.id]
    assert ids(worth="no") == [b.id]
    assert ids(worth="undecided") == [c.id]
    assert ids(followed="no") == sorted([a.id, b.id, c.id])
    assert ids(**{"from": "2026-11-20"}) == sorted([a.id, c.id])
    assert ids(to="2026-11-10") == [b.id]
    assert ids(to="not a date") == sorted([a.id, b.id, c.id])
    a.customer_id = ext(make_customer, app, company_a, "Alpha Lights")
    db.session.commit()
    assert ids(converted="yes") == [a.id]
    assert ids(customer=str(a.customer_id)) == [a.id]
    assert ids(converted="no") == sorted([b.id, c.id])


def test_newest_first(ctx, company_a):
    old = new_inquiry(ctx, company_a, received_local=datetime(2026, 11, 1, 9, 0))
    new = new_inquiry(ctx, company_a, received_local=datetime(2026, 11, 20, 9, 0))
    rows = db.session.scalars(rules.inquiry_query(rules.InquiryFilters())).all()
    assert [i.id for i in rows] == [new.id, old.id]


# --- conversion -------------------------------------------------------------------------------


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_convert_without_duplicates_creates_customer_and_contact(app, ctx, company_a):
    inquiry = new_inquiry(ctx, company_a, country="DE", product="LCD projector",
                          phone="+4930123456", message="Need 200 pcs")  # fmt: skip
    sample_id = ext(make_sample, app, company_a, "P-200", inquiry_id=inquiry.id)
    result = rules.convert_to_customer(inquiry)
    db.session.commit()
    assert result.created and not result.matches
    customer = db.session.get(Customer, inquiry.customer_id)
    assert (customer.name, customer.country, customer.products, customer.needs) == (
        "Nordlicht Handel GmbH", "DE", "LCD projector", "Need 200 pcs")  # fmt: skip
    assert customer.owner_id == company_a.owner_membership_id  # the assigned salesperson
    contact = db.session.get(Contact, inquiry.contact_id)
    assert (contact.name, contact.email, contact.mobile, contact.is_primary) == (
        "Jonas Weber", "jonas@nordlicht-handel.de", "+4930123456", True)  # fmt: skip
    # a sample sent to the inquirer now belongs to the customer as well
    assert db.session.get(Sample, sample_id).customer_id == customer.id


def test_convert_with_duplicates_writes_nothing_until_decided(app, ctx, company_a):
    existing = ext(make_customer, app, company_a, "Nordlicht Handel")  # same name without GmbH
    inquiry = new_inquiry(ctx, company_a)
    before = count(Customer)
    result = rules.convert_to_customer(inquiry)
    assert result.customer is None
    assert [m.customer.id for m in result.matches] == [existing]
    assert "name" in result.matches[0].reasons
    assert count(Customer) == before and inquiry.customer_id is None

    result = rules.convert_to_customer(inquiry, create_anyway=True)
    db.session.commit()
    assert result.created and inquiry.customer_id not in (None, existing)
    assert count(Customer) == before + 1


def test_duplicate_found_by_email_domain(app, ctx, company_a):
    customer = ext(make_customer, app, company_a, "Some Other Name")
    ext(make_contact, app, company_a, customer, "Anna", email="anna@nordlicht-handel.de")
    inquiry = new_inquiry(ctx, company_a)
    assert [m.customer.id for m in rules.conversion_matches(inquiry)] == [customer]


def test_link_to_an_existing_customer_reuses_the_matching_contact(app, ctx, company_a):
    customer = ext(make_customer, app, company_a, "Nordlicht Handel GmbH")
    contact = ext(
        make_contact, app, company_a, customer, "J. Weber", email="JONAS@nordlicht-handel.de"
    )
    inquiry = new_inquiry(ctx, company_a)
    result = rules.convert_to_customer(inquiry, link_customer_id=customer)
    db.session.commit()
    assert not result.created
    assert (inquiry.customer_id, inquiry.contact_id) == (customer, contact)
    assert count(Contact) == 1


def test_link_adds_the_inquirer_as_a_contact_when_new(app, ctx, company_a):
    customer = ext(make_customer, app, company_a, "Nordlicht Handel GmbH")
    ext(make_contact, app, company_a, customer, "Boss", is_primary=True)
    inquiry = new_inquiry(ctx, company_a)
    rules.convert_to_customer(inquiry, link_customer_id=customer)
    db.session.commit()
    contact = db.session.get(Contact, inquiry.contact_id)
    assert contact.name == "Jonas Weber" and not contact.is_primary


def test_converting_twice_is_refused(ctx, company_a):
    inquiry = new_inquiry(ctx, company_a)
    rules.convert_to_customer(inquiry)
    db.session.commit()
    with pytest.raises(rules.AlreadyConverted):
        rules.convert_to_customer(inquiry, create_anyway=True)
    assert count(Customer) == 1


def test_linking_to_another_companys_customer_is_refused(app, ctx, company_a, company_b):
    foreign = ext(make_customer, app, company_b, "Nordlicht Handel GmbH")
    inquiry = new_inquiry(ctx, company_a)
    with pytest.raises(LookupError):
        rules.convert_to_customer(inquiry, link_customer_id=foreign)
    assert inquiry.customer_id is None


def test_convert_without_a_contact_name_uses_the_email(ctx, company_a):
    inquiry = new_inquiry(ctx, company_a, contact_name=None, company=None)
    rules.convert_to_customer(inquiry)
    db.session.commit()
    assert inquiry.customer.name == "jonas@nordlicht-handel.de"
    assert inquiry.contact.name == "jonas"


# --- demo -------------------------------------------------------------------------------------


def test_seed_demo(app):
    from webapp.demo import seed_demo as seed_company
    from webapp.models import Membership
    from webapp.services.weeks import current_week_start

    with app.test_request_context():
        seed_company()
        demo_id = lookups.company_id("demo")
        with tenant_context(demo_id):
            tenant = db.session.get(Tenant, demo_id)
            # the demo company already seeds them (webapp/demo/inquiries.py)
            members = list(db.session.scalars(select(Membership).order_by(Membership.id)))
            inquiries = db.session.scalars(select(Inquiry)).all()
            assert len(inquiries) == 15
            assert len({i.channel for i in inquiries}) == 7
            assert {i.assigned_to_id for i in inquiries} >= {members[2].id, members[3].id}
            assert db.session.scalar(select(func.count(Sample.id))) == 6
            followed = rules.followed_ids([i.id for i in inquiries])
            linked = [i for i in inquiries if i.customer_id]
            # the call plans seeded after them add follow-ups, which may follow the rest up too
            assert 3 <= len(followed) <= len(linked)
            assert any(i.worth_following is False and i.worth_reason for i in inquiries)
            four_weeks = rules.period_counts(
                None, current_week_start(tenant) - timedelta(weeks=4), date.max
            )
            assert sum(c.received for c in four_weeks.values()) == 14  # one is unassigned
