"""TradeFollow application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, render_template
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import models  # noqa: F401  registers the models
from .blueprints.account.routes import bp as account_bp
from .blueprints.assets import register_asset_fingerprints
from .blueprints.audit.routes import bp as audit_bp
from .blueprints.auth.routes import bp as auth_bp
from .blueprints.charts.routes import bp as charts_bp
from .blueprints.customers.routes import bp as customers_bp
from .blueprints.dashboard.routes import bp as dashboard_bp
from .blueprints.followups.routes import bp as followups_bp
from .blueprints.formkit import DB_INT_MAX, register_form_translations
from .blueprints.imports.routes import bp as imports_bp
from .blueprints.inquiries.routes import bp as inquiries_bp
from .blueprints.invites.routes import bp as invites_bp
from .blueprints.languages import page_locale, page_timezone
from .blueprints.orders.routes import bp as orders_bp
from .blueprints.plans.routes import bp as plans_bp
from .blueprints.pool.routes import bp as pool_bp
from .blueprints.printing.routes import bp as printing_bp
from .blueprints.public.routes import bp as public_bp
from .blueprints.reports.routes import bp as reports_bp
from .blueprints.samples.routes import bp as samples_bp
from .blueprints.settings.routes import bp as settings_bp
from .blueprints.status import register_status_messages
from .blueprints.team.routes import bp as team_bp
from .cli import register_cli
from .config import config_from_env, ensure_secret_key
from .extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from .filters import (
    country_options,
    currencyformat,
    date_skeleton,
    dateformat,
    decimalformat,
    grade_badge,
)
from .jobs import init_app as init_jobs
from .models.search import is_schema_object
from .security import register_security_headers
from .services import classification as scales
from .services import search  # noqa: F401  keeps the customer search index on every flush
from .services.countries import country_name
from .services.followups import can_change
from .services.phones import display as phone_display
from .services.roles import ROLE_LABELS, can, role_labels
from .services.visibility import can_see
from .tenancy.web import customer_url, tenant_url_defaults

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(config: type | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_from_env())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    ensure_secret_key(app.config)
    _configure_sqlite(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    db.init_app(app)

    migrate.init_app(
        app, db, directory=MIGRATIONS_DIR, render_as_batch=True, include_name=is_schema_object
    )
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "warning"
    init_jobs(app)

    app.url_defaults(tenant_url_defaults)
    app.url_map.converters["int"] = DatabaseIntConverter
    _register_blueprints(app)
    _register_hooks(app)
    _register_errors(app)
    register_security_headers(app)
    register_form_translations(app)
    register_status_messages(app)
    register_asset_fingerprints(app)
    _close_sessions_quietly(app)

    register_cli(app)
    return app


class DatabaseIntConverter(IntegerConverter):
    """<int:…> ids stop at the database integer's range: a larger one is simply not found."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)


def _configure_sqlite(app: Flask) -> None:
    """Make sure the embedded database's folder exists (pragmas: extensions.py)."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _register_blueprints(app: Flask) -> None:
    for bp in (
        public_bp,
        auth_bp,
        account_bp,
        dashboard_bp,
        customers_bp,
        pool_bp,
        followups_bp,
        orders_bp,
        inquiries_bp,
        samples_bp,
        plans_bp,
        reports_bp,
        charts_bp,
        printing_bp,
        imports_bp,
        team_bp,
        settings_bp,
        audit_bp,
        invites_bp,
    ):
        app.register_blueprint(bp)


def select_locale() -> str:
    """The page's company (if any) decides after the user's own choice: blueprints/languages."""
    return page_locale(g.get("tenant"))


def select_timezone() -> str | None:
    """Times on a company's pages are in the company's zone, like its "today"."""
    return page_timezone(g.get("tenant"))


def _register_hooks(app: Flask) -> None:
    @app.context_processor
    def _template_globals() -> dict:
        return {
            "current_tenant": g.get("tenant"),
            "current_membership": g.get("membership"),
            "current_locale": str(get_locale()),
            "can": lambda action: can(g.get("membership"), action),
            "can_change_followup": lambda record: can_change(g.membership, record),
            # services/visibility.py: show a customer's name/link only to those who may see it
            "can_see_customer": lambda customer: can_see(g.get("membership"), customer),
            "country_name": country_name,
            "country_options": country_options,
            "customer_url": customer_url,
            "role_labels": ROLE_LABELS,
            "role_names": role_labels,
            "scale_label": scales.label_of,
            "grade_labels": scales.GRADES,
            "grade_definitions": scales.GRADE_DEFINITIONS,
            "category_labels": scales.CATEGORIES,
            "category_definitions": scales.CATEGORY_DEFINITIONS,
            "importance_labels": scales.IMPORTANCE,
            "importance_stars": scales.IMPORTANCE_STARS,
            "stage_labels": scales.STAGES,
            "status_labels": scales.STATUSES,
            "method_labels": scales.METHODS,
            "purpose_hints": scales.VISIT_PURPOSE_HINTS,
            "purpose_names": lambda bits: [
                str(scales.VISIT_PURPOSES[c]) for c in scales.bits_to_purposes(bits)
            ],
        }

    app.add_template_filter(phone_display, "phone")
    app.add_template_filter(date_skeleton, "skeleton")
    app.add_template_filter(dateformat, "dateformat")
    app.add_template_filter(currencyformat, "currencyformat")
    app.add_template_filter(decimalformat, "decimalformat")
    app.add_template_filter(scales.duplicate_reason, "duplicate_reason")
    app.add_template_filter(grade_badge, "grade_badge")

    @app.after_request
    def _headers(response):
        # htmx and full requests to one URL get different bodies: caches must keep both
        response.vary.add("HX-Request")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _close_sessions_quietly(app: Flask) -> None:
    """End each request's session before Flask-SQLAlchemy's own teardown (teardowns run in
    reverse order of registration), tolerating a database that went away after the response was
    made: its rollback fails (PostgreSQL restarting: "terminating connection due to administrator
    command"), SQLAlchemy has already invalidated the connection so the pool replaces it, and the
    finished response must not turn into a 500."""

    @app.teardown_appcontext
    def _close(_error: BaseException | None) -> None:
        try:
            db.session.remove()
        except (OperationalError, InterfaceError):
            app.logger.warning("database connection lost while closing the session")
            db.session.registry.clear()


# the last resort when not even the user's language can be read: both languages, no database
UNAVAILABLE_BOTH_LANGUAGES = (
    "<!doctype html><html><head><meta charset='utf-8'><title>503</title></head><body>"
    "<h1>暂时无法访问 · Temporarily unavailable</h1>"
    "<p>数据库没有响应，本次请求没有保存任何内容，请稍候几秒再刷新。</p>"
    "<p>The database did not answer. Nothing was saved by this request: wait a few seconds, "
    "then reload the page.</p></body></html>"
)


def _register_errors(app: Flask) -> None:
    def page(code: int, title, message):
        return render_template("errors.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(e):
        # a view may abort(400, description=...) with a message already in the user's language
        detail = vars(e).get("description")  # set on the instance only by abort(400, ...)
        return page(
            400, _l("This request cannot be used"), detail or _l("Reload the page and try again.")
        )

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, _l("Not allowed"), _l("Your role does not allow this action."))

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, _l("Page not found"), _l("There is nothing at this address."))

    @app.errorhandler(405)
    def wrong_method(_e):
        return page(405, _l("Not available this way"), _l("Use the page's buttons and forms."))

    @app.errorhandler(409)
    def conflict(_e):
        return page(409, _l("Edited elsewhere"), _l("Someone else changed this record."))

    @app.errorhandler(413)
    def too_large(_e):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return page(
            413,
            _l("Too large"),
            _l("What you sent is larger than %(mb)d MB. Split it or make it smaller.", mb=limit),
        )

    @app.errorhandler(429)
    def too_many(_e):
        return page(429, _l("Too many attempts"), _l("Please wait a minute and try again."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return page(
            400,
            _l("Form expired"),
            _l("The form was open too long or came from elsewhere. Reload the page and retry."),
        )

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(_e):
        # the last net for a number the database cannot hold (forms and filters bound theirs)
        db.session.rollback()
        return page(400, _l("This request cannot be used"), _l("A number in it is out of range."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(_e):
        # PostgreSQL restarting (connections dropped; pool_pre_ping replaces them on the next
        # checkout, so the app recovers by itself) or SQLite still locked after busy_timeout.
        # Nothing of this request was committed: say so, and ask the browser to retry.
        try:
            db.session.rollback()
        except Exception:  # the connection is gone: nothing to roll back
            db.session.remove()
        title = _l("Temporarily unavailable")
        message = _l(
            "The database did not answer. Nothing was saved by this request: wait a few seconds, "
            "then reload the page or send the form again."
        )
        # The layout asks the database for the user and the company, and after the failed
        # rollback the logged-in user is a detached object whose attributes cannot be loaded:
        # whatever that raises, fall back to a page without the layout, then to a constant.
        try:
            body = render_template("errors.html", code=503, title=title, message=message)
        except Exception:
            db.session.remove()
            try:  # the language may need the user's own choice from the database
                body = render_template("errors_bare.html", code=503, title=title, message=message)
            except Exception:
                db.session.remove()
                body = UNAVAILABLE_BOTH_LANGUAGES
        return body, 503, {"Retry-After": "5"}

    @app.errorhandler(500)
    def server_error(_e):
        db.session.rollback()
        return page(500, _l("Something went wrong"), _l("The error was logged. Please retry."))
