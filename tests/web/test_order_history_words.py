"""The order history speaks the reader's language (issue 25): no payment kind codes
("deposit1"), no "no → yes", no membership ids, no ISO dates in a Chinese history."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from tests.factories import add_member, make_customer, make_order
from tests.web.test_orders import post_section

HX = {"HX-Request": "true"}


@pytest.fixture
def order_url(app, company_a):
    customer = make_customer(app, company_a, "Nordlicht GmbH")
    order_id = make_order(app, company_a, customer, "SC-100", contract_amount=Decimal("10000.00"))
    return f"/t/{company_a.slug}/orders/{order_id}"


def _history(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'id="order-history">(.*?)</ol>', page, re.S).group(1)


def _fill(app, company_a, client, url: str) -> None:
    merchandiser = add_member(app, company_a, "mer@alpha.example.com", {"merchandiser"}, "陈跟单")
    client.post(f"{url}/payments", headers=HX, data={"kind": "deposit1", "amount": "3000.10",
                "currency": "USD", "paid_on": "2026-11-20"})  # fmt: skip
    # the sections as a person posts them: with the version they were opened with
    post_section(client, f"{url}/archive", headers=HX, data={"archived_docs": "y"})
    post_section(client, f"{url}/basics", headers=HX, data={
        "contract_no": "SC-100", "contract_amount": "10000.00", "currency": "USD",
        "customer_order_date": "2026-11-02", "merchandiser_id": str(merchandiser)})  # fmt: skip


def test_history_in_chinese_shows_no_codes(app, client_a, company_a, order_url):
    _fill(app, company_a, client_a, order_url)
    client_a.post("/lang", data={"lang": "zh"})
    history = _history(client_a, order_url)
    assert "第一次定金" in history and "deposit1" not in history
    assert "否 → 是" in history and "no → yes" not in history
    assert "陈跟单" in history  # the merchandiser by name, not by membership id
    assert "2026年11月2日" in history and "2026-11-02" not in history
    assert "3,000.10" in history


def test_history_in_english(app, client_a, company_a, order_url):
    _fill(app, company_a, client_a, order_url)
    client_a.post("/lang", data={"lang": "en"})
    history = _history(client_a, order_url)
    assert "First deposit 3,000.10 USD Nov 20, 2026" in history
    assert "No → Yes" in history and "Nov 2, 2026" in history
