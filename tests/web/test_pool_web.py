"""The shared pool (公海) and customer visibility through the web: pool page, claim, release,
transfer (one and many), the card's ownership history, the settings, and what a salesperson
sees of other people's customers on every page that shows customers, under both settings."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import login
from tests.factories import (
    PASSWORD,
    add_member,
    company_today,
    make_contact,
    make_customer,
    make_followup,
    make_inquiry,
    make_order,
    make_plan,
    make_sample,
    set_visibility,
)
from tests.html import stamp_of
from webapp.extensions import db
from webapp.models import Customer, CustomerOwnerChange, Tenant
from webapp.services import pool
from webapp.tenancy.context import tenant_context


@pytest.fixture(autouse=True)
def english(client):
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}"


@pytest.fixture
def people(app, company_a):
    return {
        "owner": company_a.owner_membership_id,
        "sam": add_member(app, company_a, "sam@alpha.example.com", {"sales"}, "Sam Sales"),
        "sue": add_member(app, company_a, "sue@alpha.example.com", {"sales"}, "Sue Sales"),
        "mia": add_member(app, company_a, "mia@alpha.example.com", {"manager"}, "Mia Manager"),
        "fay": add_member(app, company_a, "fay@alpha.example.com", {"finance"}, "Fay Finance"),
    }


@pytest.fixture
def book(app, company_a, people):
    """Sam's customer, Sue's customer and one in the pool, each with a contact."""
    ids = {
        "sams": make_customer(app, company_a, "Samsara Lighting GmbH", owner_id=people["sam"],
                              country="DE", grade="A"),
        "sues": make_customer(app, company_a, "Sueno Textiles SL", owner_id=people["sue"],
                              country="ES", grade="A", website="sueno-textiles.es"),
        "pooled": make_customer(app, company_a, "Poolside Imports Ltd", owner_id=None,
                                country="GB", grade="B"),
    }  # fmt: skip
    make_contact(app, company_a, ids["sams"], "Sabine Sam", email="sabine@samsara.de")
    make_contact(app, company_a, ids["sues"], "Sergio Sue", email="sergio@sueno-textiles.es")
    make_contact(app, company_a, ids["pooled"], "Penny Pool", email="penny@poolside.co.uk")
    return ids


def as_(client, who: str) -> None:
    client.post("/logout")
    login(client, f"{who}@alpha.example.com", PASSWORD)
    client.post("/lang", data={"lang": "en"})


def owner_of(app, company, customer_id):
    with app.app_context(), tenant_context(company.id):
        return db.session.get(Customer, customer_id).owner_id


NAMES = ("Samsara Lighting", "Sueno Textiles", "Poolside Imports")


def shown(text: str) -> set[str]:
    return {n for n in NAMES if n in text}


# --- visibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["own", "all"])
def test_salesperson_lists_and_search(app, client, company_a, base, book, setting):
    set_visibility(app, company_a, setting)
    as_(client, "sam")
    expected = {"Samsara Lighting", "Poolside Imports"} | (
        {"Sueno Textiles"} if setting == "all" else set()
    )
    assert shown(client.get(f"{base}/customers/").get_data(as_text=True)) == expected
    # search by the other salesperson's contact finds it only when everyone sees all
    page = client.get(f"{base}/customers/?q=sergio").get_data(as_text=True)
    assert ("Sueno Textiles" in page) is (setting == "all")
    # htmx partial of the list (active search) follows the same rule
    partial = client.get(
        f"{base}/customers/?q=s", headers={"HX-Request": "true", "HX-Target": "customer-results"}
    ).get_data(as_text=True)
    assert ("Sueno Textiles" in partial) is (setting == "all")


@pytest.mark.parametrize("setting", ["own", "all"])
def test_salesperson_card_pdf_and_followups(app, client, company_a, base, book, setting):
    set_visibility(app, company_a, setting)
    make_followup(app, company_a, book["sues"], "Visit Madrid", author_membership_id=None)
    as_(client, "sam")
    want = 200 if setting == "all" else 404
    sues = book["sues"]
    assert client.get(f"{base}/customers/{sues}").status_code == want
    assert client.get(f"{base}/customers/{sues}/edit").status_code == want
    assert client.get(f"{base}/print/customers/{sues}/followups.pdf").status_code == want
    assert client.get(f"{base}/print/customers/{sues}/sheet.pdf").status_code == want
    today = company_today(app, company_a).isoformat()
    response = client.post(f"{base}/customers/{sues}/followups",
                           data={"method": "phone", "on_date": today,
                                 "topic": "x", "followed_by_id": str(book and 0)})  # fmt: skip
    assert (response.status_code == 404) is (setting == "own")
    # own and pooled customers always open
    assert client.get(f"{base}/customers/{book['sams']}").status_code == 200
    assert client.get(f"{base}/customers/{book['pooled']}").status_code == 200


@pytest.mark.parametrize("setting", ["own", "all"])
def test_salesperson_exports_and_contacts_pdf(app, client, company_a, base, book, setting):
    set_visibility(app, company_a, setting)
    as_(client, "sam")
    body = client.post(f"{base}/imports/export.csv", data={"kind": "customers"}).get_data(
        as_text=True
    )
    names = {row[0] for row in csv.reader(io.StringIO(body.lstrip("\ufeff")))}
    assert ("Sueno Textiles SL" in names) is (setting == "all")
    assert {"Samsara Lighting GmbH", "Poolside Imports Ltd"} <= names
    contacts = client.post(f"{base}/imports/export.csv", data={"kind": "contacts"}).get_data(
        as_text=True
    )
    assert ("Sergio Sue" in contacts) is (setting == "all")
    pdf = client.get(f"{base}/print/contacts.pdf?lang=en")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf.data)).pages)
    # a name may wrap inside its narrow column: compare without the white space
    text = "".join(text.split())
    assert "SabineSam" in text and "PennyPool" in text
    assert ("SergioSue" in text) is (setting == "all")


@pytest.mark.parametrize("setting", ["own", "all"])
def test_salesperson_orders_samples_and_plan_choices(app, client, company_a, base, book, people,
                                                     setting):  # fmt: skip
    set_visibility(app, company_a, setting)
    order = make_order(app, company_a, book["sues"], "SC-SUE-1")
    mine = make_order(app, company_a, book["sams"], "SC-SAM-1")
    sample = make_sample(app, company_a, "Sue's fabric swatch", customer_id=book["sues"])
    plan = make_plan(app, company_a, member_id=people["sam"])
    as_(client, "sam")
    visible = setting == "all"
    orders = client.get(f"{base}/orders/").get_data(as_text=True)
    assert "SC-SAM-1" in orders
    assert ("SC-SUE-1" in orders) is visible
    assert client.get(f"{base}/orders/{order}").status_code == (200 if visible else 404)
    assert client.get(f"{base}/orders/{mine}").status_code == 200
    assert client.get(f"{base}/print/orders/{order}/order.pdf").status_code == (
        200 if visible else 404
    )
    new_order = client.get(f"{base}/orders/new").get_data(as_text=True)
    assert ("Sueno Textiles" in new_order) is visible
    samples = client.get(f"{base}/samples/").get_data(as_text=True)
    assert ("Sue&#39;s fabric swatch" in samples or "Sue's fabric swatch" in samples) is visible
    assert client.get(f"{base}/samples/{sample}").status_code == (200 if visible else 404)
    plan_page = client.get(f"{base}/plans/{plan}").get_data(as_text=True)
    assert "Samsara Lighting" in plan_page  # their own customers are listed

    def plan_search(q: str) -> str:
        url = f"{base}/plans/{plan}/customer-options?q={q}"
        return client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)

    assert "Poolside Imports" in plan_search("poolside")  # the pool's: found by name
    assert ("Sueno Textiles" in plan_search("sueno")) is visible


@pytest.mark.parametrize("setting", ["own", "all"])
def test_a_sample_cannot_go_to_a_customer_one_may_not_see(app, client, company_a, base, book,
                                                         people, setting):  # fmt: skip
    """The form lists only visible customers; a forged id is refused the same way."""
    set_visibility(app, company_a, setting)
    as_(client, "sam")
    client.post("/lang", data={"lang": "en"})
    form = {"customer_id": book["sues"], "name": "Forged swatch", "charge": "free",
            "sent_by_id": people["sam"]}  # fmt: skip
    response = client.post(f"{base}/samples/new", data=form)
    if setting == "all":
        assert response.status_code == 302
        return
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Pick a customer from the list." in page and "Forged swatch" in page  # input kept
    mine = client.post(f"{base}/samples/new", data=form | {"customer_id": book["sams"]})
    assert mine.status_code == 302
    sample_id = int(mine.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    moved = client.post(f"{base}/samples/{sample_id}/edit",
                        data=form | {"version": 1, "name": "Moved swatch"})  # fmt: skip
    assert moved.status_code == 422


@pytest.mark.parametrize("who", ["mia", "fay", "owner"])
def test_managers_finance_and_owners_see_all_under_own(app, client, company_a, base, book, who):
    set_visibility(app, company_a, "own")
    if who == "owner":
        client.post("/logout")
        login(client, company_a.owner_email)
        client.post("/lang", data={"lang": "en"})
    else:
        as_(client, who)
    assert shown(client.get(f"{base}/customers/").get_data(as_text=True)) == set(NAMES)
    assert client.get(f"{base}/customers/{book['sues']}").status_code == 200


def test_my_day_shows_only_own_customers_and_the_pool_warning(app, client, company_a, base,
                                                              book, people):  # fmt: skip
    today = company_today(app, company_a)
    with app.app_context(), tenant_context(company_a.id):
        pool.save_rules({"A": (30, 5, 48)})
        for cid in (book["sams"], book["sues"]):
            customer = db.session.get(Customer, cid)
            customer.owned_since = datetime(2020, 1, 1, tzinfo=UTC)
            customer.last_followup_on = today - timedelta(days=27)
            customer.next_followup_on = today - timedelta(days=1)
        db.session.commit()
    as_(client, "sam")
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Going back to the pool soon" in page
    warnings = page.split('id="pool-warnings"')[1].split('id="due"')[0]
    assert "Samsara Lighting" in warnings
    assert "Back to the pool in 3 days" in warnings
    assert "list-group-item-warning" in warnings  # the warning rows keep their colour
    assert "Sueno Textiles" not in page
    # asking for a colleague's day as a salesperson still shows one's own
    assert "Sueno Textiles" not in client.get(f"{base}/?member={people['sue']}").get_data(
        as_text=True
    )


def test_duplicate_check_names_the_owner_without_details(app, client, company_a, base, book):
    set_visibility(app, company_a, "own")
    as_(client, "sam")
    response = client.post(
        f"{base}/customers/duplicates",
        data={"name": "Sueno Textiles S.L.", "website": "", "contact_email": ""},
    )
    page = response.get_data(as_text=True)
    assert "owned by Sue Sales" in page
    assert "Sueno Textiles" not in page
    assert f"/customers/{book['sues']}" not in page
    pooled = client.post(
        f"{base}/customers/duplicates",
        data={"name": "Poolside Imports", "website": "", "contact_email": ""},
    ).get_data(as_text=True)
    assert "in the pool" in pooled and "Poolside Imports Ltd" in pooled
    # a manager sees the name and a link
    as_(client, "mia")
    page = client.post(
        f"{base}/customers/duplicates", data={"name": "Sueno Textiles S.L.", "website": ""}
    ).get_data(as_text=True)
    assert "Sueno Textiles SL" in page and "owned by Sue Sales" in page


# --- the pool page, claim, release --------------------------------------------------------------


def test_pool_page_lists_and_filters(app, client, company_a, base, book):
    make_customer(app, company_a, "Another Pooled Co", owner_id=None, country="FR", grade="C")
    as_(client, "sam")
    page = client.get(f"{base}/pool/").get_data(as_text=True)
    assert "Poolside Imports" in page and "Another Pooled Co" in page
    assert "Samsara" not in page and "Sueno" not in page
    assert "You own 1 of at most 200 customers." in page
    page = client.get(f"{base}/pool/?grade=C").get_data(as_text=True)
    assert "Another Pooled Co" in page and "Poolside" not in page
    page = client.get(f"{base}/pool/?country=gb").get_data(as_text=True)
    assert "Poolside" in page and "Another Pooled" not in page
    page = client.get(f"{base}/pool/?q=penny").get_data(as_text=True)
    assert "Poolside" in page and "Another Pooled" not in page
    partial = client.get(
        f"{base}/pool/?q=zzz", headers={"HX-Request": "true", "HX-Target": "pool-results"}
    ).get_data(as_text=True)
    assert "<html" not in partial and "No customer in the pool matches" in partial


def test_pool_page_paginates(app, client, company_a, base, people):
    for i in range(app.config["PAGE_SIZE"] + 3):
        make_customer(app, company_a, f"Pooled {i:03d}", owner_id=None)
    as_(client, "sam")
    first = client.get(f"{base}/pool/").get_data(as_text=True)
    second = client.get(f"{base}/pool/?page=2").get_data(as_text=True)
    assert len(re.findall(r"Pooled \d{3}", first)) == app.config["PAGE_SIZE"]
    assert len(re.findall(r"Pooled \d{3}", second)) == 3


def test_claim_from_the_pool(app, client, company_a, base, book, people):
    as_(client, "sam")
    response = client.post(f"{base}/pool/{book['pooled']}/claim")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/customers/{book['pooled']}")
    assert owner_of(app, company_a, book["pooled"]) == people["sam"]
    card = client.get(f"{base}/customers/{book['pooled']}").get_data(as_text=True)
    assert "Ownership history" in card and "Claimed from the pool" in card
    # claiming an owned customer is refused with a message
    response = client.post(f"{base}/pool/{book['sues']}/claim", follow_redirects=True)
    assert "no longer in the pool" in response.get_data(as_text=True)
    assert owner_of(app, company_a, book["sues"]) == people["sue"]


def test_claim_limit_message(app, client, company_a, base, book, people):
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Tenant, company_a.id).max_owned_customers = 1
        db.session.commit()
    as_(client, "sam")
    page = client.post(f"{base}/pool/{book['pooled']}/claim", follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "You already own 1 customers, the most the company allows (1)." in text
    assert owner_of(app, company_a, book["pooled"]) is None


def test_finance_cannot_claim(app, client, company_a, base, book):
    as_(client, "fay")
    page = client.get(f"{base}/pool/").get_data(as_text=True)
    assert "Poolside" in page and ">Claim<" not in page
    client.post(f"{base}/pool/{book['pooled']}/claim")
    assert owner_of(app, company_a, book["pooled"]) is None


def test_release_by_owner_with_reason(app, client, company_a, base, book, people):
    as_(client, "sam")
    url = f"{base}/pool/{book['sams']}/release"
    assert "Release Samsara Lighting GmbH to the pool?" in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"reason": "  "}).status_code == 422
    assert owner_of(app, company_a, book["sams"]) == people["sam"]
    response = client.post(url, data={"reason": "Went with a competitor"})
    assert response.status_code == 302
    assert owner_of(app, company_a, book["sams"]) is None
    card = client.get(f"{base}/customers/{book['sams']}").get_data(as_text=True)
    assert "Released to the pool" in card and "Went with a competitor" in card
    # and the cool-down (no rule for grade A yet: none) lets nobody else be blocked
    as_(client, "sue")
    client.post(f"{base}/pool/{book['sams']}/claim")
    assert owner_of(app, company_a, book["sams"]) == people["sue"]


def test_release_refused_to_a_colleague_allowed_to_a_manager(app, client, company_a, base, book,
                                                             people):  # fmt: skip
    set_visibility(app, company_a, "all")
    as_(client, "sam")
    assert client.get(f"{base}/pool/{book['sues']}/release").status_code == 403
    client.post(f"{base}/pool/{book['sues']}/release", data={"reason": "mine now"})
    assert owner_of(app, company_a, book["sues"]) == people["sue"]
    as_(client, "mia")
    client.post(f"{base}/pool/{book['sues']}/release", data={"reason": "Sue is on leave"})
    assert owner_of(app, company_a, book["sues"]) is None


def _overdue(app, company, customer_id: int) -> None:
    """Grade A customers go back after 30 days without a follow-up; this one had none for 40."""
    today = company_today(app, company)
    with app.app_context(), tenant_context(company.id):
        pool.save_rules({"A": (30, 5, 48)})
        customer = db.session.get(Customer, customer_id)
        customer.last_followup_on = today - timedelta(days=40)
        customer.owned_since = datetime(2020, 1, 1, tzinfo=UTC)
        db.session.commit()


def test_reclaim_cooldown_after_auto_return(app, client, company_a, base, book, people):
    _overdue(app, company_a, book["sams"])
    as_(client, "sam")
    # reading the pool sweeps first: the customer is there although no cron ran
    assert "Samsara Lighting" in client.get(f"{base}/pool/").get_data(as_text=True)
    assert owner_of(app, company_a, book["sams"]) is None
    page = client.post(f"{base}/pool/{book['sams']}/claim", follow_redirects=True)
    assert "you may claim it again from" in page.get_data(as_text=True)
    assert owner_of(app, company_a, book["sams"]) is None
    card = client.get(f"{base}/customers/{book['sams']}").get_data(as_text=True)
    assert "Returned to the pool automatically" in card and "No follow-up for 30 days." in card
    as_(client, "sue")
    client.post(f"{base}/pool/{book['sams']}/claim")
    assert owner_of(app, company_a, book["sams"]) == people["sue"]


def test_the_lists_pool_filter_sweeps_first(app, client, company_a, base, book, people):
    """ "In the pool" on the customer list reads the pool like the pool page: a customer due to go
    back is there although no cron ran."""
    _overdue(app, company_a, book["sues"])
    as_(client, "mia")
    listed = client.get(f"{base}/customers/?owner=pool").get_data(as_text=True)
    assert "Sueno Textiles" in listed and "Poolside Imports" in listed
    assert owner_of(app, company_a, book["sues"]) is None


def test_cli_sweep_gives_the_same_result(app, company_a, book, people):
    _overdue(app, company_a, book["sams"])
    result = app.test_cli_runner().invoke(args=["pool", "sweep"])
    assert result.exit_code == 0, result.output
    assert "alpha-trading: 1 customer(s) back to the pool" in result.output
    assert owner_of(app, company_a, book["sams"]) is None
    again = app.test_cli_runner().invoke(args=["pool", "sweep"])
    assert "Swept: 0" in again.output


# --- transfer ---------------------------------------------------------------------------------


def test_bulk_transfer_from_the_list(app, client, company_a, base, book, people):
    as_(client, "mia")
    page = client.get(f"{base}/customers/").get_data(as_text=True)
    assert 'form="bulk-transfer"' in page and 'id="bulk-transfer"' in page
    ids = [book["sams"], book["pooled"]]
    confirm = client.get(f"{base}/pool/transfer?ids={ids[0]}&ids={ids[1]}")
    text = confirm.get_data(as_text=True)
    assert "Transfer 2 customers" in text
    assert "Samsara Lighting" in text and "Poolside Imports" in text and "Sueno" not in text
    data = {"ids": [str(i) for i in ids], "to_member_id": str(people["sue"]), "reason": ""}
    assert client.post(f"{base}/pool/transfer", data=data).status_code == 422
    assert owner_of(app, company_a, book["sams"]) == people["sam"]
    data["reason"] = "Sam moves to the Asia desk"
    response = client.post(f"{base}/pool/transfer", data=data, follow_redirects=True)
    assert "2 customers transferred to Sue Sales." in response.get_data(as_text=True)
    assert owner_of(app, company_a, book["sams"]) == people["sue"]
    assert owner_of(app, company_a, book["pooled"]) == people["sue"]
    with app.app_context(), tenant_context(company_a.id):
        rows = db.session.scalars(
            select(CustomerOwnerChange).order_by(CustomerOwnerChange.customer_id)
        ).all()
        moves = [(r.customer_id, r.from_member_id, r.to_member_id, r.by_member_id) for r in rows]
        assert moves == [
            (book["sams"], people["sam"], people["sue"], people["mia"]),
            (book["pooled"], None, people["sue"], people["mia"]),
        ]  # fmt: skip
    card = client.get(f"{base}/customers/{book['sams']}").get_data(as_text=True)
    assert "Transferred" in card and "Sam Sales → Sue Sales" in card
    assert "by Mia Manager" in card and "Sam moves to the Asia desk" in card


def test_transfer_is_for_managers(app, client, company_a, base, book, people):
    as_(client, "sam")
    assert client.get(f"{base}/pool/transfer?ids={book['sams']}").status_code == 403
    data = {"ids": [str(book["sams"])], "to_member_id": str(people["sue"]), "reason": "x"}
    assert client.post(f"{base}/pool/transfer", data=data).status_code == 403
    assert owner_of(app, company_a, book["sams"]) == people["sam"]
    assert 'form="bulk-transfer"' not in client.get(f"{base}/customers/").get_data(as_text=True)


def test_transfer_without_selection_goes_back_to_the_list(client, company_a, base, people):
    as_(client, "mia")
    response = client.get(f"{base}/pool/transfer")
    assert response.status_code == 302 and response.headers["Location"].endswith("/customers/")


def test_edit_form_does_not_change_the_owner(app, client, company_a, base, book, people):
    as_(client, "mia")
    page = client.get(f"{base}/customers/{book['sams']}/edit").get_data(as_text=True)
    assert 'id="owner-readonly"' in page and 'name="owner_id"' not in page


def test_salesperson_creating_for_a_colleague_keeps_it(app, client, company_a, base, people):
    as_(client, "sam")
    client.post(f"{base}/customers/new",
                data={"name": "Handed Over Co", "owner_id": str(people["sue"])})  # fmt: skip
    with app.app_context(), tenant_context(company_a.id):
        customer = db.session.scalar(select(Customer).where(Customer.name == "Handed Over Co"))
        assert customer.owner_id == people["sam"] and customer.owned_since is not None


# --- settings ---------------------------------------------------------------------------------


def test_settings_for_visibility_limit_and_rules(app, client, company_a, base):
    client.post("/logout")
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    page = client.get(f"{base}/settings/").get_data(as_text=True)
    assert "Salespeople see only their own customers and the pool" in page
    data = {"stale_days_a": "7", "stale_days_b": "14", "stale_days_c": "30",
            "stale_days_d": "90", "customer_visibility": "all", "max_owned_customers": "150",
            "pool_days_a": "30", "pool_warn_a": "5", "pool_cooldown_a": "48",
            "pool_days_b": "", "pool_warn_b": "", "pool_cooldown_b": ""}  # fmt: skip
    data.update(stamp_of(client, f"{base}/settings/"))
    assert client.post(f"{base}/settings/", data=data).status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        tenant = db.session.get(Tenant, company_a.id)
        assert (tenant.customer_visibility, tenant.max_owned_customers) == ("all", 150)
        assert pool.rules_for() == {"A": pool.Rule(30, 5, 48)}
    page = client.get(f"{base}/settings/").get_data(as_text=True)
    assert 'name="pool_days_a" type="number" value="30"' in page
    bad = dict(
        data,
        customer_visibility="nobody",
        pool_days_a="-3",
        **stamp_of(client, f"{base}/settings/"),
    )
    assert client.post(f"{base}/settings/", data=bad).status_code == 422


def test_settings_refused_to_salespeople(client, company_a, base, people):
    as_(client, "sam")
    assert client.get(f"{base}/settings/").status_code == 403


@pytest.mark.parametrize("setting", ["own", "all"])
def test_inquiries_show_an_invisible_customer_without_its_name(app, client, company_a, base,
                                                                book, people, setting):  # fmt: skip
    set_visibility(app, company_a, setting)
    linked = make_inquiry(app, company_a, "Sueno Textiles", customer_id=book["sues"],
                          assigned_to_id=people["sam"])  # fmt: skip
    fresh = make_inquiry(app, company_a, "Sueno Textiles S.L.", assigned_to_id=people["sam"])
    as_(client, "sam")
    visible = setting == "all"
    detail = client.get(f"{base}/inquiries/{linked}").get_data(as_text=True)
    assert (f"/customers/{book['sues']}" in detail) is visible
    assert ("owned by Sue Sales" in detail) is not visible
    listing = client.get(f"{base}/inquiries/").get_data(as_text=True)
    assert (f"/customers/{book['sues']}" in listing) is visible
    # converting: the look-alike is named only when visible, and linking to it is refused
    convert = client.get(f"{base}/inquiries/{fresh}/convert").get_data(as_text=True)
    assert "owned by Sue Sales" in convert
    assert ("Sueno Textiles SL" in convert) is visible
    response = client.post(f"{base}/inquiries/{fresh}/convert",
                           data={"action": "link", "customer_id": str(book["sues"])})  # fmt: skip
    assert (response.status_code == 404) is not visible


@pytest.mark.parametrize(
    ("roles", "setting", "sees_all"),
    [({"sales"}, "own", False), ({"sales"}, "all", True), ({"sales", "manager"}, "own", True),
     ({"merchandiser"}, "own", True), ({"gm"}, "own", True), ({"admin"}, "own", True)],
)  # fmt: skip
def test_visibility_rule(app, company_a, roles, setting, sees_all):
    from webapp.models import Membership
    from webapp.services import visibility

    member = add_member(app, company_a, "x@alpha.example.com", roles)
    set_visibility(app, company_a, setting)
    theirs = make_customer(app, company_a, "Theirs")
    mine = make_customer(app, company_a, "Mine", owner_id=member)
    pooled = make_customer(app, company_a, "Pooled", owner_id=None)
    with app.app_context(), tenant_context(company_a.id):
        membership = db.session.get(Membership, member)
        assert visibility.sees_all(membership) is sees_all
        ids = set(db.session.scalars(select(Customer.id).where(
            visibility.visible_clause(membership))))  # fmt: skip
        assert ids == ({theirs, mine, pooled} if sees_all else {mine, pooled})
        for cid in (theirs, mine, pooled):
            assert visibility.can_see(membership, db.session.get(Customer, cid)) is (cid in ids)
        # no member (a job outside a request): nothing
        assert db.session.scalars(select(Customer.id).where(
            visibility.visible_clause(None))).all() == []  # fmt: skip


def test_import_never_names_or_updates_an_invisible_customer(app, client, company_a, base, book):
    sheet = "公司名称,国家\nSueno Textiles S.L.,PT\nPoolside Imports Ltd,IE\n".encode()
    as_(client, "sam")
    response = client.post(f"{base}/imports/", data={"file": (io.BytesIO(sheet), "c.csv")},
                           content_type="multipart/form-data")  # fmt: skip
    batch_id = int(response.headers["Location"].rstrip("/").split("/")[-2])
    client.post(f"{base}/imports/{batch_id}/mapping",
                data={"col-0": "name", "col-1": "country", "year": "2026"})  # fmt: skip
    preview = client.get(f"{base}/imports/{batch_id}").get_data(as_text=True)
    assert "A customer you cannot open" in preview
    assert "Sueno Textiles SL" not in preview and "Poolside Imports Ltd" in preview
    client.post(f"{base}/imports/{batch_id}/commit",
                data={"confirm": "1", "default_choice": "update"})  # fmt: skip
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(Customer, book["sues"]).country == "ES"  # untouched
        assert db.session.get(Customer, book["pooled"]).country == "IE"  # pooled: visible


def test_customer_picker_offers_only_visible_customers(app, client, company_a, base, book):
    as_(client, "sam")
    for q in ("", "s"):
        options = client.get(f"{base}/customers/pick?q={q}").get_data(as_text=True)
        assert "Samsara Lighting" in options and "Poolside Imports" in options
        assert "Sueno Textiles" not in options
    form = client.get(f"{base}/samples/new").get_data(as_text=True)
    assert "Samsara Lighting" in form and "Sueno Textiles" not in form


def test_order_for_a_customer_one_may_not_see_is_refused(app, client, company_a, base, book):
    """The order form offers 50 recent customers and a search; a customer outside those is
    accepted when visible (chosen by the search) and refused when not (a forged id)."""
    for i in range(55):
        make_customer(app, company_a, f"Recent Pooled {i:02d}", owner_id=None)
    as_(client, "sam")
    data = {"contract_no": "SC-PICK", "contract_amount": "100", "currency": "USD",
            "payment_method": "LC"}  # fmt: skip
    form = client.get(f"{base}/orders/new").get_data(as_text=True)
    assert "Samsara Lighting" not in form  # 55 newer pool customers come first
    chosen = client.post(f"{base}/orders/new", data=data | {"customer_id": book["sams"]})
    assert chosen.status_code == 302
    refused = client.post(f"{base}/orders/new", data=data | {"customer_id": book["sues"]})
    assert refused.status_code == 422
