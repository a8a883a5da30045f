"""services/orders.py: totals, derived stage, gates, sign-offs and the append-only history."""

import json
import logging
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.factories import add_member, make_customer, make_order, make_order_row
from webapp.extensions import db
from webapp.models import (
    ExportOrder,
    Membership,
    OrderClaim,
    OrderEvent,
    OrderInspection,
    OrderPayment,
)
from webapp.services import orders as rules
from webapp.tenancy.context import tenant_context

EN = {"Accept-Language": "en"}  # messages are asserted in English


@pytest.fixture
def order_id(app, company_a):
    customer = make_customer(app, company_a, "Nordlicht GmbH")
    return make_order(app, company_a, customer, "SC-1", contract_amount=Decimal("10000.00"))


@pytest.fixture
def members(app, company_a):
    ids = {
        role: add_member(app, company_a, f"{role}@alpha.example.com", {role})
        for role in ("manager", "finance", "gm", "merchandiser", "sales")
    }
    return ids


def _order(order_id):
    return db.session.scalar(rules.load_order_query().where(ExportOrder.id == order_id))


def test_totals_use_decimal_and_the_contract_currency(app, company_a, order_id):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        today = date.today()
        order.payments += [
            OrderPayment(kind="deposit1", amount=Decimal("0.10"), currency="USD", paid_on=today),
            OrderPayment(kind="deposit2", amount=Decimal("0.20"), currency="USD", paid_on=today),
            OrderPayment(kind="balance", amount=Decimal("500"), currency="EUR", paid_on=today),
        ]
        order.purchase_total, order.actual_purchase_amount = Decimal("50000"), Decimal("48500.5")
        order.freight_amount, order.terminal_charges = Decimal("1200"), Decimal("85.5")
        t = rules.totals(order)
        assert t.received == Decimal("0.30")  # exact, not 0.30000000000000004
        assert t.outstanding == Decimal("9999.70")
        assert t.verified == Decimal("0")
        assert t.other_currencies == {"EUR": Decimal("500")}
        assert t.purchase_variance == Decimal("1499.5")
        assert t.freight_total == Decimal("1285.5")


def test_stage_follows_the_process(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        assert rules.derive_stage(order) == "draft"
        order.payments.append(
            OrderPayment(
                kind="deposit1", amount=Decimal("3000"), currency="USD", paid_on=date.today()
            )
        )
        db.session.flush()
        rules.sign(order, "payment_verified", m["finance"], None, order.payments[0].id)
        rules.sign(order, "production_approval", m["manager"])
        assert order.stage == "draft"  # the GM has not signed yet
        rules.sign(order, "gm_signature", m["gm"])
        assert order.stage == "production"
        order.inspections.append(OrderInspection(inspected_on=date.today(), result="pass"))
        rules.refresh(order)
        assert order.stage == "inspected"
        order.shipped_on = date.today()
        rules.refresh(order)
        assert order.stage == "shipped"
        rules.sign(order, "bl_review", m["merchandiser"])
        rules.sign(order, "sales_list_finance", m["finance"])
        rules.sign(order, "bl_custody", m["finance"])
        rules.sign(order, "bank_presentation", m["manager"])
        assert order.stage == "at_bank"
        order.payments.append(
            OrderPayment(
                kind="balance", amount=Decimal("7000"), currency="USD", paid_on=date.today()
            )
        )
        db.session.flush()
        rules.sign(order, "payment_verified", m["finance"], None, order.payments[1].id)
        assert order.stage == "paid"
        order.archived_docs = order.archived_data = order.archived_samples = True
        rules.refresh(order)
        assert order.stage == "archived"


def test_production_gate_needs_verified_deposit_or_received_lc(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        manager = db.session.get(Membership, members["manager"])
        with pytest.raises(rules.GateClosed) as closed:
            rules.sign(order, "production_approval", manager)
        assert "deposit" in closed.value.message
        order.payments.append(
            OrderPayment(
                kind="deposit1", amount=Decimal("3000"), currency="USD", paid_on=date.today()
            )
        )
        db.session.flush()
        assert rules.gate_problem(order, "production_approval") is not None  # not verified yet
        order.payments.append(
            OrderPayment(kind="lc", amount=Decimal("10000"), currency="USD", paid_on=date.today())
        )
        db.session.flush()
        assert rules.gate_problem(order, "production_approval") is None  # L/C received


def test_bank_presentation_needs_review_verification_and_custody(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        assert "B/L sign-off review" in rules.gate_problem(order, "bank_presentation")
        rules.sign(order, "bl_review", db.session.get(Membership, members["merchandiser"]))
        finance = db.session.get(Membership, members["finance"])
        assert "sales list" in rules.gate_problem(order, "bank_presentation")
        rules.sign(order, "sales_list_finance", finance)
        assert "custody" in rules.gate_problem(order, "bank_presentation")
        rules.sign(order, "bl_custody", finance)
        assert rules.gate_problem(order, "bank_presentation") is None


def test_shipping_is_blocked_after_a_failed_inspection_until_a_pass(app, company_a, order_id):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        assert rules.shipping_problem(order, date.today()) is None
        order.inspections.append(OrderInspection(inspected_on=date.today(), result="fail"))
        assert rules.shipping_problem(order, date.today())
        order.inspections.append(OrderInspection(inspected_on=date.today(), result="pass"))
        assert rules.shipping_problem(order, date.today()) is None


@pytest.mark.parametrize("kind", sorted(rules.SIGNOFF_KINDS))
def test_each_signoff_needs_its_role(app, company_a, order_id, members, kind, caplog):
    spec = rules.SIGNOFF_KINDS[kind]
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        wrong = "sales" if spec.role != "sales" else "manager"
        with caplog.at_level(logging.WARNING), pytest.raises(rules.SignoffRefused):
            rules.sign(order, kind, db.session.get(Membership, members[wrong]))
        assert "refused sign-off" in caplog.text
        assert not order.signoffs


def test_withdraw_only_by_signer_and_recorded(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        finance = db.session.get(Membership, members["finance"])
        manager = db.session.get(Membership, members["manager"])
        signoff = rules.sign(order, "freight_confirmed", finance, "ok")
        with pytest.raises(rules.SignoffRefused):
            rules.withdraw(signoff, manager)
        rules.withdraw(signoff, finance)
        assert signoff.withdrawn_at is not None and not signoff.active
        db.session.commit()
        actions = [e.action for e in db.session.scalars(select(OrderEvent).order_by(OrderEvent.id))]
        assert actions == ["created", "signed", "withdrawn"]
        # signing again after a withdrawal is allowed; the old row stays
        rules.sign(order, "freight_confirmed", finance)
        assert len(order.signoffs) == 2


def test_history_rows_are_append_only(app, company_a, order_id):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        event = db.session.scalar(select(OrderEvent))
        event.new = "rewritten"
        with pytest.raises(RuntimeError, match="never updated"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(OrderEvent)))
        with pytest.raises(RuntimeError, match="never updated"):
            db.session.flush()
        db.session.rollback()


def test_apply_changes_writes_one_row_per_changed_field(app, company_a, order_id):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        owner = db.session.get(Membership, company_a.owner_membership_id)
        changed = rules.apply_changes(
            order, {"forwarder": "Kuehne", "cartons": 120, "freight_amount": None}, owner
        )
        assert changed == 2
        db.session.commit()
        rows = db.session.execute(
            select(OrderEvent.field, OrderEvent.old, OrderEvent.new).where(
                OrderEvent.action == "changed"
            )
        ).all()
        assert sorted(rows) == [("cartons", None, "120"), ("forwarder", None, "Kuehne")]


def test_contract_number_unique_per_company_only(app, company_a, company_b):
    a = make_customer(app, company_a, "A customer")
    b = make_customer(app, company_b, "B customer")
    make_order(app, company_a, a, "SC-2026-1")
    make_order(app, company_b, b, "SC-2026-1")  # another company may use the same number
    with pytest.raises(IntegrityError):
        make_order(app, company_a, a, "SC-2026-1")


def test_waiting_for_lists_orders_the_member_can_sign_now(app, company_a, order_id, members):
    make_order_row(app, company_a, order_id, "payment")
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        finance = db.session.get(Membership, members["finance"])
        manager = db.session.get(Membership, members["manager"])
        sales = db.session.get(Membership, members["sales"])
        assert [o.id for o in rules.waiting_for(finance)] == [order_id]  # payment to verify
        assert [o.id for o in rules.waiting_for(manager)] == [order_id]  # e.g. claims line
        assert rules.waiting_for(sales) == []  # no signature line for sales


def test_waiting_in_sql_agrees_with_the_rules_in_python(app, company_a, company_b, members):
    """where_waiting (SQL, what my day and the orders list ask) finds exactly the orders for
    which available_signoffs (the order page's rules) offers a line the member can sign now,
    over orders with every mix of payments, signatures, withdrawn signatures and stages, signed
    by several people: a member who already signed one line of a group (production, the bank)
    may not sign another line of it, and the SQL binds that member per statement."""
    import random
    from datetime import UTC, datetime

    from webapp.models import OrderSignoff

    chance = random.Random(20261203)
    customer = make_customer(app, company_a, "Mixed orders")
    dual = add_member(app, company_a, "two-roles@alpha.example.com", {"manager", "finance"})
    every = add_member(
        app, company_a, "all-roles@alpha.example.com", {"manager", "finance", "gm", "merchandiser"}
    )
    kinds = list(rules.SIGNOFF_KINDS)
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        signer = db.session.get(Membership, members["manager"])
        signers = [*members.values(), dual, every]  # who signed which line: anyone, at random
        earlier_payments: list[OrderPayment] = []
        for n in range(60):
            order = ExportOrder(
                customer_id=customer,
                contract_no=f"MIX-{n}",
                contract_amount=Decimal("1000"),
                currency="USD",
                created_by_id=signer.id,
                stage=chance.choice(list(rules.STAGES)),
            )
            payment_kinds = chance.sample(
                ["deposit1", "deposit2", "balance", "lc"], chance.randint(0, 3)
            )
            order.payments = [
                OrderPayment(
                    kind=kind,
                    amount=Decimal(chance.choice(["0", "500"])),
                    currency="USD",
                    paid_on=date(2026, 11, 1),
                )
                for kind in payment_kinds
            ]
            db.session.add(order)
            db.session.flush()
            for kind in chance.sample(kinds, chance.randint(0, len(kinds))):
                spec = rules.SIGNOFF_KINDS[kind]
                # now and then a signature naming another order's payment (the app refuses
                # one, but the rules must still agree on what it means)
                targets = order.payments or (chance.random() < 0.5 and earlier_payments)
                if spec.per_payment and not targets:
                    continue
                if spec.per_payment and earlier_payments and chance.random() < 0.15:
                    targets = earlier_payments
                order.signoffs.append(
                    OrderSignoff(
                        kind=kind,
                        target_id=chance.choice(targets).id if spec.per_payment else None,
                        role=spec.role,
                        membership_id=chance.choice(signers),
                        withdrawn_at=datetime.now(UTC) if chance.random() < 0.2 else None,
                    )
                )
            earlier_payments += order.payments
        db.session.commit()
        ids = [*members.values(), dual, every]
        db.session.expunge_all()
        everything = db.session.scalars(rules.load_order_query()).unique().all()
        seen_any = seen_barred = False
        for member_id in ids:
            member = db.session.get(Membership, member_id)
            in_python = {
                o.id
                for o in everything
                if o.stage != "archived"
                and any(v is None for v in rules.available_signoffs(o, member).values())
            }
            in_sql = set(db.session.scalars(rules.where_waiting(select(ExportOrder.id), member)))
            assert in_sql == in_python, member.roles
            # some line was open but for this member's own signature on another line
            seen_barred = seen_barred or any(
                problem is not None and rules.gate_problem(o, kind, target) is None
                for o in everything
                for (kind, target), problem in rules.available_signoffs(o, member).items()
            )
            newest = sorted(in_python, reverse=True)[: rules.WAITING_SHOWN]
            assert [o.id for o in rules.waiting_for(member)] == newest
            assert rules.waiting_count(member) == min(len(in_python), rules.WAITING_COUNT_CAP)
            seen_any = seen_any or bool(in_python)
        assert seen_any  # the mix did give some member something to sign
        assert seen_barred  # ... and barred some member from a line they signed next to
    # another company's open order waits for its own members only
    other = make_order(app, company_b, make_customer(app, company_b, "B customer"), "B-1")
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        manager = db.session.get(Membership, members["manager"])
        assert other not in set(
            db.session.scalars(rules.where_waiting(select(ExportOrder.id), manager))
        )


# --- separation of duties: one person clears one gate ----------------------------------------


def _deposit(order, amount="3000"):
    order.payments.append(
        OrderPayment(kind="deposit1", amount=Decimal(amount), currency="USD", paid_on=date.today())
    )
    db.session.flush()
    return order.payments[-1].id


def test_one_person_clears_at_most_one_gate_to_production(app, company_a, order_id, members):
    """A member holding finance, manager and GM roles (an admin can give themself all three)
    verifies the deposit; the approval and the GM's signature must then be someone else's."""
    every = add_member(app, company_a, "all-roles@alpha.example.com", {"finance", "manager", "gm"})
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        alone = db.session.get(Membership, every)
        first = _deposit(order)
        rules.sign(order, "payment_verified", alone, None, first)
        for kind in ("production_approval", "gm_signature"):
            with pytest.raises(rules.GateClosed) as closed:
                rules.sign(order, kind, alone)
            assert "another person" in closed.value.message
            assert "Finance verified" in closed.value.message  # names what they signed
            assert "another person" in rules.available_signoffs(order, alone)[(kind, None)]
        # the same line for another payment is still theirs to sign
        second = _deposit(order, "1000")
        assert rules.available_signoffs(order, alone)[("payment_verified", second)] is None
        # two other people clear the other two gates
        rules.sign(order, "production_approval", db.session.get(Membership, members["manager"]))
        rules.sign(order, "gm_signature", db.session.get(Membership, members["gm"]))
        assert order.stage == "production"


def test_approving_production_bars_the_same_person_from_the_other_gates(
    app, company_a, order_id, members
):
    every = add_member(app, company_a, "all-roles@alpha.example.com", {"finance", "manager", "gm"})
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        alone = db.session.get(Membership, every)
        order.payments.append(
            OrderPayment(kind="lc", amount=Decimal("10000"), currency="USD", paid_on=date.today())
        )
        db.session.flush()
        rules.sign(order, "production_approval", alone)  # an L/C needs no verification
        assert "another person" in rules.gate_problem(order, "gm_signature", None, alone)
        payment = order.payments[0].id
        assert "another person" in rules.gate_problem(order, "payment_verified", payment, alone)
        # a withdrawn signature clears nothing, so it bars nothing
        rules.withdraw(active_signoff(order, "production_approval"), alone)
        problem = rules.gate_problem(order, "gm_signature", None, alone)
        assert "another person" not in problem and "production approval" in problem


def active_signoff(order, kind):
    [signoff] = rules.active_signoffs(order, kind)
    return signoff


def test_one_person_clears_at_most_one_gate_to_the_bank(app, company_a, order_id, members):
    every = add_member(
        app, company_a, "docs@alpha.example.com", {"merchandiser", "finance", "manager"}
    )
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        alone = db.session.get(Membership, every)
        rules.sign(order, "bl_review", alone)
        for kind in ("bl_custody", "bank_presentation"):
            with pytest.raises(rules.GateClosed, match="another person"):
                rules.sign(order, kind, alone)
        # the factory sales list is a pair of its own: manager and finance, two people
        rules.sign(order, "sales_list_manager", alone)
        assert "another person" in rules.gate_problem(order, "sales_list_finance", None, alone)
        # lines outside the groups stay free: the same person confirms freight and claims
        rules.sign(order, "freight_confirmed", alone)
        rules.sign(order, "claims_confirmed", alone)
        rules.sign(order, "sales_list_finance", db.session.get(Membership, members["finance"]))
        rules.sign(order, "bl_custody", db.session.get(Membership, members["finance"]))
        rules.sign(order, "bank_presentation", db.session.get(Membership, members["manager"]))
        assert order.stage == "at_bank"


# --- signed values: who may change them, and the change outdates the signature ---------------


def test_a_verified_payment_locks_the_contract_amount_to_finance_and_managers(
    app, company_a, order_id, members
):
    """The review's case: a salesperson set the contract amount to the verified deposit and
    the order showed as paid."""
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        owner = db.session.get(Membership, company_a.owner_membership_id)
        rules.sign(order, "payment_verified", m["finance"], None, _deposit(order))
        for who in (m["sales"], owner, m["gm"]):
            problems = rules.change_problems(order, {"contract_amount": Decimal("3000")}, who)
            assert "Manager / Finance" in problems["contract_amount"], who.roles
            with pytest.raises(rules.GateClosed):
                rules.apply_changes(order, {"contract_amount": Decimal("3000")}, who)
        assert rules.change_problems(order, {"currency": "EUR"}, m["sales"])["currency"]
        # an unchanged value and a field no signature confirmed are anyone's
        same = {"contract_amount": Decimal("10000.00"), "factory_order_date": date.today()}
        assert rules.change_problems(order, same, m["sales"]) == {}
        assert order.contract_amount == Decimal("10000.00") and order.stage == "draft"


def test_an_allowed_change_outdates_the_signatures_that_confirmed_it(
    app, company_a, order_id, members
):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        rules.sign(order, "payment_verified", m["finance"], None, _deposit(order))
        rules.sign(order, "production_approval", m["manager"])
        rules.sign(order, "gm_signature", m["gm"])
        rules.sign(order, "freight_confirmed", m["finance"])
        assert order.stage == "production"
        more = {"contract_amount": Decimal("12000")}
        assert rules.change_problems(order, more, m["manager"]) == {}
        rules.apply_changes(order, more, m["manager"])
        # the verification, the approval and the GM's signature confirmed the old amount: all
        # three are outdated (kept, not deleted), so the gates are closed until signed again
        outdated = {s.kind for s in order.signoffs if not s.active}
        assert outdated == {"payment_verified", "production_approval", "gm_signature"}
        assert rules.is_signed(order, "freight_confirmed")  # freight is not about the amount
        assert order.stage == "draft" and len(order.signoffs) == 4
        assert rules.outdated_signoff_ids(order) == {s.id for s in order.signoffs if not s.active}
        db.session.commit()
        events = db.session.execute(
            select(OrderEvent.action, OrderEvent.field, OrderEvent.new)
            .where(OrderEvent.action == "outdated")
            .order_by(OrderEvent.field)
        ).all()
        assert events == [
            ("outdated", "gm_signature", "contract_amount"),
            ("outdated", "payment_verified", "contract_amount"),
            ("outdated", "production_approval", "contract_amount"),
        ]
        # the finance verification can be given again
        payment = order.payments[0].id
        assert rules.gate_problem(order, "payment_verified", payment, m["finance"]) is None


def test_confirmed_freight_is_changed_by_finance_only(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        rules.apply_changes(order, {"freight_amount": Decimal("1200")}, m["sales"])  # unsigned
        rules.sign(order, "freight_confirmed", m["finance"])
        problem = rules.change_problems(order, {"freight_amount": Decimal("900")}, m["manager"])
        assert "Finance" in problem["freight_amount"] and "Manager" not in problem["freight_amount"]
        rules.apply_changes(order, {"freight_amount": Decimal("900")}, m["finance"])
        assert not rules.is_signed(order, "freight_confirmed")
        assert order.freight_amount == Decimal("900")


# --- the paper's order: every gate, both directions ---------------------------------------------
# Driven by the data (SIGNOFF_KINDS[kind].requires, FIELD_GATES): a gate added there is tested
# here the day it is written. Each line is signed by its own member, so separation of duties
# never decides these.

REQUIRED = [
    (kind, index)
    for kind, spec in rules.SIGNOFF_KINDS.items()
    for index in range(len(spec.requires))
]


@pytest.fixture
def signers(app, company_a) -> dict[str, int]:
    return {
        kind: add_member(app, company_a, f"{kind}@alpha.example.com", {spec.role})
        for kind, spec in rules.SIGNOFF_KINDS.items()
    }


def _satisfy(order, condition, signers, target=None) -> None:
    """Make `condition` hold the way people would: sign the lines (after their own gates),
    record the payments."""
    if rules.holds(condition, order, target):
        return
    if isinstance(condition, rules.Signed):
        kind = condition.kinds[0]
        spec = rules.SIGNOFF_KINDS[kind]
        for gate in spec.requires:
            _satisfy(order, gate.condition, signers, target)
        signer = db.session.get(Membership, signers[kind])
        rules.sign(order, kind, signer, None, target if condition.same_payment else None)
    elif isinstance(condition, rules.HasPayment):
        payment = OrderPayment(
            kind=condition.kinds[0], amount=Decimal("1000"), currency="USD", paid_on=date.today()
        )
        order.payments.append(payment)
        db.session.flush()
        _satisfy(order, condition.also, signers, payment.id)
    elif isinstance(condition, rules.AnyOf):
        _satisfy(order, condition.parts[0], signers, target)
    else:
        raise AssertionError(f"cannot satisfy {condition}")


def _break(order, condition, member) -> None:
    """Make `condition` stop holding: withdraw the signatures, empty the payments it rests on."""
    if isinstance(condition, rules.Signed):
        for signoff in order.signoffs:
            if signoff.active and signoff.kind in condition.kinds:
                signoff.withdrawn_at = signoff.signed_at  # as withdrawn by its signer
    elif isinstance(condition, rules.HasPayment):
        for payment in order.payments:
            if payment.kind in condition.kinds:
                _break(order, condition.also, member)
    elif isinstance(condition, rules.Received):
        for payment in order.payments:
            payment.amount = Decimal("0")
    elif isinstance(condition, rules.AnyOf):
        for part in condition.parts:
            _break(order, part, member)
    else:
        raise AssertionError(f"cannot break {condition}")


@pytest.mark.parametrize(("kind", "index"), REQUIRED)
def test_every_gate_closes_and_opens(app, company_a, order_id, signers, kind, index):
    gate = rules.SIGNOFF_KINDS[kind].requires[index]
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        signer = db.session.get(Membership, signers[kind])
        # every gate of the line holds: the line can be signed
        for each in rules.SIGNOFF_KINDS[kind].requires:
            _satisfy(order, each.condition, signers)
        assert rules.gate_problem(order, kind, None, signer) is None
        # this one no longer holds: closed, with its own reason, for the page and for a POST
        _break(order, gate.condition, signer)
        assert rules.gate_problem(order, kind, None, signer) == str(gate.reason)
        with pytest.raises(rules.GateClosed, match=re.escape(str(gate.reason))):
            rules.sign(order, kind, signer)
        # signed again: open again
        _satisfy(order, gate.condition, signers)
        assert rules.gate_problem(order, kind, None, signer) is None
        rules.sign(order, kind, signer)


FIELD_REQUIRED = [
    (field, index) for field, gates in rules.FIELD_GATES.items() for index in range(len(gates))
]


@pytest.mark.parametrize(("field", "index"), FIELD_REQUIRED)
def test_every_field_gate_closes_and_opens(app, company_a, order_id, signers, field, index):
    gate = rules.FIELD_GATES[field][index]
    value = {"shipped_on": date(2026, 11, 27)}[field]  # a value for each gated field
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        assert rules.field_gate_problems(order, {field: value}) == {field: str(gate.reason)}
        assert rules.field_gate_problems(order, {field: None}) == {}  # clearing stays free
        for each in rules.FIELD_GATES[field]:
            _satisfy(order, each.condition, signers)
        assert rules.field_gate_problems(order, {field: value}) == {}
        setattr(order, field, value)
        # withdrawn later: a new value waits for it again, the value already there stays
        _break(order, gate.condition, None)
        assert rules.field_gate_problems(order, {field: value}) == {}
        changed = date(2026, 11, 28) if isinstance(value, date) else value
        assert rules.field_gate_problems(order, {field: changed}) == {field: str(gate.reason)}


# --- a signature records the values it confirmed -----------------------------------------------


def test_a_signature_keeps_the_values_it_confirmed(app, company_a, order_id, members):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        order.forwarder, order.freight_amount = "DHL", Decimal("1200.50")
        payment = _deposit(order)
        verified = rules.sign(order, "payment_verified", m["finance"], None, payment)
        freight = rules.sign(order, "freight_confirmed", m["finance"])
        assert json.loads(freight.confirmed)["forwarder"] == "DHL"
        assert json.loads(freight.confirmed)["freight_amount"] == "1200.5"
        kept = json.loads(verified.confirmed)
        assert kept["contract_amount"] == "10000" and kept["currency"] == "USD"
        assert kept["payment"].startswith("deposit1 3000")
        # the same value written differently is no change: nothing outdated
        rules.apply_changes(order, {"freight_amount": Decimal("1200.500")}, m["finance"])
        assert freight.active
        rules.apply_changes(order, {"forwarder": "Kuehne + Nagel"}, m["finance"])
        assert not freight.active and freight.id in rules.outdated_signoff_ids(order)


def test_a_claim_added_or_removed_outdates_the_managers_confirmation(
    app, company_a, order_id, members
):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        manager = db.session.get(Membership, members["manager"])
        order.claims.append(OrderClaim(party="Factory", reason="late", amount=Decimal("500"),
                                       currency="USD"))  # fmt: skip
        db.session.flush()
        confirmed = rules.sign(order, "claims_confirmed", manager)
        order.claims.append(OrderClaim(party="Forwarder", reason="damage", amount=Decimal("80"),
                                       currency="USD"))  # fmt: skip
        db.session.flush()
        rules.rows_changed(order, manager)
        assert not confirmed.active and confirmed.id in rules.outdated_signoff_ids(order)
        [event] = [e for e in order.events if e.action == "outdated"]
        assert (event.field, event.new) == ("claims_confirmed", "claims")
        again = rules.sign(order, "claims_confirmed", manager)
        assert "Forwarder" in json.loads(again.confirmed)["claims"]


def test_an_outdated_approval_closes_the_gms_gate_until_approved_again(
    app, company_a, order_id, members
):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        order = _order(order_id)
        m = {role: db.session.get(Membership, mid) for role, mid in members.items()}
        rules.sign(order, "payment_verified", m["finance"], None, _deposit(order))
        rules.sign(order, "production_approval", m["manager"])
        assert rules.gate_problem(order, "gm_signature", None, m["gm"]) is None
        rules.apply_changes(order, {"payment_ratio": "50% / 50%"}, m["manager"])
        assert "production approval" in rules.gate_problem(order, "gm_signature", None, m["gm"])
        rules.sign(order, "production_approval", m["manager"])
        assert rules.gate_problem(order, "gm_signature", None, m["gm"]) is None
