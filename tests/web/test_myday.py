""" "My day", the member's home page: due and overdue follow-ups, customers going stale (rules
set by the company's admin), birthdays and holidays, whose day is shown, and its query count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from tests.conftest import count_queries, login
from tests.factories import Company, add_member, make_contact, make_customer, make_followup
from tests.html import field_errors, stamp_of
from webapp.extensions import db
from webapp.models import Customer, Tenant
from webapp.services import myday
from webapp.services.followups import company_today
from webapp.tenancy.context import tenant_context

SALES = "li.lei@alpha.example.com"
HTMX = {"HX-Request": "true"}
MANAGER = "manager@alpha.example.com"


@pytest.fixture
def home(company_a: Company) -> str:
    return f"/t/{company_a.slug}/"


@pytest.fixture
def today(app, company_a) -> date:
    with app.app_context(), tenant_context(company_a.id):
        return company_today(db.session.get(Tenant, company_a.id))


@pytest.fixture
def sales(app, company_a) -> int:
    return add_member(app, company_a, SALES, {"sales"}, "Li Lei")


def logged_in(app: Flask, email: str):
    client = app.test_client()
    login(client, email)
    return client


def customer(app: Flask, company: Company, name: str, owner: int | None = None, **fields) -> int:
    customer_id = make_customer(app, company, name, **fields)
    if owner is not None:
        with app.app_context(), tenant_context(company.id):
            db.session.get(Customer, customer_id).owner_id = owner
            db.session.commit()
    return customer_id


def due_on(app, company, customer_id: int, next_date: date, today: date) -> None:
    make_followup(
        app, company, customer_id, "call", on_date=today - timedelta(20), next_date=next_date
    )


SECTIONS = {
    "due": ('id="due"', 'id="stale"'),
    "stale": ('id="stale"', '<div class="col-lg-6">'),
    "birthdays": ('id="birthdays"', 'id="holidays"'),
    "holidays": ('id="holidays"', "</main>"),
}


def section(page: str, name: str) -> str:
    start_marker, end_marker = SECTIONS[name]
    start = page.index(start_marker)
    end = page.find(end_marker, start + 1)
    return page[start : end if end > 0 else len(page)]


def listed(page: str, name: str) -> list[int]:
    """Customer ids linked (by name) in one section of the page, in order."""
    return [int(i) for i in re.findall(r'/customers/(\d+)">', section(page, name))]


def day_page(client, home: str, **params) -> str:
    response = client.get(home, query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- due and overdue --------------------------------------------------------------------------


def test_due_today_and_overdue(app, client_a, company_a, home, today):
    due_today = customer(app, company_a, "Due today")
    overdue = customer(app, company_a, "Overdue")
    tomorrow = customer(app, company_a, "Due tomorrow")
    superseded = customer(app, company_a, "Done since")
    never = customer(app, company_a, "Never followed up")
    due_on(app, company_a, due_today, today, today)
    due_on(app, company_a, overdue, today - timedelta(3), today)
    due_on(app, company_a, tomorrow, today + timedelta(1), today)
    due_on(app, company_a, superseded, today - timedelta(5), today)
    make_followup(app, company_a, superseded, "done, nothing planned", on_date=today)

    page = day_page(client_a, home)
    assert listed(page, "due") == [overdue, due_today]  # most overdue first
    due = section(page, "due")
    assert 'class="small text-danger"' in due  # the overdue one stands out
    # one click to log the follow-up: the card with the form open
    assert f'href="{home}customers/{overdue}?log=1#add-followup"' in due
    assert never not in listed(page, "due")

    opened = client_a.get(f"{home}customers/{overdue}?log=1").get_data(as_text=True)
    tag = re.search(r'<details[^>]*\bid="add-followup"[^>]*>', opened).group(0)
    assert re.search(r"\sopen(\s|>|=)", tag)


def test_logging_the_follow_up_clears_it_from_due(app, client_a, company_a, home, today):
    cid = customer(app, company_a, "Due today")
    due_on(app, company_a, cid, today, today)
    assert listed(day_page(client_a, home), "due") == [cid]
    response = client_a.post(
        f"{home}customers/{cid}/followups",
        data={
            "method": "phone",
            "topic": "Called as planned",
            "followed_by_id": str(company_a.owner_membership_id),
            "on_date": today.isoformat(),
            "next_date": (today + timedelta(7)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert listed(day_page(client_a, home), "due") == []


def test_archived_customers_are_not_due(app, client_a, company_a, home, today):
    cid = customer(app, company_a, "Archived", archived_at=datetime(2026, 1, 1, tzinfo=UTC))
    live = customer(app, company_a, "Live")
    due_on(app, company_a, cid, today, today)
    due_on(app, company_a, live, today, today)
    assert listed(day_page(client_a, home), "due") == [live]


# --- going stale ------------------------------------------------------------------------------


def test_stale_customers_per_grade(app, client_a, company_a, home, today):
    stale_b = customer(app, company_a, "B, 15 days", grade="B")
    fresh_b = customer(app, company_a, "B, 13 days", grade="B")
    stale_a = customer(app, company_a, "A, 8 days", grade="A")
    fresh_c = customer(app, company_a, "C, 29 days", grade="C")
    ungraded = customer(app, company_a, "Ungraded, 200 days")
    for cid, days in ((stale_b, 15), (fresh_b, 13), (stale_a, 8), (fresh_c, 29), (ungraded, 200)):
        make_followup(app, company_a, cid, "call", on_date=today - timedelta(days))
    never_old = customer(app, company_a, "Never, created 100 days ago", grade="D")
    never_new = customer(app, company_a, "Never, created today", grade="A")
    with app.app_context(), tenant_context(company_a.id):
        created = datetime.now(UTC) - timedelta(days=100)
        db.session.get(Customer, never_old).created_at = created
        db.session.commit()

    page = day_page(client_a, home)
    stale = listed(page, "stale")
    assert stale[0] == never_old  # never followed up comes first
    assert sorted(stale) == sorted([never_old, stale_b, stale_a])
    assert never_new not in stale
    assert stale.index(stale_b) < stale.index(stale_a)  # longest without a follow-up first
    assert "7" in section(page, "stale") and "90" in section(page, "stale")  # the rules shown


# --- the stale rules in settings --------------------------------------------------------------


def rules_of(app: Flask, company: Company) -> dict[str, int]:
    with app.app_context(), tenant_context(company.id):
        return db.session.get(Tenant, company.id).stale_days()


def rules_form(a=7, b=14, c=30, d=90) -> dict:
    return {"stale_days_a": a, "stale_days_b": b, "stale_days_c": c, "stale_days_d": d}


def test_settings_show_the_defaults(client_a, home):
    response = client_a.get(f"{home}settings/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name, value in rules_form().items():
        assert re.search(rf'<input[^>]*id="{name}"[^>]*value="{value}"', page), name


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_admin_changes_the_stale_rules_and_they_apply(app, company_a, home, today, role):
    b_customer = customer(app, company_a, "B, 15 days", grade="B")
    make_followup(app, company_a, b_customer, "call", on_date=today - timedelta(15))
    if role == "owner":
        client = logged_in(app, company_a.owner_email)
    else:
        add_member(app, company_a, "admin@alpha.example.com", {"admin"}, "Ada Admin")
        client = logged_in(app, "admin@alpha.example.com")
    assert listed(day_page(client, home, member="all"), "stale") == [b_customer]

    response = client.post(
        f"{home}settings/",
        data={**rules_form(a=3, b=20, c=45, d=120), **stamp_of(client, f"{home}settings/")},
    )
    assert response.status_code == 302
    assert response.location == f"{home}settings/"
    assert rules_of(app, company_a) == {"A": 3, "B": 20, "C": 45, "D": 120}
    assert listed(day_page(client, home, member="all"), "stale") == []

    client.post(
        f"{home}settings/", data={**rules_form(b=10), **stamp_of(client, f"{home}settings/")}
    )
    assert listed(day_page(client, home, member="all"), "stale") == [b_customer]


@pytest.mark.parametrize("role", ["sales", "manager", "finance"])
def test_others_may_not_change_the_rules(app, company_a, home, role):
    email = f"{role}@alpha.example.com"
    add_member(app, company_a, email, {role}, role.title())
    client = logged_in(app, email)
    assert client.get(f"{home}settings/").status_code == 403
    assert client.post(f"{home}settings/", data=rules_form(b=99)).status_code == 403
    assert rules_of(app, company_a)["B"] == 14


@pytest.mark.parametrize(
    "bad", [{"b": 0}, {"b": 400}, {"a": -1}, {"c": ""}, {"d": "ninety"}, {"a": 366}]
)
def test_invalid_rules_are_refused(app, client_a, company_a, home, bad):
    response = client_a.post(f"{home}settings/", data=rules_form(**bad))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    (field,) = [f"stale_days_{k}" for k in bad]
    assert field_errors(page, field)
    assert [f for f in ("a", "b", "c", "d") if field_errors(page, f"stale_days_{f}")] == list(bad)
    assert rules_of(app, company_a) == {"A": 7, "B": 14, "C": 30, "D": 90}


def test_the_bounds_are_allowed(app, client_a, company_a, home):
    response = client_a.post(
        f"{home}settings/",
        data={**rules_form(a=1, d=365), **stamp_of(client_a, f"{home}settings/")},
    )
    assert response.status_code == 302
    assert rules_of(app, company_a) == {"A": 1, "B": 14, "C": 30, "D": 365}


# --- birthdays and holidays -------------------------------------------------------------------


def test_birthdays_in_the_next_14_days(app, client_a, company_a, home, today):
    cid = customer(app, company_a, "Hamburg Import GmbH", country="DE")
    # year 2000 is a leap year: any day of the year exists in it
    soon = (today + timedelta(3)).replace(year=2000)
    later = (today + timedelta(20)).replace(year=2000)
    make_contact(app, company_a, cid, "Jonas Weber", birthday=soon)
    make_contact(app, company_a, cid, "Anna Schmidt", birthday=later)
    page = day_page(client_a, home)
    birthdays = section(page, "birthdays")
    assert "Jonas Weber" in birthdays
    assert "Anna Schmidt" not in birthdays
    assert listed(page, "birthdays") == [cid]


def test_holidays_in_my_customers_countries(app, client_a, company_a, home, today, sales):
    for country in ("CN", "US", "DE", "JP", "BR", "IN", "FR", "GB"):
        customer(app, company_a, f"Customer in {country}", country=country)
    customer(app, company_a, "Their customer in Israel", owner=sales, country="IL")
    with app.app_context(), tenant_context(company_a.id):
        expected = myday.holidays_ahead([company_a.owner_membership_id], today, "zh")
    holidays = section(day_page(client_a, home), "holidays")
    assert holidays.count('<li class="list-group-item">') == len(expected)
    for h in expected:
        assert h.name in holidays
        assert f"country={h.country}" in holidays
    assert "country=IL" not in holidays  # their customer's country is not in my day


# --- whose day --------------------------------------------------------------------------------


@pytest.fixture
def two_days(app, company_a, today, sales) -> dict[str, int]:
    """A due customer of the owner and one of a salesperson, each with a birthday coming."""
    mine = customer(app, company_a, "Owner's customer")
    theirs = customer(app, company_a, "Salesperson's customer", owner=sales)
    for cid in (mine, theirs):
        due_on(app, company_a, cid, today, today)
        make_contact(
            app,
            company_a,
            cid,
            f"Contact of {cid}",
            birthday=(today + timedelta(2)).replace(year=2000),
        )
    return {"mine": mine, "theirs": theirs}


def test_only_my_customers_by_default(client_a, home, two_days):
    page = day_page(client_a, home)
    assert listed(page, "due") == [two_days["mine"]]
    assert listed(page, "birthdays") == [two_days["mine"]]


def test_a_manager_switches_to_a_colleague_or_the_team(app, company_a, home, two_days, sales):
    add_member(app, company_a, MANAGER, {"manager"}, "Mia Manager")
    client = logged_in(app, MANAGER)
    page = day_page(client, home)
    assert listed(page, "due") == []  # the manager owns no customer
    assert 'id="member-switch"' in page
    assert f'<option value="{sales}" >' in page

    colleague = day_page(client, home, member=str(sales))
    assert listed(colleague, "due") == [two_days["theirs"]]
    assert listed(colleague, "birthdays") == [two_days["theirs"]]
    assert f'<option value="{sales}" selected>' in colleague
    assert "Li Lei" in section(colleague, "due")  # whose customer it is

    team = day_page(client, home, member="all")
    assert sorted(listed(team, "due")) == sorted(two_days.values())
    assert sorted(listed(team, "birthdays")) == sorted(two_days.values())
    assert '<option value="all" selected>' in team

    owner = day_page(logged_in(app, company_a.owner_email), home, member=str(sales))
    assert listed(owner, "due") == [two_days["theirs"]]  # the owner may switch as well


@pytest.mark.parametrize("member", ["all", "OWNER", "garbage", "-1"])
def test_a_salesperson_always_sees_their_own(app, company_a, home, two_days, member):
    client = logged_in(app, SALES)
    wanted = str(company_a.owner_membership_id) if member == "OWNER" else member
    page = day_page(client, home, member=wanted)
    assert listed(page, "due") == [two_days["theirs"]]
    assert listed(page, "birthdays") == [two_days["theirs"]]
    assert 'id="member-switch"' not in page


def test_a_salespersons_day_does_not_ask_for_the_team(app, company_a, home, two_days):
    """The member switcher's list is read only for those who may switch."""
    client = logged_in(app, SALES)
    with count_queries(app) as statements:
        day_page(client, home)
    assert statements and not [s for s in statements if "ORDER BY user_account.name" in s]


def test_a_manager_cannot_view_another_companys_member(app, company_a, company_b, home):
    add_member(app, company_a, MANAGER, {"manager"}, "Mia Manager")
    theirs = add_member(app, company_b, "sales@beta.example.com", {"sales"}, "Beta Sales")
    client = logged_in(app, MANAGER)
    assert client.get(home, query_string={"member": str(theirs)}).status_code == 404
    assert client.get(home, query_string={"member": "999999"}).status_code == 404
    owner = logged_in(app, company_a.owner_email)
    assert (
        owner.get(home, query_string={"member": str(company_b.owner_membership_id)}).status_code
        == 404
    )


# --- query count ------------------------------------------------------------------------------


COUNTRIES = ("CN", "US", "DE", "JP", "FR")


def _fill_day(app, company, n: int, today: date, sales: int, tag: str) -> None:
    for i in range(n):
        cid = customer(
            app,
            company,
            f"{tag} customer {i}",
            owner=sales if i % 2 else None,
            grade="ABCD"[i % 4],
            country=COUNTRIES[i % len(COUNTRIES)],
        )
        # due, and long enough ago to be stale for every grade
        make_followup(
            app,
            company,
            cid,
            "call",
            on_date=today - timedelta(100),
            next_date=today - timedelta(i % 3),
        )
        make_contact(
            app,
            company,
            cid,
            f"{tag} contact {i}",
            birthday=(today + timedelta(i % 10)).replace(year=2000),
        )


def _archive(app, company, tag: str) -> None:
    with app.app_context(), tenant_context(company.id):
        for c in db.session.scalars(db.select(Customer).where(Customer.name.like(f"{tag} %"))):
            c.archived_at = datetime.now(UTC)
        db.session.commit()


def test_my_day_queries_do_not_grow_with_customers(app, client_a, company_a, home, today, sales):
    _fill_day(app, company_a, 3, today, sales, "few")
    day_page(client_a, home)  # warm up
    counts = {}
    pages = {}
    for label in ("few", "many"):
        if label == "many":
            _archive(app, company_a, "few")
            _fill_day(app, company_a, 30, today, sales, "many")
        for params in ({}, {"member": "all"}, {"member": str(sales)}):
            with count_queries(app) as statements:
                pages[label, str(params)] = day_page(client_a, home, **params)
            counts[label, str(params)] = len(statements)

    team_many = pages["many", str({"member": "all"})]
    for name in ("due", "stale", "birthdays"):
        assert len(listed(team_many, name)) == myday.FIRST, name
        assert f'id="{name}-more"' in section(team_many, name)
    assert '<span class="badge text-bg-secondary">30</span>' in section(team_many, "due")
    assert "Li Lei" in section(team_many, "due")
    # the birthdays read the window's first days, and the whole window only when those do not
    # fill the page: one statement more with few birthdays, never more with many
    for params in ({}, {"member": "all"}, {"member": str(sales)}):
        few, many = counts["few", str(params)], counts["many", str(params)]
        assert few - 1 <= many <= few, params
    # "show more" to the end: every one of the 30, none twice, in as many statements each time
    for name in ("due", "stale", "birthdays"):
        shown, chunk, per_request = listed(team_many, name), section(team_many, name), set()
        while match := re.search(r'hx-get="([^"]+)"', chunk[chunk.find(f'id="{name}-more"') :]):
            with count_queries(app) as statements:
                response = client_a.get(match.group(1).replace("&amp;", "&"), headers=HTMX)
            assert response.status_code == 200
            per_request.add(len(statements))
            chunk = response.get_data(as_text=True)
            assert "<html" not in chunk
            shown += [int(i) for i in re.findall(r'/customers/(\d+)">', chunk)]
        assert len(shown) == 30 and len(set(shown)) == 30
        # as many each time (birthdays: one more when the first days do not fill a chunk)
        assert max(per_request) - min(per_request) <= (1 if name == "birthdays" else 0), name


def test_show_more_without_script_is_a_page_of_its_own(app, client_a, company_a, home, today):
    for i in range(myday.FIRST + 3):
        due_on(app, company_a, customer(app, company_a, f"Due {i:02d}"), today, today)
    client_a.post("/lang", data={"lang": "en"})
    first = day_page(client_a, home)
    link = (
        re.search(r'id="due-more">\s*<a [^>]*href="([^"]+)"', first).group(1).replace("&amp;", "&")
    )
    page = client_a.get(link).get_data(as_text=True)
    assert "<html" in page and "Back to my day" in page and 'id="due-list"' in page
    assert len(re.findall(r'/customers/(\d+)">Due', page)) == 3  # the rest, after the first
    assert 'id="due-more"' not in page  # nothing after those
    assert client_a.get(f"{home}my-day/nonsense").status_code == 404
    # a cursor past the end, or not a cursor at all: an empty page, or the start again
    past = client_a.get(f"{home}my-day/due", query_string={"after": "2999-01-01_1"})
    assert "Nothing more to show." in past.get_data(as_text=True)
    junk = client_a.get(f"{home}my-day/stale", query_string={"after": "'; drop"})
    assert junk.status_code == 200


def test_show_more_is_a_salespersons_own_whatever_is_asked(app, company_a, home, today, sales):
    theirs = customer(app, company_a, "Owners Due")  # the owner's, not Li Lei's
    due_on(app, company_a, theirs, today, today)
    for i in range(3):
        due_on(app, company_a, customer(app, company_a, f"Lei Due {i}", owner=sales), today, today)
    client = logged_in(app, SALES)
    for member in ("all", str(company_a.owner_membership_id), ""):
        page = client.get(f"{home}my-day/due", query_string={"member": member}).get_data(
            as_text=True
        )
        assert "Lei Due 0" in page and "Owners Due" not in page, member
