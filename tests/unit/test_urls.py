"""Links are built by Flask's own url_for: the app is a plain Flask, and inside a company's pages
the URL defaults fill in the company's slug so templates never pass it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask, g, url_for
from werkzeug.routing import BuildError


def test_the_app_is_a_plain_flask(app):
    # no subclass re-implementing url_for (it depended on Werkzeug's private rule attributes)
    assert type(app) is Flask


def test_company_pages_get_their_slug_filled_in(app):
    with app.test_request_context("/t/acme/customers/"):
        g.tenant = SimpleNamespace(slug="acme")
        assert url_for("customers.card", customer_id=5) == "/t/acme/customers/5"
        assert url_for("customers.index", page=2) == "/t/acme/customers/?page=2"
        assert url_for(".card", customer_id=9) == "/t/acme/customers/9"  # the request's blueprint
        # each request's company: nothing is kept from the one before
        g.tenant = SimpleNamespace(slug="zenith")
        assert url_for("customers.card", customer_id=5) == "/t/zenith/customers/5"
        # a slug given explicitly wins (the company switcher links to other companies)
        assert url_for("customers.card", tenant_slug="other", customer_id=5) == (
            "/t/other/customers/5"
        )
        # pages outside any company get no slug, not even in the query string
        assert url_for("auth.login") == "/login"
        assert url_for("customers.card", customer_id=5, _anchor="log").endswith("/5#log")
        with pytest.raises(BuildError):
            url_for("customers.card")  # a missing id still fails


def test_no_company_no_slug(app):
    with app.test_request_context("/"):
        assert url_for("auth.login") == "/login"
        with pytest.raises(BuildError):  # a company page cannot be built without one
            url_for("customers.card", customer_id=5)


def test_below_a_script_root_and_outside_a_request(app):
    with app.test_request_context("/", base_url="http://localhost/crm"):
        g.tenant = SimpleNamespace(slug="acme")
        assert url_for("customers.card", customer_id=5) == "/crm/t/acme/customers/5"
    app.config["SERVER_NAME"] = "tradefollow.test"
    try:
        with app.app_context():
            assert url_for("customers.card", tenant_slug="a", customer_id=3) == (
                "http://tradefollow.test/t/a/customers/3"
            )
    finally:
        app.config["SERVER_NAME"] = None
