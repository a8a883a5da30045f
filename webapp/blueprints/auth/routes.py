"""Login (with the optional second factor), logout, password reset and the company switcher."""

from __future__ import annotations

from contextlib import nullcontext
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ...extensions import db, limiter, login_manager
from ...models import User
from ...services import accounts, audit, lookups
from ...services.mail import mail_configured, send_mail
from ...services.passwords import hash_password, needs_rehash, verify_password
from ...services.signup import memberships_of
from ...tenancy.context import acting_user, remember_request_user
from ..languages import page_locale
from ..limits import login_guesses
from .forms import CodeForm, ForgotForm, LoginForm, ResetForm
from .logins import PENDING_2FA, finish_second_factor, pending_second_factor, start_login

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "<id>:<epoch>" (User.get_id); a bumped epoch ends the session."""
    parsed = User.parse_id(user_id)
    if parsed is None:
        return None
    # PostgreSQL shows a person's row to that person only (rls.py): name them before asking
    remember_request_user(parsed[0])
    user = db.session.get(User, parsed[0])
    if user is None or str(user.session_epoch or 0) != parsed[1]:
        remember_request_user(None)
        return None
    return user


def safe_next_url(target: str | None) -> str | None:
    """Only same-site relative paths: a login link must not bounce people to another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@login_guesses
def login():
    form = LoginForm()
    if form.validate_on_submit():
        account = lookups.login_account(form.email.data.strip().lower())
        # one message and the same hashing work for an unknown email and a wrong password
        ok = verify_password(account.password_hash if account else None, form.password.data)
        if account is not None:
            # the person's own row, read as that person (rls.py: nobody is logged in yet)
            with acting_user(account.id):
                user = db.session.get(User, account.id)
                if ok and user.is_active:
                    if needs_rehash(user.password_hash):
                        user.password_hash = hash_password(form.password.data)
                        db.session.commit()
                    return start_login(
                        user,
                        remember=bool(form.remember.data),
                        next_url=safe_next_url(request.args.get("next")),
                    )
                # recorded in the person's companies; an unknown email is recorded nowhere
                # (the answer below is the same either way)
                audit.record_for_user(
                    "login.failed", user, {"reason": "inactive" if ok else "password"}
                )
                db.session.commit()
        form.password.errors.append(_("Email or password is incorrect."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def second_factor():
    pending = pending_second_factor()
    if pending is None:
        flash(_("Please log in again."), "warning")
        return redirect(url_for("auth.login"))
    user = load_user(pending["user"])
    if user is None or not user.is_active or not user.has_totp:
        session.pop(PENDING_2FA, None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.verify_second_factor(user, form.code.data):
            db.session.commit()  # the used step or recovery code
            return finish_second_factor(user)
        db.session.rollback()
        audit.record_for_user("login.failed", user, {"reason": "second_factor"})
        db.session.commit()
        form.code.errors.append(_("This code is not valid. Try the next one your app shows."))
    status = 422 if form.errors else 200
    return render_template("auth/login_code.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        account = lookups.account_id(email)
        # the same answer whether or not the address exists: no account discovery here
        if account is not None and mail_configured():
            with acting_user(account):  # its row, its link: read and written as that person
                user = db.session.get(User, account)
                if user.is_active:
                    _send_reset_link(user)
        return render_template("auth/forgot_sent.html", email=email, mail=mail_configured())
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form, mail=mail_configured()), status


def _send_reset_link(user: User) -> None:
    secret = accounts.create_reset_token(user)
    audit.record_for_user("password.reset_mail", user)
    db.session.commit()
    link = url_for("auth.reset_password", token=secret, _external=True)
    send_mail(
        user.email,
        _("Set a new TradeFollow password"),
        render_template("auth/reset_mail.txt", user=user, link=link),
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_password(token: str):
    owner = accounts.reset_link_owner(token)
    # nobody is logged in: the link and its account are read and written as their owner
    with acting_user(owner) if owner is not None else nullcontext():
        return _reset_password(token)


def _reset_password(token: str):
    check = accounts.check_reset_token(token)
    if check.problem:
        return render_template("auth/reset_invalid.html", problem=check.problem), 410
    user = db.session.get(User, check.token.user_id)
    form = ResetForm()
    if form.validate_on_submit():
        problem = accounts.password_problem(form.password.data, user.email)
        if problem:
            form.password.errors.append(problem)
        else:
            accounts.use_reset_token(check.token, form.password.data)
            audit.record_for_user("password.reset", user)
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password is changed. Please log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset.html", form=form, user=user), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/companies")
@login_required
def companies():
    return render_template("auth/companies.html", memberships=memberships_of(current_user))


@bp.get("/companies/menu")
@login_required
def company_menu():
    """The user menu's company switcher (htmx, when the menu is first opened). This URL is
    outside any company, so it speaks the language of the company page it is loaded into
    (`current`, one of the user's own companies), as that page does."""
    memberships = memberships_of(current_user)
    current = request.args.get("current", "")
    here = next((m.tenant for m in memberships if m.tenant.slug == current), None)
    with force_locale(page_locale(here)):
        return render_template("auth/_company_menu.html", memberships=memberships, current=current)
