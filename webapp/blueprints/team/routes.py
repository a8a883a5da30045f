"""The company's members, their roles and activity, invitations by link, the roles page, and
password reset links that owners and admins hand to a member who cannot receive email. The
rules live in services/team.py."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Invitation, Membership, User
from ...services import accounts, audit
from ...services import team as rules
from ...services.mail import mail_configured, send_mail
from ...services.orders import signoff_roles
from ...services.roles import ROLE_LABELS, can, permission_matrix
from ...tenancy.context import acting_user, cross_tenant
from ...tenancy.web import tenant_blueprint
from ..access import get_or_404, member_or_404, permissions
from ..formkit import opened, save_guard
from .forms import ActiveForm, InviteForm, RolesForm

bp = tenant_blueprint("team", __name__, "/team")
permissions(
    bp,
    {
        "index": "team.view",
        "roles": "team.view",
        "invite": "team.invite",
        "revoke": "team.invite",
        "member": "team.manage",
        "change_roles": "team.manage",
        "set_active": "team.manage",
        "reset_link": "team.reset_password",
    },
)


def invitation_or_404(invitation_id: int) -> Invitation:
    """An invitation of the company, or 404."""
    return get_or_404(Invitation, invitation_id)


@bp.get("/")
def index():
    members = db.session.scalars(
        select(Membership)
        .join(Membership.user)
        .options(selectinload(Membership.role_rows))
        .order_by(Membership.active.desc(), User.name)
    ).unique()
    invitations = rules.invitations() if can(g.membership, "team.invite") else []
    now = datetime.now(UTC)
    return render_template(
        "team/index.html",
        members=list(members),
        invitations=[(i, rules.invitation_state(i, now)) for i in invitations],
        self_grants=rules.recent_self_grants(g.membership, now),
    )


@bp.get("/roles")
def roles():
    """What each role may do: generated from PERMISSIONS, the one place that says so, and who
    signs each line of the export order form (orders.SIGNOFF_KINDS)."""
    return render_template(
        "team/roles.html", matrix=permission_matrix(), roles=ROLE_LABELS, signoffs=signoff_roles()
    )


# --- invitations ------------------------------------------------------------------------------


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    if request.method == "GET":
        form.roles.data = ["sales"]
    if form.validate_on_submit():
        try:
            invitation, secret = rules.create_invitation(
                g.membership, form.email.data, set(form.roles.data or []), form.name.data
            )
        except rules.TeamRefused as refused:
            db.session.rollback()
            if refused.field not in ("email", "roles"):
                abort(403)
            form[refused.field].errors.append(refused.message)
        else:
            db.session.commit()
            link = url_for("invites.join", tenant_slug=g.tenant.slug, token=secret, _external=True)
            mailed = mail_configured()
            if mailed:
                send_mail(
                    invitation.email,
                    _("Join %(company)s on TradeFollow", company=g.tenant.name),
                    render_template(
                        "team/invite_mail.txt", invitation=invitation, link=link,
                        inviter=g.membership.user, company=g.tenant,
                    ),
                )  # fmt: skip
            return render_template(
                "team/invite_link.html", invitation=invitation, link=link, mailed=mailed
            )
    status = 422 if form.errors else 200
    return render_template("team/invite.html", form=form), status


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    invitation = invitation_or_404(invitation_id)
    try:
        rules.revoke_invitation(g.membership, invitation)
    except rules.TeamRefused as refused:
        db.session.rollback()
        flash(refused.message, "warning")
    else:
        db.session.commit()
        flash(_("The invitation for %(email)s is revoked.", email=invitation.email), "success")
    return redirect(url_for(".index"), 303)


# --- one member: roles, deactivation ----------------------------------------------------------


def _roles_form(member: Membership) -> RolesForm:
    """The roles form as the member's roles are now."""
    form = RolesForm(formdata=None)
    form.roles.data = rules.ordered_roles(member.roles)
    return form


def _member_page(member: Membership, form: RolesForm | None = None, error: str | None = None,
                 conflict=None):  # fmt: skip
    if form is None:
        form = opened(_roles_form(member), member)
    return render_template(
        "team/member.html",
        member=member,
        form=form,
        conflict=conflict,
        error=error,
        active_form=ActiveForm(formdata=None),
        deactivate_refusal=rules.active_refusal(g.membership, member, False),
        reactivate_refusal=rules.active_refusal(g.membership, member, True),
    )


@bp.get("/<int:member_id>/")
def member(member_id: int):
    return _member_page(member_or_404(member_id))


@bp.post("/<int:member_id>/roles")
def change_roles(member_id: int):
    member = member_or_404(member_id)
    form = RolesForm()
    if not form.validate_on_submit():
        return _member_page(member, form), 422
    conflict = save_guard(form, member, lambda: _roles_form(member))
    if conflict:
        return _member_page(member, form, conflict=conflict), 409
    try:
        changed = rules.change_roles(g.membership, member, set(form.roles.data or []))
    except rules.TeamRefused as refused:
        db.session.rollback()
        member = member_or_404(member_id)
        return _member_page(member, form, refused.message), 409
    db.session.commit()
    if changed:
        flash(_("Roles of %(name)s saved.", name=member.user.name), "success")
    return redirect(url_for(".member", member_id=member.id), 303)


@bp.post("/<int:member_id>/active")
def set_active(member_id: int):
    member = member_or_404(member_id)
    form = ActiveForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    active = form.active.data == "1"
    try:
        changed = rules.set_active(g.membership, member, active)
    except rules.TeamRefused as refused:
        db.session.rollback()
        return _member_page(member_or_404(member_id), error=refused.message), 409
    db.session.commit()
    if changed:
        flash(
            _("%(name)s can log in to this company again.", name=member.user.name)
            if active
            else _(
                "%(name)s is deactivated: they can no longer open this company.",
                name=member.user.name,
            ),  # fmt: skip
            "success",
        )
    return redirect(url_for(".member", member_id=member.id), 303)


# --- password reset links ---------------------------------------------------------------------


def reset_refusal(viewer: Membership, member: Membership) -> str | None:
    """Why this viewer may not create a reset link for this member (None: allowed).

    A person is global across companies, so a link resets their password everywhere: only for
    people who work in no other company, and only an owner may reset an owner's."""
    from flask_babel import gettext as _

    if member.id == viewer.id:
        return _("Use “Login security” to change your own password.")
    if member.has_role("owner") and not viewer.has_role("owner"):
        return _("Only an owner can create a reset link for an owner.")
    with cross_tenant(), acting_user(member.user_id):
        companies = db.session.scalar(
            select(func.count(Membership.id)).where(Membership.user_id == member.user_id)
        )
    if companies > 1:
        return _(
            "This person also works in another company: they must use “Forgot your password?” "
            "themselves."
        )
    return None


@bp.post("/<int:member_id>/reset-link")
def reset_link(member_id: int):
    member = member_or_404(member_id)
    refusal = reset_refusal(g.membership, member)
    if refusal:
        return render_template("team/reset_link.html", member=member, refusal=refusal), 409
    secret = accounts.create_reset_token(member.user)
    audit.record(
        "password.reset_link",
        target_type="member",
        target_id=member.id,
        detail={"member": member.user.name},
    )
    db.session.commit()
    link = url_for("auth.reset_password", token=secret, _external=True)
    mailed = mail_configured()
    if mailed:
        send_mail(
            member.user.email,
            _subject(),
            render_template("auth/reset_mail.txt", user=member.user, link=link),
        )
    return render_template("team/reset_link.html", member=member, link=link, mailed=mailed)


def _subject() -> str:
    from flask_babel import gettext as _

    return _("Set a new TradeFollow password")
