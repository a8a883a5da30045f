"""The ORM guard (webapp/tenancy/guard.py) and the composite foreign keys behind it."""

import pytest
from flask import g, url_for
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from tests.factories import make_contact, make_customer
from webapp.extensions import db
from webapp.models import Contact, Customer, Membership, Tenant, User
from webapp.tenancy.context import (
    CrossTenantWrite,
    TenantContextMissing,
    cross_tenant,
    tenant_context,
)
from webapp.tenancy.web import customer_url


@pytest.fixture
def two_customers(app, company_a, company_b):
    a = make_customer(app, company_a, "Alpha customer")
    b = make_customer(app, company_b, "Beta customer")
    make_contact(app, company_a, a, "Alpha contact")
    make_contact(app, company_b, b, "Beta contact")
    return a, b


def test_scoped_query_without_tenant_fails_closed(app, two_customers):
    with app.app_context(), pytest.raises(TenantContextMissing):
        db.session.scalars(select(Customer)).all()


def test_queries_see_only_the_current_tenant(app, company_a, two_customers):
    a_id, b_id = two_customers
    with app.app_context(), tenant_context(company_a.id):
        assert [c.name for c in db.session.scalars(select(Customer))] == ["Alpha customer"]
        assert db.session.scalar(select(func.count(Contact.id))) == 1
        assert db.session.get(Customer, b_id) is None
        joined = db.session.scalars(select(Contact).join(Contact.customer)).all()
        assert [c.name for c in joined] == ["Alpha contact"]
        assert [c.name for c in db.session.get(Customer, a_id).contacts] == ["Alpha contact"]


def test_the_same_statements_alternating_companies_each_see_their_own(app, company_a, company_b,
                                                                      two_customers):  # fmt: skip
    """The compiled SQL is cached by shape, the company being a bound value of the filter:
    asking the same things as A, B, A, B in one session must still bind each company's own id
    every time, for the entity, a join and a lazy load."""
    a_id, b_id = two_customers
    seen = []
    with app.app_context():
        for company, own_id in [(company_a, a_id), (company_b, b_id)] * 2:
            with tenant_context(company.id):
                names = [c.name for c in db.session.scalars(select(Customer))]
                joined = [
                    c.name for c in db.session.scalars(select(Contact).join(Contact.customer))
                ]
                lazy = [c.name for c in db.session.get(Customer, own_id).contacts]
                seen.append((names, joined, lazy))
            db.session.expunge_all()  # the next company's loads must come from the database
    alpha = (["Alpha customer"], ["Alpha contact"], ["Alpha contact"])
    beta = (["Beta customer"], ["Beta contact"], ["Beta contact"])
    assert seen == [alpha, beta, alpha, beta]


def test_cross_tenant_is_explicit(app, two_customers):
    """cross_tenant() lifts the ORM filter. On PostgreSQL the database's row-level security
    still answers with no company's rows when no company is set (webapp/tenancy/rls.py)."""
    with app.app_context(), cross_tenant():
        count = db.session.scalar(select(func.count(Customer.id)))
        assert count == (0 if db.engine.dialect.name == "postgresql" else 2)


def _names_and_remarks(app, *companies) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for company in companies:
        with app.app_context(), tenant_context(company.id):
            found |= dict(db.session.execute(select(Customer.name, Customer.remarks)).all())
    return found


def test_bulk_update_stays_in_tenant(app, company_a, company_b, two_customers):
    with app.app_context(), tenant_context(company_a.id):
        db.session.execute(update(Customer).values(remarks="touched"))
        db.session.commit()
    remarks = _names_and_remarks(app, company_a, company_b)
    assert remarks == {"Alpha customer": "touched", "Beta customer": None}


def test_new_rows_get_the_current_tenant(app, company_a):
    with app.app_context(), tenant_context(company_a.id):
        customer = Customer(name="No tenant given", owner_id=company_a.owner_membership_id)
        db.session.add(customer)
        db.session.commit()
        assert customer.tenant_id == company_a.id


def test_writing_another_tenants_row_is_refused(app, company_a, company_b, two_customers):
    _, b_id = two_customers
    with app.app_context():
        with tenant_context(company_b.id):
            beta = db.session.get(Customer, b_id)
        with tenant_context(company_a.id):
            beta.remarks = "written from A"
            with pytest.raises(CrossTenantWrite):
                db.session.flush()
            db.session.rollback()
            db.session.add(Customer(name="Planted", tenant_id=company_b.id))
            with pytest.raises(CrossTenantWrite):
                db.session.flush()
            db.session.rollback()


def test_database_refuses_child_pointing_at_other_tenants_parent(app, company_a, two_customers):
    """Composite (tenant_id, customer_id) foreign key: even raw SQL cannot cross companies."""
    _, b_id = two_customers
    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # past row-level security, as company A
            conn.execute(
                text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(company_a.id)}
            )
        with pytest.raises(IntegrityError):
            conn.execute(
                text(
                    "INSERT INTO contact (tenant_id, customer_id, name, is_primary, created_at,"
                    " updated_at) VALUES (:t, :c, 'Intruder', false, CURRENT_TIMESTAMP,"
                    " CURRENT_TIMESTAMP)"
                ),
                {"t": company_a.id, "c": b_id},
            )
        conn.rollback()


def test_customer_owner_must_be_member_of_same_company(app, company_a, company_b):
    with app.app_context(), tenant_context(company_a.id):
        db.session.add(Customer(name="Foreign owner", owner_id=company_b.owner_membership_id))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


# A tenant table anywhere in the statement puts the filter on, not only as the selected entity:
# a join from a global model, a count over a subquery (db.paginate's total) and a subquery in
# WHERE each once returned every company's rows on SQLite (PostgreSQL's RLS hid it there).


def test_join_from_a_global_model_is_scoped(app, company_a, company_b, two_customers):
    with app.app_context(), tenant_context(company_a.id):
        emails = db.session.scalars(select(User.email).join(Membership)).all()
        slugs = db.session.scalars(
            select(Tenant.slug).join(Customer, Customer.tenant_id == Tenant.id)
        ).all()
    assert emails == [company_a.owner_email]
    assert slugs == [company_a.slug]


def test_count_over_a_subquery_is_scoped(app, company_a, two_customers):
    inner = select(Customer).subquery()
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count()).select_from(inner)) == 1
        assert db.paginate(select(Customer), page=1, per_page=10).total == 1
        members = select(Membership.user_id).scalar_subquery()
        assert db.session.scalar(select(func.count(User.id)).where(User.id.in_(members))) == 1


def test_subquery_without_tenant_fails_closed(app, two_customers):
    inner = select(Customer.id).subquery()
    with app.app_context(), pytest.raises(TenantContextMissing):
        db.session.scalar(select(func.count()).select_from(inner))


def test_count_star_with_the_table_only_in_where_is_scoped(app, company_a, two_customers):
    """count(*) (index-only on PostgreSQL, where count(id) reads the rows) names no entity:
    the table comes from the WHERE clause, and the filter must still apply."""
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count()).where(Customer.archived_at.is_(None))) == 1
        mine = func.count().filter(Customer.name.like("Alpha%"))
        both = select(func.count(), mine).where(Customer.archived_at.is_(None))
        assert db.session.execute(both).one() == (1, 1)


def test_customer_url_is_url_for_of_the_card(app, company_a):
    # the rows' shortcut must build exactly what url_for builds, in the company's pages
    with app.test_request_context("/"), tenant_context(company_a.id):
        g.tenant = db.session.get(Tenant, company_a.id)
        for customer_id, query in [(1, {}), (2_000_000_000, {}), (7, {"log": 1}), (8, {"x": None})]:
            assert customer_url(customer_id, **query) == url_for(
                "customers.card", customer_id=customer_id, **query
            )


def test_a_lazy_load_under_cross_tenant_takes_its_parents_company(app, company_a, company_b):
    """The company filter passes on to an object's relationships: loaded lazily later under
    cross_tenant(), they keep the parent's company instead of reading every company's rows."""
    a = make_customer(app, company_a, "Alpha")
    make_contact(app, company_a, a, "Alpha contact")
    b = make_customer(app, company_b, "Beta")
    make_contact(app, company_b, b, "Beta contact")
    with app.app_context():
        with tenant_context(company_a.id):
            customer = db.session.get(Customer, a)
        with cross_tenant():
            # PostgreSQL's row-level security shows no company's rows with no company set
            rls = db.engine.dialect.name == "postgresql"
            assert [c.name for c in customer.contacts] == ([] if rls else ["Alpha contact"])


def test_a_bulk_update_keeps_the_loaded_objects_in_step(app, company_a):
    """synchronize_session evaluates the WHERE, company filter included, against the loaded
    objects: the company must be in the criteria as a value."""
    cid = make_customer(app, company_a, "Before")
    contact_id = make_contact(app, company_a, cid, "Gone soon")
    with app.app_context(), tenant_context(company_a.id):
        customer = db.session.get(Customer, cid)
        contact = db.session.get(Contact, contact_id)
        db.session.execute(update(Customer).where(Customer.id == cid).values(remarks="After"))
        assert customer.remarks == "After"
        db.session.execute(delete(Contact).where(Contact.id == contact_id))
        assert contact in db.session.deleted or contact not in db.session
