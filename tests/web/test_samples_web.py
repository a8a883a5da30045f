"""The sample screens: add from the customer card and from an inquiry, charge validation that
keeps the input, permissions, edit conflicts, delete, list filters, pagination, query bound."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests.conftest import count_queries, login
from tests.factories import PASSWORD, add_member, make_customer, make_inquiry, make_sample
from webapp.extensions import db
from webapp.models import Sample
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(client):
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}/samples"


def as_member(app, client, company, roles):
    email = f"{'-'.join(sorted(roles))}-{company.slug}@example.com"
    member_id = add_member(app, company, email, set(roles))
    client.post("/logout")
    login(client, email, PASSWORD)
    client.post("/lang", data={"lang": "en"})
    return member_id


def form(company, **overrides) -> dict:
    values = {"name": "LCD projector P-200", "quantity": "2 pcs", "charge": "free",
              "amount": "", "currency": "", "sent_on": "2026-11-20", "courier": "DHL",
              "tracking_no": "DHL-778899", "feedback": "",
              "sent_by_id": company.owner_membership_id}  # fmt: skip
    values.update(overrides)
    return values


def samples(app, company) -> list[Sample]:
    with app.app_context(), tenant_context(company.id):
        rows = list(db.session.scalars(select(Sample).order_by(Sample.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def test_add_from_the_customer_card(app, client_a, company_a, base):
    customer = make_customer(app, company_a, "Card Buyer GmbH")
    card_url = f"/t/{company_a.slug}/customers/{customer}"
    card = client_a.get(card_url).get_data(as_text=True)
    assert f"{base}/new?customer_id={customer}" in card
    page = client_a.get(f"{base}/new", query_string={"customer_id": customer}).get_data(
        as_text=True
    )
    assert f'<option selected value="{customer}">Card Buyer GmbH' in page
    assert 'name="back" value="customer"' in page
    response = client_a.post(
        f"{base}/new", data=form(company_a, customer_id=customer, back="customer")
    )
    assert response.status_code == 302 and response.location.endswith(card_url)
    card = client_a.get(card_url).get_data(as_text=True)
    assert "LCD projector P-200" in card and "DHL-778899" in card and "Free" in card


def test_add_from_an_inquiry(app, client_a, company_a, base):
    inquiry_id = make_inquiry(app, company_a, "Inquirer Ltd")
    inquiry_url = f"/t/{company_a.slug}/inquiries/{inquiry_id}"
    assert f"{base}/new?inquiry_id={inquiry_id}" in client_a.get(inquiry_url).get_data(as_text=True)
    page = client_a.get(f"{base}/new", query_string={"inquiry_id": inquiry_id}).get_data(
        as_text=True
    )
    assert "Inquirer Ltd" in page
    response = client_a.post(
        f"{base}/new", data=form(company_a, inquiry_id=inquiry_id, back="inquiry")
    )
    assert response.status_code == 302 and response.location.endswith(inquiry_url)
    assert "LCD projector P-200" in client_a.get(inquiry_url).get_data(as_text=True)
    (sample,) = samples(app, company_a)
    assert (sample.inquiry_id, sample.customer_id) == (inquiry_id, None)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"charge": "charged"}, "A charged sample needs the amount."),
        ({"charge": "charged", "amount": "35"}, "A charged sample needs the currency."),
        ({"name": ""}, "Enter the sample's name."),
        ({"customer_id": ""}, "Pick the customer (or send it from an inquiry)."),
        ({"sent_on": "31/31/2026"}, "Not a valid date value."),
    ],
)
def test_invalid_input_is_kept(app, client_a, company_a, base, overrides, message):
    customer = make_customer(app, company_a)
    data = form(
        company_a, **{"customer_id": customer, "feedback": "They liked the colour", **overrides}
    )
    response = client_a.post(f"{base}/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page, [x for x in page.splitlines() if "invalid" in x]
    assert "They liked the colour" in page and "DHL-778899" in page
    assert samples(app, company_a) == []


def test_charged_sample(app, client_a, company_a, base):
    customer = make_customer(app, company_a)
    data = form(company_a, customer_id=customer, charge="charged", amount="35.50", currency="USD")
    response = client_a.post(f"{base}/new", data=data)
    assert response.status_code == 302
    (sample,) = samples(app, company_a)
    assert (sample.amount, sample.currency) == (Decimal("35.50"), "USD")
    assert "$35.50" in client_a.get(response.location).get_data(as_text=True)


def test_another_companys_customer_is_refused(app, client_a, company_a, company_b, base):
    foreign = make_customer(app, company_b, "Foreign GmbH")
    assert client_a.get(f"{base}/new", query_string={"customer_id": foreign}).status_code == 404
    response = client_a.post(f"{base}/new", data=form(company_a, customer_id=foreign))
    assert response.status_code == 422
    foreign_inquiry = make_inquiry(app, company_b)
    response = client_a.post(f"{base}/new", data=form(company_a, inquiry_id=foreign_inquiry))
    assert response.status_code == 404
    assert samples(app, company_a) == []


def test_permissions(app, client, company_a, base):
    sample_id = make_sample(app, company_a, "Seen by all")
    customer = make_customer(app, company_a)
    as_member(app, client, company_a, {"finance"})
    assert "Seen by all" in client.get(f"{base}/").get_data(as_text=True)
    assert client.get(f"{base}/{sample_id}").status_code == 200
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/{sample_id}/edit", data=form(company_a)).status_code == 403
    assert client.post(f"{base}/{sample_id}/delete").status_code == 403
    me = as_member(app, client, company_a, {"merchandiser"})
    data = form(company_a, customer_id=customer, sent_by_id=me)
    assert client.post(f"{base}/new", data=data).status_code == 302


def test_edit_and_conflict(app, client_a, company_a, base):
    sample_id = make_sample(app, company_a, "Old sample")
    (sample,) = samples(app, company_a)
    data = form(company_a, customer_id=sample.customer_id, version="1", feedback="Good quality")
    response = client_a.post(f"{base}/{sample_id}/edit", data=data)
    assert response.status_code == 302
    assert samples(app, company_a)[0].feedback == "Good quality"
    data.update(feedback="Too expensive")
    response = client_a.post(f"{base}/{sample_id}/edit", data=data)  # version 1 again: stale
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this while you were editing" in page and "Too expensive" in page
    assert 'name="choose-feedback"' in page
    assert samples(app, company_a)[0].feedback == "Good quality"


def test_delete_asks_first(app, client_a, company_a, base):
    sample_id = make_sample(app, company_a, "Delete me")
    page = client_a.get(f"{base}/{sample_id}/delete").get_data(as_text=True)
    assert "Delete the sample Delete me?" in page
    assert len(samples(app, company_a)) == 1
    assert client_a.post(f"{base}/{sample_id}/delete").status_code == 302
    assert samples(app, company_a) == []


def test_list_filters_and_pagination(app, client_a, company_a, base):
    assert "No samples yet." in client_a.get(f"{base}/").get_data(as_text=True)
    customer = make_customer(app, company_a, "Filter Buyer")
    make_sample(app, company_a, "Charged lamp", customer_id=customer, charge="charged",
                amount=Decimal("9"), currency="EUR", sent_on=date(2026, 11, 3))  # fmt: skip
    for i in range(26):
        make_sample(app, company_a, f"Free item {i:02d}", customer_id=customer,
                    sent_on=date(2026, 11, 20))  # fmt: skip
    page = client_a.get(f"{base}/").get_data(as_text=True)
    assert page.count("data-sample=") == 25 and "1–25 of 27" in page
    assert client_a.get(f"{base}/?page=2").get_data(as_text=True).count("data-sample=") == 2
    page = client_a.get(f"{base}/", query_string={"charge": "charged"}).get_data(as_text=True)
    assert page.count("data-sample=") == 1 and "Charged lamp" in page
    page = client_a.get(f"{base}/", query_string={"to": "2026-11-10"}).get_data(as_text=True)
    assert page.count("data-sample=") == 1
    partial = client_a.get(
        f"{base}/",
        query_string={"q": "free item 0"},
        headers={**HX, "HX-Target": "sample-results"},
    ).get_data(as_text=True)
    assert "<html" not in partial and partial.count("data-sample=") == 10
    page = client_a.get(f"{base}/", query_string={"customer": customer}).get_data(as_text=True)
    assert "Filter Buyer" in page


def test_list_queries_do_not_grow(app, client_a, company_a, base):
    make_sample(app, company_a, "One")
    client_a.get(f"{base}/")
    with count_queries(app) as few:
        assert client_a.get(f"{base}/").status_code == 200
    lucy = add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")
    for i in range(10):
        make_sample(app, company_a, f"Customer sample {i}", sent_by_id=lucy)
        make_sample(app, company_a, f"Inquiry sample {i}", inquiry_id=make_inquiry(app, company_a))
    with count_queries(app) as many:
        page = client_a.get(f"{base}/").get_data(as_text=True)
    assert "Lucy Chen" in page and "Inquiry sample 9" in page
    assert len(many) == len(few), many


def test_customer_card_query_count_with_samples_and_inquiries(app, client_a, company_a):
    customer = make_customer(app, company_a, "Busy Buyer")
    url = f"/t/{company_a.slug}/customers/{customer}"
    make_sample(app, company_a, "First", customer_id=customer)
    make_inquiry(app, company_a, "Busy Buyer", customer_id=customer)
    client_a.get(url)
    with count_queries(app) as few:
        client_a.get(url)
    for i in range(8):
        make_sample(app, company_a, f"Sample {i}", customer_id=customer)
        make_inquiry(app, company_a, "Busy Buyer", customer_id=customer)
    with count_queries(app) as many:
        page = client_a.get(url).get_data(as_text=True)
    assert "Sample 7" in page
    assert len(many) == len(few), many
