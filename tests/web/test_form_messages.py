"""Validation messages (issue 22): in the user's language, WTForms' own ones included; an
impossible date says so; a phone extension is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.factories import make_customer, make_order
from webapp.extensions import db
from webapp.models import Contact, OrderPayment
from webapp.services.phones import display, to_e164
from webapp.tenancy.context import tenant_context


def test_wtforms_messages_missing_from_its_zh_catalog_come_in_chinese(app, client, company_a):
    """ "'1' is not a valid choice for this field." was shown in English on the Chinese UI:
    WTForms' zh catalog has it only as a fuzzy entry, so the app's catalog fills the gap."""
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "zh"})
    response = client.post(
        f"/t/{company_a.slug}/customers/new",
        data={"name": "Choice GmbH", "importance": "normal", "stages": ["1"],
              "owner_id": str(company_a.owner_membership_id), "confirm_duplicates": "1"},
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a valid choice" not in page
    assert "“1” 不是此字段的有效选项。" in page


def test_wtforms_own_zh_translations_are_used(app, client, company_a):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "zh"})
    order_id = make_order(app, company_a, make_customer(app, company_a))
    response = client.post(
        f"/t/{company_a.slug}/orders/{order_id}/payments",
        data={"kind": "deposit1", "amount": "abc", "currency": "USD", "paid_on": "2026-11-20"},
    )
    assert response.status_code == 422
    assert "不是有效的小数。" in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["2026-02-30", "2026-13-01", "tomorrow"])
def test_an_impossible_date_says_not_a_valid_date(app, client, company_a, typed):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    order_id = make_order(app, company_a, make_customer(app, company_a))
    response = client.post(
        f"/t/{company_a.slug}/orders/{order_id}/payments",
        data={"kind": "deposit1", "amount": "100", "currency": "USD", "paid_on": typed},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not a valid date value." in page and "This field is required." not in page
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalars(select(OrderPayment)).all() == []


def test_a_blank_required_date_still_says_required(app, client, company_a):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    order_id = make_order(app, company_a, make_customer(app, company_a))
    response = client.post(
        f"/t/{company_a.slug}/orders/{order_id}/payments",
        data={"kind": "deposit1", "amount": "100", "currency": "USD", "paid_on": ""},
    )
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "typed", ["+49 30 1234567 ext 12", "+49 30 1234567 ext. 12", "+49 30 1234567 x12"]
)
def test_a_phone_extension_is_kept(typed):
    assert to_e164(typed, "DE") == "+49301234567;ext=12"
    assert display("+49301234567;ext=12") == "+49 30 1234567 ext. 12"


def test_a_contact_keeps_the_extension_typed(app, client, company_a):
    login(client, company_a.owner_email)
    customer_id = make_customer(app, company_a, "Extension GmbH", country="DE")
    response = client.post(
        f"/t/{company_a.slug}/customers/{customer_id}/contacts",
        data={"name": "Anna", "phone": "030 1234567 ext 12"},
    )
    assert response.status_code < 400
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalars(select(Contact.phone)).one() == "+49301234567;ext=12"
    card = client.get(f"/t/{company_a.slug}/customers/{customer_id}").get_data(as_text=True)
    assert "+49 30 1234567 ext. 12" in card


def test_two_extensions_of_one_switchboard_are_a_duplicate_hint(app, company_a):
    from tests.factories import make_contact
    from webapp.services.duplicates import find_duplicates

    customer_id = make_customer(app, company_a, "Switchboard GmbH", country="DE")
    make_contact(app, company_a, customer_id, "Anna", phone="+49301234567;ext=12")
    with app.app_context(), tenant_context(company_a.id):
        (match,) = find_duplicates(phones=["+49301234567;ext=13"])
        assert match.customer.id == customer_id and match.reasons == ["phone"]
