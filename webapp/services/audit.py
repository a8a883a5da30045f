"""The company's audit log: who did what, when and from which address (append-only).

`record()` adds one event to the current transaction; the caller commits. Who acted and from
which address, when the caller names nobody, is what the web layer noted for the request in `g`
(`g.membership`, `g.client_ip`: blueprints/audit/routes.py); outside a request nobody and
nowhere. Logins happen before a
company is chosen: the auth routes record them in every company the person belongs to
(`record_for_user`). A failed login for a known email is recorded the same way (each company sees
attempts on its members' accounts); a failed login for an unknown email is recorded nowhere, so
neither the answer nor any company's log tells whether an address has an account.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEvent, Membership, User
from ..tenancy.context import TenantContextMissing, acting_user, cross_tenant, current_tenant_id
from ..tenancy.context import tenant_context as _tenant_context
from .roles import ROLE_LABELS

# action -> label in the user's language. Other modules record these codes; a code missing here
# still shows (as the code itself), but the unit tests require every recorded code to be listed.
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login.failed": _l("Failed login"),
    "company.create": _l("Company created"),
    "invitation.create": _l("Invitation created"),
    "invitation.accept": _l("Invitation accepted"),
    "invitation.revoke": _l("Invitation revoked"),
    "member.roles": _l("Roles changed"),
    "member.self_grant": _l("Gave themself roles"),
    "member.deactivate": _l("Member deactivated"),
    "member.reactivate": _l("Member reactivated"),
    "password.reset_link": _l("Password reset link created"),
    "password.reset_mail": _l("Password reset link mailed"),
    "password.reset": _l("Password set with a reset link"),
    "import.commit": _l("Customer sheet imported"),
    "import.restart": _l("Stopped import started again"),
    "export": _l("Customers exported"),
    "customer.delete": _l("Customer deleted"),
    "contact.delete": _l("Contact deleted"),
    "followup.delete": _l("Follow-up deleted"),
    "order.payment.delete": _l("Order payment deleted"),
    "order.claim.delete": _l("Order claim deleted"),
    "inquiry.delete": _l("Inquiry deleted"),
    "sample.delete": _l("Sample deleted"),
    "plan.delete": _l("Call/visit plan deleted"),
    "customer.transfer": _l("Customer transferred"),
    "pool.release": _l("Customer released to the pool"),
    "pool.claim": _l("Customer claimed from the pool"),
    "pool.return": _l("Customer returned to the pool"),
}

# keys of an event's detail, as the log page labels them
DETAIL_LABELS = {
    "email": _l("Email"),
    "name": _l("Name"),
    "member": _l("Member"),
    "roles": _l("Roles"),
    "before": _l("Before"),
    "after": _l("After"),
    "added": _l("Added"),
    "reason": _l("Reason"),
    "file": _l("File"),
    "rows": _l("Rows"),
    "format": _l("Format"),
    "kind": _l("Kind"),
    "filters": _l("Filters"),
    "customer": _l("Customer"),
    "contract": _l("Contract no."),
    "seq": _l("No."),
    "replaced": _l("Replaces invitation"),
    "contacts": _l("Contacts"),
    "topic": _l("Topic"),
    "payment": _l("Payment"),
    "claim": _l("Claim"),
    "start": _l("Start"),
}
# detail values that are role codes, shown as role names
_ROLE_KEYS = {"roles", "before", "after", "added"}
REASON_LABELS = {
    "password": _l("wrong password"),
    "inactive": _l("account deactivated"),
    "second_factor": _l("wrong two-factor code"),
}
# what an export took out (the `kind` of services/exporting.KINDS)
EXPORT_KIND_LABELS = {
    "customers": _l("Customers"),
    "contacts": _l("Contacts"),
    "followups": _l("Follow-ups"),
}
# detail values stored as codes and shown in the reader's language
_VALUE_LABELS = {"reason": REASON_LABELS, "kind": EXPORT_KIND_LABELS}


def _user_id(user: User | Membership | int | None) -> int | None:
    if user is None or isinstance(user, int):
        return user
    if isinstance(user, Membership):
        return user.user_id
    return user.id


def _actor() -> int | None:
    """The member acting in this request's company (the logged-in person), else nobody."""
    member = g.get("membership") if has_app_context() else None
    return member.user_id if member is not None else None


def _client_ip() -> str | None:
    return g.get("client_ip") if has_app_context() else None


def record(
    action: str,
    *,
    target_type: str | None = None,
    target_id: int | None = None,
    detail: dict[str, Any] | str | None = None,
    user: User | Membership | int | None = None,
    tenant_id: int | None = None,
) -> AuditEvent:
    """Add one event (who: `user`, else the logged-in person; the client's address when in a
    request) to the current company, or to `tenant_id`. The caller commits."""
    tenant_id = tenant_id if tenant_id is not None else current_tenant_id()
    if tenant_id is None:
        raise TenantContextMissing("an audit event needs a company")
    if isinstance(detail, dict):
        detail = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    event = AuditEvent(
        tenant_id=tenant_id,
        action=action,
        user_id=_user_id(user) if user is not None else _actor(),
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        ip=_client_ip(),
    )
    if tenant_id == current_tenant_id():
        db.session.add(event)
        return event
    db.session.flush()  # what is pending belongs to the current context, not to tenant_id
    with _tenant_context(tenant_id):
        db.session.add(event)
        db.session.flush()
    return event


def companies_of(user: User) -> list[int]:
    """Every company the person belongs to (active or not: a deactivated member's attempts
    interest that company's admins too)."""
    with cross_tenant(), acting_user(user.id):
        return list(
            db.session.scalars(
                select(Membership.tenant_id)
                .where(Membership.user_id == user.id)
                .order_by(Membership.tenant_id)
            )
        )


def record_for_user(action: str, user: User, detail: dict[str, Any] | None = None) -> int:
    """Record an event of a person's own account (login, failed login, reset) in each of
    their companies. Returns how many events were added; the caller commits."""
    tenants = companies_of(user)
    for tenant_id in tenants:
        record(
            action,
            target_type="user",
            target_id=user.id,
            detail=detail,
            user=user,
            tenant_id=tenant_id,
        )
    return len(tenants)


# --- reading the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    user_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def log_query(filters: AuditFilters, zone):
    """Events of the current company, newest first; dates are the company's days (`zone`)."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.date_from:
        start = datetime.combine(filters.date_from, time(), tzinfo=zone).astimezone(UTC)
        query = query.where(AuditEvent.created_at >= start)
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), tzinfo=zone)
        query = query.where(AuditEvent.created_at < end.astimezone(UTC))
    return query


def local_moment(moment: datetime, zone) -> datetime:
    """A stored moment (naive UTC on SQLite) in the company's zone."""
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(zone)


def people() -> list[User]:
    """The company's members (active or not) for the person filter."""
    return list(
        db.session.scalars(
            select(User).join(Membership, Membership.user_id == User.id).order_by(User.name)
        )
    )


def detail_items(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's detail as (label, value) pairs in the user's language."""
    if not event.detail:
        return []
    try:
        data = json.loads(event.detail)
    except ValueError:
        data = event.detail
    if not isinstance(data, dict):
        return [("", str(data))]
    items = []
    for key, value in data.items():
        if value in (None, "", [], {}):
            continue
        if key in _ROLE_KEYS and isinstance(value, list):
            value = ", ".join(str(ROLE_LABELS.get(v, v)) for v in value)
        elif isinstance(value, str) and value in _VALUE_LABELS.get(key, {}):
            value = _VALUE_LABELS[key][value]
        elif isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        items.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return items


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
