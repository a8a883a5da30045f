"""The follow-up log on the customer card: logging inline with htmx (or a plain form post),
visits, validation, the method filter, edit and delete rights, stale edits, numbering under
concurrent requests, and the query count of the timeline."""

from __future__ import annotations

import html
import re
import threading
from datetime import date, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import (
    Company,
    add_member,
    make_contact,
    make_customer,
    make_followup,
    set_visibility,
)
from tests.html import FEEDBACK, field_errors, input_value
from webapp.extensions import db
from webapp.models import Customer, FollowUp, FollowUpColleague, FollowUpContact, Tenant
from webapp.services.classification import purposes_to_bits
from webapp.services.followups import Links, company_today, save_followup
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}
ITEM = re.compile(
    r'<li class="card mb-2 followup[^"]*" id="followup-(\d+)">.*?'
    r'<span class="badge text-bg-dark me-1"[^>]*>(\d+)</span>.*?'
    r'<strong class="ms-1">(.*?)</strong>',
    re.S,
)


# --- helpers ----------------------------------------------------------------------------------


def today_of(app: Flask, company: Company) -> date:
    with app.app_context(), tenant_context(company.id):
        return company_today(db.session.get(Tenant, company.id))


def items(body: str) -> list[tuple[int, int, str]]:
    """(record id, number, topic) of the timeline's items, top first."""
    return [(int(i), int(seq), html.unescape(topic)) for i, seq, topic in ITEM.findall(body)]


def item_html(body: str, record_id: int) -> str:
    start = body.rindex("<li", 0, body.index(f'id="followup-{record_id}"'))
    return body[start : body.index("</li>", start)]


def choice_errors(page: str, name: str) -> list[str]:
    """Errors under a group of checkboxes (its fieldset, from macros/forms.html)."""
    at = page.index(f'name="{name}"')
    start = page.rindex('<fieldset class="mb-3"', 0, at)
    block = page[start : page.index("</fieldset>", at)]
    return FEEDBACK.findall(block)


def log_form_open(page: str) -> bool:
    """Whether the card's "log a follow-up" <details> is unfolded."""
    tag = re.search(r'<details[^>]*\bid="add-followup"[^>]*>', page)
    assert tag, "no #add-followup"
    return re.search(r"\sopen(\s|>|=)", tag.group(0)) is not None


def textarea_value(page: str, field_id: str) -> str:
    match = re.search(
        rf'<textarea[^>]*\bid="(?:f\d+-)?{field_id}"[^>]*>(.*?)</textarea>', page, re.S
    )
    assert match, f"no textarea #{field_id}"
    return html.unescape(match.group(1)).strip()


def selected(page: str, select_id: str) -> list[str]:
    match = re.search(rf'<select[^>]*\bid="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select #{select_id}"
    return re.findall(r'<option selected value="([^"]*)"', match.group(1))


def checked(page: str, name: str) -> list[str]:
    tags = re.findall(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    return [re.search(r'value="([^"]*)"', t).group(1) for t in tags if " checked" in t]


def form_data(company: Company, on: date, **overrides) -> dict:
    data = {
        "method": "phone",
        "topic": "Discussed the quotation",
        "content": "They want 5% off for 2,000 pcs.",
        "category": "intent",
        "followed_by_id": str(company.owner_membership_id),
        "on_date": on.isoformat(),
        "next_date": "",
        "next_action": "",
        "version": "",
    }
    data.update(overrides)
    return data


def records(app: Flask, company: Company, customer_id: int) -> list[FollowUp]:
    """The customer's records by number, detached with their links loaded."""
    with app.app_context(), tenant_context(company.id):
        rows = list(
            db.session.scalars(
                select(FollowUp).where(FollowUp.customer_id == customer_id).order_by(FollowUp.seq)
            )
        )
        for r in rows:
            r.contact_ids = [c.id for c in r.contacts]
            r.colleague_ids = [m.id for m in r.colleagues]
        db.session.expunge_all()
        return rows


def record_count(app: Flask, company: Company) -> int:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(select(func.count(FollowUp.id)))


def customer_of(app: Flask, company: Company, customer_id: int) -> Customer:
    with app.app_context(), tenant_context(company.id):
        customer = db.session.get(Customer, customer_id)
        db.session.expunge(customer)
        return customer


def add_record(
    app: Flask,
    company: Company,
    customer_id: int,
    topic: str,
    *,
    on_date: date,
    contacts=(),
    colleagues=(),
    **fields,
) -> int:
    """A record through the service, with contacts and colleagues linked."""
    member = fields.pop("author_id", company.owner_membership_id)
    with app.app_context(), tenant_context(company.id):
        record = FollowUp(
            topic=topic,
            on_date=on_date,
            method=fields.pop("method", "phone"),
            followed_by_id=fields.pop("followed_by_id", member),
            author_id=member,
            **fields,
        )
        customer = db.session.get(Customer, customer_id)
        save_followup(customer, record, Links(list(contacts), list(colleagues)))
        db.session.commit()
        return record.id


def logged_in(app: Flask, email: str):
    client = app.test_client()
    login(client, email)
    return client


@pytest.fixture
def base(company_a: Company) -> str:
    return f"/t/{company_a.slug}"


@pytest.fixture
def today(app, company_a) -> date:
    return today_of(app, company_a)


@pytest.fixture
def customer_id(app, company_a) -> int:
    return make_customer(app, company_a, "Hamburg Import GmbH", country="DE", grade="A")


# --- logging a follow-up ----------------------------------------------------------------------


def test_card_offers_the_inline_form_prefilled(app, client_a, company_a, base, customer_id, today):
    primary = make_contact(app, company_a, customer_id, "Jonas Weber", is_primary=True)
    other = make_contact(app, company_a, customer_id, "Anna Schmidt")
    folded = client_a.get(f"{base}/customers/{customer_id}").get_data(as_text=True)
    assert not log_form_open(folded)  # folded, and fetched when unfolded
    page = client_a.get(f"{base}/customers/{customer_id}/followups/new", headers=HX)
    page = page.get_data(as_text=True)
    assert f'hx-post="{base}/customers/{customer_id}/followups"' in page
    assert selected(page, "method") == ["phone"]
    assert selected(page, "followed_by_id") == [str(company_a.owner_membership_id)]
    assert input_value(page, "on_date") == today.isoformat()
    assert checked(page, "contact_ids") == [str(primary)]
    assert str(other) not in checked(page, "contact_ids")
    # ?log=1 (the "log follow-up" button on my day) opens it
    opened = client_a.get(f"{base}/customers/{customer_id}?log=1").get_data(as_text=True)
    assert log_form_open(opened)


def test_add_inline_with_htmx(app, client_a, company_a, base, customer_id, today):
    older = make_followup(
        app, company_a, customer_id, "First contact", on_date=today - timedelta(9)
    )
    contact = make_contact(app, company_a, customer_id, "Jonas Weber", title="Einkaufsleiter")
    data = form_data(
        company_a,
        today,
        category="ready",
        contact_ids=[str(contact)],
        next_date=(today + timedelta(3)).isoformat(),
        next_action="Send the revised PI",
    )
    response = client_a.post(f"{base}/customers/{customer_id}/followups", data=data, headers=HX)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#timeline-panel"
    assert response.headers["HX-Reswap"] == "innerHTML"
    body = response.get_data(as_text=True)

    (first, second) = records(app, company_a, customer_id)
    assert (first.id, first.seq) == (older, 1)
    new = second
    assert (new.seq, new.topic, new.method, new.category) == (
        2,
        "Discussed the quotation",
        "phone",
        "ready",
    )
    assert new.content == "They want 5% off for 2,000 pcs."
    assert (new.on_date, new.next_date, new.next_action) == (
        today,
        today + timedelta(3),
        "Send the revised PI",
    )
    assert new.author_id == new.followed_by_id == company_a.owner_membership_id
    assert new.contact_ids == [contact]

    # the new record on top of the timeline, the older one below
    assert items(body) == [(new.id, 2, "Discussed the quotation"), (older, 1, "First contact")]
    assert "Jonas Weber (Einkaufsleiter)" in item_html(body, new.id)
    # the card header comes out of band, with the category the record set
    oob = '<div id="customer-header" hx-swap-oob="true">'
    assert body.count(oob) == 1
    header = body[body.index(oob) :]  # the last part of the response
    assert 'id="timeline"' not in header
    assert 'id="current-category"' in header
    assert "Hamburg Import GmbH" in header
    customer = customer_of(app, company_a, customer_id)
    assert (customer.category, customer.last_followup_on, customer.next_followup_on) == (
        "ready",
        today,
        today + timedelta(3),
    )
    # a folded form for the next one, fetched fresh when unfolded
    assert not log_form_open(body)
    assert 'id="followup-form"' not in body
    assert f'hx-get="{base}/customers/{customer_id}/followups/new"' in body


def test_add_without_htmx_redirects_to_the_card(app, client_a, company_a, base, customer_id, today):
    url = f"{base}/customers/{customer_id}/followups"
    response = client_a.post(url, data=form_data(company_a, today, topic="Called Jonas"))
    assert response.status_code == 302
    assert response.location == f"{base}/customers/{customer_id}#timeline-panel"
    (record,) = records(app, company_a, customer_id)
    assert (record.seq, record.topic) == (1, "Called Jonas")

    page = client_a.get(response.location).get_data(as_text=True)
    assert 'class="alert alert-success' in page
    assert items(page) == [(record.id, 1, "Called Jonas")]


def test_tomorrow_is_accepted_for_a_colleague_abroad(app, client_a, company_a, base, customer_id):
    tomorrow = today_of(app, company_a) + timedelta(1)
    response = client_a.post(
        f"{base}/customers/{customer_id}/followups", data=form_data(company_a, tomorrow)
    )
    assert response.status_code == 302
    assert [r.on_date for r in records(app, company_a, customer_id)] == [tomorrow]


INVALID = {
    "empty topic": ({"topic": ""}, "topic"),
    "blank topic": ({"topic": "   "}, "topic"),
    "date in the future": ({"on_date": "FUTURE"}, "on_date"),
    "next date before the date": ({"next_date": "YESTERDAY"}, "next_date"),
    "visit ends before it starts": (
        {"method": "visit_direct", "time_from": "11:00", "time_to": "10:30", "place": "Hamburg"},
        "time_to",
    ),
    "unknown method": ({"method": "pigeon"}, "method"),
    "unknown category": ({"category": "vip"}, "category"),
    "no date": ({"on_date": ""}, "on_date"),
}


def _fill(overrides: dict, today: date) -> dict:
    dates = {"FUTURE": today + timedelta(2), "YESTERDAY": today - timedelta(1)}
    return {k: dates[v].isoformat() if v in dates else v for k, v in overrides.items()}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize("case", INVALID, ids=list(INVALID))
def test_invalid_follow_up_is_refused_and_keeps_the_input(
    app, client_a, company_a, base, customer_id, today, case, htmx
):
    overrides, bad_field = INVALID[case]
    data = form_data(
        company_a,
        today,
        content="Typed before the mistake",
        next_action="Keep me",
        **_fill(overrides, today),
    )
    response = client_a.post(
        f"{base}/customers/{customer_id}/followups", data=data, headers=HX if htmx else {}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="followup-form"' in page
    if htmx:
        assert "<html" not in page  # only the form, swapped in place
    else:
        assert log_form_open(page)  # the whole card, with the form unfolded
    assert field_errors(page, bad_field)
    assert textarea_value(page, "content") == "Typed before the mistake"
    assert input_value(page, "next_action") == "Keep me"
    if data["topic"].strip():
        assert input_value(page, "topic") == data["topic"]
    if bad_field in ("on_date", "next_date") and data[bad_field]:
        assert input_value(page, bad_field) == data[bad_field]
    if bad_field == "time_to":
        assert input_value(page, "time_from") == "11:00"
        assert input_value(page, "time_to") == "10:30"
        assert input_value(page, "place") == "Hamburg"
        assert selected(page, "method") == ["visit_direct"]
        assert 'class="visit-details border rounded p-2 mb-3" >' in page  # shown, not hidden
    assert record_count(app, company_a) == 0
    assert customer_of(app, company_a, customer_id).last_followup_on is None


def test_a_visit_stores_its_details_and_the_timeline_shows_them(
    app, client_a, company_a, base, customer_id, today
):
    sales = add_member(app, company_a, "li.lei@alpha.example.com", {"sales"}, "Li Lei")
    jonas = make_contact(app, company_a, customer_id, "Jonas Weber", title="Einkaufsleiter")
    anna = make_contact(app, company_a, customer_id, "Anna Schmidt", title="CEO")
    data = form_data(
        company_a,
        today,
        method="visit_direct",
        topic="Visit in Hamburg",
        time_from="09:30",
        time_to="11:15",
        place="Hamburg, Speicherstadt office",
        purposes=["first_visit", "recommend"],
        colleague_ids=[str(sales)],
        contact_ids=[str(jonas), str(anna)],
        goal="Get the spring order",
        preparation="Samples of model X-200",
        result="Agreed on a trial order",
        questions="Can you ship in March?",
        answers="Yes, 35 days after deposit",
        intelligence="Their supplier in Vietnam is late",
        action_plan="Send PI on Monday",
    )
    response = client_a.post(f"{base}/customers/{customer_id}/followups", data=data, headers=HX)
    assert response.status_code == 200
    (visit,) = records(app, company_a, customer_id)
    assert visit.method == "visit_direct"
    assert (visit.time_from, visit.time_to) == (time(9, 30), time(11, 15))
    assert visit.place == "Hamburg, Speicherstadt office"
    assert visit.purposes == purposes_to_bits(["first_visit", "recommend"])
    assert visit.colleague_ids == [sales]
    assert sorted(visit.contact_ids) == sorted([jonas, anna])
    assert (visit.goal, visit.preparation, visit.result) == (
        "Get the spring order",
        "Samples of model X-200",
        "Agreed on a trial order",
    )
    assert (visit.questions, visit.answers) == (
        "Can you ship in March?",
        "Yes, 35 days after deposit",
    )
    assert visit.intelligence == "Their supplier in Vietnam is late"
    assert visit.action_plan == "Send PI on Monday"

    body = item_html(response.get_data(as_text=True), visit.id)
    assert "border-primary" in body  # visits stand out
    assert "09:30–11:15 Hamburg, Speicherstadt office" in body
    assert "Li Lei" in body
    assert "Jonas Weber (Einkaufsleiter)" in body
    assert "Anna Schmidt (CEO)" in body
    for text in (
        "Get the spring order",
        "Samples of model X-200",
        "Agreed on a trial order",
        "Can you ship in March?",
        "Yes, 35 days after deposit",
        "Their supplier in Vietnam is late",
        "Send PI on Monday",
    ):
        assert html.escape(text) in body

    # the edit form shows it all again
    edit = client_a.get(f"{base}/followups/{visit.id}/edit", headers=HX).get_data(as_text=True)
    assert checked(edit, "purposes") == ["first_visit", "recommend"]
    assert checked(edit, "colleague_ids") == [str(sales)]
    assert sorted(checked(edit, "contact_ids")) == sorted([str(jonas), str(anna)])
    assert input_value(edit, "time_from") == "09:30"
    assert textarea_value(edit, "intelligence") == "Their supplier in Vietnam is late"


def test_a_phone_follow_up_ignores_visit_fields(app, client_a, company_a, base, customer_id, today):
    sales = add_member(app, company_a, "li.lei@alpha.example.com", {"sales"}, "Li Lei")
    jonas = make_contact(app, company_a, customer_id, "Jonas Weber")
    data = form_data(
        company_a,
        today,
        method="phone",
        time_from="09:30",
        time_to="11:15",
        place="Hamburg",
        purposes=["first_visit"],
        colleague_ids=[str(sales)],
        contact_ids=[str(jonas)],
        goal="Stray goal",
        result="Stray result",
        action_plan="Stray plan",
    )
    response = client_a.post(f"{base}/customers/{customer_id}/followups", data=data)
    assert response.status_code == 302
    (call,) = records(app, company_a, customer_id)
    assert call.method == "phone"
    assert (call.time_from, call.time_to, call.place) == (None, None, None)
    assert (call.goal, call.result, call.action_plan) == (None, None, None)
    assert call.purposes == 0
    assert call.colleague_ids == []
    assert call.contact_ids == [jonas]  # contacts belong to every kind of follow-up
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(FollowUpColleague.id))) == 0
    page = client_a.get(f"{base}/customers/{customer_id}").get_data(as_text=True)
    assert "Stray" not in item_html(page, call.id)


def test_editing_a_visit_into_a_call_drops_the_visit_details(
    app, client_a, company_a, base, customer_id, today
):
    sales = add_member(app, company_a, "li.lei@alpha.example.com", {"sales"}, "Li Lei")
    visit = add_record(
        app,
        company_a,
        customer_id,
        "Visit",
        on_date=today,
        method="visit_invited",
        place="Our showroom",
        goal="Show the new line",
        purposes=purposes_to_bits(["recommend"]),
        colleagues=[sales],
    )
    (before,) = records(app, company_a, customer_id)
    data = form_data(
        company_a,
        today,
        method="email",
        topic="Visit, in the end by email",
        version=str(before.version),
    )
    response = client_a.post(f"{base}/followups/{visit}/edit", data=data)
    assert response.status_code == 302
    (after,) = records(app, company_a, customer_id)
    assert (after.method, after.place, after.goal, after.purposes) == ("email", None, None, 0)
    assert after.colleague_ids == []


def test_editing_a_visit_keeps_a_colleague_who_has_left(
    app, client_a, company_a, base, customer_id, today
):
    from webapp.models import Membership

    left = add_member(app, company_a, "left@alpha.example.com", {"sales"}, "Lou Left")
    visit = add_record(
        app,
        company_a,
        customer_id,
        "Visit",
        on_date=today,
        method="visit_direct",
        colleagues=[left],
    )
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Membership, left).active = False
        db.session.commit()
    page = client_a.get(f"{base}/customers/{customer_id}").get_data(as_text=True)
    assert "Lou Left" in item_html(page, visit)  # the timeline still shows who came along

    # fix a typo in the topic, posting back exactly what the edit form offers
    form = client_a.get(f"{base}/followups/{visit}/edit").get_data(as_text=True)
    (before,) = records(app, company_a, customer_id)
    data = form_data(
        company_a,
        today,
        method="visit_direct",
        topic="Visit (typo fixed)",
        colleague_ids=checked(form, "colleague_ids"),
        version=str(before.version),
    )
    assert client_a.post(f"{base}/followups/{visit}/edit", data=data).status_code == 302
    (after,) = records(app, company_a, customer_id)
    assert after.topic == "Visit (typo fixed)"
    assert after.colleague_ids == [left]


# --- timeline filter and history --------------------------------------------------------------


def test_filter_by_method(app, client_a, company_a, base, customer_id, today):
    ids = {}
    for offset, method in enumerate(["phone", "visit_direct", "email", "visit_invited", "phone"]):
        ids[offset] = add_record(
            app,
            company_a,
            customer_id,
            f"{method} {offset}",
            on_date=today - timedelta(9 - offset),
            method=method,
        )
    url = f"{base}/customers/{customer_id}"
    hx_timeline = {**HX, "HX-Target": "timeline"}

    phone = client_a.get(url, query_string={"method": "phone"}, headers=hx_timeline)
    assert phone.status_code == 200
    body = phone.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="timeline">')
    assert "<html" not in body
    assert [topic for _, _, topic in items(body)] == ["phone 4", "phone 0"]
    assert [seq for _, seq, _ in items(body)] == [5, 1]  # the numbers stay the log's numbers

    visits = client_a.get(url, query_string={"method": "visit"}, headers=hx_timeline)
    assert [t for _, _, t in items(visits.get_data(as_text=True))] == [
        "visit_invited 3",
        "visit_direct 1",
    ]

    none = client_a.get(url, query_string={"method": "sms"}, headers=hx_timeline)
    assert items(none.get_data(as_text=True)) == []
    assert 'id="timeline"' in none.get_data(as_text=True)

    # an unknown method shows everything; so does the full page without htmx
    everything = client_a.get(url, query_string={"method": "pigeon"}, headers=hx_timeline)
    assert len(items(everything.get_data(as_text=True))) == 5
    page = client_a.get(url, query_string={"method": "email"}).get_data(as_text=True)
    assert "<html" in page
    assert [t for _, _, t in items(page)] == ["email 2"]


def test_card_shows_how_the_category_moved(app, client_a, company_a, base, customer_id, today):
    url = f"{base}/customers/{customer_id}"
    make_followup(
        app, company_a, customer_id, "one", on_date=today - timedelta(20), category="prospect"
    )
    assert 'id="category-history"' not in client_a.get(url).get_data(as_text=True)
    make_followup(
        app, company_a, customer_id, "two", on_date=today - timedelta(10), category="prospect"
    )
    assert 'id="category-history"' not in client_a.get(url).get_data(as_text=True)

    response = client_a.post(
        f"{url}/followups", data=form_data(company_a, today, category="ready"), headers=HX
    )
    body = response.get_data(as_text=True)
    history = re.search(r'<div class="small mb-2" id="category-history">(.*?)</div>', body, re.S)
    assert history
    assert history.group(1).count("→") == 1  # prospect → ready
    with app.test_request_context():
        from webapp.services.classification import label_of

        labels = [label_of("category", c) for c in ("prospect", "ready")]
    text = html.unescape(history.group(1))
    assert text.index(labels[0]) < text.index(labels[1])
    assert 'id="category-history"' in client_a.get(url).get_data(as_text=True)


# --- edit and delete --------------------------------------------------------------------------

AUTHOR = "author@alpha.example.com"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("author", True),
        ("owner", True),
        ("admin", True),
        ("manager", True),
        ("sales", False),
        ("merchandiser", False),
    ],
)
def test_edit_and_delete_rights(app, company_a, base, customer_id, today, who, allowed, htmx):
    author = add_member(app, company_a, AUTHOR, {"sales"}, "Ann Author")
    set_visibility(app, company_a, "all")  # the owner's customer; visibility tested elsewhere
    first = add_record(app, company_a, customer_id, "first", on_date=today - timedelta(5))
    record = add_record(
        app, company_a, customer_id, "by the author", on_date=today - timedelta(2), author_id=author
    )
    if who == "author":
        email = AUTHOR
    elif who == "owner":
        email = company_a.owner_email
    else:
        email = f"{who}@alpha.example.com"
        add_member(app, company_a, email, {who}, who.title())
    client = logged_in(app, email)
    headers = HX if htmx else {}

    edit_url = f"{base}/followups/{record}/edit"
    get = client.get(edit_url, headers=headers)
    page = client.get(f"{base}/customers/{customer_id}").get_data(as_text=True)
    assert (edit_url in item_html(page, record)) is allowed  # the buttons show only if allowed
    version = records(app, company_a, customer_id)[1].version
    data = form_data(
        company_a,
        today - timedelta(2),
        topic="by the author, corrected",
        followed_by_id=str(author),
        version=str(version),
    )
    post = client.post(edit_url, data=data, headers=headers)
    after_edit = [r.topic for r in records(app, company_a, customer_id)]
    delete = client.post(f"{base}/followups/{record}/delete", headers=headers)
    remaining = records(app, company_a, customer_id)

    if not allowed:
        assert (get.status_code, post.status_code, delete.status_code) == (403, 403, 403)
        assert after_edit == ["first", "by the author"]
        assert [r.id for r in remaining] == [first, record]
        return
    assert get.status_code == 200
    assert f'id="followup-form-{record}"' in get.get_data(as_text=True)
    assert ("<html" in get.get_data(as_text=True)) is not htmx
    assert after_edit == ["first", "by the author, corrected"]
    assert [r.id for r in remaining] == [first]
    if htmx:
        assert (post.status_code, delete.status_code) == (200, 200)
        assert delete.headers["HX-Retarget"] == "#timeline-panel"
        assert items(delete.get_data(as_text=True)) == [(first, 1, "first")]
        assert 'id="customer-header" hx-swap-oob="true"' in delete.get_data(as_text=True)
    else:
        assert (post.status_code, delete.status_code) == (302, 302)
        assert delete.location == f"{base}/customers/{customer_id}#timeline-panel"


def test_edit_moves_the_record_and_renumbers(app, client_a, company_a, base, customer_id, today):
    a = add_record(
        app, company_a, customer_id, "a", on_date=today - timedelta(30), category="prospect"
    )
    b = add_record(
        app, company_a, customer_id, "b", on_date=today - timedelta(20), category="intent"
    )
    version = records(app, company_a, customer_id)[0].version
    data = form_data(
        company_a, today - timedelta(10), topic="a", category="ready", version=str(version)
    )
    response = client_a.post(f"{base}/followups/{a}/edit", data=data, headers=HX)
    assert response.status_code == 200
    assert items(response.get_data(as_text=True)) == [(a, 2, "a"), (b, 1, "b")]
    assert customer_of(app, company_a, customer_id).category == "ready"
    assert customer_of(app, company_a, customer_id).last_followup_on == today - timedelta(10)


def test_delete_renumbers_and_restores_the_category(
    app, client_a, company_a, base, customer_id, today
):
    a = add_record(
        app, company_a, customer_id, "a", on_date=today - timedelta(30), category="prospect"
    )
    b = add_record(
        app,
        company_a,
        customer_id,
        "b",
        on_date=today - timedelta(20),
        category="intent",
        next_date=today - timedelta(2),
    )
    c = add_record(
        app, company_a, customer_id, "c", on_date=today - timedelta(10), category="ready"
    )
    response = client_a.post(f"{base}/followups/{a}/delete", headers=HX)
    assert items(response.get_data(as_text=True)) == [(c, 2, "c"), (b, 1, "b")]
    assert customer_of(app, company_a, customer_id).category == "ready"

    response = client_a.post(f"{base}/followups/{c}/delete", headers=HX)
    body = response.get_data(as_text=True)
    assert items(body) == [(b, 1, "b")]
    customer = customer_of(app, company_a, customer_id)
    assert (customer.category, customer.last_followup_on, customer.next_followup_on) == (
        "intent",
        today - timedelta(20),
        today - timedelta(2),
    )
    header = body[body.index('<div id="customer-header" hx-swap-oob="true">') :]
    assert 'id="current-category"' in header


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_stale_version_on_edit_is_a_conflict(
    app, client_a, company_a, base, customer_id, today, htmx
):
    record = add_record(app, company_a, customer_id, "Original", on_date=today - timedelta(3))
    url = f"{base}/followups/{record}/edit"
    headers = HX if htmx else {}
    form = client_a.get(url, headers=headers).get_data(as_text=True)
    loaded_version = input_value(form, "version")

    # a colleague saves first
    with app.app_context(), tenant_context(company_a.id):
        theirs = db.session.get(FollowUp, record)
        theirs.topic = "Changed by a colleague"
        save_followup(theirs.customer, theirs, Links([], []))
        db.session.commit()
        current = theirs.version
    assert str(current) != loaded_version

    data = form_data(company_a, today - timedelta(3), topic="Mine", version=loaded_version)
    response = client_a.post(url, data=data, headers=headers)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert 'class="alert alert-warning' in page
    assert input_value(page, "topic") == "Mine"  # what I typed is still there
    assert input_value(page, "version") == str(current)  # saving again overwrites, knowingly
    assert [r.topic for r in records(app, company_a, customer_id)] == ["Changed by a colleague"]

    data["version"] = str(current)
    again = client_a.post(url, data=data, headers=headers)
    assert again.status_code == (200 if htmx else 302)
    assert [r.topic for r in records(app, company_a, customer_id)] == ["Mine"]


def test_invalid_edit_is_422_and_changes_nothing(
    app, client_a, company_a, base, customer_id, today
):
    record = add_record(app, company_a, customer_id, "Original", on_date=today - timedelta(3))
    version = records(app, company_a, customer_id)[0].version
    data = form_data(company_a, today + timedelta(5), topic="Moved", version=str(version))
    response = client_a.post(f"{base}/followups/{record}/edit", data=data, headers=HX)
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "on_date")
    (after,) = records(app, company_a, customer_id)
    assert (after.topic, after.on_date) == ("Original", today - timedelta(3))


# --- isolation --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["contact_ids", "colleague_ids"])
def test_links_to_another_companys_people_are_refused(
    app, client_a, company_a, company_b, base, customer_id, today, kind
):
    their_customer = make_customer(app, company_b, "Their customer")
    their_contact = make_contact(app, company_b, their_customer, "Their contact")
    their_member = add_member(app, company_b, "spy@beta.example.com", {"sales"}, "Spy")
    my_contact = make_contact(app, company_a, customer_id, "My contact")
    foreign = their_contact if kind == "contact_ids" else their_member
    data = form_data(
        company_a,
        today,
        method="visit_direct",
        contact_ids=[str(my_contact)] + ([str(foreign)] if kind == "contact_ids" else []),
        colleague_ids=[str(foreign)] if kind == "colleague_ids" else [],
    )
    response = client_a.post(f"{base}/customers/{customer_id}/followups", data=data, headers=HX)
    assert response.status_code == 422
    assert choice_errors(response.get_data(as_text=True), kind)
    assert "Their contact" not in response.get_data(as_text=True)
    assert record_count(app, company_a) == 0
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(FollowUpContact.id))) == 0
        assert db.session.scalar(select(func.count(FollowUpColleague.id))) == 0
    with app.app_context(), tenant_context(company_b.id):
        assert db.session.scalar(select(func.count(FollowUpContact.id))) == 0
        assert db.session.scalar(select(func.count(FollowUpColleague.id))) == 0


def test_contacts_of_another_customer_are_refused(
    app, client_a, company_a, base, customer_id, today
):
    other = make_customer(app, company_a, "Lyon Textiles SARL")
    their_contact = make_contact(app, company_a, other, "Claire Martin")
    data = form_data(company_a, today, contact_ids=[str(their_contact)])
    response = client_a.post(f"{base}/customers/{customer_id}/followups", data=data)
    assert response.status_code == 422
    assert record_count(app, company_a) == 0


def test_another_companys_follow_up_is_not_found(app, client_a, company_b, base):
    their_customer = make_customer(app, company_b, "Their customer")
    theirs = make_followup(app, company_b, their_customer, "Their secret", on_date=date(2026, 1, 5))
    assert client_a.get(f"{base}/followups/{theirs}/edit").status_code == 404
    assert client_a.post(f"{base}/followups/{theirs}/delete").status_code == 404
    assert client_a.post(f"{base}/customers/{their_customer}/followups").status_code == 404
    assert [r.topic for r in records(app, company_b, their_customer)] == ["Their secret"]


# --- numbering under concurrent requests ------------------------------------------------------


def test_concurrent_requests_get_gap_free_numbers(app, company_a, base, customer_id):
    """Two members log follow-ups on one customer at the same moment, each from their own
    browser: every request is its own write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    the customer's row lock), so the numbers stay 1..n without gaps or duplicates."""
    sales = add_member(app, company_a, "li.lei@alpha.example.com", {"sales"}, "Li Lei")
    set_visibility(app, company_a, "all")  # both log on the owner's customer
    members = {"owner": company_a.owner_membership_id, "sales": sales}
    today = today_of(app, company_a)
    clients = {
        "owner": logged_in(app, company_a.owner_email),
        "sales": logged_in(app, "li.lei@alpha.example.com"),
    }
    per_client = 10
    round_start = threading.Barrier(len(clients))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post_many(name: str) -> None:
        client = clients[name]
        try:
            for i in range(per_client):
                round_start.wait(timeout=30)  # both post record i at the same moment
                data = form_data(
                    company_a,
                    today - timedelta(i),
                    topic=f"{name} {i}",
                    category=("intent", "ready")[i % 2],
                    next_date=(today + timedelta(i)).isoformat(),
                )
                data["followed_by_id"] = str(members[name])
                response = client.post(f"{base}/customers/{customer_id}/followups", data=data)
                statuses.append(response.status_code)
        except BaseException as error:  # reported by the test, never lost in the thread
            errors.append(error)
            round_start.abort()  # do not leave the other client waiting

    threads = [threading.Thread(target=post_many, args=(name,)) for name in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert statuses == [302] * (2 * per_client)
    saved = records(app, company_a, customer_id)
    assert [r.seq for r in saved] == list(range(1, 2 * per_client + 1))
    assert len({r.topic for r in saved}) == 2 * per_client
    assert [r.on_date for r in saved] == sorted(r.on_date for r in saved)
    # the inserts really interleaved: in insertion order, round after round
    by_insertion = sorted(saved, key=lambda r: r.id)
    rounds = [{r.topic for r in by_insertion[i : i + 2]} for i in range(0, 2 * per_client, 2)]
    assert rounds == [{f"owner {i}", f"sales {i}"} for i in range(per_client)]


# --- query count ------------------------------------------------------------------------------


def _fill_timeline(app, company, customer_id, n: int, today: date, colleague: int) -> None:
    contacts = [
        make_contact(app, company, customer_id, f"Contact {i}", title="Buyer") for i in range(2)
    ]
    for i in range(n):
        visit = i % 2 == 0
        add_record(
            app,
            company,
            customer_id,
            f"Record {i}",
            on_date=today - timedelta(n - i),
            method="visit_direct" if visit else "email",
            category=("prospect", "intent", "ready")[i % 3],
            next_date=today + timedelta(1),
            followed_by_id=colleague if i % 3 == 0 else company.owner_membership_id,
            purposes=purposes_to_bits(["learn"]) if visit else 0,
            place="Their office" if visit else None,
            contacts=contacts[: 1 + i % 2],
            colleagues=[colleague] if visit else [],
        )


def test_timeline_queries_do_not_grow_with_records(app, client_a, company_a, base, today):
    colleague = add_member(app, company_a, "li.lei@alpha.example.com", {"sales"}, "Li Lei")
    few_id = make_customer(app, company_a, "Few GmbH", country="DE")
    many_id = make_customer(app, company_a, "Many GmbH", country="DE")
    _fill_timeline(app, company_a, few_id, 3, today, colleague)
    _fill_timeline(app, company_a, many_id, 30, today, colleague)
    client_a.get(f"{base}/customers/{few_id}")  # warm up (login, caches)

    with count_queries(app) as few:
        page = client_a.get(f"{base}/customers/{few_id}").get_data(as_text=True)
    assert len(items(page)) == 3
    with count_queries(app) as many:
        page = client_a.get(f"{base}/customers/{many_id}?all=1").get_data(as_text=True)
    assert len(items(page)) == 30  # the whole log (the card alone shows the newest 20)
    assert "Li Lei" in page and "Contact 1 (Buyer)" in page
    assert len(many) == len(few), many

    hx_timeline = {**HX, "HX-Target": "timeline"}
    with count_queries(app) as few:
        client_a.get(f"{base}/customers/{few_id}?method=visit", headers=hx_timeline)
    with count_queries(app) as many:
        client_a.get(f"{base}/customers/{many_id}?method=visit", headers=hx_timeline)
    assert len(many) == len(few), many
