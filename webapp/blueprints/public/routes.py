"""Public pages: landing, company signup, language switch, health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from ...extensions import db, limiter
from ...services.mail import mail_configured, send_mail
from ...services.signup import (
    SignupError,
    add_company,
    create_company,
    email_taken,
    memberships_of,
    read_signup_token,
    signup_token,
    slug_problem,
    suggest_slug,
)
from ...tenancy.context import remember_request_user
from ..auth.logins import start_login
from ..auth.routes import safe_next_url
from ..limits import by_account, by_link_token, office_step
from .forms import CompanyForm, ConfirmSignupForm, SignupForm, SignupRequestForm

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
@office_step(by_account)
def signup():
    """A new company. Logged in: added to the person's account. A visitor on a server that
    sends mail: a link to the address, the same answer for a new and an existing one. A visitor
    on a server without mail: a new account at once (an existing address is told to log in)."""
    if current_user.is_authenticated:
        form = CompanyForm()
    elif mail_configured():
        form = SignupRequestForm()
    else:
        form = SignupForm()
    if request.method == "GET":
        form.home_country.data = form.home_country.data or "CN"
        # the language the person reads this page in: their own choice, else the browser's
        form.default_locale.data = str(get_locale() or "zh")
    if not form.slug.data and form.company_name.data:
        form.slug.data = suggest_slug(form.company_name.data)  # no-JS path still gets a slug
    if form.validate_on_submit():
        if current_user.is_authenticated:
            return _add_company(form)
        if isinstance(form, SignupForm):
            response = _create_account(form)
            if response is not None:
                return response
        else:
            return _mail_signup_link(form)
    status = 422 if form.errors else 200
    return render_template("public/signup.html", form=form), status


def _company_fields(form: CompanyForm) -> dict[str, str]:
    return {
        "company_name": form.company_name.data,
        "slug": form.slug.data,
        "home_country": form.home_country.data,
        "default_locale": form.default_locale.data,
    }


def _add_company(form: CompanyForm):
    try:
        tenant = add_company(current_user._get_current_object(), **_company_fields(form))
    except SignupError:  # the slug was taken between the form's check and now
        db.session.rollback()
        form.slug.errors.append(_("This address is already taken. Please choose another."))
        return render_template("public/signup.html", form=form), 422
    db.session.commit()
    flash(_("%(company)s is created. You are its owner.", company=tenant.name), "success")
    return redirect(url_for("dashboard.home", tenant_slug=tenant.slug), 303)


def _create_account(form: SignupForm):
    """None when the form gets a field error (the page is shown again)."""
    try:
        tenant, user = create_company(
            **_company_fields(form),
            owner_name=form.owner_name.data,
            email=form.email.data,
            password=form.password.data,
        )
    except SignupError as err:
        db.session.rollback()
        form[err.field].errors.append(
            _("An account with this email exists. Log in, then add the company from its menu.")
            if err.code == "exists"
            else _("This address is already taken. Please choose another.")
        )
        return None
    return _log_in_new_owner(tenant, user)


def _log_in_new_owner(tenant, user):
    # the new account is this request's person from here on: PostgreSQL shows its own row and
    # company to it (tenancy/rls.py), also once the commit has expired them
    remember_request_user(user.id)
    db.session.commit()
    return start_login(user, next_url=url_for("dashboard.home", tenant_slug=tenant.slug))


def _mail_signup_link(form: SignupRequestForm):
    """Mail the address a link to finish the signup, or, when it has an account, how to add the
    company to it. The visitor sees the same page either way."""
    email = form.email.data.strip().lower()
    data = {**_company_fields(form), "owner_name": form.owner_name.data.strip(), "email": email}
    if email_taken(email):
        link = url_for("auth.login", next=url_for("public.signup"), _external=True)
        body = render_template("public/signup_exists_mail.txt", data=data, link=link)
    else:
        token = signup_token(data, current_app.secret_key)
        link = url_for("public.confirm_signup", token=token, _external=True)
        body = render_template("public/signup_mail.txt", data=data, link=link)
    send_mail(email, _("Finish signing up %(company)s", company=data["company_name"]), body)
    return render_template("public/signup_sent.html", email=email)


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@office_step(by_link_token)
def confirm_signup(token: str):
    """The mailed link: the visitor proved the address; the account's password makes it."""
    data = read_signup_token(token, current_app.secret_key)
    problem = None
    if data is None:
        problem = "invalid"
    elif email_taken(data["email"]):
        problem = "used"
    elif slug_problem(data["slug"]):
        problem = "slug"
    if problem:
        return render_template("public/signup_invalid.html", problem=problem, data=data), 410
    form = ConfirmSignupForm(data["email"])
    if form.validate_on_submit():
        tenant, user = create_company(**data, password=form.password.data)
        return _log_in_new_owner(tenant, user)
    status = 422 if form.errors else 200
    return render_template("public/signup_confirm.html", form=form, data=data), status


@bp.get("/signup/slug")
@limiter.limit(lambda: _config("SLUG_RATE_LIMIT"))
def slug_suggestion():
    """Suggested web address for a company name, for the signup form's live hint (limited like
    login: it tells which addresses exist)."""
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
    return current_app.config[key]
