"""SQLite's trigram index of the customer search (migration 0014): the triggers keep it equal
to customer_search through every write, and a lookup in it finds exactly what the LIKE scan
finds. PostgreSQL has no such index (see docs/architecture.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.factories import make_contact, make_customer
from webapp.extensions import db
from webapp.models import Contact, Customer, CustomerSearch
from webapp.models.search import TRIGRAM_TABLE
from webapp.services import search
from webapp.tenancy.context import tenant_context


@pytest.fixture(autouse=True)
def _sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the trigram index is SQLite's")


def _index_rows(app) -> set[tuple[int, str]]:
    with app.app_context():
        return set(db.session.execute(text(f"SELECT rowid, text FROM {TRIGRAM_TABLE}")).all())


def _search_rows(app, company) -> set[tuple[int, str]]:
    with app.app_context(), tenant_context(company.id):
        return set(
            db.session.execute(select(CustomerSearch.customer_id, CustomerSearch.text)).all()
        )


def _found(app, company, q: str) -> set[int]:
    """Ids the search finds for `q` in the company (the trigram index from 3 characters)."""
    with app.app_context(), tenant_context(company.id):
        return set(db.session.scalars(search.matching_customers(q)))


def _scanned(app, company, q: str) -> set[int]:
    """Ids the LIKE scan finds for `q` in the company."""
    with app.app_context(), tenant_context(company.id):
        stmt = select(CustomerSearch.customer_id).where(search.matches(q, "sqlite"))
        return set(db.session.scalars(stmt))


def test_the_triggers_keep_the_index_equal_to_the_search_rows(app, company_a):
    first = make_customer(app, company_a, "Nordlicht Handel GmbH")
    second = make_customer(app, company_a, "上海明光贸易有限公司")
    contact = make_contact(app, company_a, first, "Anna Weiß", email="anna@nordlicht.example")
    assert _index_rows(app) == _search_rows(app, company_a)

    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Contact, contact).customer_id = second
        db.session.get(Customer, first).name = "Polarlicht Handel GmbH"
        db.session.commit()
    assert _index_rows(app) == _search_rows(app, company_a)

    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Customer, first))
        db.session.commit()
    rows = _index_rows(app)
    assert rows == _search_rows(app, company_a)
    assert first not in {rowid for rowid, _ in rows}


def test_an_id_given_again_after_a_delete_gets_the_new_text(app, company_a):
    """SQLite hands the highest deleted id out again; the insert trigger replaces its row."""
    gone = make_customer(app, company_a, "Vanished Trading Co")
    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Customer, gone))
        db.session.commit()
    again = make_customer(app, company_a, "Reborn Lighting Ltd")
    assert again == gone
    assert _found(app, company_a, "reborn") == {again}
    assert _found(app, company_a, "vanished") == set()
    assert _index_rows(app) == _search_rows(app, company_a)


def test_the_index_finds_what_the_scan_finds(app, company_a, company_b):
    customers = {
        "MÜLLER Lighting GmbH": ("anna@mueller.example", "+4915112345678"),
        "上海明光贸易有限公司": ("zhang@mingguang.example", "+8613812345678"),
        'Quote "Special" 100% Co_Ltd': ("q@quote.example", None),
        "Mixed 混合 Trading": ("mixed@example.com", "+85291234567"),
    }
    for name, (email, phone) in customers.items():
        customer = make_customer(app, company_a, name)
        make_contact(app, company_a, customer, "Contact", email=email, phone=phone)
    make_customer(app, company_b, "Müller of another company")

    terms = [
        "müller",
        "mueller.ex",
        "明光贸易",
        "贸易有",
        '"special"',
        "100%",
        "co_ltd",
        "ed 混合 t",
        "1234567",
        "4915",
        "@example",
        "nothing like it",
        "ler",
        "+49 151 1234",
        "0085291234567",
    ]
    found = 0
    for term in terms:
        assert len(term) >= 3
        indexed = _found(app, company_a, term)
        assert indexed == _scanned(app, company_a, term), term
        found += bool(indexed)
    assert found == len(terms) - 1  # all but "nothing like it"
    assert len(_found(app, company_a, "müller")) == 1  # company b's Müller is not found


def test_the_index_is_used_from_three_characters(app, company_a):
    make_customer(app, company_a, "Lumen Lighting")
    with app.app_context(), tenant_context(company_a.id):
        dialect = db.session.get_bind().dialect
        three = str(search.matching_customers("lum").compile(dialect=dialect))
        two = str(search.matching_customers("lu").compile(dialect=dialect))
        phone = str(search.matching_customers("+86 138").compile(dialect=dialect))
    assert "MATCH" in three and TRIGRAM_TABLE in three
    assert "LIKE" in two and "MATCH" not in two  # two characters have no trigram
    assert "MATCH" in phone and "LIKE" not in phone  # the text and its digits in one lookup
