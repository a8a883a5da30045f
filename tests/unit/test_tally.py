"""The kept customer counts (models/tally.py, services/tally.py): every way of writing a customer
keeps them equal to a full count, concurrent writers too, and `flask counts rebuild` repairs
them."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, insert, select, text, update

from tests.factories import add_member, make_customer
from webapp.extensions import db
from webapp.models import Customer, CustomerTally, Membership
from webapp.services import tally
from webapp.services.customers import (
    CustomerFilters,
    _counted_grades,
    _kept_grades,
    dashboard_counts,
)
from webapp.tenancy.context import tenant_context


def _agrees(app, company) -> dict:
    """The company's kept counts equal a full count of its customers; returns them."""
    with app.app_context(), tenant_context(company.id):
        kept, counted = tally.kept(), tally.counted_from_scratch()
    assert kept == counted
    return kept


def test_every_way_of_writing_a_customer_is_counted(app, company_a, company_b):
    sales = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")
    first = make_customer(app, company_a, "Nordlicht GmbH", grade="A", country="DE")
    make_customer(app, company_a, "Sol Ltd", grade="B", country="NG", owner_id=sales)
    make_customer(app, company_b, "Beta's own", grade="A", country="DE")
    assert _agrees(app, company_a) == {
        (company_a.owner_membership_id, "A", "DE"): 1,
        (sales, "B", "NG"): 1,
    }

    with app.app_context(), tenant_context(company_a.id):
        customer = db.session.get(Customer, first)
        customer.grade, customer.country = "C", None  # the ORM's UPDATE
        db.session.commit()
    assert _agrees(app, company_a) == {
        (company_a.owner_membership_id, "C", ""): 1,
        (sales, "B", "NG"): 1,
    }

    with app.app_context(), tenant_context(company_a.id):
        customer = db.session.get(Customer, first)
        customer.owner_id = None  # released to the pool
        customer.last_followup_on = datetime(2026, 1, 5, tzinfo=UTC).date()
        db.session.commit()
        # Core statements, as bulk paths (import, pool sweep, seed) write
        db.session.execute(
            insert(Customer),
            [
                {"tenant_id": company_a.id, "name": f"Bulk {i}", "grade": "D", "owner_id": sales}
                for i in range(3)
            ],
        )
        db.session.execute(update(Customer).where(Customer.grade == "D").values(country="BR"))
        db.session.commit()
    kept = _agrees(app, company_a)
    assert kept[(0, "C", "")] == 1 and kept[(sales, "D", "BR")] == 3

    with app.app_context(), tenant_context(company_a.id):
        archived = db.session.scalar(select(Customer).where(Customer.name == "Bulk 0"))
        archived.archived_at = datetime.now(UTC)  # archived customers are not counted
        db.session.commit()
        assert _agrees_inline()[(sales, "D", "BR")] == 2
        archived.archived_at = None  # and come back when restored
        db.session.commit()
        assert _agrees_inline()[(sales, "D", "BR")] == 3
        db.session.execute(delete(Customer).where(Customer.name.like("Bulk%")))
        db.session.delete(db.session.get(Customer, first))
        db.session.commit()
    assert _agrees(app, company_a) == {(sales, "B", "NG"): 1}
    assert _agrees(app, company_b) == {(company_b.owner_membership_id, "A", "DE"): 1}


def _agrees_inline() -> dict:
    kept = tally.kept()
    assert kept == tally.counted_from_scratch()
    return kept


def test_deleting_a_company_takes_its_counts_along(app, company_a, company_b, owner_engine):
    make_customer(app, company_a, "Nordlicht GmbH", grade="A", country="DE")
    make_customer(app, company_b, "Sol Ltd", grade="A", country="DE")
    # as the tables' owner: the application's role may delete no company (rls.GLOBAL_POLICIES)
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM tenant WHERE id = :id"), {"id": company_a.id})
    assert _agrees(app, company_b) == {(company_b.owner_membership_id, "A", "DE"): 1}
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalars(select(CustomerTally)).all() == []


@pytest.mark.parametrize(
    "args",
    [
        {},
        {"owner": "mine"},
        {"owner": "pool"},
        {"country": "de"},
        {"grade": "A"},
        {"country": "NG", "owner": "mine"},
    ],
)
def test_list_counts_from_the_tally_equal_counting_the_customers(app, company_a, args):
    sales = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")
    for i, (grade, country, owner) in enumerate(
        [
            ("A", "DE", sales),
            ("A", "NG", sales),
            (None, "NG", sales),
            ("B", None, company_a.owner_membership_id),
            ("C", "DE", None),
            ("D", "DE", None),
        ]
    ):
        make_customer(app, company_a, f"Customer {i}", grade=grade, country=country, owner_id=owner)
    with app.app_context(), tenant_context(company_a.id):
        for member_id in (sales, company_a.owner_membership_id):
            viewer = db.session.get(Membership, member_id)
            filters = CustomerFilters.from_args(args, viewer=viewer)
            counted = dict.fromkeys(["A", "B", "C", "D", ""], 0) | _counted_grades(filters)
            assert dict.fromkeys(counted, 0) | _kept_grades(filters) == counted
        # my day's tiles: a salesperson sees their own and the pool's
        tiles = dashboard_counts(db.session.get(Membership, sales))
        assert tiles == {"customers": 5, "mine": 3, "grade_a": 2}


def test_rebuild_repairs_drifted_counts(app, company_a, owner_engine):
    make_customer(app, company_a, "Nordlicht GmbH", grade="A", country="DE")
    make_customer(app, company_a, "Sol Ltd", grade="B", country="NG")
    right = _agrees(app, company_a)
    with owner_engine.begin() as conn:  # a hand-made drift, as a restore of one table would
        conn.execute(text("UPDATE customer_tally SET customers = customers + 7"))
        conn.execute(text("DROP TRIGGER IF EXISTS customer_tally_insert" + _on(conn)))
    make_customer(app, company_a, "Missed Ltd", grade="C", country="FR")  # not counted

    result = app.test_cli_runner().invoke(args=["counts", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "alpha-trading: the counts were wrong; rebuilt" in result.output
    assert _agrees(app, company_a) == right | {(company_a.owner_membership_id, "C", "FR"): 1}
    again = app.test_cli_runner().invoke(args=["counts", "rebuild", "--company", "alpha-trading"])
    assert "0 had drifted" in again.output
    unknown = app.test_cli_runner().invoke(args=["counts", "rebuild", "--company", "nope"])
    assert unknown.exit_code == 2
    with owner_engine.begin() as conn:  # the other tests need the trigger back
        from webapp.models.tally import create_tally_triggers

        create_tally_triggers(conn)


def _on(conn) -> str:
    return " ON customer" if conn.dialect.name == "postgresql" else ""


def test_concurrent_writers_keep_the_counts(app, company_a):
    """Four members create, regrade, move, archive and delete customers at the same time; the
    kept counts end equal to a full count (PostgreSQL: row locks on the tally rows; SQLite:
    one writer at a time)."""
    members = [company_a.owner_membership_id] + [
        add_member(app, company_a, f"m{i}@alpha.example.com", {"sales"}) for i in range(3)
    ]
    start = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def writer(member_id: int, seed: int) -> None:
        rnd = random.Random(seed)
        try:
            # as a POST would: on SQLite each transaction then starts IMMEDIATE (one writer at
            # a time) instead of failing a read lock's upgrade at once
            with app.test_request_context(method="POST"), tenant_context(company_a.id):
                start.wait(timeout=10)
                mine: list[int] = []
                for i in range(30):
                    step = rnd.random()
                    if step < 0.4 or not mine:
                        customer = Customer(
                            name=f"{member_id}-{i}",
                            grade=rnd.choice("ABCD"),
                            country=rnd.choice(["DE", "NG", None]),
                            owner_id=member_id,
                        )
                        db.session.add(customer)
                        db.session.flush()
                        mine.append(customer.id)
                    else:
                        customer = db.session.get(Customer, rnd.choice(mine))
                        if step < 0.6:
                            customer.grade = rnd.choice("ABCD")
                        elif step < 0.75:
                            customer.owner_id = rnd.choice(members + [None])
                        elif step < 0.9:
                            customer.archived_at = (
                                None if customer.archived_at else datetime.now(UTC)
                            )
                        else:
                            mine.remove(customer.id)
                            db.session.delete(customer)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported by the test, never lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(m, n)) for n, m in enumerate(members)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    kept = _agrees(app, company_a)
    with app.app_context(), tenant_context(company_a.id):
        live = db.session.scalar(
            select(db.func.count()).select_from(Customer).where(Customer.archived_at.is_(None))
        )
    assert sum(kept.values()) == live > 0
