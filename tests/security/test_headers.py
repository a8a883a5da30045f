"""Security headers on every page, and no markup a strict Content-Security-Policy would block:
every GET route is walked as a member (objects built as for the isolation walker), plus the
public pages and the error pages."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.security.routes import build_values, company_rule, rules, url_for_rule
from webapp.config import ProductionConfig, TestConfig
from webapp.security import CONTENT_SECURITY_POLICY

# what a strict CSP refuses: inline scripts, inline event handlers, style attributes and
# elements, javascript: links
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[^>]+\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"<[^>]+\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style[\s>]", re.I), "<style> element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\bhx-on", re.I), "hx-on (needs eval)"),
]


def _check(response, url: str, failures: list[str]) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    if csp != CONTENT_SECURITY_POLICY:
        failures.append(f"{url}: CSP {csp!r}")
    for name, value in [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ]:
        if headers.get(name) != value:
            failures.append(f"{url}: {name} {headers.get(name)!r}")
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        for pattern, what in INLINE:
            match = pattern.search(body)
            if match:
                failures.append(f"{url}: {what}: {match.group(0)[:80]}")


def test_policy_is_strict():
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_every_page_has_the_headers_and_no_inline_code(app, client, company_a):
    failures: list[str] = []
    for url in ("/", "/login", "/signup", "/no-such-page"):
        _check(client.get(url), url, failures)
    login(client, company_a.owner_email)
    walked = 0
    for rule in rules(app):
        if "GET" not in rule.methods or (rule.arguments and not company_rule(rule)):
            continue
        url = url_for_rule(app, rule, build_values(app, rule, company_a, company_a.slug))
        response = client.get(url)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")
        _check(response, url, failures)
        walked += 1
    assert walked > 20
    assert not failures, "\n".join(failures)


def test_htmx_is_configured_for_the_policy(client):
    page = client.get("/login").get_data(as_text=True)
    config = re.search(r'name="htmx-config" content=\'([^\']+)\'', page).group(1)
    assert '"includeIndicatorStyles":false' in config and '"allowEval":false' in config


@pytest.mark.parametrize(("base", "expected"), [(TestConfig, None), (ProductionConfig, "max-age=")])
def test_hsts_only_in_production(database_url, base, expected):
    from webapp import create_app
    from webapp.extensions import db

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "x",
        "TESTING": True,
        "RATELIMIT_ENABLED": False,  # the limiter is shared by every app of the process
    }
    from webapp.extensions import limiter

    saved = dict(limiter.__dict__)  # one limiter per process: init_app would reconfigure it
    app = create_app(type("HeaderConfig", (base,), settings))
    try:
        hsts = app.test_client().get("/healthz").headers.get("Strict-Transport-Security")
    finally:
        with app.app_context():
            db.engine.dispose()
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)
    assert (hsts is None) if expected is None else expected in hsts


def test_cookies_are_httponly_and_samesite(client, company_a):
    response = client.post(
        "/login", data={"email": company_a.owner_email, "password": "correct horse battery"}
    )
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE
