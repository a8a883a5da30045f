"""Pickers that name someone of one role list that role's people first, everyone else in an
"Others" group behind a "show everyone else" toggle (issue 25): the merchandiser of an order,
the salesperson of a customer, a plan, an inquiry and a transfer."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.factories import add_member, make_customer, make_order
from tests.web.test_orders import post_section
from webapp.extensions import db
from webapp.models import ExportOrder
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}


@pytest.fixture
def team(app, company_a, client_a):
    client_a.post("/lang", data={"lang": "en"})
    return {
        name: add_member(app, company_a, f"{name.lower()}@alpha.example.com", roles, name)
        for name, roles in (
            ("Amy Merch", {"merchandiser"}),
            ("Bob Sales", {"sales"}),
            ("Cat Finance", {"finance"}),
            ("Dan Both", {"sales", "merchandiser"}),
        )
    }


def _select(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}".*?</select>(.*?</div>)?', page, re.S)
    assert match, f"no <select name={name}>"
    return match.group(0)


def _split(select: str) -> tuple[list[str], list[str]]:
    """(the names listed first, the names in the Others group)."""
    first, _, others = select.partition("<optgroup")
    names = lambda html: re.findall(r"<option[^>]*>([^<]+)</option>", html)  # noqa: E731
    return [n for n in names(first) if n != "—"], names(others.split("</optgroup>")[0])


def test_the_merchandiser_picker_lists_merchandisers_first(app, client_a, company_a, team):
    page = client_a.get(f"/t/{company_a.slug}/orders/new").get_data(as_text=True)
    select = _select(page, "merchandiser_id")
    first, others = _split(select)
    assert first == ["Amy Merch", "Dan Both"]
    assert {"Bob Sales", "Cat Finance", "Owner alpha-trading"} == set(others)
    assert 'data-show-others="merchandiser_id"' in select and " checked" not in select
    assert "Show everyone else" in select


def test_someone_else_stays_choosable_and_shown(app, client_a, company_a, team):
    customer = make_customer(app, company_a, "Nordlicht GmbH")
    order_id = make_order(app, company_a, customer, "SC-1", contract_amount=Decimal("1.00"))
    data = {"contract_no": "SC-1", "contract_amount": "1.00", "currency": "USD",
            "merchandiser_id": str(team["Bob Sales"])}  # fmt: skip
    url = f"/t/{company_a.slug}/orders/{order_id}/basics"
    assert post_section(client_a, url, data=data, headers=HX).status_code == 200
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(ExportOrder, order_id).merchandiser_id == team["Bob Sales"]
    # editing again: the current merchandiser is one of the others, so the toggle starts ticked
    select = _select(client_a.get(url, headers=HX).get_data(as_text=True), "merchandiser_id")
    assert re.search(r'data-show-others="merchandiser_id" checked', select)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/customers/new", "owner_id"),
        ("/plans/new", "member_id"),
        ("/inquiries/new", "assigned_to_id"),
        ("/pool/transfer?ids={customer}", "to_member_id"),
    ],
)
def test_salesperson_pickers_list_salespeople_first(app, client_a, company_a, team, url, name):
    customer = make_customer(app, company_a, "Nordlicht GmbH")
    page = client_a.get(f"/t/{company_a.slug}{url.format(customer=customer)}").get_data(
        as_text=True
    )
    first, others = _split(_select(page, name))
    assert first == ["Bob Sales", "Dan Both"]
    assert "Amy Merch" in others and "Cat Finance" in others


def test_no_group_when_nobody_holds_the_role(client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    page = client_a.get(f"/t/{company_a.slug}/orders/new").get_data(as_text=True)
    select = _select(page, "merchandiser_id")
    assert "<optgroup" not in select and "data-show-others" not in select
    assert "Owner alpha-trading" in select
