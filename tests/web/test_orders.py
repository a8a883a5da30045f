"""The order screens: create, sections in place, rows, sign-off buttons and 403s, gates, list."""

import logging
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import (
    PASSWORD,
    add_member,
    make_customer,
    make_order,
    make_order_row,
    set_visibility,
)
from tests.html import form_values, stamp_of
from webapp.extensions import db
from webapp.models import ExportOrder, OrderEvent, OrderSignoff
from webapp.services.orders import SIGNOFF_KINDS
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages; the test companies default to Chinese."""
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}/orders"


@pytest.fixture
def order_id(app, company_a):
    customer = make_customer(app, company_a, "Nordlicht GmbH")
    return make_order(app, company_a, customer, "SC-100", contract_amount=Decimal("10000.00"))


def _member(app, client, company, role):
    email = f"{role}-{company.slug}@example.com"
    add_member(app, company, email, {role})
    client.post("/logout")
    login(client, email, PASSWORD)
    client.post("/lang", data={"lang": "en"})


def _order(app, company, order_id):
    with app.app_context(), tenant_context(company.id):
        order = db.session.get(ExportOrder, order_id)
        return {"stage": order.stage, "signoffs": [(s.kind, s.active) for s in order.signoffs]}


def post_section(client, url: str, data: dict, **kwargs):
    """POST a section as a person does: with the version and base the form was opened with
    (formkit.opened); the fields are `data` as given."""
    opened = form_values(client.get(url, headers=HX).get_data(as_text=True))
    stamp = {k: opened[k] for k in ("version", "base") if k in opened}
    return client.post(url, data={**stamp, **data}, **kwargs)


def test_create_order_and_see_it(app, client_a, company_a, base):
    customer = make_customer(app, company_a, "Sunrise LLC")
    data = {"customer_id": customer, "contract_no": " SC-7 ", "contract_amount": "1234.56",
            "currency": "EUR", "payment_method": "LC"}  # fmt: skip
    response = client_a.post(f"{base}/new", data=data)
    assert response.status_code == 302
    page = client_a.get(response.location).get_data(as_text=True)
    assert "SC-7" in page and "Sunrise LLC" in page and 'data-stage="draft"' in page
    with app.app_context(), tenant_context(company_a.id):
        order = db.session.scalar(select(ExportOrder))
        assert order.contract_no == "SC-7" and order.contract_amount == Decimal("1234.56")
        assert db.session.scalar(select(OrderEvent.action)) == "created"


def test_contract_number_must_be_unique_in_the_company(app, client_a, company_a, base, order_id):
    customer = make_customer(app, company_a, "Other customer")
    data = {"customer_id": customer, "contract_no": "SC-100", "contract_amount": "5",
            "currency": "USD", "payment_method": "TT"}  # fmt: skip
    response = client_a.post(f"{base}/new", data=data)
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)


def test_section_edit_in_place_writes_history(app, client_a, company_a, base, order_id):
    form = client_a.get(f"{base}/{order_id}/freight", headers=HX)
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    response = post_section(
        client_a,
        f"{base}/{order_id}/freight",
        data={
            "forwarder": "Kuehne + Nagel",
            "freight_amount": "1200.50",
            "freight_currency": "USD",
        },
        headers=HX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#order-body"
    body = response.get_data(as_text=True)
    assert "Kuehne + Nagel" in body and 'id="order-history"' in body
    with app.app_context(), tenant_context(company_a.id):
        fields = set(
            db.session.scalars(select(OrderEvent.field).where(OrderEvent.action == "changed"))
        )
    assert fields == {"forwarder", "freight_amount", "freight_currency"}


def test_invalid_section_input_keeps_what_was_typed(client_a, base, order_id):
    data = {"forwarder": "DHL", "cartons": "-3"}
    response = post_section(client_a, f"{base}/{order_id}/freight", data=data, headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="DHL"' in body and "invalid-feedback" in body


def test_payment_rows_and_totals(app, client_a, base, order_id):
    response = client_a.post(
        f"{base}/{order_id}/payments",
        data={"kind": "deposit1", "amount": "3000.10", "currency": "USD", "paid_on": "2026-11-20"},
        headers=HX,
    )
    assert response.status_code == 200
    outstanding = re.search(r'id="outstanding">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert "6,999.90" in outstanding
    bad = client_a.post(f"{base}/{order_id}/payments", data={"kind": "deposit1", "amount": "-1",
                        "currency": "USD", "paid_on": "2026-11-20"}, headers=HX)  # fmt: skip
    assert bad.status_code == 422


@pytest.mark.parametrize("kind", sorted(SIGNOFF_KINDS))
def test_signoff_button_only_for_the_role_and_forged_post_refused(
    app, client, company_a, base, order_id, kind, caplog
):
    spec = SIGNOFF_KINDS[kind]
    target = make_order_row(app, company_a, order_id, "payment") if spec.per_payment else None
    data = {"kind": kind, **({"target_id": target} if target else {})}

    set_visibility(app, company_a, "all")  # a salesperson looking at the owner's customer's order
    _member(app, client, company_a, "sales")
    page = client.get(f"{base}/{order_id}").get_data(as_text=True)
    assert f'name="kind" value="{kind}"' not in page  # no button without the role
    with caplog.at_level(logging.WARNING):
        assert client.post(f"{base}/{order_id}/sign", data=data).status_code == 403
    assert "refused sign-off" in caplog.text
    assert _order(app, company_a, order_id)["signoffs"] == []


def test_signing_with_the_role_records_who_and_when(app, client, company_a, base, order_id):
    _member(app, client, company_a, "finance")
    page = client.get(f"{base}/{order_id}").get_data(as_text=True)
    assert 'name="kind" value="freight_confirmed"' in page
    response = client.post(f"{base}/{order_id}/sign", data={"kind": "freight_confirmed",
                           "comment": "paid to forwarder"}, headers=HX)  # fmt: skip
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "finance-alpha-trading" in body and "paid to forwarder" in body
    assert _order(app, company_a, order_id)["signoffs"] == [("freight_confirmed", True)]
    with app.app_context(), tenant_context(company_a.id):
        signoff = db.session.scalar(select(OrderSignoff))
        assert signoff.role == "finance" and signoff.signed_at is not None
    # the signer may withdraw; the withdrawal is recorded and the row kept
    assert client.post(f"/t/{company_a.slug}/orders/signoffs/{signoff.id}/withdraw",
                       headers=HX).status_code == 200  # fmt: skip
    assert _order(app, company_a, order_id)["signoffs"] == [("freight_confirmed", False)]


def test_only_the_signer_may_withdraw(app, client, company_a, order_id):
    signoff = make_order_row(app, company_a, order_id, "signoff")  # signed by the owner
    _member(app, client, company_a, "finance")
    response = client.post(f"/t/{company_a.slug}/orders/signoffs/{signoff}/withdraw")
    assert response.status_code == 403
    assert _order(app, company_a, order_id)["signoffs"] == [("freight_confirmed", True)]


def test_production_gate_explains_what_is_missing(app, client, company_a, base, order_id):
    _member(app, client, company_a, "manager")
    response = client.post(f"{base}/{order_id}/sign", data={"kind": "production_approval"},
                           headers=HX)  # fmt: skip
    assert response.status_code == 422
    assert "deposit" in response.get_data(as_text=True)
    assert _order(app, company_a, order_id)["signoffs"] == []


def _signed(app, company, order_id: int, kind: str, role: str) -> int:
    """A sign-off of `kind` by a new member with `role` (the way the factory makes one)."""
    signer = add_member(app, company, f"{kind}-{order_id}@example.com", {role})
    signoff = make_order_row(app, company, order_id, "signoff", membership_id=signer)
    with app.app_context(), tenant_context(company.id):
        row = db.session.get(OrderSignoff, signoff)
        row.kind, row.role = kind, role
        db.session.commit()
    return signoff


def test_failed_inspection_blocks_shipping_until_a_pass(app, client_a, company_a, base,
                                                        order_id):  # fmt: skip
    client_a.post(f"{base}/{order_id}/inspections",
                  data={"inspected_on": "2026-11-25", "result": "fail"}, headers=HX)  # fmt: skip
    blocked = post_section(client_a, f"{base}/{order_id}/shipping",
                           data={"shipped_on": "2026-11-27"}, headers=HX)  # fmt: skip
    assert blocked.status_code == 422 and "inspection failed" in blocked.get_data(as_text=True)
    client_a.post(f"{base}/{order_id}/inspections",
                  data={"inspected_on": "2026-11-26", "result": "pass"}, headers=HX)  # fmt: skip
    _signed(app, company_a, order_id, "inspection_opinion", "manager")
    shipped = post_section(client_a, f"{base}/{order_id}/shipping",
                           data={"shipped_on": "2026-11-27"}, headers=HX)  # fmt: skip
    assert shipped.status_code == 200 and 'data-stage="shipped"' in shipped.get_data(as_text=True)
    # both inspections stay as history
    page = client_a.get(f"{base}/{order_id}").get_data(as_text=True)
    table = re.search(r'id="inspections">(.*?)</table>', page, re.S).group(1)
    assert table.index("FAIL") < table.index("PASS")


def test_verified_payment_cannot_be_removed(app, client_a, company_a, base, order_id):
    payment = make_order_row(app, company_a, order_id, "payment")
    make_order_row(app, company_a, order_id, "signoff", target_id=payment)
    with app.app_context(), tenant_context(company_a.id):
        db.session.scalar(select(OrderSignoff)).kind = "payment_verified"
        db.session.commit()
    response = client_a.post(f"/t/{company_a.slug}/orders/payments/{payment}/delete", headers=HX)
    assert response.status_code == 422
    assert "withdraw the verification" in response.get_data(as_text=True)


def test_list_filters_and_totals(app, client_a, company_a, base):
    customer = make_customer(app, company_a, "Acme")
    make_order(app, company_a, customer, "SC-1", contract_amount=Decimal("100"), currency="USD")
    make_order(app, company_a, customer, "SC-2", contract_amount=Decimal("250.5"), currency="USD")
    make_order(app, company_a, customer, "SC-3", contract_amount=Decimal("70"), currency="EUR")
    page = client_a.get(f"{base}/").get_data(as_text=True)
    assert "SC-1" in page and "SC-3" in page
    totals = re.search(r'id="order-totals">(.*?)</div>', page, re.S).group(1)
    assert "350.50" in totals and "70.00" in totals
    eur = client_a.get(f"{base}/?currency=EUR").get_data(as_text=True)
    assert "SC-3" in eur and "SC-1" not in eur
    assert "SC-1" not in client_a.get(f"{base}/?stage=paid").get_data(as_text=True)


def test_waiting_for_my_signoff_filter(app, client, company_a, base, order_id):
    make_order_row(app, company_a, order_id, "payment")
    _member(app, client, company_a, "finance")
    page = client.get(f"{base}/?waiting=me").get_data(as_text=True)
    assert "SC-100" in page
    home = client.get(f"/t/{company_a.slug}/").get_data(as_text=True)
    assert 'id="waiting-signoffs"' in home and "SC-100" in home


def test_my_day_shows_the_newest_waiting_orders_and_links_to_all(app, client, company_a, base):
    customer = make_customer(app, company_a, "Many orders")
    for i in range(12):  # each with a payment finance has not verified yet
        make_order_row(app, company_a, make_order(app, company_a, customer, f"W-{i}"), "payment")
    _member(app, client, company_a, "finance")
    home = client.get(f"/t/{company_a.slug}/").get_data(as_text=True)
    waiting = home.split('id="waiting-signoffs"')[1].split("</ul>")[0]
    shown = re.findall(r">(W-\d+)</a>", waiting)
    assert shown == [f"W-{i}" for i in range(11, 1, -1)]  # the newest 10
    assert ">12</span>" in waiting and "All orders waiting for me" in waiting
    listed = client.get(f"{base}/?waiting=me").get_data(as_text=True)
    assert all(f">W-{i}<" in listed for i in range(12))  # the list has every one


def test_list_query_count_does_not_grow(app, client_a, company_a, base):
    customer = make_customer(app, company_a, "Acme")
    for i in range(3):
        make_order(app, company_a, customer, f"A-{i}")
    client_a.get(f"{base}/")
    with count_queries(app) as few:
        client_a.get(f"{base}/")
    for i in range(20):
        make_order(app, company_a, customer, f"B-{i}")
    with count_queries(app) as many:
        client_a.get(f"{base}/")
    assert len(many) == len(few)
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(ExportOrder.id))) == 23


def test_customer_card_lists_its_orders(app, client_a, company_a, order_id):
    with app.app_context(), tenant_context(company_a.id):
        customer_id = db.session.get(ExportOrder, order_id).customer_id
    page = client_a.get(f"/t/{company_a.slug}/customers/{customer_id}").get_data(as_text=True)
    assert 'id="customer-orders"' in page and "SC-100" in page


# --- separation of duties and signed values ---------------------------------------------------


def test_an_owner_with_every_role_still_clears_only_one_gate(app, client_a, company_a, base,
                                                             order_id):  # fmt: skip
    """The owner gives themself finance, manager and GM roles (recorded as a self-grant) and
    verifies the deposit; approving production and the GM's signature are then refused."""
    slug, me = company_a.slug, company_a.owner_membership_id
    roles = {"roles": ["owner", "manager", "finance", "gm"]}
    roles.update(stamp_of(client_a, f"/t/{slug}/team/{me}/", f"/t/{slug}/team/{me}/roles"))
    assert client_a.post(f"/t/{slug}/team/{me}/roles", data=roles).status_code == 303
    client_a.post("/lang", data={"lang": "en"})
    payment = make_order_row(app, company_a, order_id, "payment")
    verify = {"kind": "payment_verified", "target_id": payment}
    verified = client_a.post(f"{base}/{order_id}/sign", data=verify, headers=HX)
    assert verified.status_code == 200
    body = verified.get_data(as_text=True)
    approval = body.split('data-kind="production_approval"')[1].split("data-kind=")[0]
    assert 'name="kind" value="production_approval"' not in approval  # no button, a reason
    assert "another person" in approval
    for kind in ("production_approval", "gm_signature"):
        refused = client_a.post(f"{base}/{order_id}/sign", data={"kind": kind}, headers=HX)
        assert refused.status_code == 422 and "another person" in refused.get_data(as_text=True)
    state = _order(app, company_a, order_id)
    assert state == {"stage": "draft", "signoffs": [("payment_verified", True)]}


def _verified_deposit(app, company, order_id):
    payment = make_order_row(app, company, order_id, "payment")
    finance = add_member(app, company, "verifier@example.com", {"finance"})
    signoff = make_order_row(app, company, order_id, "signoff", target_id=payment,
                             membership_id=finance)  # fmt: skip
    with app.app_context(), tenant_context(company.id):
        db.session.get(OrderSignoff, signoff).kind = "payment_verified"
        db.session.commit()
    return payment


BASICS = {"contract_no": "SC-100", "contract_amount": "3000", "currency": "USD"}


def test_a_salesperson_cannot_rewrite_a_verified_contract_amount(app, client, company_a, base,
                                                                 order_id):  # fmt: skip
    """The review's case: the contract amount set equal to the verified deposit showed the
    order as paid."""
    _verified_deposit(app, company_a, order_id)
    set_visibility(app, company_a, "all")
    _member(app, client, company_a, "sales")
    response = post_section(client, f"{base}/{order_id}/basics", data=BASICS, headers=HX)
    assert response.status_code == 422
    assert "only Manager / Finance" in response.get_data(as_text=True)
    with app.app_context(), tenant_context(company_a.id):
        order = db.session.get(ExportOrder, order_id)
        assert order.contract_amount == Decimal("10000.00") and order.stage != "paid"
        assert db.session.scalar(select(func.count()).where(OrderEvent.action == "changed")) == 0
    # other fields of the same panel stay editable
    dates = {**BASICS, "contract_amount": "10000.00", "factory_order_date": "2026-12-01"}
    assert (
        post_section(client, f"{base}/{order_id}/basics", data=dates, headers=HX).status_code == 200
    )


def test_a_managers_change_outdates_the_verification(app, client, company_a, base, order_id):
    _verified_deposit(app, company_a, order_id)
    _member(app, client, company_a, "manager")
    response = post_section(client, f"{base}/{order_id}/basics", data=BASICS, headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'data-stage="paid"' not in body  # the old verification no longer counts
    assert "outdated" in body  # on the signature line and in the history
    assert _order(app, company_a, order_id)["signoffs"] == [("payment_verified", False)]


# --- two people on one order ------------------------------------------------------------------


def _open(client, url: str) -> dict[str, list[str]]:
    return form_values(client.get(url, headers=HX).get_data(as_text=True))


def _freight(app, company, order_id) -> tuple:
    with app.app_context(), tenant_context(company.id):
        order = db.session.get(ExportOrder, order_id)
        return order.forwarder, order.freight_amount, order.version


def test_a_later_save_of_the_same_section_never_puts_back_old_values(
    app, client_a, company_a, base, order_id
):
    url = f"{base}/{order_id}/freight"
    first, second = _open(client_a, url), _open(client_a, url)
    assert first["version"] and first["base"]
    first["forwarder"] = ["Kuehne + Nagel"]
    assert client_a.post(url, data=first, headers=HX).status_code == 200

    second["freight_amount"] = ["900.00"]
    response = client_a.post(url, data=second, headers=HX)
    assert response.status_code == 409  # their forwarder is taken into the form, not erased
    assert _freight(app, company_a, order_id)[:2] == ("Kuehne + Nagel", None)
    again = form_values(response.get_data(as_text=True))
    assert again["forwarder"] == ["Kuehne + Nagel"] and again["freight_amount"] == ["900.00"]
    assert client_a.post(url, data=again, headers=HX).status_code == 200
    assert _freight(app, company_a, order_id)[:2] == ("Kuehne + Nagel", Decimal("900.00"))


def test_saves_of_different_sections_both_stay(app, client_a, company_a, base, order_id):
    basics, freight = (
        _open(client_a, f"{base}/{order_id}/basics"),
        _open(client_a, f"{base}/{order_id}/freight"),
    )
    basics["contract_no"] = ["SC-100-B"]
    assert client_a.post(f"{base}/{order_id}/basics", data=basics, headers=HX).status_code == 200
    freight["forwarder"] = ["DHL"]  # opened before the basics were saved: nothing of theirs here
    assert client_a.post(f"{base}/{order_id}/freight", data=freight, headers=HX).status_code == 200
    with app.app_context(), tenant_context(company_a.id):
        order = db.session.get(ExportOrder, order_id)
        assert (order.contract_no, order.forwarder) == ("SC-100-B", "DHL")


def test_a_field_both_changed_in_a_section_is_a_choice(app, client_a, company_a, base, order_id):
    url = f"{base}/{order_id}/freight"
    first, second = _open(client_a, url), _open(client_a, url)
    first["forwarder"], second["forwarder"] = ["Kuehne + Nagel"], ["DHL"]
    client_a.post(url, data=first, headers=HX)
    response = client_a.post(url, data=second, headers=HX)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'name="choose-forwarder"' in page and "Kuehne + Nagel" in page
    again = form_values(page)
    assert client_a.post(url, data=again, headers=HX).status_code == 409  # no choice made
    assert _freight(app, company_a, order_id)[0] == "Kuehne + Nagel"
    chosen = {**again, "choose-forwarder": "mine"}
    assert client_a.post(url, data=chosen, headers=HX).status_code == 200
    assert _freight(app, company_a, order_id)[0] == "DHL"


def test_a_shipping_date_waits_for_the_managers_inspection_opinion(
    app, client_a, company_a, base, order_id
):
    client_a.post(f"{base}/{order_id}/inspections",
                  data={"inspected_on": "2026-11-26", "result": "pass"}, headers=HX)  # fmt: skip
    url = f"{base}/{order_id}/shipping"
    refused = post_section(client_a, url, data={"shipped_on": "2026-11-27"}, headers=HX)
    assert refused.status_code == 422
    assert "opinion on the inspection" in refused.get_data(as_text=True)
    assert _order(app, company_a, order_id)["stage"] == "inspected"
    _signed(app, company_a, order_id, "inspection_opinion", "manager")
    shipped = post_section(client_a, url, data={"shipped_on": "2026-11-27"}, headers=HX)
    assert shipped.status_code == 200 and 'data-stage="shipped"' in shipped.get_data(as_text=True)


def test_the_gm_cannot_sign_before_the_manager_approves_production(
    app, client, company_a, base, order_id
):
    _verified_deposit(app, company_a, order_id)
    _member(app, client, company_a, "gm")
    early = client.post(f"{base}/{order_id}/sign", data={"kind": "gm_signature"}, headers=HX)
    assert early.status_code == 422
    assert "production approval first" in early.get_data(as_text=True)
    _signed(app, company_a, order_id, "production_approval", "manager")
    signed = client.post(f"{base}/{order_id}/sign", data={"kind": "gm_signature"}, headers=HX)
    assert signed.status_code == 200
    assert ("gm_signature", True) in _order(app, company_a, order_id)["signoffs"]


def test_a_signature_vouches_only_for_values_its_signer_saw(app, client, company_a, base,
                                                            order_id):  # fmt: skip
    """The sign button carries what its page showed; a change in between is refused (409),
    and the signature shows the values it was given on."""
    _member(app, client, company_a, "finance")
    page = client.get(f"{base}/{order_id}").get_data(as_text=True)
    button = page.split('data-kind="freight_confirmed"')[1].split("</form>")[0]
    seen = re.search(r'name="seen" value="([0-9a-f]+)"', button).group(1)
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(ExportOrder, order_id).forwarder = "DHL"  # a colleague, meanwhile
        db.session.commit()
    data = {"kind": "freight_confirmed", "seen": seen}
    refused = client.post(f"{base}/{order_id}/sign", data=data, headers=HX)
    assert refused.status_code == 409
    assert "check it and sign again" in refused.get_data(as_text=True)
    assert _order(app, company_a, order_id)["signoffs"] == []
    fresh = client.get(f"{base}/{order_id}").get_data(as_text=True)
    data["seen"] = re.search(
        r'name="seen" value="([0-9a-f]+)"',
        fresh.split('data-kind="freight_confirmed"')[1].split("</form>")[0],
    ).group(1)
    signed = client.post(f"{base}/{order_id}/sign", data=data, headers=HX)
    assert signed.status_code == 200
    line = signed.get_data(as_text=True).split('data-kind="freight_confirmed"')[1]
    assert "Signed on" in line.split("</div>\n  </div>")[0] and "Forwarder: DHL" in line
