"""Joining a company by invitation link: /join/<company>/<secret>, before the visitor is a
member (so not a tenant blueprint). The rules live in services/team.py."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import User
from ...services import lookups
from ...services import team as rules
from ...services.accounts import password_problem
from ...services.passwords import hash_password
from ...tenancy.context import acting_user, tenant_context
from ..auth.logins import start_login
from ..limits import by_link_token, office_step
from .forms import AcceptForm, JoinSignupForm

bp = Blueprint("invites", __name__)


@bp.route("/join/<tenant_slug>/<token>", methods=["GET", "POST"])
@office_step(by_link_token)
def join(tenant_slug: str, token: str):
    check = rules.check_invitation(tenant_slug, token)
    if check.problem:
        return render_template(
            "invites/invalid.html", problem=check.problem, invitation=check.invitation
        ), 410
    invitation = check.invitation
    company = invitation.tenant
    with tenant_context(invitation.tenant_id):  # a valid link: its company's inviter may show
        g.inviter_name = invitation.created_by.user.name
    if current_user.is_authenticated:
        return _join_as_member(invitation, company)
    if lookups.account_id(invitation.email) is not None:
        # an account exists: log in first, then come back to this page and join
        return render_template(
            "invites/join.html", invitation=invitation, company=company, mode="login"
        )
    form = JoinSignupForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        problem = password_problem(form.password.data, invitation.email)
        if problem:
            form.password.errors.append(problem)
        else:
            user = User(
                email=invitation.email,
                name=form.name.data,
                password_hash=hash_password(form.password.data),
                locale=str(get_locale() or "") or None,
            )
            lookups.add_account(user)
            with acting_user(user.id):  # the new account's rows, read back as that person
                return _join_new_account(invitation, company, user)
    status = 422 if form.errors else 200
    return render_template(
        "invites/join.html", invitation=invitation, company=company, mode="signup", form=form
    ), status


def _join_new_account(invitation, company, user: User):
    try:
        rules.accept_invitation(invitation, user)
    except rules.TeamRefused as refused:
        db.session.rollback()
        return render_template(
            "invites/join.html", invitation=invitation, company=company,
            mode="refused", refusal=refused.message,
        ), 409  # fmt: skip
    db.session.commit()
    response = start_login(user, next_url=url_for("dashboard.home", tenant_slug=company.slug))
    flash(_("Welcome to %(company)s.", company=company.name), "success")
    return response


def _join_as_member(invitation, company):
    refusal = rules.join_refusal(invitation, current_user)
    form = AcceptForm()
    if refusal is None and form.validate_on_submit():
        try:
            rules.accept_invitation(invitation, current_user)
        except rules.TeamRefused as refused:
            db.session.rollback()
            refusal = refused.message
        else:
            db.session.commit()
            flash(_("Welcome to %(company)s.", company=company.name), "success")
            return redirect(url_for("dashboard.home", tenant_slug=company.slug), 303)
    status = 409 if refusal and request.method == "POST" else 200
    return render_template(
        "invites/join.html", invitation=invitation, company=company,
        mode="refused" if refusal else "accept", refusal=refusal, form=form,
    ), status  # fmt: skip
