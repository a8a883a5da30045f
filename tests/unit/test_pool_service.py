"""The pool's service against the database: claim limit, permissions, cool-down, sweep,
warnings, transfer and the ownership history (services/pool.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import add_member, make_customer
from webapp.extensions import db
from webapp.models import AuditEvent, Customer, CustomerOwnerChange, Membership, Tenant
from webapp.services import audit, pool
from webapp.services.followups import company_zone
from webapp.tenancy.context import tenant_context

EN = {"Accept-Language": "en"}
NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def team(app, company_a):
    sales = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")
    other = add_member(app, company_a, "sue@alpha.example.com", {"sales"}, "Sue Sales")
    finance = add_member(app, company_a, "fin@alpha.example.com", {"finance"}, "Fay Finance")
    return {"owner": company_a.owner_membership_id, "sales": sales, "other": other,
            "finance": finance}  # fmt: skip


def _ctx(app, company):
    return app.app_context(), tenant_context(company.id)


def _member(member_id) -> Membership:
    return db.session.get(Membership, member_id)


def _tenant(company) -> Tenant:
    return db.session.get(Tenant, company.id)


def test_claim_gives_the_customer_and_records_it(app, company_a, team):
    cid = make_customer(app, company_a, "Pooled GmbH", owner_id=None, grade="B")
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        customer = db.session.get(Customer, cid)
        pool.claim(customer, _member(team["sales"]), _tenant(company_a), NOW)
        db.session.commit()
        customer = db.session.get(Customer, cid)
        assert customer.owner_id == team["sales"]
        assert pool.aware(customer.owned_since) == NOW
        [change] = pool.history(cid)
        assert (change.kind, change.from_member_id, change.to_member_id, change.by_member_id) == (
            "claim", None, team["sales"], team["sales"])  # fmt: skip


def test_claim_is_limited_per_salesperson(app, company_a, team):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        _tenant(company_a).max_owned_customers = 2
        db.session.commit()
    make_customer(app, company_a, "Mine 1", owner_id=team["sales"])
    archived = make_customer(app, company_a, "Archived", owner_id=team["sales"])
    pooled = make_customer(app, company_a, "Pooled 1", owner_id=None)
    pooled2 = make_customer(app, company_a, "Pooled 2", owner_id=None)
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        db.session.get(Customer, archived).archived_at = NOW
        db.session.commit()
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        # one owned (the archived one does not count), the limit is 2: one more is fine
        pool.claim(db.session.get(Customer, pooled), _member(team["sales"]), _tenant(company_a))
        db.session.commit()
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        with pytest.raises(pool.PoolError, match="2"):
            pool.claim(
                db.session.get(Customer, pooled2), _member(team["sales"]), _tenant(company_a)
            )
        db.session.rollback()
        assert db.session.get(Customer, pooled2).owner_id is None


def test_claim_refused_for_roles_without_it_and_for_owned_customers(app, company_a, team):
    pooled = make_customer(app, company_a, "Pooled", owner_id=None)
    owned = make_customer(app, company_a, "Owned", owner_id=team["other"])
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        with pytest.raises(pool.PoolError):
            pool.claim(db.session.get(Customer, pooled), _member(team["finance"]),
                       _tenant(company_a))  # fmt: skip
        db.session.rollback()
        with pytest.raises(pool.PoolError):
            pool.claim(db.session.get(Customer, owned), _member(team["sales"]),
                       _tenant(company_a))  # fmt: skip
        db.session.rollback()
        assert db.session.get(Customer, owned).owner_id == team["other"]


def test_release_needs_a_reason_and_the_owner_or_a_manager(app, company_a, team):
    cid = make_customer(app, company_a, "Mine", owner_id=team["sales"])
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        customer = db.session.get(Customer, cid)
        with pytest.raises(pool.PoolError):
            pool.release(customer, _member(team["sales"]), "   ")
        # a colleague may not release someone else's customer
        assert not pool.can_release(_member(team["other"]), customer)
        with pytest.raises(pool.PoolError):
            pool.release(customer, _member(team["other"]), "I want it")
        db.session.rollback()
        # its owner may, and so may a manager (the company owner here)
        assert pool.can_release(_member(team["sales"]), customer)
        assert pool.can_release(_member(team["owner"]), customer)
        pool.release(db.session.get(Customer, cid), _member(team["sales"]), "No budget", NOW)
        db.session.commit()
        customer = db.session.get(Customer, cid)
        assert customer.owner_id is None and customer.owned_since is None
        [change] = pool.history(cid)
        assert (change.kind, change.from_member_id, change.to_member_id, change.reason) == (
            "release", team["sales"], None, "No budget")  # fmt: skip
        with pytest.raises(pool.PoolError):
            pool.release(customer, _member(team["owner"]), "again")


def test_previous_owner_waits_h_hours_others_do_not(app, company_a, team):
    cid = make_customer(app, company_a, "Bounce", owner_id=team["sales"], grade="A")
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48)})
        pool.release(db.session.get(Customer, cid), _member(team["sales"]), "Too busy", NOW)
        db.session.commit()
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        customer, tenant = db.session.get(Customer, cid), _tenant(company_a)
        just_before = NOW + timedelta(hours=48) - timedelta(seconds=1)
        problem = pool.claim_problem(customer, _member(team["sales"]), tenant, just_before)
        assert problem and "2026-06-17 12:00" in problem  # the end, in the company's zone
        assert pool.claim_problem(customer, _member(team["other"]), tenant, NOW) is None
        exactly = NOW + timedelta(hours=48)
        assert pool.claim_problem(customer, _member(team["sales"]), tenant, exactly) is None
        pool.claim(customer, _member(team["sales"]), tenant, exactly)
        db.session.commit()
        assert db.session.get(Customer, cid).owner_id == team["sales"]


def test_transfer_many_with_reason_and_history(app, company_a, team):
    a = make_customer(app, company_a, "A", owner_id=team["sales"])
    b = make_customer(app, company_a, "B", owner_id=None)
    c = make_customer(app, company_a, "C", owner_id=team["other"])
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        customers = [db.session.get(Customer, i) for i in (a, b, c)]
        with pytest.raises(pool.PoolError):  # salespeople may not
            pool.transfer(customers, _member(team["other"]), _member(team["sales"]), "x")
        with pytest.raises(pool.PoolError):  # a reason is required
            pool.transfer(customers, _member(team["other"]), _member(team["owner"]), "")
        moved = pool.transfer(
            customers, _member(team["other"]), _member(team["owner"]), "Sam left", NOW
        )
        db.session.commit()
        assert moved == 2  # C already belonged to Sue
        owners = db.session.execute(select(Customer.id, Customer.owner_id)).all()
        assert dict(owners) == dict.fromkeys((a, b, c), team["other"])
        [change] = pool.history(a)
        assert (change.kind, change.from_member_id, change.to_member_id, change.by_member_id,
                change.reason) == ("transfer", team["sales"], team["other"], team["owner"],
                                   "Sam left")  # fmt: skip
        assert pool.history(c) == []
        # the audit log names the new owner, in words a reader understands (not a member id)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "customer.transfer").limit(1)
        )
        name = _member(team["other"]).user.name
        assert audit.detail_items(event) == [("Member", name), ("Reason", "Sam left")]


def _idle_customer(app, company, member_id, grade, last_followup_on, name="Idle Ltd"):
    return make_customer(app, company, name, owner_id=member_id, grade=grade,
                         last_followup_on=last_followup_on,
                         owned_since=datetime(2026, 1, 1, tzinfo=UTC))  # fmt: skip


def test_sweep_returns_exactly_the_due_customers(app, company_a, team):
    today = NOW.astimezone(company_zone_of(app, company_a)).date()
    due = _idle_customer(app, company_a, team["sales"], "A", today - timedelta(days=30), "Due")
    fresh = _idle_customer(app, company_a, team["sales"], "A", today - timedelta(days=29), "N-1")
    no_rule = _idle_customer(app, company_a, team["sales"], "C", date(2025, 1, 1), "No rule")
    claimed = make_customer(app, company_a, "Claimed recently", owner_id=team["sales"],
                            grade="A", last_followup_on=date(2025, 1, 1),
                            owned_since=NOW - timedelta(days=3))  # fmt: skip
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48)})
        db.session.commit()
        assert pool.sweep(_tenant(company_a), NOW) == 1
        db.session.commit()
        owners = dict(db.session.execute(select(Customer.id, Customer.owner_id)).all())
        assert owners[due] is None
        assert owners[fresh] == owners[no_rule] == owners[claimed] == team["sales"]
        [change] = pool.history(due)
        assert (change.kind, change.from_member_id, change.by_member_id, change.idle_days) == (
            "auto_return", team["sales"], None, 30)  # fmt: skip
        # sweeping again changes nothing; the returned owner is in cool-down
        assert pool.sweep(_tenant(company_a), NOW) == 0
        problem = pool.claim_problem(
            db.session.get(Customer, due), _member(team["sales"]), _tenant(company_a), NOW
        )
        assert problem


def company_zone_of(app, company):
    with app.app_context(), tenant_context(company.id):
        return company_zone(db.session.get(Tenant, company.id))


def test_warnings_for_my_day(app, company_a, team):
    today = NOW.astimezone(company_zone_of(app, company_a)).date()
    soon = _idle_customer(app, company_a, team["sales"], "A", today - timedelta(days=25), "M")
    _idle_customer(app, company_a, team["sales"], "A", today - timedelta(days=24), "M+1")
    waiting = _idle_customer(app, company_a, team["sales"], "A", today - timedelta(days=31), "Over")
    _idle_customer(app, company_a, team["other"], "A", today - timedelta(days=26), "Sue's")
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48)})
        db.session.commit()
        found = pool.warnings([team["sales"]], _tenant(company_a), NOW)
        assert [(w.customer.id, w.days_left) for w in found] == [(waiting, 0), (soon, 5)]
        assert found[1].return_on == today + timedelta(days=5)
        assert len(pool.warnings(None, _tenant(company_a), NOW)) == 3


def test_rules_are_saved_per_grade(app, company_a):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48), "B": (10, 20, 0)})
        db.session.commit()
        rules = pool.rules_for()
        assert rules["A"] == pool.Rule(30, 5, 48)
        assert rules["B"] == pool.Rule(10, 9, 0)  # a warning cannot start before the clock
        pool.save_rules({"B": (10, 2, 1)})
        db.session.commit()
        assert set(pool.rules_for()) == {"B"}


def test_owner_change_rows_stay_in_their_company(app, company_a, company_b):
    cid = make_customer(app, company_a, "Mine", owner_id=None)
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        pool.claim(db.session.get(Customer, cid), _member(company_a.owner_membership_id),
                   _tenant(company_a))  # fmt: skip
        db.session.commit()
    with app.app_context(), tenant_context(company_b.id):
        assert db.session.scalars(select(CustomerOwnerChange)).all() == []
