"""Money sanity (issue 22): payments above the contract amount and a freight confirmation with
every freight field blank were accepted without a word. Both are warned about when entered
and while they hold, and the negative balance is shown as such."""

from __future__ import annotations

from decimal import Decimal

from tests.conftest import login
from tests.factories import make_customer, make_order, make_order_row
from webapp.services import orders as rules


def _order(app, company, **fields) -> int:
    return make_order(app, company, make_customer(app, company), contract_amount=Decimal("1000"),
                      **fields)  # fmt: skip


def test_a_payment_above_the_contract_is_warned_at_entry(app, client, company_a):
    order_id = _order(app, company_a)
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    response = client.post(
        f"/t/{company_a.slug}/orders/{order_id}/payments",
        data={"kind": "deposit1", "amount": "1500", "currency": "USD", "paid_on": "2026-11-20"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200  # accepted: a refund or a next order may explain it
    assert 'id="money-warnings"' in body
    assert "Payments exceed the contract amount" in body
    assert "Overpaid" in body and "$500.00" in body


def test_the_order_page_keeps_showing_the_overpayment(app, client, company_a):
    order_id = _order(app, company_a)
    make_order_row(app, company_a, order_id, "payment", amount=Decimal("1200"))
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/t/{company_a.slug}/orders/{order_id}").get_data(as_text=True)
    assert "Payments exceed the contract amount" in page and "Overpaid" in page
    pdf = client.get(f"/t/{company_a.slug}/print/orders/{order_id}/order.pdf")
    assert pdf.status_code == 200


def test_no_warning_for_an_order_paid_exactly(app, client, company_a):
    order_id = _order(app, company_a)
    make_order_row(app, company_a, order_id, "payment", amount=Decimal("1000"))
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/t/{company_a.slug}/orders/{order_id}").get_data(as_text=True)
    assert 'id="money-warnings"' not in page and "Overpaid" not in page


def test_freight_confirmed_with_every_field_blank_is_warned(app, client, company_a):
    order_id = _order(app, company_a)
    make_order_row(app, company_a, order_id, "signoff")  # freight_confirmed, by finance
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"/t/{company_a.slug}/orders/{order_id}").get_data(as_text=True)
    assert "Freight was confirmed with every freight field blank." in page


def test_freight_confirmed_with_an_amount_is_not_warned(app, client, company_a):
    order_id = _order(app, company_a, freight_amount=Decimal("300"), freight_currency="USD")
    make_order_row(app, company_a, order_id, "signoff")
    login(client, company_a.owner_email)
    page = client.get(f"/t/{company_a.slug}/orders/{order_id}").get_data(as_text=True)
    assert 'id="money-warnings"' not in page


def test_money_warnings_rule(app, company_a):
    from webapp.extensions import db
    from webapp.models import ExportOrder
    from webapp.tenancy.context import tenant_context

    order_id = _order(app, company_a)
    make_order_row(app, company_a, order_id, "payment", amount=Decimal("1000.01"))
    with app.app_context(), tenant_context(company_a.id):
        order = db.session.get(ExportOrder, order_id)
        assert rules.money_warnings(order, rules.totals(order)) == ["overpaid"]
