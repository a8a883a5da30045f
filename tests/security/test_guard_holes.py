"""What once slipped past the ORM guard (issue 21), each refused by the guard itself.

Proof-of-concept tests found these on SQLite, where no row-level security stands behind the
guard: a statement on a model's Core table got no company filter, an INSERT naming another
company's tenant_id passed, an ORM bulk UPDATE by primary key renamed another company's
customer, and session.get() returned another company's object from the identity map without
any SQL. On PostgreSQL the suite runs as the application role (tests/conftest.py), so the
database's own policies stand behind: the tests ask for the guard's own exception and that no
statement reached the database, so they prove the guard acts first there too.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import NoResultFound
from werkzeug.exceptions import NotFound

from tests.conftest import count_queries
from tests.factories import make_customer
from webapp.extensions import db
from webapp.models import Customer
from webapp.tenancy.context import (
    CrossTenantWrite,
    TenantContextMissing,
    UnscopedStatement,
    cross_tenant,
    tenant_context,
)


@pytest.fixture
def customers(app, company_a, company_b) -> tuple[int, int]:
    return make_customer(app, company_a, "Alpha"), make_customer(app, company_b, "Beta")


def _names(app, company) -> dict[int, str]:
    with app.app_context(), tenant_context(company.id):
        return {row.id: row.name for row in db.session.execute(select(Customer.id, Customer.name))}


# --- statements on a model's Core table ---------------------------------------------------------

CORE_STATEMENTS = {
    "select": lambda: select(Customer.__table__),
    "select a column": lambda: select(Customer.__table__.c.name),
    "update": lambda: update(Customer.__table__).values(name="Renamed"),
    "delete": lambda: delete(Customer.__table__),
}


@pytest.mark.parametrize("kind", CORE_STATEMENTS)
def test_a_statement_on_a_core_table_is_refused(app, company_a, company_b, customers, kind):
    before = _names(app, company_b)
    with app.app_context(), tenant_context(company_a.id):
        with count_queries(app) as sent, pytest.raises(UnscopedStatement, match="ORM entity"):
            db.session.execute(CORE_STATEMENTS[kind]())
        db.session.rollback()
    assert sent == []  # refused before anything reached the database
    assert _names(app, company_b) == before


def test_the_orm_entity_of_the_same_statements_is_filtered(app, company_a, company_b, customers):
    """The way the refusal points to: the entity's statements reach only the company's rows."""
    alpha, beta = customers
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalars(select(Customer.name)).all() == ["Alpha"]
        db.session.execute(update(Customer).values(remarks="touched"))
        db.session.execute(delete(Customer).where(Customer.id == beta))
        db.session.commit()
    assert _names(app, company_b) == {beta: "Beta"}


# --- INSERT naming another company --------------------------------------------------------------


def _row(tenant_id: int, name: str) -> dict:
    now = datetime.now(UTC)
    return {"tenant_id": tenant_id, "name": name, "version": 1, "created_at": now,
            "updated_at": now}  # fmt: skip


INSERTS = {
    "ORM, rows as parameters": lambda t: (insert(Customer), [_row(t, "Planted")]),
    "ORM, one row as parameters": lambda t: (insert(Customer), _row(t, "Planted")),
    "ORM, values": lambda t: (insert(Customer).values(**_row(t, "Planted")), None),
    "ORM, multi-row values": lambda t: (
        insert(Customer).values([_row(t, "Planted"), _row(t, "Planted too")]),
        None,
    ),
    "Core, values": lambda t: (insert(Customer.__table__).values(**_row(t, "Planted")), None),
    "Core, rows as parameters": lambda t: (insert(Customer.__table__), [_row(t, "Planted")]),
}


@pytest.mark.parametrize("kind", INSERTS)
def test_an_insert_naming_another_company_is_refused(app, company_a, company_b, customers, kind):
    before = _names(app, company_b)
    with app.app_context(), tenant_context(company_a.id):
        statement, rows = INSERTS[kind](company_b.id)
        with count_queries(app) as sent, pytest.raises(CrossTenantWrite):
            db.session.execute(statement, rows)
        db.session.rollback()
    assert sent == []
    assert _names(app, company_b) == before


@pytest.mark.parametrize("kind", INSERTS)
def test_an_insert_naming_the_current_company_passes(app, company_a, customers, kind):
    with app.app_context(), tenant_context(company_a.id):
        statement, rows = INSERTS[kind](company_a.id)
        db.session.execute(statement, rows)
        db.session.commit()
    assert "Planted" in _names(app, company_a).values()


def test_an_insert_without_a_company_in_context_is_refused(app, company_b, customers):
    with app.app_context(), pytest.raises(TenantContextMissing):
        db.session.execute(insert(Customer), [_row(company_b.id, "Planted")])


# --- ORM bulk UPDATE by primary key -------------------------------------------------------------


def test_a_bulk_update_by_primary_key_is_refused(app, company_a, company_b, customers):
    """The ORM runs it without the loader criteria: in A's context it renamed B's customer."""
    alpha, beta = customers
    with app.app_context(), tenant_context(company_a.id):
        with count_queries(app) as sent, pytest.raises(UnscopedStatement, match="bulk UPDATE"):
            db.session.execute(update(Customer), [{"id": beta, "name": "Renamed by A"}])
        db.session.rollback()
        # not only another company's rows: the guard cannot filter it, so it runs for none
        with pytest.raises(UnscopedStatement):
            db.session.execute(update(Customer), [{"id": alpha, "name": "Renamed"}])
        db.session.rollback()
    assert sent == []
    assert _names(app, company_b) == {beta: "Beta"}
    assert _names(app, company_a) == {alpha: "Alpha"}


# --- session.get() from the identity map --------------------------------------------------------


def test_get_does_not_answer_another_companys_object_from_the_identity_map(
    app, company_a, company_b, customers
):
    alpha, beta = customers
    with app.app_context():
        with tenant_context(company_b.id):
            loaded = db.session.get(Customer, beta)  # now in the session's identity map
        with tenant_context(company_a.id):
            assert db.session.get(Customer, beta) is None
            with pytest.raises(NoResultFound):
                db.session.get_one(Customer, beta)
            with pytest.raises(NotFound):
                db.get_or_404(Customer, beta)  # Flask-SQLAlchemy's helper uses get() too
            assert db.session.get(Customer, alpha).name == "Alpha"
        with pytest.raises(TenantContextMissing):
            db.session.get(Customer, beta)
        with tenant_context(company_b.id):
            assert db.session.get(Customer, beta) is loaded
        with cross_tenant():
            assert db.session.get(Customer, beta) is loaded


def test_get_of_an_expired_object_of_another_company_answers_none(app, company_a, company_b):
    """After a commit the object is expired: get() reloads it, through the guard's filter."""
    beta = make_customer(app, company_b, "Beta")
    with app.app_context():
        with tenant_context(company_b.id):
            db.session.get(Customer, beta)
            db.session.commit()
        with tenant_context(company_a.id):
            assert db.session.get(Customer, beta) is None
        with tenant_context(company_b.id):
            assert db.session.get(Customer, beta).name == "Beta"
