"""Statements built once (tenancy.scoped) and collections filled from them (loading.py): the
company filter holds for a statement made before any company was in context, and a filled
collection reads like one the ORM loaded."""

import pytest
from sqlalchemy import bindparam, select

from tests.conftest import count_queries
from tests.factories import make_contact, make_customer
from webapp.extensions import db
from webapp.loading import fill_collection
from webapp.models import Contact, Customer
from webapp.services.customers import load_contacts
from webapp.tenancy.context import TenantContextMissing, tenant_context

# built at import, like the services' statements: no company is in context yet
from webapp.tenancy.guard import scoped

# built at import, like the services' statements: no company is in context yet
BY_NAME = scoped(select(Customer).where(Customer.name == bindparam("name")))
CONTACTS_OF = scoped(
    select(Contact.customer_id, Contact)
    .where(Contact.customer_id.in_(bindparam("ids", expanding=True)))
    .order_by(Contact.id)
)


def test_a_prebuilt_statement_binds_each_company_in_turn(app, company_a, company_b):
    make_customer(app, company_a, "Same name")
    b = make_customer(app, company_b, "Same name")
    with app.app_context():
        # the one statement object, asked as A, B, A in one session: each time its company
        for company, expected in [(company_a, 1), (company_b, 1), (company_a, 1)]:
            with tenant_context(company.id):
                found = db.session.scalars(BY_NAME, {"name": "Same name"}).all()
                assert [c.tenant_id for c in found] == [company.id] * expected
        with tenant_context(company_a.id):
            # B's id asked for in A: nothing, though the statement names no company itself
            assert db.session.execute(CONTACTS_OF, {"ids": [b]}).all() == []
        with pytest.raises(TenantContextMissing):
            db.session.scalars(BY_NAME, {"name": "Same name"}).all()
    assert scoped(BY_NAME) is BY_NAME  # scoping twice adds nothing


def test_fill_collection_sets_every_parent_and_loads_nothing_later(app, company_a, company_b):
    with_two = make_customer(app, company_a, "Two contacts")
    make_customer(app, company_a, "No contacts")
    make_contact(app, company_a, with_two, "Second", is_primary=False)
    make_contact(app, company_a, with_two, "First", is_primary=True)
    other = make_customer(app, company_b, "Other company")
    make_contact(app, company_b, other, "Not ours")
    with app.app_context(), tenant_context(company_a.id):
        customers = db.session.scalars(select(Customer).order_by(Customer.id)).all()
        with count_queries(app) as statements:
            load_contacts(customers)
            # the relationship's order (primary first), and an empty list where there are none
            names = {c.name: [p.name for p in c.contacts] for c in customers}
        assert len(statements) == 1
        assert names == {"Two contacts": ["First", "Second"], "No contacts": []}
        assert not db.session.dirty  # filled as loaded: nothing to flush
        with count_queries(app) as none:
            fill_collection([], "contacts", CONTACTS_OF)
        assert none == []


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
