"""Roles a member can hold and what each may do: the one place that says so."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..models.user import ROLES, Membership

ROLE_LABELS = {
    "owner": _l("Owner"),
    "admin": _l("Administrator"),
    "manager": _l("Manager"),
    "sales": _l("Salesperson"),
    "merchandiser": _l("Merchandiser"),
    "finance": _l("Finance"),
    "gm": _l("General manager"),
}
assert set(ROLE_LABELS) == set(ROLES)

# action -> roles allowed; an action not listed here is refused
PERMISSIONS: dict[str, frozenset[str]] = {
    "customers.view": frozenset(ROLES),
    "customers.edit": frozenset(ROLES),
    "customers.archive": frozenset({"owner", "admin", "manager"}),
    "customers.delete": frozenset({"owner", "admin"}),
    # see every customer even when the company setting limits salespeople to their own
    # customers and the pool (services/visibility.py); finance and merchandisers work on every
    # salesperson's orders
    "customers.view_all": frozenset({"owner", "admin", "manager", "gm", "finance", "merchandiser"}),
    # give customers to another salesperson (with a reason, kept in the customer's history)
    "customers.transfer": frozenset({"owner", "admin", "manager"}),
    # the shared pool (公海): claim a customer; release one's own; release anyone's; the rules
    "pool.claim": frozenset({"owner", "admin", "manager", "sales"}),
    "pool.release": frozenset({"owner", "admin", "manager", "sales"}),
    "pool.release_any": frozenset({"owner", "admin", "manager"}),
    "pool.settings": frozenset({"owner", "admin"}),
    "team.view": frozenset(ROLES),
    "settings.edit": frozenset({"owner", "admin"}),
    # a password reset link for a member (shown to copy; mailed too when SMTP is set)
    "team.reset_password": frozenset({"owner", "admin"}),
    # inquiries (询盘) and samples: salespeople record them; managers assign them
    "inquiries.view": frozenset(ROLES),
    "inquiries.edit": frozenset({"owner", "admin", "manager", "sales"}),
    "inquiries.assign": frozenset({"owner", "admin", "manager"}),
    "samples.edit": frozenset({"owner", "admin", "manager", "sales", "merchandiser"}),
    # the call/visit plan: everyone plans for themselves; managers see and edit the team's
    "plans.team": frozenset({"owner", "admin", "manager"}),
    "plans.view_team": frozenset({"owner", "admin", "manager", "gm"}),
    # the weekly inquiry report: managers set targets, comment, mark discussed
    "reports.review": frozenset({"owner", "admin", "manager", "gm"}),
    "reports.set_target": frozenset({"owner", "admin", "manager"}),
    # the team charts of the dashboard
    "dashboard.team": frozenset({"owner", "admin", "manager", "gm"}),
}


def can(membership: Membership | None, action: str) -> bool:
    if membership is None or not membership.active:
        return False
    return membership.has_role(*PERMISSIONS.get(action, ()))


def role_labels(roles: set[str]) -> list[str]:
    return [str(ROLE_LABELS[r]) for r in ROLES if r in roles]
