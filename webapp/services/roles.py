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
    # edit or delete a follow-up record someone else wrote (everyone edits their own)
    "followups.edit_others": frozenset({"owner", "admin", "manager"}),
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
    # invite people by link, change members' roles, deactivate/reactivate members (only an
    # owner grants or removes the owner role: services/team.py)
    "team.invite": frozenset({"owner", "admin"}),
    "team.manage": frozenset({"owner", "admin"}),
    # the audit log: logins, invitations, role changes, imports, exports, deletions …
    "audit.view": frozenset({"owner", "admin"}),
    # map, run or cancel an import someone else uploaded (everyone runs their own)
    "imports.run_others": frozenset({"owner", "admin", "manager"}),
    # "my day" of a colleague or of the whole team
    "myday.team": frozenset({"owner", "admin", "manager"}),
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


# action -> what it lets a member do, in the user's language (the roles page shows the matrix)
PERMISSION_LABELS = {
    "customers.view": _l("See customers and their cards"),
    "customers.edit": _l("Add and edit customers, contacts and follow-ups"),
    "customers.archive": _l("Archive and restore customers"),
    "customers.delete": _l("Delete customers for good"),
    "followups.edit_others": _l("Edit and delete colleagues' follow-up records"),
    "customers.view_all": _l("Customers: see all (when salespeople see only their own)"),
    "customers.transfer": _l("Customers: transfer to another salesperson"),
    "pool.claim": _l("Pool: claim a customer"),
    "pool.release": _l("Pool: release own customers"),
    "pool.release_any": _l("Pool: release anyone's customers"),
    "pool.settings": _l("Pool: settings (visibility, limit, auto-return rules)"),
    "team.view": _l("See the team and the roles page"),
    "settings.edit": _l("Change the company's settings"),
    "team.reset_password": _l("Create password reset links for members"),
    "team.invite": _l("Invite people and revoke invitations"),
    "team.manage": _l("Change members' roles, deactivate and reactivate members"),
    "audit.view": _l("See the audit log"),
    "imports.run_others": _l("Run a colleague's import"),
    "myday.team": _l("See a colleague's or the team's “my day”"),
    "inquiries.view": _l("See inquiries and samples"),
    "inquiries.edit": _l("Record and edit inquiries"),
    "inquiries.assign": _l("Assign inquiries to someone else"),
    "samples.edit": _l("Record and edit samples"),
    "plans.team": _l("Edit the team's call/visit plans"),
    "plans.view_team": _l("See the team's call/visit plans"),
    "reports.review": _l("Read, comment and close the team's weekly reports"),
    "reports.set_target": _l("Set weekly inquiry targets"),
    "dashboard.team": _l("See the team's charts"),
}


def permission_matrix() -> list[tuple[str, str, list[bool]]]:
    """(action, label, allowed per role in ROLES order) for every action in PERMISSIONS."""
    return [
        (action, str(PERMISSION_LABELS.get(action, action)), [r in allowed for r in ROLES])
        for action, allowed in PERMISSIONS.items()
    ]


def can(membership: Membership | None, action: str) -> bool:
    if membership is None or not membership.active:
        return False
    return membership.has_role(*PERMISSIONS.get(action, ()))


def role_labels(roles: set[str]) -> list[str]:
    return [str(ROLE_LABELS[r]) for r in ROLES if r in roles]
