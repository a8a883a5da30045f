"""Login, logout and the company switcher."""

from __future__ import annotations

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
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from ...extensions import db, limiter, login_manager
from ...models import User
from ...services.passwords import hash_password, needs_rehash, verify_password
from ...services.signup import memberships_of
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session holds "<id>:<epoch>" (User.get_id); a bumped epoch ends the session."""
    raw_id, _sep, epoch = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or str(user.session_epoch or 0) != (epoch or "0"):
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
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        # one message and the same hashing work for an unknown email and a wrong password
        ok = verify_password(user.password_hash if user else None, form.password.data)
        if ok and user.is_active:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
                db.session.commit()
            locale = session.get("locale")
            session.clear()  # a fresh session at login: no fixation of a pre-login session
            if locale and not user.locale:
                session["locale"] = locale
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or _home_for(user))
        form.password.errors.append(_("Email or password is incorrect."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


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


def _home_for(user: User) -> str:
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return url_for("dashboard.home", tenant_slug=memberships[0].tenant.slug)
    return url_for("auth.companies")
