"""url_for's kept templates (webapp/urls.py) build exactly what Flask's url_for builds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import Flask, g, url_for
from werkzeug.routing import BuildError

IDS = (1, 7, 42, 2_000_000_000)


def _flask_url_for(app, endpoint: str, **values) -> str:
    return Flask.url_for(app, endpoint, **values)


@pytest.mark.parametrize("root", ["", "/crm"])
def test_every_route_builds_as_flask_builds(app, root):
    """Every route of the app, with numbers in every argument, in a company's pages and below a
    script root (the app mounted under a prefix): the same text both ways, twice (the second
    time from the kept template)."""
    compared = 0
    with app.test_request_context("/", base_url=f"http://localhost{root}"):
        g.tenant = SimpleNamespace(slug="acme-trading")
        for rule in app.url_map.iter_rules():
            names = sorted(name for name in rule.arguments if name != "tenant_slug")
            for number in IDS:
                values = {name: number + i for i, name in enumerate(names)}
                try:
                    expected = _flask_url_for(app, rule.endpoint, **values)
                except ValueError:  # an any() converter refuses a number: so must we
                    with pytest.raises(ValueError):
                        url_for(rule.endpoint, **values)
                    continue
                assert url_for(rule.endpoint, **values) == expected, rule.rule
                assert url_for(rule.endpoint, **values) == expected, rule.rule
                compared += 1
    assert compared > 400  # the app's routes were walked, not skipped


def test_other_companies_and_other_values_go_their_own_way(app):
    with app.test_request_context("/t/acme/customers/"):
        g.tenant = SimpleNamespace(slug="acme")
        card = url_for("customers.card", customer_id=5)
        assert card == "/t/acme/customers/5"
        # built from a kept template, not by Flask
        assert app._url_templates[("customers.card", ("customer_id",), "acme", "")][0]
        # another company's slug is another template, not the first one's text
        g.tenant = SimpleNamespace(slug="zenith")
        assert url_for("customers.card", customer_id=5) == "/t/zenith/customers/5"
        # query values, anchors, external URLs, bools, strings and None: Flask's url_for
        assert url_for("customers.card", customer_id=5, log=1) == "/t/zenith/customers/5?log=1"
        assert url_for("customers.index", page=2) == "/t/zenith/customers/?page=2"
        assert url_for("customers.card", customer_id=5, _anchor="log").endswith("/5#log")
        assert url_for("customers.card", customer_id=5, _external=True).startswith("http://")
        for values in [{"customer_id": 5, "all": True}, {"customer_id": True}, {"q": "中文"}]:
            endpoint = "customers.index" if "q" in values else "customers.card"
            assert url_for(endpoint, **values) == _flask_url_for(app, endpoint, **values)
        assert url_for("customers.card", customer_id=5, method=None) == "/t/zenith/customers/5"
        # relative to the request's blueprint, as Flask resolves it
        assert url_for(".card", customer_id=9) == "/t/zenith/customers/9"
        # a missing argument still fails as Flask fails, every time
        for _ in range(2):
            with pytest.raises(BuildError):
                url_for("customers.card")


def test_outside_a_request_flask_builds(app):
    app.config["SERVER_NAME"] = "tradefollow.test"
    try:
        with app.app_context():
            assert url_for("customers.card", tenant_slug="a", customer_id=3) == (
                "http://tradefollow.test/t/a/customers/3"
            )
    finally:
        app.config["SERVER_NAME"] = None
