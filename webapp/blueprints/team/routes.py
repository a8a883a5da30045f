"""The company's members and their roles (invitations come with the team work), and password
reset links that owners and admins hand to a member who cannot receive email."""

from __future__ import annotations

from flask import abort, g, render_template, url_for
from sqlalchemy import func, select

from ...extensions import db
from ...models import Membership, User
from ...services import accounts
from ...services.mail import mail_configured, send_mail
from ...services.roles import can
from ...tenancy import acting_user, cross_tenant, get_or_404, tenant_blueprint

bp = tenant_blueprint("team", __name__, "/team")


@bp.get("/")
def index():
    if not can(g.membership, "team.view"):
        abort(403)
    members = db.session.scalars(
        select(Membership).join(Membership.user).order_by(Membership.active.desc(), User.name)
    ).unique()
    return render_template("team/index.html", members=list(members))


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
    if not can(g.membership, "team.reset_password"):
        abort(403)
    member = get_or_404(Membership, member_id)
    refusal = reset_refusal(g.membership, member)
    if refusal:
        return render_template("team/reset_link.html", member=member, refusal=refusal), 409
    secret = accounts.create_reset_token(member.user)
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
