"""Public pages: landing, company signup, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import text

from ...extensions import db, limiter
from ...services.signup import SignupError, create_company, memberships_of, suggest_slug
from ..auth.routes import safe_next_url
from .forms import SignupForm

bp = Blueprint("public", __name__)


@bp.get("/")
def landing():
    memberships = memberships_of(current_user) if current_user.is_authenticated else []
    return render_template("public/landing.html", memberships=memberships)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: _config("SIGNUP_RATE_LIMIT"), methods=["POST"])
def signup():
    form = SignupForm()
    if request.method == "GET":
        form.home_country.data = form.home_country.data or "CN"
        form.default_locale.data = session.get("locale") or request.accept_languages.best_match(
            ["zh", "en"], "zh"
        )
    if not form.slug.data and form.company_name.data:
        form.slug.data = suggest_slug(form.company_name.data)  # no-JS path still gets a slug
    if form.validate_on_submit():
        try:
            tenant, user = create_company(
                company_name=form.company_name.data,
                slug=form.slug.data,
                home_country=form.home_country.data,
                default_locale=form.default_locale.data,
                owner_name=form.owner_name.data,
                email=form.email.data,
                password=form.password.data,
            )
        except SignupError as err:
            db.session.rollback()
            form[err.field].errors.append(
                _("An account with this email exists. Enter its password to add the company to it.")
                if err.code == "exists"
                else _("This address is already taken. Please choose another.")
            )
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            return redirect(url_for("dashboard.home", tenant_slug=tenant.slug))
    status = 422 if form.errors else 200
    return render_template("public/signup.html", form=form), status


@bp.get("/signup/slug")
def slug_suggestion():
    """Suggested web address for a company name, for the signup form's live hint."""
    return jsonify(slug=suggest_slug(request.args.get("name", "")[:120]))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang", "")
    if lang in ("zh", "en"):
        session["locale"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("public.landing"))


def _config(key: str) -> str:
    from flask import current_app

    return current_app.config[key]
