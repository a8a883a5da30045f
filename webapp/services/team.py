"""The team's rules: members' roles, deactivation, the last owner, and invitations by link.
Plain functions; the caller commits. Refusals are messages in the user's language."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import AuditEvent, Invitation, Membership, MembershipRole, Tenant, User
from ..models.user import ROLES
from ..tenancy.context import cross_tenant, invitation_token, tenant_context
from . import audit
from .accounts import end_reset_links
from .roles import can

INVITATION_VALID = timedelta(days=7)


class TeamRefused(Exception):
    """A team change the rules do not allow; `message` says why (translated)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message belongs next to, when there is one


def ordered_roles(roles: set[str] | list[str]) -> list[str]:
    return [r for r in ROLES if r in set(roles)]


def _lock_company(tenant_id: int) -> None:
    """Serialize changes to one company's owners: two owners demoting each other at the same
    moment must not both see "another owner is left" (PostgreSQL row lock; on SQLite the
    write request's BEGIN IMMEDIATE already serializes writers)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())


def active_owner_ids() -> set[int]:
    """Membership ids of the current company's active owners."""
    return set(
        db.session.scalars(
            select(Membership.id)
            .join(
                MembershipRole,
                (MembershipRole.membership_id == Membership.id)
                & (MembershipRole.tenant_id == Membership.tenant_id),
            )
            .where(MembershipRole.role == "owner", Membership.active.is_(True))
        )
    )


def _is_last_owner(member: Membership) -> bool:
    return member.active and member.has_role("owner") and active_owner_ids() <= {member.id}


def roles_refusal(actor: Membership, member: Membership, roles: set[str]) -> str | None:
    """Why `actor` may not give `member` exactly these roles (None: allowed)."""
    if not can(actor, "team.manage"):
        return _("Your role does not allow this action.")
    if not roles:
        return _("Choose at least one role.")
    if not roles <= set(ROLES):
        return _("Choose roles from the list.")
    owner_change = ("owner" in roles) != member.has_role("owner")
    if owner_change and not actor.has_role("owner"):
        return _("Only an owner can grant or remove the owner role.")
    if "owner" not in roles and _is_last_owner(member):
        return _("The company needs at least one active owner: make someone else owner first.")
    return None


def active_refusal(actor: Membership, member: Membership, active: bool) -> str | None:
    """Why `actor` may not deactivate (or reactivate) `member` (None: allowed)."""
    if not can(actor, "team.manage"):
        return _("Your role does not allow this action.")
    if member.has_role("owner") and not actor.has_role("owner"):
        return _("Only an owner can deactivate or reactivate an owner.")
    if not active:
        if member.id == actor.id:
            return _("You cannot deactivate yourself.")
        if _is_last_owner(member):
            return _("The company needs at least one active owner: make someone else owner first.")
    return None


def change_roles(actor: Membership, member: Membership, roles: set[str]) -> bool:
    """Give the member these roles; False when nothing changed. Raises TeamRefused."""
    _lock_company(member.tenant_id)
    refusal = roles_refusal(actor, member, roles)
    if refusal:
        raise TeamRefused(refusal)
    before = ordered_roles(member.roles)
    if set(before) == roles:
        return False
    member.set_roles(roles)
    # roles are rows of their own: the member's row moves with them, so an open roles form
    # of another owner sees a newer version (blueprints/formkit.py)
    member.updated_at = datetime.now(UTC)
    end_reset_links(member.user_id)
    detail = {"member": member.user.name, "before": before, "after": ordered_roles(roles)}
    added = ordered_roles(roles - set(before))
    if member.id == actor.id and added:
        # nobody checked this grant: a distinct event, shown to the other owners for a while
        audit.record(
            "member.self_grant",
            target_type="member",
            target_id=member.id,
            detail={**detail, "added": added},
            user=actor,
        )
    else:
        audit.record("member.roles", target_type="member", target_id=member.id, detail=detail)
    return True


SELF_GRANT_SHOWN = timedelta(days=30)


@dataclass(frozen=True)
class SelfGrant:
    member: str  # the name, as recorded
    added: list[str]  # role codes
    at: datetime


def recent_self_grants(viewer: Membership, now: datetime | None = None) -> list[SelfGrant]:
    """Roles members gave themselves in the last SELF_GRANT_SHOWN, for an owner to see (the
    team page): none for other roles, and not one's own."""
    if not viewer.active or not viewer.has_role("owner"):
        return []
    now = now or datetime.now(UTC)
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == "member.self_grant",
            AuditEvent.created_at >= now - SELF_GRANT_SHOWN,
            AuditEvent.created_at <= now,
            AuditEvent.user_id != viewer.user_id,
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(20)
    )
    grants = []
    for event in events:
        detail = json.loads(event.detail or "{}")
        grants.append(
            SelfGrant(detail.get("member", ""), detail.get("added", []), event.created_at)
        )
    return grants


def set_active(actor: Membership, member: Membership, active: bool) -> bool:
    """Deactivate or reactivate; False when it already was so. Raises TeamRefused."""
    _lock_company(member.tenant_id)
    refusal = active_refusal(actor, member, active)
    if refusal:
        raise TeamRefused(refusal)
    if member.active == active:
        return False
    member.active = active
    end_reset_links(member.user_id)
    audit.record(
        "member.reactivate" if active else "member.deactivate",
        target_type="member",
        target_id=member.id,
        detail={"member": member.user.name},
    )
    return True


# --- invitations ------------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment  # SQLite: naive UTC


def invitation_state(invitation: Invitation, now: datetime | None = None) -> str:
    """pending, accepted, revoked or expired (the link stops working at expires_at exactly)."""
    now = now or datetime.now(UTC)
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if now >= _aware(invitation.expires_at):
        return "expired"
    return "pending"


def member_by_email(email: str) -> Membership | None:
    """The current company's membership (active or not) of the person with this email."""
    return db.session.scalar(
        select(Membership).join(Membership.user).where(User.email == email.strip().lower())
    )


def invite_refusal(actor: Membership, email: str, roles: set[str]) -> str | None:
    return _invite_refusal(actor, email, roles)[1]


def _invite_refusal(
    actor: Membership, email: str, roles: set[str]
) -> tuple[str | None, str | None]:
    """(form field, why) an invitation is refused, or (None, None)."""
    if not can(actor, "team.invite"):
        return None, _("Your role does not allow this action.")
    if not roles or not roles <= set(ROLES):
        return "roles", _("Choose at least one role.")
    if "owner" in roles and not actor.has_role("owner"):
        return "roles", _("Only an owner can grant or remove the owner role.")
    existing = member_by_email(email)
    if existing is not None and existing.active:
        return "email", _("%(email)s is already a member of this company.", email=email)
    if existing is not None:
        return "email", _(
            "%(email)s was a member and is deactivated: reactivate them on the team page instead.",
            email=email,
        )
    return None, None


def create_invitation(
    actor: Membership,
    email: str,
    roles: set[str],
    name: str | None = None,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A new invitation and its link secret (only the hash is stored). An open invitation to
    the same email is revoked: one working link per person. Raises TeamRefused."""
    now = now or datetime.now(UTC)
    email = email.strip().lower()
    field, refusal = _invite_refusal(actor, email, roles)
    if refusal:
        raise TeamRefused(refusal, field)
    replaced = []
    for old in db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        old.revoked_at, old.revoked_by_id = now, actor.id
        replaced.append(old.id)
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        name=(name or "").strip() or None,
        roles=",".join(ordered_roles(roles)),
        token_hash=_digest(secret),
        created_by_id=actor.id,
        created_at=now,
        expires_at=now + INVITATION_VALID,
    )
    db.session.add(invitation)
    db.session.flush()
    detail = {"email": email, "roles": ordered_roles(roles)}
    if replaced:
        detail["replaced"] = replaced
    audit.record(
        "invitation.create",
        target_type="invitation",
        target_id=invitation.id,
        detail=detail,
        user=actor,
    )
    return invitation, secret


def revoke_invitation(actor: Membership, invitation: Invitation, now: datetime | None = None):
    """Revoke a pending invitation. Raises TeamRefused when it is no longer pending."""
    now = now or datetime.now(UTC)
    if not can(actor, "team.invite"):
        raise TeamRefused(_("Your role does not allow this action."))
    if invitation_state(invitation, now) != "pending":
        raise TeamRefused(_("This invitation is no longer open."))
    invitation.revoked_at, invitation.revoked_by_id = now, actor.id
    audit.record(
        "invitation.revoke",
        target_type="invitation",
        target_id=invitation.id,
        detail={"email": invitation.email},
        user=actor,
    )


@dataclass(frozen=True)
class JoinCheck:
    invitation: Invitation | None
    # None when usable; else unknown, wrong_company, accepted, revoked or expired
    problem: str | None


def check_invitation(tenant_slug: str, secret: str, now: datetime | None = None) -> JoinCheck:
    """What a /join/<company>/<secret> link is worth, before the visitor belongs to anything.
    The lookup by hash crosses companies on purpose: on PostgreSQL the invitation_by_token
    policy shows exactly the row whose hash is asked for, and nothing else."""
    digest = _digest(secret or "")
    with cross_tenant(), invitation_token(digest):
        invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if invitation is None:
        return JoinCheck(None, "unknown")
    if invitation.tenant.slug != tenant_slug:
        return JoinCheck(invitation, "wrong_company")
    state = invitation_state(invitation, now)
    return JoinCheck(invitation, None if state == "pending" else state)


def join_refusal(invitation: Invitation, user: User) -> str | None:
    """Why this logged-in person cannot accept this invitation (None: they can)."""
    if user.email != invitation.email:
        return _(
            "This invitation is for %(invited)s, but you are logged in as %(email)s. Log out and "
            "open the link again.",
            invited=invitation.email,
            email=user.email,
        )
    with tenant_context(invitation.tenant_id):
        existing = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    if existing is not None and existing.active:
        return _("You are already a member of this company.")
    if existing is not None:
        return _(
            "Your membership of this company was deactivated. Ask an owner or administrator to "
            "reactivate it."
        )
    return None


def accept_invitation(
    invitation: Invitation, user: User, now: datetime | None = None
) -> Membership:
    """Spend the link and make the person a member with the preset roles. Raises TeamRefused
    when the link was spent or revoked meanwhile, or the person cannot join."""
    now = now or datetime.now(UTC)
    refusal = join_refusal(invitation, user)
    if refusal:
        raise TeamRefused(refusal)
    with tenant_context(invitation.tenant_id):
        # one UPDATE decides: a second click or a revoke at the same moment cannot both win
        spent = db.session.execute(
            update(Invitation)
            .where(
                Invitation.id == invitation.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
            .values(accepted_at=now, accepted_user_id=user.id)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:
            raise TeamRefused(_("This invitation link was already used or revoked."))
        membership = Membership(tenant_id=invitation.tenant_id, user=user)
        membership.set_roles(invitation.role_set)
        db.session.add(membership)
        db.session.flush()
        end_reset_links(user.id)
        audit.record(
            "invitation.accept",
            target_type="invitation",
            target_id=invitation.id,
            detail={"email": user.email, "roles": ordered_roles(invitation.role_set)},
            user=user,
            tenant_id=invitation.tenant_id,
        )
        db.session.flush()
    return membership


def invitations() -> list[Invitation]:
    """The current company's invitations, newest first (the team page)."""
    return list(
        db.session.scalars(
            select(Invitation)
            .options(joinedload(Invitation.created_by))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
            .limit(50)
        )
    )


def pending_count(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    return db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
