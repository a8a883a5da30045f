"""Every write route refuses a request without a valid CSRF token; htmx's header token works."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.security.routes import WRITE_METHODS, build_values, rules, url_for_rule


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def _write_rules(app):
    return [r for r in rules(app) if r.methods & WRITE_METHODS]


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'"X-CSRFToken": "([^"]+)"', html)
    assert match, "the page must carry the CSRF token in hx-headers on <body>"
    return match.group(1)


def test_there_are_write_routes_to_check(app):
    assert len(_write_rules(app)) >= 5


def test_write_routes_refuse_missing_or_wrong_token(app, client, company_a, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, company_a.owner_email)
    app.config["WTF_CSRF_ENABLED"] = True
    failures = []
    for rule in _write_rules(app):
        url = url_for_rule(app, rule, build_values(app, rule, company_a, company_a.slug))
        for method in sorted(rule.methods & WRITE_METHODS):
            for headers in ({}, {"X-CSRFToken": "forged"}, {"HX-Request": "true"}):
                response = client.open(url, method=method, data={"name": "x"}, headers=headers)
                if response.status_code != 400:
                    failures.append(f"{method} {url} {headers} -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_htmx_header_token_is_accepted(app, client, company_a, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, company_a.owner_email)
    app.config["WTF_CSRF_ENABLED"] = True
    token = _token(client, f"/t/{company_a.slug}/customers/")
    customer_url = f"/t/{company_a.slug}/customers/new"
    response = client.post(
        customer_url, data={"name": "Via htmx header"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 302
    assert "Via htmx header" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_login_form_needs_token(app, client, company_a, csrf_on):
    response = client.post("/login", data={"email": company_a.owner_email, "password": "x" * 12})
    assert response.status_code == 400
