"""Customer list, card, create/edit with optimistic locking, archive, and contacts."""

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import add_member, make_contact, make_customer
from tests.html import input_value
from webapp.extensions import db
from webapp.models import Contact, Customer
from webapp.services.classification import label_of
from webapp.tenancy import tenant_context

BASE = "/t/alpha-trading/customers"


def customer_data(company, **overrides) -> dict:
    data = {
        "name": "Acme Trading GmbH",
        "website": "acme.example.com",
        "country": "DE",
        "address": "Hauptstraße 1, Hamburg",
        "nature": "trading",
        "grade": "A",
        "importance": "very_important",
        "category": "intent",
        "owner_id": str(company.owner_membership_id),
        "remarks": "Met at the Canton Fair",
        "version": "",
    }
    data.update(overrides)
    return data


def listed_ids(page: str) -> list[int]:
    """Customer ids linked from the list's table, in order."""
    return [int(i) for i in re.findall(rf'href="{BASE}/(\d+)"', page)]


def list_page(client, **params) -> str:
    response = client.get(f"{BASE}/", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def load(app, company, model, object_id):
    """A row's column values as a dict (read in a closed context: no context left open)."""
    with app.app_context(), tenant_context(company.id):
        obj = db.session.get(model, object_id)
        if obj is None:
            return None
        return {c.key: getattr(obj, c.key) for c in model.__table__.columns}


def labels(locale: str) -> dict[str, str]:
    from webapp.services.countries import country_name

    with force_locale(locale):
        return {
            "nature": label_of("nature", "trading"),
            "grade": label_of("grade", "A"),
            "importance": label_of("importance", "very_important"),
            "category": label_of("category", "intent"),
            "country": country_name("DE"),
        }


# --- create ---------------------------------------------------------------------------------


def test_new_customer_form(client_a):
    response = client_a.get(f"{BASE}/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="customer-form"' in page
    assert '<option value="DE">德国</option>' in page


def test_create_customer(app, client_a, company_a):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a))
    assert response.status_code == 302
    match = re.fullmatch(rf"{BASE}/(\d+)", response.location)
    assert match, response.location
    customer_id = int(match.group(1))

    row = load(app, company_a, Customer, customer_id)
    assert row["name"] == "Acme Trading GmbH"
    assert row["country"] == "DE"
    assert (row["nature"], row["grade"], row["importance"], row["category"]) == (
        "trading",
        "A",
        "very_important",
        "intent",
    )
    assert row["owner_id"] == company_a.owner_membership_id
    assert row["archived_at"] is None
    assert row["version"] == 1

    card = client_a.get(response.location)
    assert card.status_code == 200
    page = card.get_data(as_text=True)
    assert "Acme Trading GmbH" in page
    assert "Met at the Canton Fair" in page
    assert "Owner alpha-trading" in page  # the salesperson's name
    with app.test_request_context():
        expected = labels("zh")  # the company's default language
    assert expected["country"] == "德国"
    for label in expected.values():
        assert html.escape(label) in page


def test_card_labels_in_english(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer_id = make_customer(
        app,
        company_a,
        "Acme Trading GmbH",
        country="DE",
        nature="buying_office",
        grade="B",
        importance="important",
        category="quality_prospect",
    )
    page = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    for text in (
        "Germany",
        "Foreign",  # DE is not the company's home country (CN)
        "Buying office",
        "B: will order within 3 months",
        "Important",
        "Quality prospect",
    ):
        assert text in page


def test_domestic_customer(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer_id = make_customer(app, company_a, "Ningbo Supplier", country="CN")
    page = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert "Domestic" in page


def test_create_minimal_customer(app, client_a, company_a):
    response = client_a.post(f"{BASE}/new", data={"name": "  Just A Name  ", "owner_id": ""})
    assert response.status_code == 302
    customer_id = int(response.location.rsplit("/", 1)[1])
    row = load(app, company_a, Customer, customer_id)
    assert row["name"] == "Just A Name"
    assert row["owner_id"] is None
    assert row["country"] is None
    assert row["website"] is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"name": ""}, "name"), ({"name": "   "}, "name"), ({"website": "not a site"}, "website")],
)
def test_create_invalid_keeps_the_input(app, client_a, company_a, overrides, field):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'class="[^"]*is-invalid[^"]*"[^>]*id="{field}"', page)
    assert input_value(page, "address") == "Hauptstraße 1, Hamburg"
    assert "Met at the Canton Fair" in page
    assert '<option selected value="DE">' in page
    assert '<option selected value="A">' in page
    if field != "website":
        assert input_value(page, "website") == "acme.example.com"
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_create_with_an_owner_from_another_company_is_refused(app, client_a, company_a, company_b):
    data = customer_data(company_a, owner_id=str(company_b.owner_membership_id))
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 422
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Customer.id))) == 0


# --- edit -----------------------------------------------------------------------------------


def test_edit_form_shows_the_current_version(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    page = client_a.get(f"{BASE}/{customer_id}/edit").get_data(as_text=True)
    assert input_value(page, "name") == "Acme Trading GmbH"
    assert input_value(page, "version") == "1"


def test_edit_with_the_current_version_saves(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    data = customer_data(company_a, name="Acme Trading AG", grade="B", version="1")
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=data)
    assert response.status_code == 302
    assert response.location == f"{BASE}/{customer_id}"
    row = load(app, company_a, Customer, customer_id)
    assert (row["name"], row["grade"], row["version"]) == ("Acme Trading AG", "B", 2)
    assert "Acme Trading AG" in client_a.get(response.location).get_data(as_text=True)


def test_edit_with_a_stale_version_is_a_conflict(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    # a colleague saves first
    colleague = customer_data(company_a, name="Acme (colleague's edit)", version="1")
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=colleague).status_code == 302

    mine = customer_data(company_a, name="Acme (my edit)", remarks="my notes", version="1")
    response = client_a.post(
        f"{BASE}/{customer_id}/edit", data=mine, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert input_value(page, "name") == "Acme (my edit)"
    assert "my notes" in page
    assert input_value(page, "version") == "2"  # saving again overwrites, on purpose

    row = load(app, company_a, Customer, customer_id)
    assert (row["name"], row["remarks"], row["version"]) == (
        "Acme (colleague's edit)",
        "Met at the Canton Fair",
        2,
    )

    # the user looked, and saves again with the version the form now carries
    mine["version"] = "2"
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=mine).status_code == 302
    row = load(app, company_a, Customer, customer_id)
    assert (row["name"], row["version"]) == ("Acme (my edit)", 3)


def test_edit_invalid_is_422_and_changes_nothing(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    data = customer_data(company_a, name="", version="1")
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=data)
    assert response.status_code == 422
    assert input_value(response.get_data(as_text=True), "address") == "Hauptstraße 1, Hamburg"
    assert load(app, company_a, Customer, customer_id)["name"] == "Acme Trading GmbH"


def test_unknown_customer_is_404(client_a):
    assert client_a.get(f"{BASE}/999999").status_code == 404
    assert client_a.get(f"{BASE}/999999/edit").status_code == 404
    assert client_a.post(f"{BASE}/999999/archive").status_code == 404


# --- list -----------------------------------------------------------------------------------


@pytest.fixture
def searchable(app, company_a):
    acme = make_customer(app, company_a, "Acme Trading GmbH", grade="A", website="acme.de")
    make_contact(app, company_a, acme, "Jonas Weber", email="jonas@acme.de", is_primary=True)
    bolt = make_customer(app, company_a, "Bolt Imports Ltd", grade="B")
    make_contact(app, company_a, bolt, "Sarah Miller", email="s.miller@boltmail.co.uk")
    make_contact(app, company_a, bolt, "Tom Green", mobile="+44 7700 900123")
    cargo = make_customer(app, company_a, "Cargo 100% Co_Ltd", grade="A")
    zhong = make_customer(app, company_a, "宁波海运公司", grade="C")
    return {"acme": acme, "bolt": bolt, "cargo": cargo, "zhong": zhong}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme", {"acme"}),
        ("ACME trading", {"acme"}),
        ("imports", {"bolt"}),
        ("宁波", {"zhong"}),
        ("Sarah", {"bolt"}),
        ("miller", {"bolt"}),
        ("s.miller@boltmail", {"bolt"}),
        ("jonas@acme.de", {"acme"}),
        ("7700 900", {"bolt"}),
        ("acme.de", {"acme"}),
        ("100%", {"cargo"}),
        ("%", {"cargo"}),
        ("co_", {"cargo"}),
        ("  weber  ", {"acme"}),
        ("nothing like this", set()),
    ],
)
def test_search(client_a, searchable, q, expected):
    page = list_page(client_a, q=q)
    assert set(listed_ids(page)) == {searchable[k] for k in expected}
    if not expected:
        assert 'id="customer-results"' in page  # the page, with an empty result


def test_search_ignores_case_beyond_ascii(app, client_a, company_a):
    cid = make_customer(app, company_a, "MÜLLER GMBH")
    assert listed_ids(list_page(client_a, q="müller")) == [cid]


def test_search_finds_a_customer_once_with_several_matching_contacts(app, client_a, company_a):
    cid = make_customer(app, company_a, "Delta Foods")
    make_contact(app, company_a, cid, "Anna Smith")
    make_contact(app, company_a, cid, "Anna Jones")
    assert listed_ids(list_page(client_a, q="anna")) == [cid]


def test_grade_filter(client_a, searchable):
    assert set(listed_ids(list_page(client_a, grade="A"))) == {
        searchable["acme"],
        searchable["cargo"],
    }
    assert listed_ids(list_page(client_a, grade="B")) == [searchable["bolt"]]
    assert listed_ids(list_page(client_a, grade="D")) == []
    assert listed_ids(list_page(client_a, grade="A", q="acme")) == [searchable["acme"]]
    # an unknown grade is ignored
    assert len(listed_ids(list_page(client_a, grade="X"))) == 4


@pytest.mark.parametrize("grade", ["AB", "BCD", "ABCD", "a"])
def test_a_grade_that_is_not_one_grade_is_ignored(client_a, searchable, grade):
    assert len(listed_ids(list_page(client_a, grade=grade))) == 4


def test_mine_filter(app, client_a, company_a):
    sales_id = add_member(app, company_a, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    mine = make_customer(app, company_a, "My Customer")
    with app.app_context(), tenant_context(company_a.id):
        db.session.add(Customer(name="Sam's Customer", owner_id=sales_id))
        db.session.commit()
    assert listed_ids(list_page(client_a, mine="1")) == [mine]
    assert len(listed_ids(list_page(client_a))) == 2


def test_list_shows_primary_contact_and_salesperson(app, client_a, company_a):
    cid = make_customer(app, company_a, "Acme Trading GmbH", country="DE")
    make_contact(app, company_a, cid, "Not Primary")
    make_contact(app, company_a, cid, "Jonas Weber", email="jonas@acme.de", is_primary=True)
    page = list_page(client_a)
    assert "Jonas Weber" in page
    assert "jonas@acme.de" in page
    assert "Not Primary" not in page
    assert "Owner alpha-trading" in page
    assert "德国" in page


def test_empty_list(client_a):
    page = list_page(client_a)
    assert listed_ids(page) == []
    assert f'href="{BASE}/new"' in page


def test_pagination(app, client_a, company_a):
    ids = [make_customer(app, company_a, f"Customer {i:02d}") for i in range(30)]
    first = list_page(client_a)
    second = list_page(client_a, page=2)
    assert len(listed_ids(first)) == 25
    assert len(listed_ids(second)) == 5
    assert set(listed_ids(first)) | set(listed_ids(second)) == set(ids)
    assert not set(listed_ids(first)) & set(listed_ids(second))
    assert "2 / 2" in second
    assert f"{BASE}/?page=2" in first  # the "next" link
    # past the end: an empty page, not an error
    assert listed_ids(list_page(client_a, page=3)) == []


def test_pagination_keeps_the_filters(app, client_a, company_a):
    for i in range(27):
        make_customer(app, company_a, f"Grade A {i:02d}", grade="A")
    make_customer(app, company_a, "Grade B", grade="B")
    first = list_page(client_a, grade="A")
    assert len(listed_ids(first)) == 25
    next_link = re.search(rf'href="({BASE}/\?[^"]*page=2[^"]*)"', first).group(1)
    assert "grade=A" in html.unescape(next_link)
    second = client_a.get(html.unescape(next_link)).get_data(as_text=True)
    assert len(listed_ids(second)) == 2


def test_htmx_search_returns_only_the_results(app, client_a, company_a):
    make_customer(app, company_a, "Acme Trading GmbH")
    response = client_a.get(
        f"{BASE}/?q=acme",
        headers={"HX-Request": "true", "HX-Target": "customer-results"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Acme Trading GmbH" in body
    assert "<html" not in body
    assert "HX-Request" in response.headers.get("Vary", "")


def test_list_queries_do_not_grow_with_customers(app, client_a, company_a):
    make_customer(app, company_a, "One GmbH")
    client_a.get(f"{BASE}/")
    with count_queries(app) as few:
        assert client_a.get(f"{BASE}/").status_code == 200
        assert client_a.get(f"{BASE}/", query_string={"q": "gmbh"}).status_code == 200

    sales_id = add_member(app, company_a, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    for i in range(20):
        cid = make_customer(app, company_a, f"Customer {i} GmbH", country="DE", grade="ABCD"[i % 4])
        make_contact(app, company_a, cid, f"Contact {i}", email=f"c{i}@example.com")
        make_contact(app, company_a, cid, f"Second {i}", is_primary=True)
    with app.app_context(), tenant_context(company_a.id):
        for customer in db.session.scalars(select(Customer).where(Customer.name.like("%1%"))):
            customer.owner_id = sales_id
        db.session.commit()

    with count_queries(app) as many:
        response = client_a.get(f"{BASE}/")
        assert client_a.get(f"{BASE}/", query_string={"q": "gmbh"}).status_code == 200
    page = response.get_data(as_text=True)
    assert "Customer 19 GmbH" in page
    assert "Sam Sales" in page
    assert len(many) == len(few), many


# --- archive --------------------------------------------------------------------------------


def test_archive_and_restore_as_owner(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    other = make_customer(app, company_a, "Bolt Imports Ltd")

    response = client_a.post(f"{BASE}/{customer_id}/archive")
    assert response.status_code == 302
    assert response.location == f"{BASE}/{customer_id}"
    assert load(app, company_a, Customer, customer_id)["archived_at"] is not None
    assert listed_ids(list_page(client_a)) == [other]
    assert listed_ids(list_page(client_a, archived="1")) == [customer_id]
    assert client_a.get(f"{BASE}/{customer_id}").status_code == 200  # the card stays reachable

    # a second click on "archive" (double click, or a colleague) keeps it archived
    client_a.post(f"{BASE}/{customer_id}/archive", data={"archived": "1"})
    assert load(app, company_a, Customer, customer_id)["archived_at"] is not None

    response = client_a.post(f"{BASE}/{customer_id}/archive", data={"archived": "0"})
    assert response.status_code == 302
    assert load(app, company_a, Customer, customer_id)["archived_at"] is None
    assert set(listed_ids(list_page(client_a))) == {customer_id, other}
    assert listed_ids(list_page(client_a, archived="1")) == []


def test_archived_customer_leaves_the_dashboard_counts(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    assert "Acme Trading GmbH" in client_a.get("/t/alpha-trading/").get_data(as_text=True)
    client_a.post(f"{BASE}/{customer_id}/archive")
    assert "Acme Trading GmbH" not in client_a.get("/t/alpha-trading/").get_data(as_text=True)


def test_archive_as_sales_is_forbidden(app, client, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    add_member(app, company_a, "sales@alpha.example.com", {"sales"})
    login(client, "sales@alpha.example.com")

    card = client.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert f"{BASE}/{customer_id}/archive" not in card  # no button

    response = client.post(f"{BASE}/{customer_id}/archive")
    assert response.status_code == 403
    assert load(app, company_a, Customer, customer_id)["archived_at"] is None
    assert listed_ids(list_page(client)) == [customer_id]


def test_archive_as_manager_is_allowed(app, client, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    add_member(app, company_a, "manager@alpha.example.com", {"manager", "sales"})
    login(client, "manager@alpha.example.com")
    assert client.post(f"{BASE}/{customer_id}/archive").status_code == 302
    assert load(app, company_a, Customer, customer_id)["archived_at"] is not None


# --- contacts -------------------------------------------------------------------------------


def contacts_of(app, company, customer_id) -> list[tuple[str, bool]]:
    with app.app_context(), tenant_context(company.id):
        rows = db.session.scalars(
            select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)
        )
        return [(c.name, c.is_primary) for c in rows]


def test_add_contact(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts",
        data={"name": "Jonas Weber", "title": "Buyer", "email": "jonas@acme.de"},
    )
    assert response.status_code == 302
    assert response.location == f"{BASE}/{customer_id}"
    assert contacts_of(app, company_a, customer_id) == [("Jonas Weber", True)]
    card = client_a.get(response.location).get_data(as_text=True)
    assert "Jonas Weber" in card
    assert 'href="mailto:jonas@acme.de"' in card


def test_first_contact_is_primary_and_a_new_primary_replaces_it(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    url = f"{BASE}/{customer_id}/contacts"
    client_a.post(url, data={"name": "First"})
    client_a.post(url, data={"name": "Second"})
    assert contacts_of(app, company_a, customer_id) == [("First", True), ("Second", False)]
    client_a.post(url, data={"name": "Third", "is_primary": "y"})
    assert contacts_of(app, company_a, customer_id) == [
        ("First", False),
        ("Second", False),
        ("Third", True),
    ]


def test_add_contact_invalid_without_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts", data={"name": "Jonas Weber", "email": "not-an-email"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<html" in page  # the whole card
    assert "Acme Trading GmbH" in page
    assert input_value(page, "email") == "not-an-email"
    assert contacts_of(app, company_a, customer_id) == []


def test_add_contact_with_htmx_invalid(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts",
        data={"name": "Jonas Weber", "email": "not-an-email"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith("<form")
    assert 'id="contact-form"' in body
    assert re.search(r'class="[^"]*is-invalid[^"]*"[^>]*id="email"', body)
    assert input_value(body, "name") == "Jonas Weber"
    assert input_value(body, "email") == "not-an-email"
    assert "HX-Retarget" not in response.headers
    assert contacts_of(app, company_a, customer_id) == []


def test_add_contact_with_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    make_contact(app, company_a, customer_id, "Existing Contact")
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts",
        data={"name": "Jonas Weber", "email": "jonas@acme.de"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#contacts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "contactAdded" in response.headers["HX-Trigger"]
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="contact-list"' in body
    assert "Existing Contact" in body
    assert "Jonas Weber" in body
    assert input_value(body, "name") in (None, "")  # a fresh, empty form
    assert contacts_of(app, company_a, customer_id) == [
        ("Existing Contact", False),
        ("Jonas Weber", False),
    ]


def test_delete_contact(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    keep = make_contact(app, company_a, customer_id, "Keep Me")
    gone = make_contact(app, company_a, customer_id, "Remove Me")
    response = client_a.post(f"{BASE}/contacts/{gone}/delete")
    assert response.status_code == 302
    assert response.location == f"{BASE}/{customer_id}"
    assert load(app, company_a, Contact, gone) is None
    assert load(app, company_a, Contact, keep) is not None
    card = client_a.get(response.location).get_data(as_text=True)
    assert "Keep Me" in card
    contacts_panel = card.split('id="contacts"', 1)[1]  # after the flash message
    assert "Remove Me" not in contacts_panel
    assert "Keep Me" in contacts_panel


def test_deleting_the_primary_contact_promotes_the_next(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    url = f"{BASE}/{customer_id}/contacts"
    for name in ("First", "Second", "Third"):
        assert client_a.post(url, data={"name": name}).status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        first = db.session.scalar(select(Contact.id).where(Contact.name == "First"))
    assert client_a.post(f"{BASE}/contacts/{first}/delete").status_code == 302
    assert contacts_of(app, company_a, customer_id) == [("Second", True), ("Third", False)]


def test_deleting_the_last_contact(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    only = make_contact(app, company_a, customer_id, "Only One", is_primary=True)
    assert client_a.post(f"{BASE}/contacts/{only}/delete").status_code == 302
    assert contacts_of(app, company_a, customer_id) == []
    assert client_a.get(f"{BASE}/{customer_id}").status_code == 200


def test_empty_contact_fields_are_stored_as_null(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    blank = dict.fromkeys(("title", "email", "phone", "mobile", "wechat"), "")
    response = client_a.post(f"{BASE}/{customer_id}/contacts", data={"name": "Jonas", **blank})
    assert response.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        contact = db.session.scalar(select(Contact).where(Contact.customer_id == customer_id))
        assert (contact.title, contact.email, contact.phone, contact.mobile, contact.wechat) == (
            None,
        ) * 5


def test_delete_unknown_contact_is_404(client_a):
    assert client_a.post(f"{BASE}/contacts/999999/delete").status_code == 404


def test_another_companys_customer_is_404(app, client_a, company_b):
    theirs = make_customer(app, company_b, "Beta's Customer")
    contact = make_contact(app, company_b, theirs, "Beta Contact")
    assert client_a.get(f"{BASE}/{theirs}").status_code == 404
    assert client_a.post(f"{BASE}/{theirs}/contacts", data={"name": "X"}).status_code == 404
    assert client_a.post(f"{BASE}/contacts/{contact}/delete").status_code == 404
    assert load(app, company_b, Contact, contact) is not None
