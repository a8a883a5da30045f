"""Relationships loaded by the ORM's own loaders, in the order each relationship states once,
and statements built where they are used: the company filter holds for each call of the same
statement shape (SQLAlchemy's compiled cache reuses its SQL, never its company)."""

import logging
from datetime import date

import pytest
from flask import g
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError

from tests.conftest import count_queries
from tests.factories import add_member, make_contact, make_customer, make_followup
from webapp.blueprints.customers.routes import CARD_LOADS
from webapp.extensions import db
from webapp.models import Contact, Customer, FollowUp, Tenant
from webapp.services import myday
from webapp.services.followups import Links, set_links, timeline
from webapp.tenancy.context import tenant_context
from webapp.tenancy.web import get_or_404


def _by_name(name: str) -> list[Customer]:
    # built anew on each call, as the services build theirs
    return db.session.scalars(select(Customer).where(Customer.name == name)).all()


def test_one_statement_shape_binds_each_company_in_turn(app, company_a, company_b):
    make_customer(app, company_a, "Same name")
    b = make_customer(app, company_b, "Same name")
    with app.app_context():
        # the same SQL, asked as A, B, A in one session: each time its own company's row
        for company in (company_a, company_b, company_a):
            with tenant_context(company.id):
                assert [c.tenant_id for c in _by_name("Same name")] == [company.id]
        with tenant_context(company_a.id):
            # B's id asked for in A: nothing, though the statement names no company itself
            stmt = select(Contact.customer_id, Contact).where(Contact.customer_id.in_([b]))
            assert db.session.execute(stmt).all() == []


def test_the_cards_customer_comes_with_its_contacts_in_the_relationships_order(
    app, company_a, company_b
):
    with_two = make_customer(app, company_a, "Two contacts")
    without = make_customer(app, company_a, "No contacts")
    make_contact(app, company_a, with_two, "Second", is_primary=False)
    make_contact(app, company_a, with_two, "First", is_primary=True)
    other = make_customer(app, company_b, "Other company")
    make_contact(app, company_b, other, "Not ours")
    with app.test_request_context(), tenant_context(company_a.id):
        g.tenant = db.session.get(Tenant, company_a.id)
        with count_queries(app) as statements:
            customers = [get_or_404(Customer, cid, *CARD_LOADS) for cid in (with_two, without)]
            # the relationship's order (primary first), and an empty list where there are none
            names = {c.name: [p.name for p in c.contacts] for c in customers}
            owners = [c.owner.user.name for c in customers]
        # per customer: the row with its owner joined in, then its contacts
        assert len(statements) == 4
        assert names == {"Two contacts": ["First", "Second"], "No contacts": []}
        assert owners == ["Owner alpha-trading"] * 2
        assert not db.session.dirty  # loaded, not set: nothing to flush


def test_the_timeline_loads_its_people_in_a_fixed_number_of_statements(app, company_a):
    cid = make_customer(app, company_a, "Acme")
    contacts = [make_contact(app, company_a, cid, f"Contact {i}") for i in range(3)]
    colleagues = [
        add_member(app, company_a, f"c{i}@alpha.example.com", {"sales"}, f"Colleague {i}")
        for i in range(3)
    ]

    def add_visits(n: int) -> None:
        for _ in range(n):
            record_id = make_followup(app, company_a, cid, "Visit", method="visit_direct")
            with app.app_context(), tenant_context(company_a.id):
                record = db.session.get(FollowUp, record_id)
                # given out of order: each relationship orders them itself
                set_links(record, Links(contacts[::-1], colleagues[::-1]))
                db.session.commit()

    def load() -> tuple[int, list]:
        with app.app_context(), tenant_context(company_a.id):
            with count_queries(app) as statements:
                records = timeline(cid)
                shown = [
                    (r.followed_by.user.name, [c.name for c in r.contacts],
                     [m.user.name for m in r.colleagues])
                    for r in records
                ]  # fmt: skip
            # anything the timeline does not show is not loaded behind its back either
            with pytest.raises(InvalidRequestError):
                _ = records[0].customer
            return len(statements), shown

    add_visits(1)
    few, shown = load()
    assert shown == [
        (
            "Owner alpha-trading",
            ["Contact 0", "Contact 1", "Contact 2"],
            ["Colleague 0", "Colleague 1", "Colleague 2"],
        )
    ]
    add_visits(4)
    many, shown = load()
    assert len(shown) == 5
    # records with their authors, their contacts, their colleagues: as many for 5 as for 1
    assert few == many == 3


def test_card_panels_say_which_panels_have_rows(app, company_a, company_b):
    from tests.factories import make_inquiry, make_order, make_sample
    from webapp.services.customers import CardPanels, card_panels

    a = make_customer(app, company_a, "Alpha")
    b = make_customer(app, company_b, "Beta")
    make_order(app, company_b, b, "SC-B")
    make_sample(app, company_b, customer_id=b)
    make_inquiry(app, company_b, "Beta inquiry", customer_id=b)
    with app.app_context(), tenant_context(company_a.id):
        assert card_panels(a) == CardPanels(False, False, False, False)
        # B's customer asked for in A: nothing of B's shows, though it has rows
        assert card_panels(b) == CardPanels(False, False, False, False)
    make_order(app, company_a, a, "SC-A")
    make_sample(app, company_a, customer_id=a)
    with app.app_context(), tenant_context(company_a.id):
        assert card_panels(a) == CardPanels(False, False, True, True)
    with app.app_context(), tenant_context(company_b.id):
        assert card_panels(b) == CardPanels(False, True, True, True)


def test_statements_built_anew_reuse_the_compiled_sql(app, company_a, caplog):
    """No statement is kept ready-made: each call builds its own with its values, and
    SQLAlchemy's compiled cache finds the SQL of the same shape (its log says "cached since")."""
    cid = make_customer(app, company_a, "Acme")
    rules = {"A": 7, "B": 14}
    with app.app_context(), tenant_context(company_a.id):
        myday.due([1], date(2026, 11, 2))
        myday.stale([1], date(2026, 11, 2), rules)
        timeline(cid, None, 21)
        db.session.rollback()  # a new connection reads the log level set below
        caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
        # other members, days and customers: the same shapes
        myday.due([2, 3], date(2026, 12, 9))
        myday.stale([4], date(2026, 12, 9), rules)
        timeline(cid + 1, None, 21)
    compiled = [r.getMessage() for r in caplog.records if "[generated in" in r.getMessage()]
    cached = [r.getMessage() for r in caplog.records if "[cached since" in r.getMessage()]
    assert compiled == [] and len(cached) >= 4
