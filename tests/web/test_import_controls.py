"""Control characters through an import (issue 22): a NUL byte makes its row invalid with a
row-level message on both databases (SQLite used to store it and break the export, PostgreSQL
answered a generic DataError); other control characters are removed like in the forms."""

from __future__ import annotations

from sqlalchemy import select

from tests.web.test_imports_web import SHEET, _count, _import
from webapp.extensions import db
from webapp.models import Customer, FollowUp
from webapp.tenancy.context import tenant_context

NUL_ROW = "重要,x,Bob\x00,US,,Nul\x00 Row Ltd,bob@nul.example,3/1 hello\x00 there\n"


def test_a_nul_byte_makes_its_row_invalid_with_a_message(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    _batch_id, preview = _import(client_a, company_a.slug, (SHEET + NUL_ROW).encode())
    body = preview.get_data(as_text=True)
    assert "Invalid rows" in body and "invisible NUL character" in body
    assert ">7<" in body  # the row, as Excel numbers it
    assert "\x00" not in body
    assert _count(app, company_a, Customer) == 0  # the import stops on an invalid row


def test_skipping_the_nul_row_imports_the_rest(app, client_a, company_a):
    _import(client_a, company_a.slug, (SHEET + NUL_ROW).encode(),
            commit_data={"skip_invalid": "1"})  # fmt: skip
    with app.app_context(), tenant_context(company_a.id):
        names = set(db.session.scalars(select(Customer.name)))
    assert names == {"Acme Inc", "Nordlicht Handel GmbH"}


def test_other_control_characters_are_removed(app, client_a, company_a):
    row = "重要,x,Eve\x01,US,,Ctrl\x0b Row\x1b Ltd,eve@ctrl.example,3/1 call\x07 back\n"
    _import(client_a, company_a.slug, (SHEET + row).encode())
    with app.app_context(), tenant_context(company_a.id):
        customer = db.session.scalars(select(Customer).where(Customer.name == "Ctrl Row Ltd"))
        assert customer.one().contacts[0].name == "Eve"
        topics = list(db.session.scalars(select(FollowUp.topic)))
    assert not any(c < " " and c not in "\t\n\r" for text in topics for c in text or "")
    export = client_a.post(f"/t/{company_a.slug}/imports/export.xlsx")
    assert export.status_code == 200
