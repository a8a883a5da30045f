"""Export order rules: sign-offs (who may sign what), the paper's gates, derived totals and
stage, and the append-only history. Plain functions over models; the caller commits."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..models import (
    ExportOrder,
    Membership,
    OrderClaim,
    OrderEvent,
    OrderInspection,
    OrderPayment,
    OrderSignoff,
)
from ..models.base import utcnow
from .merging import canonical
from .roles import ROLE_LABELS, role_labels

log = logging.getLogger(__name__)

PAYMENT_METHODS = {"TT": "T/T", "LC": "L/C"}
PAYMENT_KINDS = {
    "deposit1": _l("First deposit"),
    "deposit2": _l("Second deposit"),
    "balance": _l("Balance"),
    "lc": _l("L/C received"),
}
INSPECTION_RESULTS = {"pass": "PASS", "fail": "FAIL"}

# The order's progress, in order; each stage is reached when its condition holds (derive_stage).
STAGES = {
    "draft": _l("Draft"),
    "production": _l("Production approved"),
    "inspected": _l("Inspected"),
    # the customer card's development stage "Shipped" is 出货; the order stage reads 已出货
    "shipped": lazy_pgettext("order stage", "Shipped"),
    "at_bank": _l("Documents at bank"),
    "paid": _l("Paid"),
    "archived": _l("Archived"),
}


# --- the gates as data ------------------------------------------------------------------------
# A signature line can be signed when every gate of it holds (`gates`). A gate is a condition
# over the order and a reason shown when it does not hold. Conditions are the four small
# dataclasses below; `holds` reads one against a loaded order (the order page, `sign`) and
# `condition_sql` turns the same one into SQL over `ExportOrder` (the waiting lists), so the
# two can only differ by a bug in one of those two functions, which the unit test comparing
# them over many random orders would catch.


@dataclass(frozen=True)
class Signed:
    """An active signature of one of `kinds` on the order. `same_payment`: for the payment the
    line is being signed for; `by_signer`: by the member asking (no member: never)."""

    kinds: tuple[str, ...]
    same_payment: bool = False
    by_signer: bool = False


@dataclass(frozen=True)
class HasPayment:
    """A payment of the order of one of `kinds` for which `also` holds (read with that
    payment as the one the line is signed for)."""

    kinds: tuple[str, ...]
    also: object  # a condition


@dataclass(frozen=True)
class Received:
    """The payment the line is signed for has an amount above zero."""


@dataclass(frozen=True)
class AnyOf:
    parts: tuple


@dataclass(frozen=True)
class Lacks:
    part: object  # a condition that must not hold


@dataclass(frozen=True)
class Gate:
    condition: object  # must hold for the line to be signed
    reason: object  # lazy string; `%(line)s` names the signature that closed the gate


# Production approval and the GM's signature need a deposit verified by finance, or a
# received L/C; presenting the documents to the bank needs the B/L review.
DEPOSIT_SECURED = Gate(
    AnyOf((
        HasPayment(("deposit1", "deposit2"), Signed(("payment_verified",), same_payment=True)),
        HasPayment(("lc",), Received()),
    )),
    _l("Needs a deposit verified by finance, or a received L/C, first."),
)  # fmt: skip
BL_REVIEWED = Gate(Signed(("bl_review",)), _l("Needs the B/L sign-off review first."))
# The paper's order within a panel: the GM signs under the manager's approval; the manager's
# "present documents to the bank" comes after finance verified the factory sales list and
# confirmed the B/L in custody; goods ship once the manager gave an opinion on the inspection.
PRODUCTION_APPROVED = Gate(
    Signed(("production_approval",)), _l("Needs the manager's production approval first.")
)
SALES_LIST_VERIFIED = Gate(
    Signed(("sales_list_finance",)),
    _l("Needs finance's verification of the factory sales list first."),
)
BL_IN_CUSTODY = Gate(Signed(("bl_custody",)), _l("Needs the B/L custody confirmation first."))
INSPECTION_ASSESSED = Gate(
    Signed(("inspection_opinion",)), _l("Needs the manager's opinion on the inspection first.")
)


@dataclass(frozen=True)
class SignoffKind:
    role: str
    label: object  # lazy string
    section: str
    per_payment: bool = False
    # the order's fields this signature vouches for, and the roles that may still change them
    # once it is signed (a change outdates the signature: signed_value_problem, apply_changes)
    confirms: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    # repeating rows it vouches for as a whole ("claims"): one added or removed outdates it
    confirms_rows: tuple[str, ...] = ()
    # the paper's gates of this line beyond "not signed yet" and separation of duties
    requires: tuple[Gate, ...] = ()


# What the contract's approval rests on: the amount and currency (what "paid" is measured
# against) and the payment terms.
_CONTRACT = ("contract_amount", "currency")
_TERMS = (*_CONTRACT, "payment_method", "payment_ratio")
_FREIGHT = ("forwarder", "freight_currency", "freight_amount", "terminal_charges", "cbm",
            "cartons", "other_charges", "finance_remittance")  # fmt: skip
_SALES_LIST = ("supplier", "invoice_no", "delivered_date", "purchase_total",
               "actual_purchase_amount", "sales_list_received_date")  # fmt: skip

# Every signature line of the paper form, the role that signs it and the panel it sits in.
# A verified payment row itself cannot change (only be removed, which needs the verification
# withdrawn first); the verification also vouches that the order is paid against the contract
# amount and currency, so those are finance's and managers' once a payment is verified.
SIGNOFF_KINDS: dict[str, SignoffKind] = {
    "payment_verified": SignoffKind(
        "finance",
        _l("Finance verified"),
        "payment",
        per_payment=True,
        confirms=_CONTRACT,
        editors=("finance", "manager"),
    ),
    "production_approval": SignoffKind(
        "manager",
        _l("Manager: reviewed, production approved"),
        "payment",
        confirms=_TERMS,
        editors=("manager", "gm"),
        requires=(DEPOSIT_SECURED,),
    ),
    "gm_signature": SignoffKind(
        "gm",
        _l("General manager's signature"),
        "payment",
        confirms=_TERMS,
        editors=("manager", "gm"),
        requires=(DEPOSIT_SECURED, PRODUCTION_APPROVED),
    ),
    "inspection_opinion": SignoffKind("manager", _l("Manager's opinion"), "inspection"),
    "freight_confirmed": SignoffKind(
        "finance", _l("Finance confirmed"), "freight", confirms=_FREIGHT, editors=("finance",)
    ),
    "sales_list_manager": SignoffKind(
        "manager",
        _l("Manager confirmed"),
        "sales_list",
        confirms=_SALES_LIST,
        editors=("manager", "finance"),
    ),
    "sales_list_finance": SignoffKind(
        "finance",
        _l("Finance verified"),
        "sales_list",
        confirms=_SALES_LIST,
        editors=("manager", "finance"),
    ),
    "bl_review": SignoffKind("merchandiser", _l("B/L sign-off reviewed"), "sales_list"),
    "bl_custody": SignoffKind("finance", _l("B/L custody confirmed"), "sales_list"),
    "bank_presentation": SignoffKind(
        "manager",
        _l("Manager: reviewed, present documents to the bank"),
        "sales_list",
        requires=(BL_REVIEWED, SALES_LIST_VERIFIED, BL_IN_CUSTODY),
    ),
    "claims_confirmed": SignoffKind(
        "manager", _l("Manager confirmed"), "claims", confirms_rows=("claims",)
    ),
}


# Fields of the order set only once the paper's earlier lines are signed: {field: gates}. A
# gate closed by a withdrawn or outdated signature refuses a new value, not one already there.
FIELD_GATES: dict[str, tuple[Gate, ...]] = {
    "shipped_on": (INSPECTION_ASSESSED,),
}


# Separation of duties: the paper has different people check before production and before
# the bank. One member's active signature on one line of a group bars them from the group's
# other lines on the same order (the same line for another payment stays theirs), whatever
# roles they hold: an admin can give themself every role, but not a second pair of eyes.
# The factory sales list's manager confirmation and finance verification are a pair too.
SEPARATE_SIGNERS: tuple[frozenset[str], ...] = (
    frozenset({"payment_verified", "production_approval", "gm_signature"}),
    frozenset({"bl_review", "bl_custody", "bank_presentation"}),
    frozenset({"sales_list_manager", "sales_list_finance"}),
)


def barred_by(kind: str) -> frozenset[str]:
    """The lines whose signature by a member bars that member from signing `kind`."""
    return frozenset().union(*(g for g in SEPARATE_SIGNERS if kind in g)) - {kind}


def gates(kind: str) -> tuple[Gate, ...]:
    """Every gate of a signature line, in the order their reasons are told: not signed yet
    (for this payment, on a per-payment line), no signature of the member on another line of
    its separation group, then the line's own `requires`."""
    spec = SIGNOFF_KINDS[kind]
    result = [Gate(Lacks(Signed((kind,), same_payment=spec.per_payment)), _l("Already signed."))]
    barring = barred_by(kind)
    if barring:
        result.append(
            Gate(
                Lacks(Signed(tuple(sorted(barring)), by_signer=True)),
                _l("You signed “%(line)s” on this order: another person must sign this line."),
            )
        )
    return (*result, *spec.requires)


# the panel of the paper form a signature line sits in, for the roles page
SIGNOFF_SECTION_LABELS = {
    "payment": _l("Payment"),
    "inspection": _l("Inspection"),
    "freight": _l("Freight"),
    "sales_list": _l("Factory sales list and B/L"),
    "claims": _l("Claims"),
}


def signoff_roles() -> list[tuple[str, str, str]]:
    """(panel, signature line, role that signs it) for every line, in the paper's order."""
    return [
        (str(SIGNOFF_SECTION_LABELS[k.section]), str(k.label), str(ROLE_LABELS[k.role]))
        for k in SIGNOFF_KINDS.values()
    ]


class SignoffRefused(Exception):
    """The member may not sign this (wrong role, not the signer): an HTTP 403."""


class GateClosed(Exception):
    """The paper's rule does not allow this yet; `message` says what is missing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- reading the state -----------------------------------------------------------------------


def active_signoffs(order: ExportOrder, kind: str, target_id: int | None = None) -> list:
    return [
        s
        for s in order.signoffs
        if s.kind == kind and s.active and (target_id is None or s.target_id == target_id)
    ]


def is_signed(order: ExportOrder, kind: str, target_id: int | None = None) -> bool:
    return bool(active_signoffs(order, kind, target_id))


def verified_payment_ids(order: ExportOrder) -> set[int]:
    return {s.target_id for s in order.signoffs if s.kind == "payment_verified" and s.active}


def deposit_secured(order: ExportOrder) -> bool:
    """Production may start after a deposit verified by finance, or once the L/C is received."""
    return bool(holds(DEPOSIT_SECURED.condition, order))


def last_inspection_failed(order: ExportOrder) -> bool:
    return bool(order.inspections) and order.inspections[-1].result == "fail"


@dataclass
class Totals:
    received: Decimal  # payments in the contract currency
    verified: Decimal  # of which finance verified
    outstanding: Decimal
    other_currencies: dict[str, Decimal]
    freight_total: Decimal | None
    purchase_variance: Decimal | None  # purchase total minus actual purchase amount (RMB)


def totals(order: ExportOrder) -> Totals:
    verified_ids = verified_payment_ids(order)
    received = verified = Decimal("0")
    others: dict[str, Decimal] = {}
    for p in order.payments:
        amount = p.amount or Decimal("0")  # None: a number SQLite once stored out of range
        if p.currency == order.currency:
            received += amount
            if p.id in verified_ids:
                verified += amount
        else:
            others[p.currency] = others.get(p.currency, Decimal("0")) + amount
    freight_parts = [order.freight_amount, order.terminal_charges, order.other_charges]
    freight = (
        sum((x for x in freight_parts if x is not None), Decimal("0"))
        if any(x is not None for x in freight_parts)
        else None
    )
    variance = (
        order.purchase_total - order.actual_purchase_amount
        if order.purchase_total is not None and order.actual_purchase_amount is not None
        else None
    )
    return Totals(
        received=received,
        verified=verified,
        outstanding=(order.contract_amount or Decimal("0")) - received,
        other_currencies=others,
        freight_total=freight,
        purchase_variance=variance,
    )


# the freight panel's values (blank on all of them: nothing was confirmed)
FREIGHT_VALUES = ("forwarder", "freight_amount", "terminal_charges", "cbm", "cartons",
                  "other_charges", "finance_remittance")  # fmt: skip


def money_warnings(order: ExportOrder, t: Totals) -> list[str]:
    """What the order page warns about, accepted but probably a typo: 'overpaid' (payments in
    the contract currency above the contract amount) and 'freight_blank' (freight confirmed with
    every freight value blank)."""
    found = []
    if t.outstanding < 0:
        found.append("overpaid")
    if is_signed(order, "freight_confirmed") and all(
        getattr(order, name) in (None, "") for name in FREIGHT_VALUES
    ):
        found.append("freight_blank")
    return found


def derive_stage(order: ExportOrder) -> str:
    """The furthest milestone reached, checked from the end of the process backwards."""
    if order.archived_docs and order.archived_data and order.archived_samples:
        return "archived"
    t = totals(order)
    if order.contract_amount and t.verified >= order.contract_amount:
        return "paid"
    if is_signed(order, "bank_presentation"):
        return "at_bank"
    if order.shipped_on:
        return "shipped"
    if order.inspections and order.inspections[-1].result == "pass":
        return "inspected"
    if is_signed(order, "production_approval") and is_signed(order, "gm_signature"):
        return "production"
    return "draft"


def refresh(order: ExportOrder) -> None:
    order.stage = derive_stage(order)


# --- the paper's gates -----------------------------------------------------------------------


def line_name(kind: str) -> str:
    """A signature line as the reader knows it: its label and its panel ("Finance verified"
    is on two panels)."""
    spec = SIGNOFF_KINDS[kind]
    return f"{spec.label} ({SIGNOFF_SECTION_LABELS[spec.section]})"


def holds(condition, order: ExportOrder, target_id: int | None = None,
          member: Membership | None = None):  # fmt: skip
    """Whether `condition` holds for `order` (the line signed for payment `target_id`, by
    `member`): truthy when it does; for `Signed`, the signature found."""
    if isinstance(condition, Signed):
        return next(
            (
                s
                for s in order.signoffs
                if s.active
                and s.kind in condition.kinds
                and (not condition.same_payment or s.target_id == target_id)
                and (
                    not condition.by_signer or (member is not None and s.membership_id == member.id)
                )
            ),
            None,
        )
    if isinstance(condition, HasPayment):
        return any(
            p.kind in condition.kinds and holds(condition.also, order, p.id, member)
            for p in order.payments
        )
    if isinstance(condition, Received):
        return any(p.id == target_id and (p.amount or 0) > 0 for p in order.payments)
    if isinstance(condition, AnyOf):
        return any(holds(part, order, target_id, member) for part in condition.parts)
    if isinstance(condition, Lacks):
        return not holds(condition.part, order, target_id, member)
    raise TypeError(condition)


def gate_problem(order: ExportOrder, kind: str, target_id: int | None = None,
                 member: Membership | None = None) -> str | None:  # fmt: skip
    """Why this signature cannot be given now (translated), or None when it can: the first of
    `gates(kind)` that does not hold. With a `member`, also whether that person may sign it
    (separation of duties); without one, no signature is the signer's, so those gates hold."""
    if SIGNOFF_KINDS[kind].per_payment and target_id not in {p.id for p in order.payments}:
        return _("Pick one of this order's payments.")
    for gate in gates(kind):
        if not holds(gate.condition, order, target_id, member):
            closing = (
                holds(gate.condition.part, order, target_id, member)
                if isinstance(gate.condition, Lacks)
                else None
            )
            line = line_name(closing.kind) if isinstance(closing, OrderSignoff) else ""
            return str(gate.reason) % {"line": line}
    return None


def shipping_problem(order: ExportOrder, shipped_on: date | None) -> str | None:
    if shipped_on and not order.shipped_on and last_inspection_failed(order):
        return _("Shipping is blocked: the last inspection failed. Record a passing re-inspection.")
    return None


def field_gate_problems(order: ExportOrder, values: dict[str, object]) -> dict[str, str]:
    """{field: why it cannot take its new value yet} for the FIELD_GATES among `values` (and
    shipping after a failed inspection): the first closed gate's reason, translated."""
    problems = {}
    if "shipped_on" in values:
        problem = shipping_problem(order, values["shipped_on"])
        if problem:
            problems["shipped_on"] = problem
    for field, field_gates in FIELD_GATES.items():
        new = values.get(field)
        if field in problems or new in (None, "") or _text(new) == _text(getattr(order, field)):
            continue
        closed = next((g for g in field_gates if not holds(g.condition, order)), None)
        if closed is not None:
            problems[field] = str(closed.reason) % {"line": ""}
    return problems


# --- changing the order ----------------------------------------------------------------------


def record(order: ExportOrder, member: Membership, action: str, field: str | None = None,
           old: object = None, new: object = None) -> None:  # fmt: skip
    """Append one history row (never updated or deleted afterwards)."""
    order.events.append(
        OrderEvent(
            membership_id=member.id,
            action=action,
            field=field,
            old=_text(old),
            new=_text(new),
            at=utcnow(),
        )
    )


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def describe(row: object) -> str:
    """A payment, inspection or claim as one line of history (stored text, not translated)."""

    if isinstance(row, OrderPayment):
        return f"{row.kind} {row.amount} {row.currency} {row.paid_on.isoformat()}"
    if isinstance(row, OrderInspection):
        return f"{row.inspected_on.isoformat()} {INSPECTION_RESULTS[row.result]}"
    if isinstance(row, OrderClaim):
        return f"{row.party}: {row.amount} {row.currency}"
    return str(row)


def _changed_fields(order: ExportOrder, values: dict[str, object]) -> list[str]:
    return [
        field
        for field, new in values.items()
        if _text(getattr(order, field)) != _text(None if new == "" else new)
    ]


def signed_value_problem(order: ExportOrder, field: str, member: Membership) -> str | None:
    """Why `member` may not change `field`: an active signature vouches for it and the member
    holds none of the roles that may change it then (translated), or None."""
    for s in order.signoffs:
        spec = SIGNOFF_KINDS.get(s.kind)
        if s.active and spec and field in spec.confirms and not member.has_role(*spec.editors):
            return _(
                "“%(line)s” is signed: only %(roles)s may change this now.",
                line=line_name(s.kind),
                roles=" / ".join(role_labels(set(spec.editors))),
            )
    return None


def change_problems(order: ExportOrder, values: dict[str, object], member: Membership
                    ) -> dict[str, str]:  # fmt: skip
    """{field: why this member may not change it} for the values that would change."""
    problems = {}
    for field in _changed_fields(order, values):
        problem = signed_value_problem(order, field, member)
        if problem:
            problems[field] = problem
    return problems


def apply_changes(order: ExportOrder, values: dict[str, object], member: Membership) -> int:
    """Set fields that changed and write one history row per change; returns how many.

    A change of a value a signature vouches for outdates that signature (its gate closes until
    someone signs again); a member whose roles may not change it is refused (GateClosed: the
    route asks change_problems first and shows the reason next to the field)."""
    problems = change_problems(order, values, member)
    if problems:
        raise GateClosed(next(iter(problems.values())))
    changed = _changed_fields(order, values)
    for field in changed:
        new = None if values[field] == "" else values[field]
        record(order, member, "changed", field, getattr(order, field), new)
        setattr(order, field, new)
    _outdate(order, changed, member)
    refresh(order)
    return len(changed)


def confirmed_values(order: ExportOrder, kind: str, target_id: int | None = None
                     ) -> dict[str, str]:  # fmt: skip
    """What a signature of `kind` vouches for, as text: the order's fields it confirms, the
    payment it verifies, the rows it confirms as a whole. Kept on the sign-off when signed."""
    spec = SIGNOFF_KINDS[kind]
    values = {name: canonical(getattr(order, name)) for name in spec.confirms}
    if spec.per_payment:
        payment = next((p for p in order.payments if p.id == target_id), None)
        values["payment"] = _row_text(payment) if payment else ""
    for collection in spec.confirms_rows:
        rows = sorted(getattr(order, collection), key=lambda row: row.id or 0)
        values[collection] = "; ".join(_row_text(row) for row in rows)
    return values


def _row_text(row: OrderPayment | OrderClaim) -> str:
    """A payment or claim as a signature keeps it: amounts canonical (3000 and 3000.00 alike,
    as typed or as read back)."""
    if isinstance(row, OrderPayment):
        parts = (row.kind, row.amount, row.currency, row.paid_on)
    else:
        parts = (row.party, row.reason, row.amount, row.currency)
    return " ".join(canonical(part) for part in parts)


def values_seen(order: ExportOrder, kind: str, target_id: int | None = None) -> str:
    """A fingerprint of confirmed_values: the sign button carries the one its page showed, so
    a click on values changed meanwhile is refused (409) instead of vouching for unseen ones."""
    text = json.dumps(confirmed_values(order, kind, target_id), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _vouched_changes(signoff: OrderSignoff, order: ExportOrder, fields: list[str]) -> list[str]:
    """What changed of what this signature vouched for: against the values it recorded, or,
    for one signed before values were kept, the changed `fields` it confirms."""
    spec = SIGNOFF_KINDS.get(signoff.kind)
    if spec is None:
        return []
    if signoff.confirmed is None:
        return [f for f in fields if f in spec.confirms]
    then = json.loads(signoff.confirmed)
    now = confirmed_values(order, signoff.kind, signoff.target_id)
    return [name for name in now if then.get(name) != now[name]]


def rows_changed(order: ExportOrder, member: Membership) -> None:
    """After a row was added or removed: outdate the signatures that vouched for the rows."""
    _outdate(order, [], member)


def _outdate(order: ExportOrder, fields: list[str], member: Membership) -> None:
    """Mark the active signatures whose vouched values changed (or, without recorded values,
    that vouched for any of `fields`) as outdated: withdrawn at this moment, with an "outdated"
    history row (which values) at the same moment, so the line shows why. The row stays; its
    gate is closed until someone signs again."""
    now = utcnow()
    for s in order.signoffs:
        hit = _vouched_changes(s, order, fields) if s.active else []
        if hit:
            s.withdrawn_at = now
            order.events.append(
                OrderEvent(membership_id=member.id, action="outdated", field=s.kind,
                           new=",".join(hit), at=now)
            )  # fmt: skip


def outdated_signoff_ids(order: ExportOrder) -> set[int]:
    """Signatures withdrawn by a change of what they vouched for (not by their signer): their
    withdrawal moment is that of an "outdated" history row of their line."""
    if all(s.withdrawn_at is None for s in order.signoffs):
        return set()  # nothing withdrawn: no need to read the history
    moments = {(e.field, _moment(e.at)) for e in order.events if e.action == "outdated"}
    return {
        s.id
        for s in order.signoffs
        if s.withdrawn_at is not None and (s.kind, _moment(s.withdrawn_at)) in moments
    }


def _moment(value: datetime | None) -> datetime | None:
    """A stored moment as naive UTC (SQLite gives naive UTC, PostgreSQL an aware one)."""
    return value.astimezone(UTC).replace(tzinfo=None) if value and value.tzinfo else value


def sign(order: ExportOrder, kind: str, member: Membership, comment: str | None = None,
         target_id: int | None = None) -> OrderSignoff:  # fmt: skip
    spec = SIGNOFF_KINDS.get(kind)
    if spec is None or not member.has_role(spec.role):
        log.warning(
            "refused sign-off %s on order %s by membership %s (roles %s)",
            kind, order.id, member.id, sorted(member.roles),
        )  # fmt: skip
        raise SignoffRefused(kind)
    problem = gate_problem(order, kind, target_id, member)
    if problem:
        raise GateClosed(problem)
    signoff = OrderSignoff(
        kind=kind,
        target_id=target_id if spec.per_payment else None,
        membership_id=member.id,
        role=spec.role,
        comment=(comment or "").strip() or None,
        signed_at=utcnow(),
        confirmed=json.dumps(confirmed_values(order, kind, target_id), sort_keys=True),
    )
    order.signoffs.append(signoff)
    record(order, member, "signed", kind, None, signoff.comment or "")
    refresh(order)
    return signoff


def withdraw(signoff: OrderSignoff, member: Membership) -> None:
    if signoff.membership_id != member.id:
        log.warning("refused withdrawal of sign-off %s by membership %s", signoff.id, member.id)
        raise SignoffRefused(signoff.kind)
    if not signoff.active:
        raise GateClosed("")
    signoff.withdrawn_at = utcnow()
    record(signoff.order, member, "withdrawn", signoff.kind)
    refresh(signoff.order)


def available_signoffs(
    order: ExportOrder, member: Membership
) -> dict[tuple[str, int | None], str | None]:
    """For each signature line the member's roles allow: None when they can sign now, else the
    reason they cannot yet. Lines of other roles are absent (no button)."""
    result: dict[tuple[str, int | None], str | None] = {}
    for kind, spec in SIGNOFF_KINDS.items():
        if not member.has_role(spec.role):
            continue
        targets = [p.id for p in order.payments] if spec.per_payment else [None]
        for target in targets:
            result[(kind, target)] = gate_problem(order, kind, target, member)
    return result


def load_order_query():
    """SELECT of orders with what the order page and the gates read, preloaded."""
    return select(ExportOrder).options(
        selectinload(ExportOrder.payments),
        selectinload(ExportOrder.inspections),
        selectinload(ExportOrder.claims),
        selectinload(ExportOrder.signoffs).joinedload(OrderSignoff.member),
        joinedload(ExportOrder.customer),
        joinedload(ExportOrder.merchandiser),
    )


def condition_sql(condition, payment=None) -> ColumnElement[bool]:
    """`holds` in SQL: the condition over the statement's `ExportOrder`, `payment` the
    (aliased) payment the line is signed for, the member being the statement's
    `waiting_signer`. Subqueries correlate to the statement's order (and payment) at any
    depth: auto-correlation looks only one level out, and inside the payment's EXISTS it added
    a fresh export_order."""
    if isinstance(condition, Signed):
        s = aliased(OrderSignoff)
        where = [
            s.tenant_id == ExportOrder.tenant_id,
            s.order_id == ExportOrder.id,
            s.kind.in_(condition.kinds),
            s.withdrawn_at.is_(None),
        ]
        if condition.same_payment:
            where.append(s.target_id == payment.id)
        if condition.by_signer:
            where.append(s.membership_id == _SIGNER)
        return exists().where(*where).correlate_except(s)
    if isinstance(condition, HasPayment):
        return _some_payment(
            lambda p: (p.kind.in_(condition.kinds), condition_sql(condition.also, p))
        )
    if isinstance(condition, Received):
        return payment.amount > 0
    if isinstance(condition, AnyOf):
        return or_(*(condition_sql(part, payment) for part in condition.parts))
    if isinstance(condition, Lacks):
        return ~condition_sql(condition.part, payment)
    raise TypeError(condition)


def _some_payment(where) -> ColumnElement[bool]:
    """SQL: some payment `p` of the order satisfies every clause of `where(p)`."""
    p = aliased(OrderPayment)
    return (
        exists()
        .where(p.tenant_id == ExportOrder.tenant_id, p.order_id == ExportOrder.id, *where(p))
        .correlate_except(p)
    )


# The member asking, in the SQL of where_waiting: bound per statement, so the
# clause built once per set of lines holds no member. Required: a statement that forgot to bind
# it fails instead of finding orders for nobody.
_SIGNER = bindparam("waiting_signer", type_=Integer, required=True)


def _can_sign_now(kind: str) -> ColumnElement[bool]:
    """SQL for "gate_problem(order, kind, target, member) is None for some target": every gate
    of the line, for some payment of the order on a per-payment line."""
    if SIGNOFF_KINDS[kind].per_payment:
        return _some_payment(lambda p: [condition_sql(gate.condition, p) for gate in gates(kind)])
    return and_(*(condition_sql(gate.condition) for gate in gates(kind)))


def where_waiting(stmt, member: Membership):
    """`stmt` limited to the open orders with a signature line this member could sign right
    now (available_signoffs with a None among its values): the database finds them and stops
    after a page, instead of every open order of the company being loaded to ask in Python. A
    test holds the two equal over many orders. The clause is the one built for the member's
    set of lines; the member is bound as the statement's parameter (a cheap statement-level
    `params()`, not part of the cache key)."""
    clause = _waiting_for_kinds(_kinds_signed_by(member))
    return stmt.where(clause).params(waiting_signer=member.id)


@lru_cache(maxsize=64)
def _waiting_for_kinds(kinds: tuple[str, ...]) -> ColumnElement[bool]:
    # built once per set of signature lines: building it (a dozen aliased EXISTS) cost more
    # than running it. It holds no company or member, only the rules; the tenant guard adds the
    # company to each statement it is used in.
    if not kinds:
        return false()
    return and_(ExportOrder.stage != "archived", or_(*(_can_sign_now(k) for k in kinds)))


def _kinds_signed_by(member: Membership) -> tuple[str, ...]:
    return tuple(kind for kind, spec in SIGNOFF_KINDS.items() if member.has_role(spec.role))


WAITING_SHOWN = 10  # my day lists the newest; the orders list (?waiting=me) pages through all
WAITING_COUNT_CAP = 100


def waiting_for(member: Membership, limit: int = WAITING_SHOWN) -> list[ExportOrder]:
    """The newest orders waiting for this member's signature, with their customers."""
    kinds = _kinds_signed_by(member)
    if not kinds:  # no signature line is theirs: no statement at all
        return []
    stmt = select(ExportOrder).options(joinedload(ExportOrder.customer))
    stmt = where_waiting(stmt, member).order_by(ExportOrder.id.desc())
    return list(db.session.scalars(stmt.limit(limit)))


def waiting_count(member: Membership, cap: int = WAITING_COUNT_CAP) -> int:
    """How many orders wait for this member, counted up to `cap` (a badge says "99+")."""
    kinds = _kinds_signed_by(member)
    if not kinds:
        return 0
    some = where_waiting(select(ExportOrder.id), member).limit(cap).subquery()
    return db.session.scalar(select(func.count()).select_from(some))


def totals_per_currency(stmt) -> dict[str, Decimal]:
    """Sum of contract amounts per currency over a filtered order SELECT."""
    sub = stmt.with_only_columns(ExportOrder.currency, ExportOrder.contract_amount).subquery()
    rows = db.session.execute(
        select(sub.c.currency, func.sum(sub.c.contract_amount)).group_by(sub.c.currency)
    )
    return {currency: amount for currency, amount in rows}  # noqa: C416 - Result rows


def customer_orders(customer_id: int) -> list[ExportOrder]:
    """One customer's export orders, newest first (its card)."""
    stmt = (
        select(ExportOrder)
        .where(ExportOrder.customer_id == customer_id)
        .order_by(ExportOrder.id.desc())
    )
    return list(db.session.scalars(stmt))
