"""Customer list, card, create/edit with optimistic locking, archive, and contacts."""

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import add_member, make_contact, make_customer, set_visibility
from tests.html import field_errors, form_values, input_value
from webapp.extensions import db
from webapp.models import Contact, Customer
from webapp.services.classification import label_of
from webapp.services.phones import display
from webapp.tenancy.context import tenant_context

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
    # the country is typed with suggestions from a datalist, names in the user's language
    assert re.search(r'<input[^>]*\bid="country"[^>]*>', page)
    assert re.search(r'<input[^>]*\blist="country-list"[^>]*\bid="country"', page) or re.search(
        r'<input[^>]*\bid="country"[^>]*\blist="country-list"', page
    )
    assert '<datalist id="country-list">' in page
    assert '<option value="德国 (DE)">' in page
    # the optional first contact
    for field in ("contact_name", "contact_title", "contact_email", "contact_mobile"):
        assert input_value(page, field) in (None, "")


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
    data = customer_data(company_a, country="德国 (DE)", **overrides)
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'class="[^"]*is-invalid[^"]*"[^>]*id="{field}"', page)
    assert input_value(page, "address") == "Hauptstraße 1, Hamburg"
    assert "Met at the Canton Fair" in page
    assert input_value(page, "country") == "德国 (DE)"  # what was typed
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


def open_edit(client, customer_id: int) -> dict[str, list[str]]:
    """What the edit form posts as it was opened (a person starting to edit)."""
    return form_values(
        client.get(f"{BASE}/{customer_id}/edit").get_data(as_text=True), "customer-form"
    )


def test_conflict_takes_the_other_persons_fields_and_saving_again_keeps_them(
    app, client_a, company_a
):
    """The bug: the 409 screen kept the second person's stale values, and the Save it invited
    wiped what the first person typed. Now fields only one side changed are merged."""
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", grade="C")
    colleague, mine = open_edit(client_a, customer_id), open_edit(client_a, customer_id)
    colleague["remarks"] = ["colleague notes"]
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=colleague).status_code == 302

    mine["grade"] = ["A"]
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    again = form_values(page, "customer-form")
    assert again["remarks"] == ["colleague notes"]  # theirs, taken into the form
    assert again["grade"] == ["A"]  # mine, kept
    assert 'name="choose-' not in page  # nothing both changed: nothing to choose
    row = load(app, company_a, Customer, customer_id)
    assert (row["remarks"], row["grade"], row["version"]) == ("colleague notes", "C", 2)

    # Save, as the screen invites: both changes survive
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=again).status_code == 302
    row = load(app, company_a, Customer, customer_id)
    assert (row["remarks"], row["grade"], row["version"]) == ("colleague notes", "A", 3)


def test_conflict_on_a_field_both_changed_is_a_choice(app, client_a, company_a):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", grade="C")
    colleague, mine = open_edit(client_a, customer_id), open_edit(client_a, customer_id)
    colleague["remarks"], colleague["grade"] = ["colleague notes"], ["B"]
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=colleague).status_code == 302

    mine["remarks"], mine["website"] = ["my notes"], ["acme-new.example.com"]
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert conflict_rows(page) == [("Remarks", "colleague notes", "my notes")]
    again = form_values(page, "customer-form")
    assert again["grade"] == ["B"] and again["website"] == ["acme-new.example.com"]

    # saving without choosing writes nothing and asks again
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=again)
    assert response.status_code == 409
    assert conflict_rows(response.get_data(as_text=True)) == [
        ("Remarks", "colleague notes", "my notes")
    ]
    assert load(app, company_a, Customer, customer_id)["version"] == 2

    # choosing theirs keeps their text; my other change is written with it
    assert (
        client_a.post(
            f"{BASE}/{customer_id}/edit", data={**again, "choose-remarks": "theirs"}
        ).status_code
        == 302
    )
    row = load(app, company_a, Customer, customer_id)
    assert (row["remarks"], row["grade"], row["website"]) == (
        "colleague notes",
        "B",
        "acme-new.example.com",
    )


def test_conflict_choosing_mine_writes_mine(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    colleague, mine = open_edit(client_a, customer_id), open_edit(client_a, customer_id)
    colleague["remarks"] = ["colleague notes"]
    client_a.post(f"{BASE}/{customer_id}/edit", data=colleague)
    mine["remarks"] = ["my notes"]
    again = form_values(
        client_a.post(f"{BASE}/{customer_id}/edit", data=mine).get_data(as_text=True),
        "customer-form",
    )
    response = client_a.post(f"{BASE}/{customer_id}/edit", data={**again, "choose-remarks": "mine"})
    assert response.status_code == 302
    assert load(app, company_a, Customer, customer_id)["remarks"] == "my notes"


def test_a_third_save_during_the_choice_is_merged_again(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    first, mine = open_edit(client_a, customer_id), open_edit(client_a, customer_id)
    first["remarks"] = ["first"]
    client_a.post(f"{BASE}/{customer_id}/edit", data=first)
    mine["remarks"] = ["mine"]
    again = form_values(
        client_a.post(f"{BASE}/{customer_id}/edit", data=mine).get_data(as_text=True),
        "customer-form",
    )
    third = open_edit(client_a, customer_id)
    third["address"] = ["Neuer Wall 5, Hamburg"]
    client_a.post(f"{BASE}/{customer_id}/edit", data=third)

    response = client_a.post(f"{BASE}/{customer_id}/edit", data={**again, "choose-remarks": "mine"})
    assert response.status_code == 409  # a newer save again: merged again, nothing written
    final = form_values(response.get_data(as_text=True), "customer-form")
    assert final["address"] == ["Neuer Wall 5, Hamburg"] and final["remarks"] == ["mine"]
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=final).status_code == 302
    row = load(app, company_a, Customer, customer_id)
    assert (row["remarks"], row["address"]) == ("mine", "Neuer Wall 5, Hamburg")


def test_a_form_without_its_base_decides_nothing_for_the_person(app, client_a, company_a):
    """An old form (no fingerprints): every field that differs is a choice, none is taken."""
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    colleague = customer_data(company_a, name="Acme (colleague's edit)", version="1")
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=colleague).status_code == 302
    mine = customer_data(company_a, name="Acme (my edit)", remarks="my notes", version="1")
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'name="choose-name"' in page
    assert input_value(page, "name") == "Acme (my edit)"
    assert input_value(page, "version") == "2"
    row = load(app, company_a, Customer, customer_id)
    assert (row["name"], row["version"]) == ("Acme (colleague's edit)", 2)


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
    make_contact(app, company_a, bolt, "Tom Green", mobile="+447700900123")
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
    with app.app_context(), tenant_context(company_a.id):
        sams = db.session.scalar(select(Customer.id).where(Customer.owner_id == sales_id))
    assert listed_ids(list_page(client_a, owner="mine")) == [mine]
    assert listed_ids(list_page(client_a, owner=str(sales_id))) == [sams]
    assert listed_ids(list_page(client_a, owner=str(company_a.owner_membership_id))) == [mine]
    assert len(listed_ids(list_page(client_a))) == 2
    # the picker shows the choice it filters by
    page = list_page(client_a, owner=str(sales_id))
    assert re.search(rf'<option value="{sales_id}" selected>Sam Sales</option>', page)
    assert '<option value="mine" selected>' in list_page(client_a, owner="mine")


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


def test_list_without_a_primary_contact_shows_the_oldest(app, client_a, company_a):
    cid = make_customer(app, company_a, "Beta Import Ltd", country="GB")
    make_contact(app, company_a, cid, "First Added")
    make_contact(app, company_a, cid, "Second Added", email="second@beta.co.uk")
    make_customer(app, company_a, "No Contacts Ltd", country="GB")
    page = list_page(client_a)
    assert "First Added" in page and "Second Added" not in page
    assert "No Contacts Ltd" in page


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


def dashboard_counts(client) -> tuple[int, int]:
    """The dashboard's (customers, grade A) count cards, read from their links."""
    page = client.get("/t/alpha-trading/").get_data(as_text=True)
    customers = re.search(rf'href="{BASE}/">([\d,]+)</a>', page)
    grade_a = re.search(rf'href="{BASE}/\?grade=A">([\d,]+)</a>', page)
    assert customers and grade_a, page
    return int(customers.group(1)), int(grade_a.group(1))


def test_archived_customer_leaves_the_dashboard_counts(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", grade="A")
    make_customer(app, company_a, "Bolt Imports Ltd", grade="A")
    assert dashboard_counts(client_a) == (2, 2)
    client_a.post(f"{BASE}/{customer_id}/archive")
    assert dashboard_counts(client_a) == (1, 1)
    client_a.post(f"{BASE}/{customer_id}/archive", data={"archived": "0"})
    assert dashboard_counts(client_a) == (2, 2)


def test_archive_as_sales_is_forbidden(app, client, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    add_member(app, company_a, "sales@alpha.example.com", {"sales"})
    set_visibility(app, company_a, "all")  # the owner's customer; visibility tested elsewhere
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
    assert 'id="contact-form"' not in body  # the add form folded again, fetched on unfolding
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


# === issue 3: every field, classification, search, filters, duplicates, delete, contacts ====

CN_MOBILE = "+8613812345678"


def add_customer(app, company, name: str, **fields) -> int:
    """A customer with any owner (make_customer always uses the company owner)."""
    fields.setdefault("owner_id", company.owner_membership_id)
    with app.app_context(), tenant_context(company.id):
        customer = Customer(name=name, **fields)
        db.session.add(customer)
        db.session.commit()
        return customer.id


def customer_count(app, company) -> int:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(select(func.count(Customer.id)))


def contact_rows(app, company, customer_id) -> list[dict]:
    with app.app_context(), tenant_context(company.id):
        rows = db.session.scalars(
            select(Contact).where(Contact.customer_id == customer_id).order_by(Contact.id)
        )
        return [{c.key: getattr(row, c.key) for c in Contact.__table__.columns} for row in rows]


def english(client) -> None:
    assert client.post("/lang", data={"lang": "en"}).status_code == 302


def other_client(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


HTMX = {"HX-Request": "true"}


# --- create: every field group --------------------------------------------------------------


def full_data(company, **overrides) -> dict:
    data = customer_data(
        company,
        name="Hamburg Import GmbH",
        website="https://www.hamburg-import.de/",
        country="德国",
        industry="Kitchenware wholesale",
        products="Stainless steel pots",
        needs="Wants 2 containers before Christmas",
        status="negotiating",
        stages=["quoted", "sample", "shipped"],
        sincerity="85",
        forecast_product="Pot set PS-200",
        forecast_unit_price="12.3456",
        forecast_currency="EUR",
        forecast_deal_date="2026-12-15",
        forecast_purchase_method="FOB Ningbo, T/T",
        turnover_current="1234567.89",
        turnover_previous="987654.32",
        turnover_currency="HKD",
        first_deal_date="2025-03-01",
        order_amount="45000.50",
        order_currency="USD",
        reorder_count="3",
        order_remarks="Second order had a packaging complaint",
        outcome="ongoing",
        give_up_reason="",
        win_notes="Fast samples",
        self_review="Follow up every week",
    )
    data.update(overrides)
    return data


def test_create_with_every_field_group(app, client_a, company_a):
    from datetime import date
    from decimal import Decimal

    response = client_a.post(f"{BASE}/new", data=full_data(company_a))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    customer_id = int(response.location.rsplit("/", 1)[1])
    row = load(app, company_a, Customer, customer_id)
    assert row["country"] == "DE"
    assert (row["industry"], row["products"]) == ("Kitchenware wholesale", "Stainless steel pots")
    assert row["needs"] == "Wants 2 containers before Christmas"
    assert (row["status"], row["sincerity"]) == ("negotiating", 85)
    assert row["stages"] == 1 | 2 | 64  # quoted, sample, shipped
    assert row["forecast_product"] == "Pot set PS-200"
    assert row["forecast_unit_price"] == Decimal("12.3456")
    assert row["forecast_currency"] == "EUR"
    assert row["forecast_deal_date"] == date(2026, 12, 15)
    assert row["forecast_purchase_method"] == "FOB Ningbo, T/T"
    assert row["turnover_current"] == Decimal("1234567.89")
    assert row["turnover_previous"] == Decimal("987654.32")
    assert isinstance(row["turnover_current"], Decimal)
    assert row["turnover_currency"] == "HKD"
    assert row["first_deal_date"] == date(2025, 3, 1)
    assert (row["order_amount"], row["order_currency"]) == (Decimal("45000.50"), "USD")
    assert (row["reorder_count"], row["order_remarks"]) == (
        3,
        "Second order had a packaging complaint",
    )
    assert (row["outcome"], row["give_up_reason"]) == ("ongoing", None)
    assert (row["win_notes"], row["self_review"]) == ("Fast samples", "Follow up every week")
    assert row["website_host"] == "hamburg-import.de"
    assert row["name_key"] == "hamburg"  # "Import" and "GmbH" are dropped

    english(client_a)
    page = client_a.get(response.location).get_data(as_text=True)
    for text in (
        "Pot set PS-200",
        "FOB Ningbo, T/T",
        "HK$1,234,567.89",
        "HK$987,654.32",
        "$45,000.50",
        "85%",
        "Fast samples",
        "Follow up every week",
        "Wants 2 containers before Christmas",
    ):
        assert text in page, text
    assert "☑ Quoted" in page and "☑ Sample" in page and "☑ Shipped" in page
    assert "☐ Certification" in page


def test_card_shows_the_unit_price_with_its_four_decimals(app, client_a, company_a):
    from decimal import Decimal

    english(client_a)
    customer_id = make_customer(
        app, company_a, "Acme", forecast_unit_price=Decimal("0.0125"), forecast_currency="USD"
    )
    assert "0.0125" in client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)


def test_edit_form_shows_country_label_and_ticked_stages(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme", country="DE", stages=1 | 64)
    page = client_a.get(f"{BASE}/{customer_id}/edit").get_data(as_text=True)
    assert input_value(page, "country") == "德国 (DE)"
    ticked = re.findall(r'<input[^>]*\bchecked\b[^>]*value="(\w+)"', page)
    ticked += re.findall(r'<input[^>]*value="(\w+)"[^>]*\bchecked\b', page)
    assert set(ticked) >= {"quoted", "shipped"}
    assert "sample" not in ticked


def test_editing_stages_untick_all(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme", stages=3)
    data = customer_data(company_a, name="Acme", version="1")  # no stages: every box unticked
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=data).status_code == 302
    assert load(app, company_a, Customer, customer_id)["stages"] == 0


@pytest.mark.parametrize("typed", ["DE", "de", "德国", "Germany", "德国 (DE)", "Germany (DE)"])
def test_country_is_typed_or_picked(app, client_a, company_a, typed):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a, country=typed))
    assert response.status_code == 302
    customer_id = int(response.location.rsplit("/", 1)[1])
    assert load(app, company_a, Customer, customer_id)["country"] == "DE"


def test_unknown_country_is_refused(app, client_a, company_a):
    english(client_a)
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a, country="Atlantis"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert input_value(page, "country") == "Atlantis"
    assert field_errors(page, "country") == ["Unknown country or region: pick one from the list."]
    assert customer_count(app, company_a) == 0


@pytest.mark.parametrize("sincerity", ["0", "100"])
def test_sincerity_bounds_are_accepted(app, client_a, company_a, sincerity):
    response = client_a.post(f"{BASE}/new", data=full_data(company_a, sincerity=sincerity))
    assert response.status_code == 302
    customer_id = int(response.location.rsplit("/", 1)[1])
    assert load(app, company_a, Customer, customer_id)["sincerity"] == int(sincerity)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sincerity": "101"}, "sincerity"),
        ({"sincerity": "-1"}, "sincerity"),
        ({"sincerity": "lots"}, "sincerity"),
        ({"turnover_current": "-5"}, "turnover_current"),
        ({"turnover_current": "12,5 Mio"}, "turnover_current"),
        ({"forecast_deal_date": "next spring"}, "forecast_deal_date"),
        ({"stages": ["quoted", "bogus"]}, "stages"),
        ({"grade": "E"}, "grade"),
        ({"turnover_currency": "XYZ"}, "turnover_currency"),
    ],
)
def test_create_refuses_bad_values(app, client_a, company_a, overrides, field):
    response = client_a.post(f"{BASE}/new", data=full_data(company_a, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback d-block" in page
    assert input_value(page, "name") == "Hamburg Import GmbH"
    assert "Wants 2 containers before Christmas" in page
    assert customer_count(app, company_a) == 0


def test_sincerity_101_shows_its_message_next_to_the_field(app, client_a, company_a):
    english(client_a)
    response = client_a.post(f"{BASE}/new", data=full_data(company_a, sincerity="101"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="[^"]*is-invalid[^"]*"[^>]*id="sincerity"', page)
    errors = field_errors(page, "sincerity")
    assert errors and "100" in errors[0]
    assert input_value(page, "sincerity") == "101"


def test_htmx_create_invalid_returns_the_form_only(app, client_a, company_a):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a, name=""), headers=HTMX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith("<form")
    assert 'id="customer-form"' in body


def test_htmx_create_redirects_with_a_header(app, client_a, company_a):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a), headers=HTMX)
    assert response.status_code == 200
    assert re.fullmatch(rf"{BASE}/\d+", response.headers["HX-Redirect"])
    assert customer_count(app, company_a) == 1


# --- create: the first contact ----------------------------------------------------------------


def test_create_with_a_first_contact(app, client_a, company_a):
    data = customer_data(
        company_a,
        country="德国",
        contact_name="Jonas Weber",
        contact_title="Einkaufsleiter",
        contact_email="jonas@acme.de",
        contact_mobile="0151 23456789",  # German national format: the customer's country
    )
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 302
    customer_id = int(response.location.rsplit("/", 1)[1])
    [contact] = contact_rows(app, company_a, customer_id)
    assert (contact["name"], contact["title"], contact["email"]) == (
        "Jonas Weber",
        "Einkaufsleiter",
        "jonas@acme.de",
    )
    assert contact["mobile"] == "+4915123456789"
    assert contact["is_primary"] is True
    card = client_a.get(response.location).get_data(as_text=True)
    assert display("+4915123456789") in card  # international format
    assert display("+4915123456789").startswith("+49 ")


def test_first_contact_mobile_defaults_to_the_companys_country(app, client_a, company_a):
    data = customer_data(company_a, country="", contact_name="王伟", contact_mobile="138 1234 5678")
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 302
    customer_id = int(response.location.rsplit("/", 1)[1])
    assert contact_rows(app, company_a, customer_id)[0]["mobile"] == CN_MOBILE


def test_create_without_a_first_contact_adds_none(app, client_a, company_a):
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a))
    customer_id = int(response.location.rsplit("/", 1)[1])
    assert contact_rows(app, company_a, customer_id) == []


def test_first_contact_with_an_invalid_mobile_is_refused(app, client_a, company_a):
    english(client_a)
    data = customer_data(company_a, contact_name="Jonas", contact_mobile="12")
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "contact_mobile") == [
        "Not a valid phone number. Include the country code, e.g. +49 30 1234567."
    ]
    assert input_value(page, "contact_mobile") == "12"
    assert input_value(page, "contact_name") == "Jonas"
    assert customer_count(app, company_a) == 0


def test_first_contact_with_an_invalid_email_is_refused(app, client_a, company_a):
    data = customer_data(company_a, contact_name="Jonas", contact_email="jonas-at-acme")
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "contact_email")
    assert customer_count(app, company_a) == 0


def test_first_contact_details_without_a_name_are_not_lost(app, client_a, company_a):
    data = customer_data(company_a, contact_email="jonas@acme.de", contact_mobile=CN_MOBILE)
    response = client_a.post(f"{BASE}/new", data=data)
    if response.status_code == 302:
        customer_id = int(response.location.rsplit("/", 1)[1])
        assert [c["email"] for c in contact_rows(app, company_a, customer_id)] == ["jonas@acme.de"]
    else:
        assert response.status_code == 422
        assert customer_count(app, company_a) == 0


@pytest.mark.parametrize("website", ["http://[acme.de", "[acme.de]"])
def test_a_malformed_website_is_no_server_error(app, client_a, company_a, website):
    """A stray "[" once crashed website_host (urlsplit: 'Invalid IPv6 URL') in create, edit and
    the duplicate check. The form's loose check lets it through: saved, without a host."""
    existing = make_customer(app, company_a, "Bolt Imports Ltd")
    response = client_a.post(f"{BASE}/duplicates", data={"name": "x", "website": website})
    assert response.status_code == 200
    data = customer_data(company_a, name="Bolt Imports Ltd", website=website, version="1")
    assert client_a.post(f"{BASE}/{existing}/edit", data=data).status_code in (302, 422)
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a, website=website))
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        customer_id = int(response.location.rsplit("/", 1)[1])
        assert load(app, company_a, Customer, customer_id)["website_host"] is None


# --- card: local time, holidays, grades, domestic/foreign -------------------------------------


@pytest.fixture
def fixed_clock(monkeypatch):
    """The card's 'now': 2026-09-28, 04:30 UTC, for the local time (webapp.services.localinfo)
    and the company's today that the holidays start from (webapp.services.followups)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from webapp.services import followups, localinfo

    class FixedDateTime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 9, 28, 4, 30, tzinfo=ZoneInfo("UTC")).astimezone(tz)

    monkeypatch.setattr(localinfo, "datetime", FixedDateTime)
    monkeypatch.setattr(followups, "datetime", FixedDateTime)


def local_info(page: str) -> str:
    match = re.search(r'id="local-info">(.*?)</div></div>', page, re.S)
    assert match, "no #local-info block"
    return match.group(1)


def test_card_shows_local_time_and_holidays_in_chinese(app, client_a, company_a, fixed_clock):
    customer_id = make_customer(app, company_a, "深圳某某电子有限公司", country="CN")
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "12:30" in block  # 04:30 UTC in Shanghai
    assert "Asia/Shanghai" in block
    assert "国庆节" in block


def test_card_shows_local_time_and_holidays_in_english(app, client_a, company_a, fixed_clock):
    english(client_a)
    customer_id = make_customer(app, company_a, "Boston Kitchen Inc.", country="US")
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "00:30" in block  # 04:30 UTC is 00:30 in New York (summer time)
    assert "America/New_York" in block
    assert "Columbus Day" in block  # 2026-10-12, within 30 days of 2026-09-28
    assert "Thanksgiving" not in block  # 2026-11-26 is too far


def test_card_without_a_country_has_no_local_info(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Somewhere Ltd")
    page = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert 'id="local-info"' not in page


@pytest.mark.parametrize("grade", ["A", "B", "C", "D"])
def test_grade_badge_classes(app, client_a, company_a, grade):
    customer_id = make_customer(app, company_a, "Acme", grade=grade)
    badge = f'class="grade grade-{grade.lower()}"'
    assert badge in client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert badge in list_page(client_a)


def test_no_grade_no_badge(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme")
    assert 'class="grade ' not in client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)


@pytest.mark.parametrize(("country", "word"), [("CN", "Domestic"), ("DE", "Foreign")])
def test_domestic_or_foreign_follows_the_company_home_country(
    app, client_a, company_a, country, word
):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme", country=country)
    page = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert f"· {word}" in page
    assert f"· {({'Domestic', 'Foreign'} - {word}).pop()}" not in page


# --- duplicate check on create and edit -------------------------------------------------------


@pytest.fixture
def sams_customer(app, company_a) -> dict:
    sales_id = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")
    customer_id = add_customer(
        app, company_a, "Acme Trading GmbH", website="acme.de", owner_id=sales_id
    )
    make_contact(app, company_a, customer_id, "Jonas", email="jonas@acme.de", mobile=CN_MOBILE)
    return {"id": customer_id, "sales_id": sales_id}


def test_create_with_a_duplicate_name_warns_first(app, client_a, company_a, sams_customer):
    english(client_a)
    data = customer_data(company_a, name="ACME Trading Co., Ltd.", website="")
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    warning = page.split('id="duplicates"', 1)[1].split("</div>", 2)
    warning = "</div>".join(warning[:2])
    assert f'href="{BASE}/{sams_customer["id"]}"' in warning
    assert "Acme Trading GmbH" in warning
    assert "Sam Sales" in warning  # the match's owner
    assert "same company name" in warning
    assert input_value(page, "confirm_duplicates") == "1"
    assert input_value(page, "name") == "ACME Trading Co., Ltd."
    assert customer_count(app, company_a) == 1  # nothing saved yet

    # the user looked and saves anyway
    data["confirm_duplicates"] = "1"
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 302
    assert customer_count(app, company_a) == 2


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"website": "https://www.acme.de/en"}, "same website"),
        ({"contact_name": "Peter", "contact_email": "peter@ACME.de"}, "same email domain"),
        ({"contact_name": "王伟", "contact_mobile": "138-1234-5678"}, "same phone number"),
    ],
)
def test_create_duplicate_by_other_keys(app, client_a, company_a, sams_customer, fields, reason):
    english(client_a)
    data = customer_data(company_a, name="Totally New Name", website="", country="CN")
    data.update(fields)
    response = client_a.post(f"{BASE}/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="{BASE}/{sams_customer["id"]}"' in page
    assert reason in page
    assert customer_count(app, company_a) == 1


def test_create_with_a_public_mail_domain_is_no_duplicate(app, client_a, company_a):
    cid = make_customer(app, company_a, "Old Customer")
    make_contact(app, company_a, cid, "Old", email="buyer1@gmail.com")
    data = customer_data(
        company_a, name="New Customer", contact_name="New", contact_email="buyer2@gmail.com"
    )
    assert client_a.post(f"{BASE}/new", data=data).status_code == 302


def test_duplicates_of_another_company_are_not_shown(app, client_a, company_a, company_b):
    make_customer(app, company_b, "Acme Trading GmbH", website="acme.example.com")
    response = client_a.post(f"{BASE}/new", data=customer_data(company_a))
    assert response.status_code == 302  # no warning: B's customer is not A's business
    assert customer_count(app, company_a) == 1


def test_edit_that_becomes_a_duplicate_warns(app, client_a, company_a, sams_customer):
    mine = make_customer(app, company_a, "Bolt Imports Ltd")
    data = customer_data(company_a, name="Acme Trading", website="", version="1")
    response = client_a.post(f"{BASE}/{mine}/edit", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'href="{BASE}/{sams_customer["id"]}"' in page
    assert input_value(page, "confirm_duplicates") == "1"
    assert load(app, company_a, Customer, mine)["name"] == "Bolt Imports Ltd"
    data["confirm_duplicates"] = "1"
    assert client_a.post(f"{BASE}/{mine}/edit", data=data).status_code == 302
    assert load(app, company_a, Customer, mine)["name"] == "Acme Trading"


def test_edit_of_a_known_duplicate_without_name_change_saves(app, client_a, company_a):
    make_customer(app, company_a, "Acme Trading GmbH")
    twin = make_customer(app, company_a, "Acme Trading GmbH")
    data = customer_data(company_a, name="Acme Trading GmbH", website="", remarks="x", version="1")
    assert client_a.post(f"{BASE}/{twin}/edit", data=data).status_code == 302
    assert load(app, company_a, Customer, twin)["remarks"] == "x"


def test_duplicates_endpoint_lists_matches(app, client_a, company_a, sams_customer):
    english(client_a)
    response = client_a.post(f"{BASE}/duplicates", data={"name": "acme trading ltd"}, headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'href="{BASE}/{sams_customer["id"]}"' in body
    assert "Sam Sales" in body
    assert "No similar customer found." not in body


def test_duplicates_endpoint_by_phone_and_country(app, client_a, company_a, sams_customer):
    response = client_a.post(
        f"{BASE}/duplicates",
        data={"name": "x", "country": "中国", "contact_mobile": "138 1234 5678"},
        headers=HTMX,
    )
    assert f'href="{BASE}/{sams_customer["id"]}"' in response.get_data(as_text=True)


def test_duplicates_endpoint_without_match(app, client_a, company_a, sams_customer):
    english(client_a)
    response = client_a.post(
        f"{BASE}/duplicates",
        data={"name": "Nothing Like It", "country": "Atlantis", "contact_mobile": "12"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "No similar customer found." in body
    assert f"{BASE}/{sams_customer['id']}" not in body


def test_duplicates_endpoint_leaves_out_the_customer_being_edited(app, client_a, company_a):
    cid = make_customer(app, company_a, "Acme Trading GmbH")
    response = client_a.post(
        f"{BASE}/duplicates", data={"name": "Acme Trading GmbH", "customer_id": str(cid)}
    )
    assert f"{BASE}/{cid}" not in response.get_data(as_text=True)


def test_duplicates_endpoint_with_another_companys_customer_is_404(
    app, client_a, company_a, company_b
):
    theirs = make_customer(app, company_b, "Beta Customer")
    response = client_a.post(
        f"{BASE}/duplicates", data={"name": "Beta Customer", "customer_id": str(theirs)}
    )
    assert response.status_code == 404


# --- edit conflict ----------------------------------------------------------------------------


def conflict_rows(page: str) -> list[tuple[str, str, str]]:
    """(field, their saved value, my value) for each field both people changed."""
    block = page.split('id="conflict-clashes"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
    return [
        tuple(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in row)
        for row in re.findall(
            r"<tr>\s*<th[^>]*>(.*?)</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>\s*</tr>", block, re.S
        )
    ]


def test_edit_conflict_shows_the_other_persons_values(app, client_a, company_a):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", grade="C")
    colleague, mine = open_edit(client_a, customer_id), open_edit(client_a, customer_id)
    colleague["remarks"], colleague["grade"] = ["colleague notes"], ["B"]
    assert client_a.post(f"{BASE}/{customer_id}/edit", data=colleague).status_code == 302

    mine["remarks"], mine["grade"] = ["my notes"], ["A"]
    response = client_a.post(f"{BASE}/{customer_id}/edit", data=mine)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    rows = conflict_rows(page)
    assert ("Remarks", "colleague notes", "my notes") in rows
    assert (
        "Grade",
        "B: will order within 3 months",
        "A: strong buyer or repeat customer",
    ) in rows
    assert not any(label == "Company name" for label, _, _ in rows)  # same on both sides
    assert re.search(r"<textarea[^>]*id=\"remarks\"[^>]*>\s*my notes</textarea>", page)
    assert '<option selected value="A">' in page  # the typed grade is kept
    row = load(app, company_a, Customer, customer_id)
    assert (row["remarks"], row["grade"], row["version"]) == ("colleague notes", "B", 2)


def test_edit_conflict_with_htmx_returns_the_form(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    client_a.post(f"{BASE}/{customer_id}/edit", data=customer_data(company_a, version="1"))
    response = client_a.post(
        f"{BASE}/{customer_id}/edit",
        data=customer_data(company_a, remarks="mine", version="1"),
        headers=HTMX,
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form")
    assert 'id="conflict"' in body


# --- search -----------------------------------------------------------------------------------


def test_chinese_substring_search(app, client_a, company_a):
    shenzhen = make_customer(app, company_a, "深圳某某电子有限公司")
    make_customer(app, company_a, "宁波海运公司")
    assert listed_ids(list_page(client_a, q="电子")) == [shenzhen]
    assert listed_ids(list_page(client_a, q="某某电")) == [shenzhen]


def test_search_by_chinese_contact_name(app, client_a, company_a):
    cid = make_customer(app, company_a, "Acme")
    make_contact(app, company_a, cid, "王伟")
    make_customer(app, company_a, "Bolt")
    assert listed_ids(list_page(client_a, q="王")) == [cid]


@pytest.mark.parametrize(
    "q", ["138-1234", "+86 138 1234 5678", "13812345678", "138 1234 5678", "0086 13812345678"]
)
def test_phone_search_ignores_spaces_dashes_and_country_code(app, client_a, company_a, q):
    found = make_customer(app, company_a, "Shenzhen Buyer")
    make_contact(app, company_a, found, "王伟", mobile=CN_MOBILE)
    other = make_customer(app, company_a, "Other Buyer")
    make_contact(app, company_a, other, "Li", mobile="+8613900000000")
    assert listed_ids(list_page(client_a, q=q)) == [found]


def test_phone_search_on_the_landline_too(app, client_a, company_a):
    found = make_customer(app, company_a, "Shanghai Office")
    make_contact(app, company_a, found, "Zhang", phone="+862155551234")
    assert listed_ids(list_page(client_a, q="021 5555 1234")) == [found]


def test_search_by_website(app, client_a, company_a):
    found = make_customer(app, company_a, "Some Name", website="https://www.widgets.example/")
    make_customer(app, company_a, "Other")
    assert listed_ids(list_page(client_a, q="widgets")) == [found]


# --- filters and sort -------------------------------------------------------------------------


@pytest.fixture
def many(app, company_a) -> dict:
    from datetime import UTC, date, datetime

    sales_id = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")
    ids = {
        "acme": add_customer(
            app,
            company_a,
            "Acme GmbH",
            country="DE",
            grade="A",
            category="ready",
            importance="very_important",
            status="negotiating",
            stages=1,  # quoted
            last_followup_on=date(2026, 1, 10),
        ),
        "bolt": add_customer(
            app,
            company_a,
            "Bolt Ltd",
            country="GB",
            grade="B",
            category="intent",
            importance="important",
            status="pending",
            stages=2 | 64,  # sample, shipped
            owner_id=sales_id,
            last_followup_on=date(2026, 3, 1),
        ),
        "cargo": add_customer(
            app,
            company_a,
            "Cargo SA",
            country="FR",
            grade="C",
            category="prospect",
            importance="normal",
            status="awaiting_order",
            stages=64,  # shipped
            owner_id=sales_id,
        ),
        "delta": add_customer(app, company_a, "Delta Foods", country="DE"),
        "gone": add_customer(
            app,
            company_a,
            "Echo Archived",
            country="DE",
            grade="A",
            archived_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
    }
    ids["sales_id"] = sales_id
    return ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"acme", "bolt", "cargo", "delta"}),
        ({"grade": "A"}, {"acme"}),
        ({"grade": "C"}, {"cargo"}),
        ({"category": "intent"}, {"bolt"}),
        ({"category": "nonsense"}, {"acme", "bolt", "cargo", "delta"}),
        ({"importance": "very_important"}, {"acme"}),
        ({"importance": "normal"}, {"cargo"}),
        ({"country": "DE"}, {"acme", "delta"}),
        ({"country": "de"}, {"acme", "delta"}),
        ({"country": "FR"}, {"cargo"}),
        ({"country": "Germany"}, {"acme", "bolt", "cargo", "delta"}),  # not a code: ignored
        ({"owner": "mine"}, {"acme", "delta"}),
        ({"status": "pending"}, {"bolt"}),
        ({"stage": "shipped"}, {"bolt", "cargo"}),
        ({"stage": "quoted"}, {"acme"}),
        ({"stage": "catalogue"}, set()),
        ({"archived": "1"}, {"gone"}),
        ({"archived": "1", "grade": "A"}, {"gone"}),
        ({"country": "DE", "grade": "A"}, {"acme"}),
        ({"stage": "shipped", "country": "GB"}, {"bolt"}),
        ({"q": "foods", "country": "DE"}, {"delta"}),
    ],
)
def test_filters(client_a, many, params, expected):
    page = list_page(client_a, **params)
    assert set(listed_ids(page)) == {many[k] for k in expected}


def test_owner_filter_by_membership_id(client_a, many):
    page = list_page(client_a, owner=str(many["sales_id"]))
    assert set(listed_ids(page)) == {many["bolt"], many["cargo"]}


def test_filters_are_shown_selected(client_a, many):
    page = list_page(client_a, category="intent", stage="shipped", country="GB", archived="1")
    assert '<option value="intent" selected>' in page
    assert '<option value="shipped" selected>' in page
    assert '<option value="GB" selected>' in page
    assert re.search(r'<input[^>]*name="archived"[^>]*checked', page)


def test_no_match_message_when_filters_exclude_everything(client_a, many):
    page = list_page(client_a, stage="catalogue")
    assert listed_ids(page) == []
    assert f'href="{BASE}/new"' in page  # the page's own "new customer" button only
    assert "<table" not in page.split('id="customer-results"', 1)[1]


def test_sort_by_name(app, client_a, company_a):
    names = ["Delta Foods", "acme gmbh", "Bolt Ltd", "Cargo SA", "深圳某某电子有限公司"]
    ids = {name: make_customer(app, company_a, name) for name in names}
    expected = [ids[n] for n in ("acme gmbh", "Bolt Ltd", "Cargo SA", "Delta Foods")]
    assert listed_ids(list_page(client_a, sort="name"))[:4] == expected


def test_sort_by_name_follows_the_shown_name(app, client_a, company_a):
    export = make_customer(app, company_a, "Export Alpha Ltd")
    bravo = make_customer(app, company_a, "Bravo Foods")
    assert listed_ids(list_page(client_a, sort="name")) == [bravo, export]


def test_sort_by_grade_last_followup_and_created(client_a, many):
    assert listed_ids(list_page(client_a, sort="grade")) == [
        many["acme"],
        many["bolt"],
        many["cargo"],
        many["delta"],  # no grade last
    ]
    by_followup = listed_ids(list_page(client_a, sort="last_followup"))
    assert by_followup[:2] == [many["bolt"], many["acme"]]  # newest first, never last
    assert set(by_followup[2:]) == {many["cargo"], many["delta"]}
    assert listed_ids(list_page(client_a, sort="created")) == [
        many["delta"],
        many["cargo"],
        many["bolt"],
        many["acme"],
    ]
    # an unknown sort falls back to the default
    assert set(listed_ids(list_page(client_a, sort="drop table"))) == {
        many[k] for k in ("acme", "bolt", "cargo", "delta")
    }


def test_pagination_links_keep_every_filter(app, client_a, company_a):
    for i in range(30):
        add_customer(app, company_a, f"Berlin {i:02d} GmbH", country="DE", grade="B", stages=1)
    add_customer(app, company_a, "Paris SA", country="FR", grade="B", stages=1)
    params = {"q": "gmbh", "country": "DE", "grade": "B", "stage": "quoted", "sort": "name"}
    first = list_page(client_a, **params)
    assert len(listed_ids(first)) == 25
    next_link = html.unescape(re.search(rf'href="({BASE}/\?[^"]*page=2[^"]*)"', first).group(1))
    for key, value in params.items():
        assert f"{key}={value}" in next_link
    second = client_a.get(next_link).get_data(as_text=True)
    assert len(listed_ids(second)) == 5
    prev_link = html.unescape(re.search(rf'href="({BASE}/\?[^"]*page=1[^"]*)"', second).group(1))
    assert "country=DE" in prev_link and "q=gmbh" in prev_link
    assert listed_ids(first) + listed_ids(second) == sorted(
        listed_ids(first) + listed_ids(second),
        key=lambda cid: load(app, company_a, Customer, cid)["name_key"],
    )


def grade_counts(page: str) -> dict[str, int]:
    block = page.split('id="grade-counts"', 1)[1].split("</div>", 1)[0]
    counts = {
        grade.upper(): int(n)
        for grade, n in re.findall(
            r'class="grade grade-([a-d])"[^>]*>[A-D]</span> (\d+)</a>', block
        )
    }
    counts[""] = int(re.search(r'<span class="text-muted">[^<]*:\s*(\d+)</span>', block).group(1))
    return counts


def test_grade_counts_above_the_list(client_a, many):
    page = list_page(client_a)
    assert page.index('id="grade-counts"') < page.index("<table")
    assert grade_counts(page) == {"A": 1, "B": 1, "C": 1, "D": 0, "": 1}
    # other filters narrow the counts; the grade filter itself does not
    assert grade_counts(list_page(client_a, country="DE")) == {
        "A": 1,
        "B": 0,
        "C": 0,
        "D": 0,
        "": 1,
    }
    assert grade_counts(list_page(client_a, grade="A")) == grade_counts(page)
    assert grade_counts(list_page(client_a, archived="1"))["A"] == 1


def test_grade_count_links_keep_the_other_filters(client_a, many):
    page = list_page(client_a, country="DE", q="a")
    block = page.split('id="grade-counts"', 1)[1].split("</div>", 1)[0]
    link = html.unescape(re.search(r'href="([^"]*grade=B[^"]*)"', block).group(1))
    assert "country=DE" in link and "q=a" in link and "page=1" in link


# --- query count ------------------------------------------------------------------------------


def test_list_queries_are_the_same_for_5_and_50_customers(app, client_a, company_a):
    sales_id = add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales")

    def add(start: int, stop: int) -> None:
        for i in range(start, stop):
            cid = add_customer(
                app,
                company_a,
                f"Customer {i:02d} GmbH",
                country="DE",
                grade="ABCD"[i % 4],
                owner_id=sales_id if i % 3 else company_a.owner_membership_id,
            )
            make_contact(app, company_a, cid, f"Contact {i}", email=f"c{i}@example.com")
            make_contact(app, company_a, cid, f"Primary {i}", mobile=CN_MOBILE, is_primary=True)

    def queries(**params) -> int:
        with count_queries(app) as statements:
            response = client_a.get(f"{BASE}/", query_string=params)
        assert response.status_code == 200
        return len(statements)

    add(0, 5)
    client_a.get(f"{BASE}/")  # warm-up (session, caches)
    few = [queries(), queries(q="gmbh"), queries(q="138 1234"), queries(grade="A", sort="name")]
    add(5, 50)
    many = [queries(), queries(q="gmbh"), queries(q="138 1234"), queries(grade="A", sort="name")]
    assert many == few
    page = list_page(client_a)
    assert len(listed_ids(page)) == 25
    assert "Sam Sales" in page and "Primary 49" in page


# --- delete -----------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_customer_and_contacts(app, client_a, company_a):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    first = make_contact(app, company_a, customer_id, "Jonas", is_primary=True)
    second = make_contact(app, company_a, customer_id, "Anna")
    keep = make_customer(app, company_a, "Bolt Imports Ltd")

    card = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert f'href="{BASE}/{customer_id}/delete"' in card

    response = client_a.get(f"{BASE}/{customer_id}/delete")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Acme Trading GmbH" in page
    assert "2 contacts" in page
    assert re.search(r'<form method="post"', page)
    assert load(app, company_a, Customer, customer_id) is not None  # GET deletes nothing

    response = client_a.post(f"{BASE}/{customer_id}/delete")
    assert response.status_code == 302
    assert response.location == f"{BASE}/"
    assert load(app, company_a, Customer, customer_id) is None
    assert load(app, company_a, Contact, first) is None
    assert load(app, company_a, Contact, second) is None
    assert load(app, company_a, Customer, keep) is not None
    assert listed_ids(list_page(client_a)) == [keep]
    assert client_a.get(f"{BASE}/{customer_id}").status_code == 404


def test_admin_may_delete(app, client, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    add_member(app, company_a, "admin@alpha.example.com", {"admin"})
    login(client, "admin@alpha.example.com")
    assert client.get(f"{BASE}/{customer_id}/delete").status_code == 200
    assert client.post(f"{BASE}/{customer_id}/delete").status_code == 302
    assert load(app, company_a, Customer, customer_id) is None


@pytest.mark.parametrize("roles", [{"sales"}, {"manager", "sales"}, {"finance"}])
def test_delete_is_forbidden_below_admin(app, client, company_a, roles):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas")
    add_member(app, company_a, "member@alpha.example.com", roles)
    set_visibility(app, company_a, "all")  # the owner's customer; visibility tested elsewhere
    login(client, "member@alpha.example.com")
    card = client.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert f"{BASE}/{customer_id}/delete" not in card  # no button
    assert client.get(f"{BASE}/{customer_id}/delete").status_code == 403
    assert client.post(f"{BASE}/{customer_id}/delete").status_code == 403
    assert load(app, company_a, Customer, customer_id) is not None
    assert load(app, company_a, Contact, contact) is not None


def test_delete_unknown_or_other_companys_customer_is_404(app, client_a, company_b):
    theirs = make_customer(app, company_b, "Beta's Customer")
    assert client_a.get(f"{BASE}/999999/delete").status_code == 404
    assert client_a.get(f"{BASE}/{theirs}/delete").status_code == 404
    assert client_a.post(f"{BASE}/{theirs}/delete").status_code == 404
    assert load(app, company_b, Customer, theirs) is not None


# --- contacts: inline edit and remove, phones, primary ----------------------------------------


def contact_form_data(**overrides) -> dict:
    data = {"name": "Jonas Weber", "title": "Buyer", "email": "jonas@acme.de", "version": "1"}
    data.update(overrides)
    return data


def test_edit_contact_page_without_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber", mobile=CN_MOBILE)
    response = client_a.get(f"{BASE}/contacts/{contact}/edit")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" in page
    assert f'id="contact-form-{contact}"' in page
    assert input_value(page, "name") == "Jonas Weber"
    assert input_value(page, "mobile") == CN_MOBILE
    assert input_value(page, "version") == "1"


def test_edit_contact_form_with_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber")
    response = client_a.get(f"{BASE}/contacts/{contact}/edit", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert body.lstrip().startswith("<form")
    assert f'hx-post="{BASE}/contacts/{contact}/edit"' in body
    assert input_value(body, "name") == "Jonas Weber"


def test_edit_contact_without_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", country="DE")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber", is_primary=True)
    response = client_a.post(
        f"{BASE}/contacts/{contact}/edit",
        data=contact_form_data(title="Head of purchasing", mobile="0151 23456789", is_primary="y"),
    )
    assert response.status_code == 302
    assert response.location == f"{BASE}/{customer_id}"
    [row] = contact_rows(app, company_a, customer_id)
    assert (row["title"], row["mobile"], row["version"]) == (
        "Head of purchasing",
        "+4915123456789",
        2,
    )
    card = client_a.get(response.location).get_data(as_text=True)
    assert "Head of purchasing" in card
    assert display("+4915123456789") in card  # international format


def test_edit_contact_with_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber", is_primary=True)
    other = make_contact(app, company_a, customer_id, "Anna Other")
    response = client_a.post(
        f"{BASE}/contacts/{contact}/edit",
        data=contact_form_data(title="Head of purchasing", is_primary="y"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#contacts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert "contactSaved" in response.headers["HX-Trigger"]
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="contact-list"' in body
    assert "Head of purchasing" in body
    assert f'id="contact-{other}"' in body
    assert contact_rows(app, company_a, customer_id)[0]["title"] == "Head of purchasing"


def test_edit_contact_invalid_with_htmx_keeps_the_input(app, client_a, company_a):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber", title="Buyer")
    response = client_a.post(
        f"{BASE}/contacts/{contact}/edit",
        data=contact_form_data(name="Jonas W.", mobile="12345"),
        headers=HTMX,
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<form")
    assert "HX-Retarget" not in response.headers
    assert field_errors(body, "mobile") == [
        "Not a valid phone number. Include the country code, e.g. +49 30 1234567."
    ]
    assert input_value(body, "mobile") == "12345"
    assert input_value(body, "name") == "Jonas W."
    row = contact_rows(app, company_a, customer_id)[0]
    assert (row["name"], row["mobile"]) == ("Jonas Weber", None)


def test_edit_contact_with_a_stale_version_is_a_conflict(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    contact = make_contact(app, company_a, customer_id, "Jonas Weber")
    assert (
        client_a.post(
            f"{BASE}/contacts/{contact}/edit", data=contact_form_data(title="Colleague's")
        ).status_code
        == 302
    )
    response = client_a.post(
        f"{BASE}/contacts/{contact}/edit", data=contact_form_data(title="Mine"), headers=HTMX
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert 'class="alert alert-warning' in body
    assert input_value(body, "title") == "Mine"
    assert input_value(body, "version") == "2"
    assert contact_rows(app, company_a, customer_id)[0]["title"] == "Colleague's"


@pytest.mark.parametrize("htmx", [False, True])
def test_add_contact_with_an_invalid_phone(app, client_a, company_a, htmx):
    english(client_a)
    customer_id = make_customer(app, company_a, "Acme Trading GmbH", country="CN")
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts",
        data={"name": "王伟", "mobile": "138 1234", "phone": "not a phone"},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    message = "Not a valid phone number. Include the country code, e.g. +49 30 1234567."
    assert field_errors(page, "mobile") == [message]
    assert field_errors(page, "phone") == [message]
    assert input_value(page, "mobile") == "138 1234"
    assert contact_rows(app, company_a, customer_id) == []


@pytest.mark.parametrize(
    ("country", "typed", "stored"),
    [
        ("CN", "138 1234 5678", CN_MOBILE),
        (None, "138-1234-5678", CN_MOBILE),  # no country: the company's home country (CN)
        ("DE", "030 1234567", "+49301234567"),
        ("DE", "+86 138 1234 5678", CN_MOBILE),
    ],
)
def test_contact_phones_are_stored_as_e164(app, client_a, company_a, country, typed, stored):
    customer_id = make_customer(app, company_a, "Acme", country=country)
    response = client_a.post(
        f"{BASE}/{customer_id}/contacts", data={"name": "X", "mobile": typed, "phone": typed}
    )
    assert response.status_code == 302
    row = contact_rows(app, company_a, customer_id)[0]
    assert (row["mobile"], row["phone"]) == (stored, stored)


def test_add_contact_with_every_field(app, client_a, company_a):
    from datetime import date

    customer_id = make_customer(app, company_a, "Acme", country="DE")
    data = {
        "name": "Jonas Weber",
        "title": "Einkaufsleiter",
        "gender": "male",
        "age": "45",
        "birthday": "1981-05-04",
        "email": "jonas@acme.de",
        "mobile": "+49 151 23456789",
        "phone": "030 1234567",
        "qq": "123456",
        "wechat": "jonas_w",
        "other": "WhatsApp +49 151 23456789",
        "address": "Hauptstraße 1, Hamburg",
        "role_in_deal": "Signs the orders",
        "decision_maker": "y",
        "hobbies": "Sailing",
    }
    assert client_a.post(f"{BASE}/{customer_id}/contacts", data=data).status_code == 302
    row = contact_rows(app, company_a, customer_id)[0]
    assert (row["gender"], row["age"], row["birthday"]) == ("male", 45, date(1981, 5, 4))
    assert (row["qq"], row["wechat"], row["decision_maker"]) == ("123456", "jonas_w", True)
    assert (row["role_in_deal"], row["hobbies"]) == ("Signs the orders", "Sailing")
    card = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    for text in ("Einkaufsleiter", "jonas_w", "123456", "Signs the orders", "Sailing"):
        assert text in card


def test_add_contact_with_a_bad_qq_number(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme")
    response = client_a.post(f"{BASE}/{customer_id}/contacts", data={"name": "X", "qq": "12ab"})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "qq")


def test_remove_contact_with_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    keep = make_contact(app, company_a, customer_id, "Keep Me", is_primary=True)
    gone = make_contact(app, company_a, customer_id, "Remove Me")
    response = client_a.post(f"{BASE}/contacts/{gone}/delete", headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#contacts"
    assert "contactRemoved" in response.headers["HX-Trigger"]
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert f'id="contact-{keep}"' in body
    assert "Remove Me" not in body
    assert [c["id"] for c in contact_rows(app, company_a, customer_id)] == [keep]


def test_remove_the_last_contact_with_htmx(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    only = make_contact(app, company_a, customer_id, "Only One", is_primary=True)
    response = client_a.post(f"{BASE}/contacts/{only}/delete", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="contact-list"' not in body
    assert 'id="add-contact"' in body  # the (folded) add form is still there


def primaries(app, company, customer_id) -> list[str]:
    return [c["name"] for c in contact_rows(app, company, customer_id) if c["is_primary"]]


def test_first_added_contact_is_primary(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme")
    client_a.post(f"{BASE}/{customer_id}/contacts", data={"name": "First"}, headers=HTMX)
    client_a.post(f"{BASE}/{customer_id}/contacts", data={"name": "Second"}, headers=HTMX)
    assert primaries(app, company_a, customer_id) == ["First"]


@pytest.mark.parametrize("htmx", [False, True])
def test_making_another_contact_primary_unmarks_the_first(app, client_a, company_a, htmx):
    customer_id = make_customer(app, company_a, "Acme")
    make_contact(app, company_a, customer_id, "First", is_primary=True)
    second = make_contact(app, company_a, customer_id, "Second")
    response = client_a.post(
        f"{BASE}/contacts/{second}/edit",
        data={"name": "Second", "is_primary": "y", "version": "1"},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == (200 if htmx else 302)
    assert primaries(app, company_a, customer_id) == ["Second"]
    # the list shows the new primary contact first
    page = list_page(client_a)
    assert "Second" in page and "First" not in page


def test_unticking_the_only_primary_keeps_it_primary(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme")
    only = make_contact(app, company_a, customer_id, "Only", is_primary=True)
    response = client_a.post(
        f"{BASE}/contacts/{only}/edit", data={"name": "Only", "title": "Boss", "version": "1"}
    )
    assert response.status_code == 302
    [row] = contact_rows(app, company_a, customer_id)
    assert (row["is_primary"], row["title"]) == (True, "Boss")


def test_unticking_primary_with_several_contacts_keeps_one_primary(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Acme")
    first = make_contact(app, company_a, customer_id, "First", is_primary=True)
    make_contact(app, company_a, customer_id, "Second")
    client_a.post(f"{BASE}/contacts/{first}/edit", data={"name": "First", "version": "1"})
    assert primaries(app, company_a, customer_id) == ["First"]


def test_other_companys_contact_cannot_be_edited(app, client_a, company_b):
    theirs = make_customer(app, company_b, "Beta's Customer")
    contact = make_contact(app, company_b, theirs, "Beta Contact")
    assert client_a.get(f"{BASE}/contacts/{contact}/edit").status_code == 404
    response = client_a.post(
        f"{BASE}/contacts/{contact}/edit", data={"name": "Hacked", "version": "1"}
    )
    assert response.status_code == 404
    assert load(app, company_b, Contact, contact)["name"] == "Beta Contact"


def test_list_total_comes_from_the_grade_counts(app, client_a, company_a):
    """The pager's total is the per-grade counts' sum (no second COUNT): it must agree with the
    rows under a search, a grade filter and across pages."""
    page_size = app.config["PAGE_SIZE"]
    for i in range(page_size + 3):
        make_customer(app, company_a, f"Pager Trading {i:03d}", grade="A" if i % 2 else "B")
    make_customer(app, company_a, "Elsewhere Ltd", grade="A")
    client_a.post("/lang", data={"lang": "en"})
    all_pager = list_page(client_a, q="pager")
    assert f"1–{page_size} of {page_size + 3}" in all_pager
    last = list_page(client_a, q="pager", page=2)
    assert len(listed_ids(last)) == 3 and f"of {page_size + 3}" in last
    graded = list_page(client_a, q="pager", grade="A")
    expected_a = (page_size + 3) // 2
    assert len(listed_ids(graded)) == expected_a and f"1–{expected_a} of {expected_a}" in graded


def test_a_search_with_very_many_matches_pages_without_counting(
    app, client_a, company_a, monkeypatch
):
    """Above the cap the list walks its order and stops after a page: no per-grade counts, "of
    more than N", and Next for as long as a page comes back full."""
    from webapp.blueprints.customers import routes
    from webapp.services import customers

    monkeypatch.setattr(customers, "SEARCH_ID_CAP", 2)
    monkeypatch.setattr(routes, "SEARCH_ID_CAP", 2)
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    english(client_a)
    ids = [make_customer(app, company_a, f"Lumen {i}", grade="A") for i in range(5)]
    make_customer(app, company_a, "Other Ltd", grade="A")

    first = list_page(client_a, q="lumen")
    assert "More than 2 customers match" in first
    assert "1–2 of more than 2" in first
    assert 'id="grade-counts"' in first and "no grade" not in first
    seen = listed_ids(first)
    assert len(seen) == 2
    assert re.search(r'<li class="page-item ">\s*<a class="page-link" href="[^"]*page=2', first)
    for number in (2, 3):
        page = list_page(client_a, q="lumen", page=number)
        seen += listed_ids(page)
    assert sorted(seen) == sorted(ids)  # every match once, "Other Ltd" never
    last = list_page(client_a, q="lumen", page=3)
    assert "5–5 of more than 2" in last
    assert re.search(r'<li class="page-item disabled">\s*<a class="page-link"[^>]*>Next', last)

    # at or under the cap: counted as before
    few = list_page(client_a, q="lumen 3")
    assert "More than" not in few and "1–1 of 1" in few and "no grade" in few


def test_the_add_contact_form_is_fetched_when_unfolded(app, client_a, company_a):
    # the card carries a placeholder; unfolding fetches the form (htmx), and without script
    # the link opens the card with the form in it
    customer_id = make_customer(app, company_a, "Acme Trading GmbH")
    card = client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True)
    assert 'id="add-contact"' in card
    assert 'id="contact-form"' not in card
    assert f'hx-get="{BASE}/{customer_id}/contacts/new"' in card
    form = client_a.get(f"{BASE}/{customer_id}/contacts/new", headers=HTMX)
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert body.lstrip().startswith("<form") and 'id="contact-form"' in body
    plain = client_a.get(f"{BASE}/{customer_id}/contacts/new")
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith(f"{BASE}/{customer_id}?contact=1#add-contact")
    opened = client_a.get(f"{BASE}/{customer_id}?contact=1").get_data(as_text=True)
    assert re.search(r'<details class="card" id="add-contact" open>', opened)
    assert 'id="contact-form"' in opened


def test_card_local_info_in_chinese_names_zone_and_holidays(app, client_a, company_a, fixed_clock):
    """Issue 25: no "America/New_York, EDT", no English holiday names on a Chinese page, and a
    separator between holidays (it read "Christmas Day1月1日")."""
    customer_id = make_customer(app, company_a, "Boston Kitchen Inc.", country="US")
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "美国（纽约）时间 · 北美东部夏令时间" in block and "EDT" not in block
    assert "哥伦布日" in block and "Columbus Day" not in block  # 2026-10-12
    english(client_a)
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "United States (New York) Time · Eastern Daylight Time" in block
    china = make_customer(app, company_a, "深圳某某电子有限公司", country="CN")
    block = local_info(client_a.get(f"{BASE}/{china}").get_data(as_text=True))
    between = re.findall(r"</span>(.*?)<span", block.split("Public holidays")[1], re.S)
    assert len(between) >= 2 and all(text.strip() == "·" for text in between)


def test_card_local_time_follows_the_address_state(app, client_a, company_a, fixed_clock):
    """Issue 25: a San Francisco address showed New York time (04:30 UTC is 21:30 there)."""
    english(client_a)
    customer_id = make_customer(app, company_a, "Golden Gate Imports", country="US",
                                address="1200 Market St, San Francisco, CA 94103")  # fmt: skip
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "21:30" in block and "Pacific Daylight Time" in block
    assert "Time zone from the address: California." in block
    assert 'id="zone-form"' in block  # the user may still pick another


def test_card_says_the_main_zone_is_assumed_and_lets_the_user_pick(
    app, client_a, company_a, fixed_clock
):
    english(client_a)
    customer_id = make_customer(app, company_a, "Somewhere Inc.", country="US")
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "00:30" in block and "has several time zones" in block
    assert '<option value="America/Denver">United States (Denver) Time</option>' in block
    response = client_a.post(f"{BASE}/{customer_id}/zone", data={"time_zone": "America/Denver"})
    assert response.status_code == 302
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert "22:30" in block and "Time zone chosen on this card." in block
    assert '<option value="America/Denver" selected>' in block
    assert load(app, company_a, Customer, customer_id)["time_zone"] == "America/Denver"
    # another country's zone is refused with a message; the choice stays
    response = client_a.post(f"{BASE}/{customer_id}/zone", data={"time_zone": "Asia/Tokyo"},
                             follow_redirects=True)  # fmt: skip
    assert "Choose one of the time zones of the customer&#39;s country." in response.get_data(
        as_text=True
    )
    assert load(app, company_a, Customer, customer_id)["time_zone"] == "America/Denver"
    # back to working it out
    client_a.post(f"{BASE}/{customer_id}/zone", data={"time_zone": ""})
    assert load(app, company_a, Customer, customer_id)["time_zone"] is None


def test_a_single_zone_country_offers_no_zone_picker(app, client_a, company_a, fixed_clock):
    customer_id = make_customer(app, company_a, "深圳某某电子有限公司", country="CN",
                                address="广东省深圳市南山区")  # fmt: skip
    block = local_info(client_a.get(f"{BASE}/{customer_id}").get_data(as_text=True))
    assert 'id="zone-form"' not in block
