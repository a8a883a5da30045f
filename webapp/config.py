"""Configuration, all from environment variables; the defaults run the app on a laptop."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _dev_secret_key() -> str:
    """A random key kept in instance/ so sessions survive restarts of the embedded app."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_db_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3 here (the driver we install)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(pooler: str = "") -> dict:
    """SQLAlchemy's engine options. Behind PgBouncer in transaction pooling mode
    (DATABASE_POOLER=pgbouncer, docs/deploy.md) psycopg must not prepare statements: the next
    transaction may run on another server connection, which never saw them (PgBouncer before
    1.21 does not track them). Row-level security needs nothing more: the app's settings are
    transaction-local (tenancy/rls.py)."""
    options: dict = {"pool_pre_ping": True}
    if pooler.strip().lower() == "pgbouncer":
        options["connect_args"] = {"prepare_threshold": None}
    return options


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/ when empty
    SQLALCHEMY_DATABASE_URI = normalize_db_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'tradefollow.db'}")
    )
    # the tables' owner, for `flask db upgrade` when DATABASE_URL is the application role
    MIGRATION_DATABASE_URL = (
        normalize_db_url(os.environ["MIGRATION_DATABASE_URL"])
        if os.environ.get("MIGRATION_DATABASE_URL")
        else None
    )
    # the PostgreSQL login role the app connects as (DATABASE_URL's user): `flask rls setup`
    # creates and grants it, `flask doctor` checks the app really is it (docs/deploy.md)
    DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE") or "tradefollow_app"
    SQLALCHEMY_ENGINE_OPTIONS: dict = engine_options(os.environ.get("DATABASE_POOLER", ""))
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    # the largest request body (forms and uploads); larger ones get a translated 413 page
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_MB", "20")) * 1024 * 1024
    # form fields: Werkzeug's own caps on parts and memory (hostile input must not exhaust it)
    MAX_FORM_MEMORY_SIZE = 2 * 1024 * 1024
    MAX_FORM_PARTS = 2000
    # seconds a PDF's layout may take before it is stopped (webapp/pdf.py); below gunicorn's
    # 60 s timeout, so a stopped form answers with a message instead of a killed worker
    PDF_TIME_LIMIT = float(os.environ.get("PDF_TIME_LIMIT", "30"))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session; avoids losing a long form

    LANGUAGES = ("zh", "en")
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    # how many proxies (nginx, a load balancer) stand in front of the app and set X-Forwarded-For
    # and X-Forwarded-Proto: behind them the client's address is read from those headers, so the
    # rate limits and the audit log see the visitor, not 127.0.0.1. 0 (the default) trusts no
    # header: a visitor reaching the app directly could otherwise claim any address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # per invitation link or signing-up account (webapp/blueprints/limits.py)
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "5 per minute;30 per hour")
    # per address, for the steps a whole office takes together behind one public address
    OFFICE_RATE_LIMIT = os.environ.get("OFFICE_RATE_LIMIT", "60 per minute;300 per hour")
    # the signup form's live address hint tells which addresses exist: limited like login
    SLUG_RATE_LIMIT = os.environ.get("SLUG_RATE_LIMIT", "20 per minute;200 per hour")
    # password reset requests, reset submissions and two-factor codes
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    # outgoing mail for reset links; without MAIL_SERVER links are shown to admins instead
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "TradeFollow <no-reply@localhost>")

    # argon2id; argon2-cffi's defaults (t=3, m=64 MiB, p=4) exceed OWASP's minimum (t=2, m=19 MiB)
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", 4))

    PAGE_SIZE = 25

    # the job queue (Huey, webapp/jobs): Redis when REDIS_URL is set (production), else a
    # SQLite file, so the embedded app needs nothing else. The consumer: `flask jobs worker`.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    JOBS_SQLITE = os.environ.get("JOBS_SQLITE", str(INSTANCE / "jobs.db"))
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "tradefollow")
    # run each job at once in the process that asks for it (tests; no consumer needed)
    JOBS_IMMEDIATE = _bool("JOBS_IMMEDIATE", False)
    # jobs run at once by one consumer. SQLite: 1 (its writers take turns anyway)
    JOBS_WORKERS = int(os.environ.get("JOBS_WORKERS", "1"))
    # a running job whose consumer has not beaten for this long was killed: it may be restarted
    JOBS_STALE_SECONDS = int(os.environ.get("JOBS_STALE_SECONDS", "60"))
    # an export of more customers than this runs on the queue instead of in the request
    EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "5000"))


class ProductionConfig(Config):
    HSTS_SECONDS = 31536000  # one year; behind TLS only (docs/deploy.md)
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # replaced by tests/conftest.py
    MIGRATION_DATABASE_URL = None
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = False  # tests/security/test_csrf.py switches it on and proves it
    JOBS_IMMEDIATE = True  # jobs run inside the request; tests/web/test_jobs*.py run a consumer
    # cheap hashes keep the suite fast; the algorithm stays argon2id
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # the layout tests print the longest forms on a shared, loaded machine: a generous limit
    # (tests/pdf/test_bounded_time.py sets a tiny one to prove the stop)
    PDF_TIME_LIMIT = 180.0


def config_from_env() -> type[Config]:
    return ProductionConfig if os.environ.get("TRADEFOLLOW_ENV") == "production" else Config


def ensure_secret_key(config: dict) -> None:
    """Production must bring its own SECRET_KEY; a laptop gets one kept in instance/."""
    if config.get("SECRET_KEY"):
        return
    if os.environ.get("TRADEFOLLOW_ENV") == "production" and not config.get("TESTING"):
        raise RuntimeError("SECRET_KEY must be set in production (environment variable)")
    config["SECRET_KEY"] = _dev_secret_key()
