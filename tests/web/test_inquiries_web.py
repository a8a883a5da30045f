"""The inquiry screens: record, validation that keeps the input, permissions, list filters and
pagination, the convert flow with and without look-alike customers, delete, the customer card."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import (
    PASSWORD,
    add_member,
    make_contact,
    make_customer,
    make_followup,
    make_inquiry,
)
from tests.html import stamp_of
from webapp.extensions import db
from webapp.models import Contact, Customer, Inquiry
from webapp.services import lookups
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages; the test companies default to Chinese."""
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}/inquiries"


def as_member(app, client, company, roles, name="Member"):
    email = f"{'-'.join(sorted(roles))}-{company.slug}@example.com"
    member_id = add_member(app, company, email, set(roles), name)
    client.post("/logout")
    login(client, email, PASSWORD)
    client.post("/lang", data={"lang": "en"})
    return member_id


def form(**overrides) -> dict:
    values = {"received_local": "2026-11-23T00:30", "channel": "alibaba", "country": "DE",
              "company": "Nordlicht Handel GmbH", "contact_name": "Jonas Weber",
              "email": "jonas@nordlicht-handel.de", "phone": "+49 30 5557 1201",
              "product": "LCD projector P-200", "message": "Price for 200 pcs?",
              "worth_following": "yes", "worth_reason": "", "assigned_to_id": ""}  # fmt: skip
    values.update(overrides)
    return values


def load(app, company, inquiry_id):
    with app.app_context(), tenant_context(company.id):
        inquiry = db.session.get(Inquiry, inquiry_id)
        db.session.expunge(inquiry)
        return inquiry


def only_inquiry_id(app, company) -> int:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(select(Inquiry.id))


# --- record -----------------------------------------------------------------------------------


def test_new_form_defaults(client_a, base):
    page = client_a.get(f"{base}/new").get_data(as_text=True)
    assert 'name="received_local"' in page and 'type="datetime-local"' in page
    assert "Made-in-China" in page and "Undecided" in page


def test_record_an_inquiry_in_company_time(app, client_a, company_a, base):
    response = client_a.post(f"{base}/new", data=form(assigned_to_id=company_a.owner_membership_id))
    assert response.status_code == 302
    inquiry = load(app, company_a, only_inquiry_id(app, company_a))
    assert inquiry.received_on == date(2026, 11, 23)  # Monday in Shanghai, Sunday in UTC
    assert inquiry.received_at.replace(tzinfo=UTC) == datetime(2026, 11, 22, 16, 30, tzinfo=UTC)
    assert (inquiry.country, inquiry.phone, inquiry.worth_following) == (
        "DE",
        "+493055571201",
        True,
    )
    page = client_a.get(response.location).get_data(as_text=True)
    assert "Nordlicht Handel GmbH" in page and "Worth following" in page
    assert "Convert to customer" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"worth_following": "no"}, "Say why this inquiry is not worth following."),
        ({"phone": "12"}, "Not a valid phone number."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"received_local": ""}, "Enter when the inquiry arrived."),
        ({"received_local": "2099-01-01T10:00"}, "The received time cannot be in the future."),
        ({"company": "", "contact_name": "", "email": "", "phone": ""},
         "Enter at least a company, a contact name, an email or a phone number."),
        ({"country": "Atlantis"}, "Unknown country or region"),
    ],
)  # fmt: skip
def test_invalid_input_is_kept_with_a_message(app, client_a, company_a, base, overrides, message):
    response = client_a.post(f"{base}/new", data=form(product="Typed product 42", **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Typed product 42" in page and "Price for 200 pcs?" in page
    assert only_inquiry_id(app, company_a) is None


def test_salesperson_records_for_themselves(app, client, company_a, base):
    me = as_member(app, client, company_a, {"sales"}, "Sam Sales")
    response = client.post(f"{base}/new", data=form(assigned_to_id=company_a.owner_membership_id))
    assert response.status_code == 302
    assert load(app, company_a, only_inquiry_id(app, company_a)).assigned_to_id == me


def test_finance_sees_but_cannot_edit(app, client, company_a, base):
    inquiry_id = make_inquiry(app, company_a, "Visible GmbH")
    as_member(app, client, company_a, {"finance"})
    assert "Visible GmbH" in client.get(f"{base}/").get_data(as_text=True)
    assert client.get(f"{base}/{inquiry_id}").status_code == 200
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/new", data=form()).status_code == 403
    assert client.post(f"{base}/{inquiry_id}/edit", data=form()).status_code == 403
    assert client.post(f"{base}/{inquiry_id}/delete").status_code == 403
    assert client.post(f"{base}/{inquiry_id}/convert", data={"action": "create"}).status_code == 403
    assert load(app, company_a, inquiry_id).company == "Visible GmbH"


def test_assign_is_for_managers(app, client, company_a, base):
    inquiry_id = make_inquiry(app, company_a)
    lucy = add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")
    as_member(app, client, company_a, {"sales"})
    assert (
        client.post(f"{base}/{inquiry_id}/assign", data={"assigned_to_id": lucy}).status_code == 403
    )
    as_member(app, client, company_a, {"manager"})
    page = client.get(f"{base}/{inquiry_id}").get_data(as_text=True)
    assert "Assign to" in page
    stamp = stamp_of(client, f"{base}/{inquiry_id}", f"{base}/{inquiry_id}/assign")
    response = client.post(f"{base}/{inquiry_id}/assign", data={"assigned_to_id": lucy, **stamp})
    assert response.status_code == 302
    assert load(app, company_a, inquiry_id).assigned_to_id == lucy


def test_edit_and_stale_version(app, client_a, company_a, base):
    inquiry_id = make_inquiry(app, company_a, "Old Name")
    page = client_a.get(f"{base}/{inquiry_id}/edit").get_data(as_text=True)
    assert "Old Name" in page and 'name="version" type="hidden" value="1"' in page
    response = client_a.post(
        f"{base}/{inquiry_id}/edit", data=form(company="New Name", version="1",
                                               assigned_to_id=company_a.owner_membership_id)
    )  # fmt: skip
    assert response.status_code == 302
    assert load(app, company_a, inquiry_id).company == "New Name"
    response = client_a.post(
        f"{base}/{inquiry_id}/edit", data=form(company="Third Name", version="1")
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else saved this while you were editing" in page and "Third Name" in page
    assert 'name="choose-company"' in page  # both changed it: the person chooses
    assert load(app, company_a, inquiry_id).company == "New Name"
    chosen = form(company="Third Name", version="2", clashes="company", choose_company="theirs")
    chosen["choose-company"] = chosen.pop("choose_company")
    assert client_a.post(f"{base}/{inquiry_id}/edit", data=chosen).status_code == 302
    assert load(app, company_a, inquiry_id).company == "New Name"


def test_other_companys_assignee_is_refused(app, client_a, company_a, company_b, base):
    response = client_a.post(f"{base}/new", data=form(assigned_to_id=company_b.owner_membership_id))
    assert response.status_code == 422
    assert "Pick a salesperson of this company." in response.get_data(as_text=True)


# --- list -------------------------------------------------------------------------------------


def listed(page: str) -> int:
    return page.count("data-inquiry=")


def test_empty_list(client_a, base):
    page = client_a.get(f"{base}/").get_data(as_text=True)
    assert "No inquiries yet." in page


def test_list_filters(app, client_a, company_a, base):
    customer = make_customer(app, company_a, "Followed Buyer")
    make_followup(app, company_a, customer, on_date=date(2026, 11, 25))
    day = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    make_inquiry(app, company_a, "Followed Buyer", received_at=day, customer_id=customer,
                 worth_following=True, product="Projector")  # fmt: skip
    make_inquiry(app, company_a, "Quiet Buyer", received_at=day, channel="website",
                 worth_following=False, worth_reason="Student")  # fmt: skip
    make_inquiry(app, company_a, "Early Buyer", received_at=datetime(2026, 10, 1, 2, tzinfo=UTC))

    def names(**args) -> list[str]:
        page = client_a.get(f"{base}/", query_string=args).get_data(as_text=True)
        return [n for n in ("Followed Buyer", "Quiet Buyer", "Early Buyer") if f">{n}<" in page]

    assert names() == ["Followed Buyer", "Quiet Buyer", "Early Buyer"]
    assert names(q="projector") == ["Followed Buyer"]
    assert names(channel="website") == ["Quiet Buyer"]
    assert names(worth="no") == ["Quiet Buyer"]
    assert names(followed="yes") == ["Followed Buyer"]
    assert names(followed="no") == ["Quiet Buyer", "Early Buyer"]
    assert names(**{"from": "2026-11-01"}) == ["Followed Buyer", "Quiet Buyer"]
    assert names(to="2026-10-31") == ["Early Buyer"]
    assert names(assigned="none") == []
    assert "No inquiry matches these filters." in client_a.get(
        f"{base}/", query_string={"q": "nothing like this"}
    ).get_data(as_text=True)


def test_pagination_and_htmx_partial(app, client_a, company_a, base):
    for i in range(27):
        make_inquiry(app, company_a, f"Buyer {i:02d}")
    first = client_a.get(f"{base}/").get_data(as_text=True)
    assert listed(first) == 25 and "1–25 of 27" in first
    second = client_a.get(f"{base}/", query_string={"page": 2}).get_data(as_text=True)
    assert listed(second) == 2
    partial = client_a.get(
        f"{base}/", query_string={"q": "Buyer 1"}, headers={**HX, "HX-Target": "inquiry-results"}
    )
    body = partial.get_data(as_text=True)
    assert "<html" not in body and listed(body) == 10


def test_list_queries_do_not_grow(app, client_a, company_a, base):
    make_inquiry(app, company_a, "One")
    client_a.get(f"{base}/")
    with count_queries(app) as few:
        assert client_a.get(f"{base}/").status_code == 200
    lucy = add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")
    for i in range(20):
        customer = make_customer(app, company_a, f"Customer {i}")
        make_followup(app, company_a, customer)
        make_inquiry(app, company_a, f"Buyer {i}", customer_id=customer,
                     assigned_to_id=lucy if i % 2 else company_a.owner_membership_id)  # fmt: skip
    with count_queries(app) as many:
        page = client_a.get(f"{base}/").get_data(as_text=True)
    assert "Lucy Chen" in page and "Customer 7" in page and "Followed" in page
    assert len(many) == len(few), many


# --- convert ----------------------------------------------------------------------------------


def test_convert_without_duplicates(app, client_a, company_a, base):
    inquiry_id = make_inquiry(app, company_a, "Brand New Imports", contact_name="Mia Park",
                              email="mia@brandnew.kr", country="KR")  # fmt: skip
    page = client_a.get(f"{base}/{inquiry_id}/convert").get_data(as_text=True)
    assert "No similar customer found." in page
    response = client_a.post(f"{base}/{inquiry_id}/convert", data={"action": "create"})
    assert response.status_code == 302
    inquiry = load(app, company_a, inquiry_id)
    assert response.location.endswith(f"/customers/{inquiry.customer_id}")
    card = client_a.get(response.location).get_data(as_text=True)
    assert "Brand New Imports" in card and "Mia Park" in card
    assert f'data-inquiry="{inquiry_id}"' in card and "Not followed yet" in card

    # twice is impossible: the button is gone and a forged post changes nothing
    assert "Convert to customer" not in client_a.get(f"{base}/{inquiry_id}").get_data(as_text=True)
    again = client_a.post(f"{base}/{inquiry_id}/convert", data={"action": "create_anyway"})
    assert again.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Customer.id))) == 1

    # a follow-up on the customer makes the inquiry followed
    make_followup(app, company_a, inquiry.customer_id)  # today, where the company is
    card = client_a.get(response.location).get_data(as_text=True)
    assert "Not followed yet" not in card


def test_convert_with_a_look_alike_then_link(app, client_a, company_a, base):
    existing = make_customer(app, company_a, "Nordlicht Handel")
    contact = make_contact(app, company_a, existing, "Jonas W.", email="jonas@nordlicht-handel.de")
    inquiry_id = make_inquiry(app, company_a, "Nordlicht Handel GmbH", contact_name="Jonas Weber",
                              email="jonas@nordlicht-handel.de")  # fmt: skip
    page = client_a.get(f"{base}/{inquiry_id}/convert").get_data(as_text=True)
    assert "1 existing customer looks like this one:" in page and "Link to this customer" in page
    # a one-click create still stops at the look-alike
    response = client_a.post(f"{base}/{inquiry_id}/convert", data={"action": "create"})
    assert response.status_code == 409
    assert load(app, company_a, inquiry_id).customer_id is None
    response = client_a.post(
        f"{base}/{inquiry_id}/convert", data={"action": "link", "customer_id": existing}
    )
    assert response.status_code == 302
    inquiry = load(app, company_a, inquiry_id)
    assert (inquiry.customer_id, inquiry.contact_id) == (existing, contact)
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Customer.id))) == 1
        assert db.session.scalar(select(func.count(Contact.id))) == 1


def test_convert_with_a_look_alike_create_anyway(app, client_a, company_a, base):
    make_customer(app, company_a, "Nordlicht Handel")
    inquiry_id = make_inquiry(app, company_a, "Nordlicht Handel GmbH")
    response = client_a.post(f"{base}/{inquiry_id}/convert", data={"action": "create_anyway"})
    assert response.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Customer.id))) == 2


def test_link_to_another_companys_customer_is_404(app, client_a, company_a, company_b, base):
    foreign = make_customer(app, company_b, "Foreign GmbH")
    inquiry_id = make_inquiry(app, company_a)
    response = client_a.post(
        f"{base}/{inquiry_id}/convert", data={"action": "link", "customer_id": foreign}
    )
    assert response.status_code == 404
    assert load(app, company_a, inquiry_id).customer_id is None


# --- delete, card -----------------------------------------------------------------------------


def test_delete_asks_first(app, client_a, company_a, base):
    inquiry_id = make_inquiry(app, company_a, "Delete Me GmbH")
    page = client_a.get(f"{base}/{inquiry_id}/delete").get_data(as_text=True)
    assert "Delete the inquiry from Delete Me GmbH?" in page
    assert only_inquiry_id(app, company_a) == inquiry_id
    response = client_a.post(f"{base}/{inquiry_id}/delete")
    assert response.status_code == 302
    assert only_inquiry_id(app, company_a) is None


def test_customer_card_lists_linked_inquiries(app, client_a, company_a):
    customer = make_customer(app, company_a, "Card Customer")
    make_inquiry(app, company_a, "Card Customer", customer_id=customer, product="Screens")
    make_inquiry(app, company_a, "Someone Else", product="Lamps")
    card = client_a.get(f"/t/{company_a.slug}/customers/{customer}").get_data(as_text=True)
    assert "Screens" in card and "Lamps" not in card
    assert "No samples sent to this customer yet." in card


def test_demo_pages(app, client):
    """The demo company with inquiries and samples seeded: every page renders in both languages."""
    from webapp.demo import seed_demo as seed_company
    from webapp.demo.inquiries import seed_inquiries
    from webapp.models import Membership, Sample, Tenant
    from webapp.services.followups import company_today

    with app.test_request_context():
        seed_company()
        demo_id = lookups.company_id("demo")
        with tenant_context(demo_id):
            tenant = db.session.get(Tenant, demo_id)
            members = list(db.session.scalars(select(Membership).order_by(Membership.id)))
            seed_inquiries(tenant, members, company_today(tenant))
            db.session.commit()
            inquiry_ids = list(db.session.scalars(select(Inquiry.id)))
            sample_ids = list(db.session.scalars(select(Sample.id)))
            customer_ids = list(db.session.scalars(select(Customer.id)))
    login(client, "boss@demo.example.com", "tradefollow-demo")
    for lang in ("en", "zh"):
        client.post("/lang", data={"lang": lang})
        urls = ["/t/demo/inquiries/", "/t/demo/samples/", "/t/demo/inquiries/new",
                "/t/demo/samples/new"]  # fmt: skip
        urls += [f"/t/demo/inquiries/{i}" for i in inquiry_ids]
        urls += [f"/t/demo/inquiries/{i}/edit" for i in inquiry_ids[:3]]
        urls += [f"/t/demo/inquiries/{i}/convert" for i in inquiry_ids[:3]]
        urls += [f"/t/demo/samples/{i}" for i in sample_ids]
        urls += [f"/t/demo/samples/{i}/edit" for i in sample_ids]
        urls += [f"/t/demo/customers/{i}" for i in customer_ids]
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302), url


def test_deleting_the_customer_or_contact_keeps_the_inquiry(app, client_a, company_a):
    """The composite foreign key cannot SET NULL by itself (tenant_id is NOT NULL): the service
    unlinks the inquiry first, so the delete goes through and the inquiry stays counted."""
    from tests.factories import make_sample
    from webapp.models import Sample

    customer = make_customer(app, company_a, "Gone GmbH")
    contact = make_contact(app, company_a, customer, "Gone Person")
    kept = make_contact(app, company_a, customer, "Kept Person", is_primary=True)
    inquiry_id = make_inquiry(app, company_a, customer_id=customer, contact_id=contact)
    make_sample(app, company_a, customer_id=customer, inquiry_id=inquiry_id)
    slug = company_a.slug
    assert client_a.post(f"/t/{slug}/customers/contacts/{contact}/delete").status_code == 302
    inquiry = load(app, company_a, inquiry_id)
    assert (inquiry.customer_id, inquiry.contact_id) == (customer, None)
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Inquiry, inquiry_id).contact_id = kept
        db.session.commit()
    assert client_a.post(f"/t/{slug}/customers/{customer}/delete").status_code == 302
    inquiry = load(app, company_a, inquiry_id)
    assert (inquiry.customer_id, inquiry.contact_id) == (None, None)
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(Sample.id))) == 0  # went with the customer


def test_link_picker_lists_recent_customers_and_searches_the_rest(app, client_a, company_a, base):
    """The link <select> starts with the 50 most recently updated customers, never the whole
    company; the search box next to it finds the others by name."""
    for i in range(55):
        make_customer(app, company_a, f"Picker Customer {i:02d}")
    inquiry_id = make_inquiry(app, company_a, "Unrelated Inquirer Ltd")
    page = client_a.get(f"{base}/{inquiry_id}/convert").get_data(as_text=True)
    assert len(re.findall(r"Picker Customer \d\d</option>", page)) == 50
    found = client_a.get(
        f"/t/{company_a.slug}/customers/pick?q=customer 0", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert re.findall(r"Picker Customer (\d\d)</option>", found) == [f"0{i}" for i in range(10)]
    none = client_a.get(f"/t/{company_a.slug}/customers/pick?q=zzz").get_data(as_text=True)
    assert "No customer with this name" in none and "<html" not in none
    # "Link" with nothing chosen says so and keeps the page
    response = client_a.post(
        f"{base}/{inquiry_id}/convert", data={"action": "link", "customer_id": ""}
    )
    assert response.status_code == 422
    assert "Pick the customer to link the inquiry to." in response.get_data(as_text=True)
