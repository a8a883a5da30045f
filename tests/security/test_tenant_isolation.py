"""Walks app.url_map: every route with a company slug or an object id, requested by a member of
another company, answers 404 and shows none of the owner's data. New routes are covered the day
they are added; a route the walker cannot exercise fails the suite."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.security.routes import (
    OBJECT_PARAMS,
    SECRET,
    TENANT_PARAM,
    build_values,
    company_rule,
    rules,
    unknown_params,
    url_for_rule,
)
from webapp.extensions import db
from webapp.models import Contact, Customer
from webapp.tenancy import tenant_context


def _parametrised_rules(app):
    return [r for r in rules(app) if company_rule(r)]


def test_every_url_parameter_can_be_exercised(app):
    unknown = {r.rule: sorted(unknown_params(r)) for r in rules(app) if unknown_params(r)}
    assert not unknown, f"add a builder to tests/security/routes.py for: {unknown}"


def test_walker_sees_the_tenant_routes(app):
    """Guards the walker itself: it must find the company's routes, with ids among them."""
    walked = _parametrised_rules(app)
    assert any(TENANT_PARAM in r.arguments for r in walked)
    assert {p for r in walked for p in r.arguments} >= set(OBJECT_PARAMS)


def _snapshot(app, company):
    with app.app_context(), tenant_context(company.id):
        return (
            db.session.execute(select(Customer.id, Customer.name, Customer.archived_at)).all(),
            db.session.scalar(select(func.count(Contact.id))),
        )


def test_other_company_gets_404_on_every_route(app, client, company_a, company_b):
    login(client, company_b.owner_email)
    walked = _parametrised_rules(app)
    failures = []
    for rule in walked:
        # A's objects under A's slug (not a member), and A's ids under B's own slug
        attempts = [build_values(app, rule, company_a, company_a.slug)]
        if set(rule.arguments) & set(OBJECT_PARAMS):
            attempts.append(build_values(app, rule, company_a, company_b.slug))
        before = _snapshot(app, company_a)
        for values in attempts:
            url = url_for_rule(app, rule, values)
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(url, method=method, data={"name": "Hijack"})
                body = response.get_data(as_text=True)
                if response.status_code != 404:
                    failures.append(f"{method} {url} -> {response.status_code}")
                if SECRET.format(slug=company_a.slug) in body:
                    failures.append(f"{method} {url} shows company A's data")
        if _snapshot(app, company_a) != before:
            failures.append(f"{rule.rule}: company A's data changed")
    assert not failures, "\n".join(failures)


def test_owner_reaches_every_route(app, client, company_a):
    """The positive control: the same URLs work for a member, so the 404s above mean something."""
    login(client, company_a.owner_email)
    failures = []
    for rule in _parametrised_rules(app):
        url = url_for_rule(app, rule, build_values(app, rule, company_a, company_a.slug))
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={})
        if response.status_code in (404, 403) or response.status_code >= 500:
            failures.append(f"{method} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("who", ["anonymous", "unknown-company"])
def test_unknown_or_anonymous_gives_no_hint(app, client, company_a, who):
    """Anonymous: login redirect whether or not the company exists; member elsewhere: 404."""
    if who == "anonymous":
        real = client.get(f"/t/{company_a.slug}/")
        fake = client.get("/t/no-such-company/")
        assert real.status_code == fake.status_code == 302
        assert "/login" in real.headers["Location"] and "/login" in fake.headers["Location"]
    else:
        login(client, company_a.owner_email)
        assert client.get("/t/no-such-company/").status_code == 404


def test_deactivated_member_is_locked_out(app, client, company_a):
    from webapp.models import Membership

    login(client, company_a.owner_email)
    assert client.get(f"/t/{company_a.slug}/").status_code == 200
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Membership, company_a.owner_membership_id).active = False
        db.session.commit()
    assert client.get(f"/t/{company_a.slug}/").status_code == 404


def test_a_companys_own_pages_never_show_a_neighbours_data(app, client, company_a, company_b):
    """The converse of the walk above: company A holds an object of every kind (marked with
    A's secret), and every page of company B, with B's own objects, shows none of it. A query
    that reaches A's rows through a join or a subquery the tenant filter missed (a person
    filter listing users, a pager counting rows) shows up here, where the walk above, looking
    at A's own URLs, cannot see it."""
    for build in OBJECT_PARAMS.values():
        build(app, company_a)
    login(client, company_b.owner_email)
    secret = SECRET.format(slug=company_a.slug)
    failures = []
    walked = 0
    for rule in rules(app):
        if "GET" not in rule.methods or TENANT_PARAM not in rule.arguments:
            continue
        url = url_for_rule(app, rule, build_values(app, rule, company_b, company_b.slug))
        response = client.get(url)
        walked += 1
        if secret.encode() in response.get_data():  # bytes: PDFs and sheets too (CSV is plain)
            failures.append(url)
    assert walked > 40  # guards the walker: the company's pages were found
    assert not failures, "\n".join(failures)
