"""Input bounded the same on both databases (issue 22).

Numbers: every numeric field holds a range that both SQLite and PostgreSQL store, so the same
hostile number gets the same translated message on both. Rows saved before the bound existed
(SQLite took 1e308 and Infinity) must not take the company's pages, exports and PDFs down.
Control characters: C0 characters other than tab, newline and carriage return are removed on
the way in, and rows saved before that still export and print.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from tests.conftest import TEST_DATABASE_URL, login
from tests.factories import make_customer, make_order, make_order_row, make_sample
from webapp.extensions import db
from webapp.models import Customer, ExportOrder
from webapp.tenancy.context import tenant_context

HOSTILE_NUMBERS = ["1e308", "Infinity", "-Infinity", "NaN", "99999999999999999999999", "1e15"]


def _orders(app, company) -> list[ExportOrder]:
    with app.app_context(), tenant_context(company.id):
        return list(db.session.scalars(select(ExportOrder)))


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_a_hostile_order_amount_gets_the_same_message_on_both_databases(
    app, client, company_a, number
):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    customer_id = make_customer(app, company_a, "Bounded GmbH")
    response = client.post(
        f"/t/{company_a.slug}/orders/new",
        data={"customer_id": customer_id, "contract_no": "SC-HOSTILE", "contract_amount": number,
              "currency": "USD", "payment_method": "LC"},
    )  # fmt: skip
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Number must be between" in page or "Not a valid decimal value" in page
    assert _orders(app, company_a) == []


def test_the_number_message_is_translated(app, client, company_a):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "zh"})
    customer_id = make_customer(app, company_a, "Bounded GmbH")
    response = client.post(
        f"/t/{company_a.slug}/orders/new",
        data={"customer_id": customer_id, "contract_no": "SC-HOSTILE", "contract_amount": "1e308",
              "currency": "USD", "payment_method": "LC"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "数值大小必须介于" in response.get_data(as_text=True)  # WTForms' own zh catalog


def test_the_largest_amount_a_column_holds_is_accepted(app, client, company_a):
    login(client, company_a.owner_email)
    customer_id = make_customer(app, company_a, "Bounded GmbH")
    response = client.post(
        f"/t/{company_a.slug}/orders/new",
        data={"customer_id": customer_id, "contract_no": "SC-BIG",
              "contract_amount": "9999999999999.99", "currency": "USD", "payment_method": "LC"},
    )  # fmt: skip
    assert response.status_code == 302
    (order,) = _orders(app, company_a)
    assert order.contract_amount == Decimal("9999999999999.99")


def test_a_huge_count_is_refused_not_a_database_error(app, client, company_a):
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    response = client.post(
        f"/t/{company_a.slug}/settings/",
        data={"max_owned_customers": "99999999999999999999999"},
    )
    assert response.status_code < 500


sqlite_only = pytest.mark.skipif(
    bool(TEST_DATABASE_URL), reason="PostgreSQL never stored these: only SQLite did"
)

OLD_HUGE = [1e308, float("inf"), float("-inf")]


@sqlite_only
@pytest.mark.parametrize("stored", OLD_HUGE)
def test_pages_exports_and_pdfs_survive_numbers_stored_before_the_bound(
    app, client, company_a, stored
):
    customer_id = make_customer(app, company_a, "Old Numbers Ltd")
    order_id = make_order(app, company_a, customer_id)
    make_order_row(app, company_a, order_id, "payment")
    make_sample(app, company_a, customer_id=customer_id, charge="charged", currency="USD",
                amount=Decimal("1"))  # fmt: skip
    with app.app_context(), db.engine.begin() as conn:
        # what the old form let through: SQLite keeps a float in a NUMERIC column
        for table, column in [("export_order", "contract_amount"), ("export_order", "cbm"),
                              ("order_payment", "amount"), ("sample", "amount"),
                              ("customer", "turnover_current"),
                              ("customer", "forecast_unit_price")]:  # fmt: skip
            conn.execute(text(f"UPDATE {table} SET {column} = :v"), {"v": stored})
    login(client, company_a.owner_email)
    slug = company_a.slug
    for url in [f"/t/{slug}/orders/", f"/t/{slug}/orders/{order_id}",
                f"/t/{slug}/customers/{customer_id}", f"/t/{slug}/samples/",
                f"/t/{slug}/print/orders/{order_id}/order.pdf",
                f"/t/{slug}/print/customers/{customer_id}/sheet.pdf", f"/t/{slug}/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
    for url in (f"/t/{slug}/imports/export.xlsx", f"/t/{slug}/imports/export.csv"):
        assert client.post(url).status_code == 200, url


CONTROL = "Acme\x01 Trading\x1b[31m\x0b GmbH"
CLEAN = "Acme Trading[31m GmbH"


def test_control_characters_are_removed_on_the_way_in(app, client, company_a):
    login(client, company_a.owner_email)
    response = client.post(
        f"/t/{company_a.slug}/customers/new",
        data={"name": CONTROL, "remarks": "line one\r\nline\x07 two\tend", "importance": "normal",
              "owner_id": str(company_a.owner_membership_id), "confirm_duplicates": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        saved = db.session.scalars(select(Customer)).one()
        assert saved.name == CLEAN
        assert saved.remarks == "line one\r\nline two\tend"  # tab and newlines are kept


@sqlite_only
def test_exports_and_pdfs_survive_control_characters_saved_before_the_fix(app, client, company_a):
    customer_id = make_customer(app, company_a, "placeholder")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE customer SET name = :v, remarks = :v"), {"v": CONTROL})
    login(client, company_a.owner_email)
    slug = company_a.slug
    sheet = client.post(f"/t/{slug}/imports/export.xlsx")
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.data), read_only=True)
    assert next(book.worksheets[0].iter_rows(min_row=2, values_only=True))[0] == CLEAN
    csv = client.post(f"/t/{slug}/imports/export.csv")
    assert csv.status_code == 200 and CLEAN in csv.data.decode("utf-8-sig")
    for url in (f"/t/{slug}/print/customers/{customer_id}/sheet.pdf",
                f"/t/{slug}/print/contacts.pdf", f"/t/{slug}/customers/{customer_id}"):  # fmt: skip
        assert client.get(url).status_code == 200, url
