"""Walks app.url_map: every route with a company slug or an object id, requested by a member of
another company, answers 404 and shows none of the owner's data. New routes are covered the day
they are added; a route the walker cannot exercise fails the suite."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.factories import PASSWORD, add_member, make_customer
from tests.security.routes import (
    HIDDEN_PARAMS,
    NO_CUSTOMER_PARAMS,
    OBJECT_PARAMS,
    SECRET,
    TENANT_PARAM,
    build_hidden_values,
    build_values,
    company_rule,
    rules,
    unknown_params,
    url_for_rule,
)
from webapp.extensions import db
from webapp.models import Contact, Customer
from webapp.tenancy.context import tenant_context


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


# --- "own" visibility: a colleague's customer reached through another record --------------------


def test_every_record_kind_is_placed_for_the_visibility_walk():
    """Each object parameter either leads to a customer (a builder in HIDDEN_PARAMS) or says why
    it does not: a new kind of record fails here rather than being skipped."""
    assert set(HIDDEN_PARAMS) | set(NO_CUSTOMER_PARAMS) == set(OBJECT_PARAMS)
    assert not set(HIDDEN_PARAMS) & set(NO_CUSTOMER_PARAMS)


def _customer_data(app, company, customer_id):
    """Everything of one customer and what hangs off it, column by column. The salesperson's
    own plan rows and report lines are left out: they belong to the salesperson's documents
    (a plan may be deleted with its rows); their pages are checked for the secret instead."""
    from webapp.models import (
        ExportOrder,
        FollowUp,
        Inquiry,
        OrderClaim,
        OrderPayment,
        OrderSignoff,
        Sample,
    )

    def rows(model, *where):
        columns = list(model.__table__.columns)
        stmt = select(*columns).where(*where).order_by(model.__table__.c.id)
        return [tuple(row) for row in db.session.execute(stmt)]

    with app.app_context(), tenant_context(company.id):
        orders = select(ExportOrder.id).where(ExportOrder.customer_id == customer_id)
        return {
            "customer": rows(Customer, Customer.id == customer_id),
            "contacts": rows(Contact, Contact.customer_id == customer_id),
            "followups": rows(FollowUp, FollowUp.customer_id == customer_id),
            "orders": rows(ExportOrder, ExportOrder.customer_id == customer_id),
            "payments": rows(OrderPayment, OrderPayment.order_id.in_(orders)),
            "claims": rows(OrderClaim, OrderClaim.order_id.in_(orders)),
            "signoffs": rows(OrderSignoff, OrderSignoff.order_id.in_(orders)),
            "samples": rows(Sample, Sample.customer_id == customer_id),
            "inquiries": rows(Inquiry, Inquiry.customer_id == customer_id),
        }


def test_salesperson_reaches_no_colleagues_customer_through_any_record(app, client, company_a):
    """Company A keeps the default "own" visibility; a salesperson (role sales only) asks for
    every route that takes a record, each record leading to a colleague's customer (the
    owner's): the route answers 404 or shows none of that customer's secret, and changes
    nothing of it. POSTs also name the customer and an inquiry of it in the form."""
    email = f"sales-walker@{company_a.slug}.example.com"
    sales = add_member(app, company_a, email, {"sales"}, "Walker Sales")
    login(client, email, PASSWORD)
    secret = SECRET.format(slug=company_a.slug)
    walked = [
        r for r in _parametrised_rules(app)
        if TENANT_PARAM in r.arguments and set(r.arguments) & set(HIDDEN_PARAMS)
    ]  # fmt: skip
    assert {p for r in walked for p in r.arguments} >= set(HIDDEN_PARAMS)
    failures = []
    for rule in walked:
        customer = make_customer(app, company_a, secret + " customer")
        values = build_hidden_values(app, rule, company_a, sales, customer)
        url = url_for_rule(app, rule, values)
        before = _customer_data(app, company_a, customer)
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"name": "Hijack", "customer_id": customer, "notes": "Hijack"}
            if "inquiry_id" in values:
                data["inquiry_id"] = values["inquiry_id"]
            response = client.open(url, method=method, data=data if method == "POST" else None)
            if response.status_code >= 500:
                failures.append(f"{method} {url} -> {response.status_code}")
            elif response.status_code != 404 and secret.encode() in response.get_data():
                failures.append(f"{method} {url} -> {response.status_code} shows the customer")
        if _customer_data(app, company_a, customer) != before:
            failures.append(f"{rule.rule}: the colleague's customer changed")
    assert not failures, "\n".join(failures)
