"""The shared customer pool (公海): transfer, release, claim, auto-return and its warnings.

A customer is in the pool when it has no owner (`Customer.owner_id IS NULL`). Every change of
owner adds a `CustomerOwnerChange` row, shown as the customer's ownership history on the card.

Auto-return (per grade, `PoolRule`): the clock starts at the later of the last follow-up and the
day the current owner got the customer (`owned_since`, else `created_at`), both as days in the
company's time zone. With N = `return_days`:

- day start + N - M … start + N - 1: the owner sees a warning on "my day" (M = `warn_days`);
- day start + N (the company's midnight): the customer goes back to the pool;
- the previous owner may claim it again only `cooldown_hours` after it went back (a release
  counts too, so releasing and reclaiming cannot reset the clock).

The rules are pure functions of (last follow-up, owned since, rule, now, zone) below; `sweep`
applies them to the database. `flask pool sweep` runs it for every company (cron), and the pool
page and a claim run it lazily for their company first, so the pool reads the same whether or
not cron ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import Customer, CustomerOwnerChange, Membership, PoolRule, Tenant
from . import audit
from .classification import GRADES
from .followups import company_zone
from .roles import can
from .search import matching_customers

KIND_LABELS = {
    "transfer": _l("Transferred"),
    "release": _l("Released to the pool"),
    "claim": _l("Claimed from the pool"),
    "auto_return": _l("Returned to the pool automatically"),
}
REASON_MAX = 500


class PoolError(Exception):
    """A refused pool action; the message is for the user (already translated)."""


def _audit(action: str, **kw) -> None:
    """Every move of a customer between owners and the pool goes into the audit log
    (customer.transfer, pool.release, pool.claim, pool.return); the caller commits."""
    audit.record(action, **kw)


# --- the rules: pure functions ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    return_days: int  # N: days without a follow-up before the customer goes back
    warn_days: int = 0  # M: warn the owner this many days before
    cooldown_hours: int = 0  # H: the previous owner may not reclaim for this long


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clock_start(last_followup_on: date | None, owned_since: datetime, zone: ZoneInfo) -> date:
    """The day the auto-return clock counts from, in the company's zone."""
    owned_day = aware(owned_since).astimezone(zone).date()
    return max(last_followup_on, owned_day) if last_followup_on else owned_day


def return_on(last_followup_on: date | None, owned_since: datetime, rule: Rule, zone) -> date:
    """The company-local day on which the customer goes back to the pool."""
    return clock_start(last_followup_on, owned_since, zone) + timedelta(days=rule.return_days)


def is_due(
    last_followup_on: date | None, owned_since: datetime, rule: Rule, now: datetime, zone
) -> bool:
    """Back to the pool from the company's midnight starting day start + N."""
    today = aware(now).astimezone(zone).date()
    return today >= return_on(last_followup_on, owned_since, rule, zone)


def days_left(
    last_followup_on: date | None, owned_since: datetime, rule: Rule, now: datetime, zone
) -> int:
    today = aware(now).astimezone(zone).date()
    return (return_on(last_followup_on, owned_since, rule, zone) - today).days


def warns(
    last_followup_on: date | None, owned_since: datetime, rule: Rule, now: datetime, zone
) -> bool:
    """The owner is warned on the M days before the return (1 ≤ days left ≤ M)."""
    left = days_left(last_followup_on, owned_since, rule, now, zone)
    return 1 <= left <= rule.warn_days


def cooldown_ends(returned_at: datetime, rule: Rule) -> datetime:
    return aware(returned_at) + timedelta(hours=rule.cooldown_hours)


def in_cooldown(returned_at: datetime, rule: Rule, now: datetime) -> bool:
    """The previous owner may claim again at exactly returned_at + H hours."""
    return aware(now) < cooldown_ends(returned_at, rule)


# --- settings ---------------------------------------------------------------------------------


def rules_for(tenant_id: int | None = None) -> dict[str, Rule]:
    """The current company's rules by grade (grades without a rule never go back)."""
    stmt = select(PoolRule)
    if tenant_id is not None:
        stmt = stmt.where(PoolRule.tenant_id == tenant_id)
    rows = db.session.scalars(stmt)
    return {r.grade: Rule(r.return_days, r.warn_days or 0, r.cooldown_hours or 0) for r in rows}


def save_rules(values: dict[str, tuple[int | None, int | None, int | None]]) -> None:
    """grade -> (N, M, H); N empty removes the grade's rule."""
    existing = {r.grade: r for r in db.session.scalars(select(PoolRule))}
    for grade in GRADES:
        days, warn, cooldown = values.get(grade, (None, None, None))
        row = existing.get(grade)
        if not days:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = PoolRule(grade=grade)
            db.session.add(row)
        row.return_days = days
        row.warn_days = min(warn or 0, days - 1) if days > 1 else 0
        row.cooldown_hours = cooldown or 0


# --- owner changes ----------------------------------------------------------------------------


def _owned_since(customer: Customer) -> datetime:
    return aware(customer.owned_since or customer.created_at)


def _change(customer: Customer, kind: str, to_id: int | None, by: Membership | None,
            reason: str | None, now: datetime, idle_days: int | None = None) -> None:  # fmt: skip
    db.session.add(
        CustomerOwnerChange(
            customer_id=customer.id,
            kind=kind,
            from_member_id=customer.owner_id,
            to_member_id=to_id,
            by_member_id=by.id if by else None,
            reason=reason,
            idle_days=idle_days,
            at=now,
        )
    )
    customer.owner_id = to_id
    customer.owned_since = now if to_id else None


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()[:REASON_MAX]
    if not text:
        raise PoolError(_("Please give a reason."))
    return text


def _lock(customer_ids: list[int]) -> list[Customer]:
    """The customers, locked against a concurrent change (PostgreSQL; SQLite's POST
    transactions are IMMEDIATE and already one at a time)."""
    return list(
        db.session.scalars(
            select(Customer)
            .where(Customer.id.in_(customer_ids))
            .order_by(Customer.id)
            .with_for_update()
        )
    )


def transfer(customers: list[Customer], to: Membership, by: Membership, reason: str | None,
             now: datetime | None = None) -> int:  # fmt: skip
    """Give customers to another member (managers). Returns how many changed owner."""
    if not can(by, "customers.transfer"):
        raise PoolError(_("You may not transfer customers."))
    text = _reason(reason)
    if not to.active:
        raise PoolError(_("%(name)s no longer works in this company.", name=to.user.name))
    now = now or datetime.now(UTC)
    moved = 0
    for customer in _lock([c.id for c in customers]):
        if customer.owner_id == to.id:
            continue
        _change(customer, "transfer", to.id, by, text, now)
        moved += 1
        _audit("customer.transfer", target_type="customer", target_id=customer.id,
               detail={"member": to.user.name, "reason": text})  # fmt: skip
    return moved


def can_release(member: Membership, customer: Customer) -> bool:
    if customer.owner_id is None:
        return False
    if can(member, "pool.release_any"):
        return True
    return customer.owner_id == member.id and can(member, "pool.release")


def release(customer: Customer, by: Membership, reason: str | None,
            now: datetime | None = None) -> None:  # fmt: skip
    """Put a customer back into the pool (its owner or a manager), with a reason."""
    text = _reason(reason)
    (customer,) = _lock([customer.id])
    if customer.owner_id is None:
        raise PoolError(_("This customer is already in the pool."))
    if not can_release(by, customer):
        raise PoolError(_("Only the customer's salesperson or a manager may release it."))
    _change(customer, "release", None, by, text, now or datetime.now(UTC))
    _audit("pool.release", target_type="customer", target_id=customer.id,
           detail={"reason": text})  # fmt: skip


def owned_count(member: Membership) -> int:
    return db.session.scalar(
        select(func.count()).where(  # count(*): covered by the owner index
            Customer.owner_id == member.id, Customer.archived_at.is_(None)
        )
    )


def last_return(customer: Customer, member: Membership) -> CustomerOwnerChange | None:
    """The latest time this member's customer went to the pool (release or auto-return)."""
    return db.session.scalar(
        select(CustomerOwnerChange)
        .where(
            CustomerOwnerChange.customer_id == customer.id,
            CustomerOwnerChange.from_member_id == member.id,
            CustomerOwnerChange.to_member_id.is_(None),
        )
        .order_by(CustomerOwnerChange.at.desc(), CustomerOwnerChange.id.desc())
        .limit(1)
    )


def claim_problem(customer: Customer, member: Membership, tenant: Tenant,
                  now: datetime, rules: dict[str, Rule] | None = None) -> str | None:  # fmt: skip
    """Why this member may not claim this customer now, or None."""
    if not can(member, "pool.claim"):
        return _("You may not claim customers from the pool.")
    if customer.owner_id is not None or customer.archived_at is not None:
        return _("This customer is no longer in the pool.")
    owned = owned_count(member)
    if owned >= tenant.max_owned_customers:
        return _(
            "You already own %(count)d customers, the most the company allows "
            "(%(max)d). Release some to the pool before claiming more.",
            count=owned,
            max=tenant.max_owned_customers,
        )
    rule = (rules if rules is not None else rules_for()).get(customer.grade or "")
    back = last_return(customer, member)
    if rule and back and in_cooldown(back.at, rule, now):
        ends = cooldown_ends(back.at, rule).astimezone(company_zone(tenant))
        return _(
            "This customer left you recently: you may claim it again from %(when)s.",
            when=ends.strftime("%Y-%m-%d %H:%M"),
        )
    return None


def claim(customer: Customer, member: Membership, tenant: Tenant,
          now: datetime | None = None) -> None:  # fmt: skip
    """Take a customer from the pool (limit per salesperson, cool-down for its last owner)."""
    now = now or datetime.now(UTC)
    db.session.scalar(select(Membership.id).where(Membership.id == member.id).with_for_update())
    (customer,) = _lock([customer.id])
    problem = claim_problem(customer, member, tenant, now)
    if problem:
        raise PoolError(problem)
    _change(customer, "claim", member.id, member, None, now)
    _audit("pool.claim", target_type="customer", target_id=customer.id)


# --- auto-return ------------------------------------------------------------------------------


def _candidates(rules: dict[str, Rule], today: date, zone: ZoneInfo, *, early: bool = False,
                owner_ids: list[int] | None = None):  # fmt: skip
    """Owned customers that may be due (or, with `early`, due within that many days): a loose
    SQL pre-filter; the pure rules above decide."""
    conditions = []
    for grade, rule in rules.items():
        cutoff = today - timedelta(days=rule.return_days - (rule.warn_days if early else 0))
        # one day of slack either side of the company's midnight, whatever the zone
        moment = datetime.combine(cutoff + timedelta(days=2), time.min, tzinfo=UTC)
        conditions.append(
            and_(
                Customer.grade == grade,
                or_(Customer.last_followup_on.is_(None), Customer.last_followup_on <= cutoff),
                func.coalesce(Customer.owned_since, Customer.created_at) < moment,
            )
        )
    if not conditions:
        return None
    stmt = select(Customer).where(
        Customer.owner_id.is_not(None), Customer.archived_at.is_(None), or_(*conditions)
    )
    if owner_ids is not None:
        stmt = stmt.where(Customer.owner_id.in_(owner_ids))
    return stmt


def sweep(tenant: Tenant, now: datetime | None = None) -> int:
    """Send the company's overdue customers back to the pool. Returns how many went."""
    now = now or datetime.now(UTC)
    zone = company_zone(tenant)
    rules = rules_for(tenant.id)
    stmt = _candidates(rules, aware(now).astimezone(zone).date(), zone)
    if stmt is None:
        return 0
    returned = 0
    for customer in db.session.scalars(stmt.order_by(Customer.id).with_for_update()):
        rule = rules[customer.grade]
        if is_due(customer.last_followup_on, _owned_since(customer), rule, now, zone):
            _change(customer, "auto_return", None, None, None, now, idle_days=rule.return_days)
            _audit("pool.return", target_type="customer", target_id=customer.id,
                   tenant_id=tenant.id)  # fmt: skip
            returned += 1
    return returned


def lazy_sweep(tenant: Tenant, now: datetime | None = None) -> int:
    """The sweep a pool read runs first, committed at once so what the page shows is stored.
    A customer changed by someone else meanwhile (StaleDataError) is left for the next read."""
    try:
        returned = sweep(tenant, now)
        if returned:
            db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return 0
    return returned


@dataclass
class Warning:
    customer: Customer
    return_on: date
    days_left: int


def warnings(owner_ids: list[int] | None, tenant: Tenant,
             now: datetime | None = None) -> list[Warning]:  # fmt: skip
    """Owned customers about to go back to the pool (within their grade's M days, or already
    due and waiting for the next sweep), soonest first — for "my day"."""
    now = now or datetime.now(UTC)
    zone = company_zone(tenant)
    rules = rules_for(tenant.id)
    stmt = _candidates(rules, aware(now).astimezone(zone).date(), zone, early=True,
                       owner_ids=owner_ids)  # fmt: skip
    if stmt is None:
        return []
    found = []
    for customer in db.session.scalars(stmt):
        rule = rules[customer.grade]
        args = (customer.last_followup_on, _owned_since(customer), rule, now, zone)
        if warns(*args) or is_due(*args):
            found.append(Warning(customer, return_on(*args[:3], zone), max(days_left(*args), 0)))
    return sorted(found, key=lambda w: (w.return_on, w.customer.name))


# --- reading ----------------------------------------------------------------------------------


def pool_query(q: str = "", grade: str = "", country: str = ""):
    """Customers in the pool (not archived), newest arrivals first."""
    stmt = select(Customer).where(Customer.owner_id.is_(None), Customer.archived_at.is_(None))
    if q:
        stmt = stmt.where(Customer.id.in_(matching_customers(q)))
    if grade:
        stmt = stmt.where(Customer.grade == grade)
    if country:
        stmt = stmt.where(Customer.country == country)
    return stmt.options(selectinload(Customer.contacts)).order_by(
        Customer.updated_at.desc(), Customer.id.desc()
    )


def last_owners(customer_ids: list[int]) -> dict[int, CustomerOwnerChange]:
    """The latest move to the pool of each customer (who had it, when, why): one query."""
    if not customer_ids:
        return {}
    rows = db.session.scalars(
        select(CustomerOwnerChange)
        .where(
            CustomerOwnerChange.customer_id.in_(customer_ids),
            CustomerOwnerChange.to_member_id.is_(None),
        )
        .options(joinedload(CustomerOwnerChange.from_member))
        .order_by(CustomerOwnerChange.at, CustomerOwnerChange.id)
    )
    return {row.customer_id: row for row in rows}


def history(customer_id: int) -> list[CustomerOwnerChange]:
    """Every change of owner of a customer, newest first."""
    stmt = (
        select(CustomerOwnerChange)
        .where(CustomerOwnerChange.customer_id == customer_id)
        .options(
            joinedload(CustomerOwnerChange.from_member),
            joinedload(CustomerOwnerChange.to_member),
            joinedload(CustomerOwnerChange.by_member),
        )
        .order_by(CustomerOwnerChange.at.desc(), CustomerOwnerChange.id.desc())
    )
    return list(db.session.scalars(stmt))
