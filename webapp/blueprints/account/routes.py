"""A person's own login security (not a company's page): password, two-factor login with
recovery codes, and logging out everywhere."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ...extensions import db, limiter
from ...services import accounts
from ...services.passwords import verify_password
from ..auth.forms import ChangePasswordForm, CodeForm, DisableTotpForm
from ..auth.logins import renew_session

bp = Blueprint("account", __name__, url_prefix="/account")
SETUP_SECRET = "totp_setup_secret"


def _page(status: int = 200, **forms):
    forms.setdefault("password_form", ChangePasswordForm(prefix="pw"))
    forms.setdefault("disable_form", DisableTotpForm(prefix="off"))
    forms.setdefault("codes_form", CodeForm(prefix="codes"))
    left = accounts.recovery_codes_left(current_user) if current_user.has_totp else 0
    return render_template("account/security.html", codes_left=left, **forms), status


@bp.get("/")
@login_required
def security():
    return _page()


@bp.post("/password")
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append(_("The current password is not right."))
        else:
            problem = accounts.password_problem(form.password.data, current_user.email)
            if problem:
                form.password.errors.append(problem)
            else:
                accounts.set_password(current_user, form.password.data)
                db.session.commit()
                # this session carries the new epoch; the others end (the real object, not the
                # proxy: Flask-Login stores what it is given as the current user)
                renew_session(current_user._get_current_object())
                flash(_("Password changed. Your other sessions are logged out."), "success")
                return redirect(url_for("account.security"))
    return _page(422, password_form=form)


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    accounts.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/two-factor", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def totp_setup():
    if current_user.has_totp:
        return redirect(url_for("account.security"))
    secret = session.get(SETUP_SECRET) or accounts.new_totp_secret()
    session[SETUP_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        if accounts.confirm_totp(secret, form.code.data):
            codes = accounts.enable_totp(current_user, secret)
            db.session.commit()
            session.pop(SETUP_SECRET, None)
            return render_template("account/recovery_codes.html", codes=codes, new=True)
        form.code.errors.append(_("This code is not valid. Try the next one your app shows."))
    uri = accounts.provisioning_uri(secret, current_user.email)
    status = 422 if form.errors else 200
    return render_template(
        "account/totp_setup.html", form=form, secret=secret, qr=accounts.qr_svg(uri)
    ), status


@bp.post("/two-factor/off")
@login_required
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"])
def totp_disable():
    form = DisableTotpForm(prefix="off")
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors.append(_("The current password is not right."))
        elif not accounts.verify_second_factor(current_user, form.code.data):
            db.session.rollback()
            form.code.errors.append(_("This code is not valid. Try the next one your app shows."))
        else:
            accounts.disable_totp(current_user)
            db.session.commit()
            flash(_("Two-factor login is off."), "info")
            return redirect(url_for("account.security"))
    return _page(422, disable_form=form)


@bp.post("/two-factor/recovery-codes")
@login_required
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"])
def recovery_codes():
    form = CodeForm(prefix="codes")
    if current_user.has_totp and form.validate_on_submit():
        if accounts.verify_second_factor(current_user, form.code.data):
            codes = accounts.regenerate_recovery_codes(current_user)
            db.session.commit()
            return render_template("account/recovery_codes.html", codes=codes, new=False)
        db.session.rollback()
        form.code.errors.append(_("This code is not valid. Try the next one your app shows."))
    return _page(422, codes_form=form)
