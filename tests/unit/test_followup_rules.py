"""The follow-up log's rules called directly: numbering (序号) in date order, what the newest
record changes on the customer, the company's "today", and the lists behind "my day"."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from tests.conftest import TEST_DATABASE_URL, count_queries
from tests.factories import Company, add_member, make_contact, make_customer, make_followup
from webapp.extensions import db
from webapp.models import Contact, Customer, FollowUp, Tenant
from webapp.services import myday
from webapp.services.followups import (
    Links,
    category_history,
    company_today,
    company_zone,
    delete_followup,
    save_followup,
)
from webapp.tenancy.context import tenant_context

DAY = date(2026, 11, 28)  # a Saturday; any fixed date works


def d(offset: int) -> date:
    return DAY + timedelta(days=offset)


@pytest.fixture
def company(company_a: Company) -> Company:
    return company_a


@pytest.fixture
def customer_id(app: Flask, company: Company) -> int:
    return make_customer(app, company, "Hamburg Import GmbH", country="DE", grade="B")


def numbers(app: Flask, company: Company, customer_id: int) -> list[tuple[int, str]]:
    """(seq, topic) of the customer's records, by number."""
    with app.app_context(), tenant_context(company.id):
        rows = db.session.execute(
            select(FollowUp.seq, FollowUp.topic)
            .where(FollowUp.customer_id == customer_id)
            .order_by(FollowUp.seq)
        )
        return [(seq, topic) for seq, topic in rows]


def customer_row(app: Flask, company: Company, customer_id: int) -> dict:
    with app.app_context(), tenant_context(company.id):
        c = db.session.get(Customer, customer_id)
        return {
            "category": c.category,
            "last": c.last_followup_on,
            "next": c.next_followup_on,
        }


def change_record(app: Flask, company: Company, record_id: int, **fields) -> None:
    with app.app_context(), tenant_context(company.id):
        record = db.session.get(FollowUp, record_id)
        for name, value in fields.items():
            setattr(record, name, value)
        save_followup(record.customer, record, Links(contact_ids=[], colleague_ids=[]))
        db.session.commit()


def remove_record(app: Flask, company: Company, record_id: int) -> None:
    with app.app_context(), tenant_context(company.id):
        delete_followup(db.session.get(FollowUp, record_id))
        db.session.commit()


# --- numbering ------------------------------------------------------------------------------


def test_numbers_are_one_to_n_in_date_order(app, company, customer_id):
    make_followup(app, company, customer_id, "third", on_date=d(-1))
    make_followup(app, company, customer_id, "first", on_date=d(-20))
    make_followup(app, company, customer_id, "second", on_date=d(-10))
    assert numbers(app, company, customer_id) == [(1, "first"), (2, "second"), (3, "third")]


def test_a_record_for_a_past_date_renumbers_the_later_ones(app, company, customer_id):
    make_followup(app, company, customer_id, "day 1", on_date=d(-30))
    make_followup(app, company, customer_id, "day 10", on_date=d(-20))
    make_followup(app, company, customer_id, "day 20", on_date=d(-10))
    late_entry = make_followup(app, company, customer_id, "day 5", on_date=d(-25))
    assert numbers(app, company, customer_id) == [
        (1, "day 1"),
        (2, "day 5"),
        (3, "day 10"),
        (4, "day 20"),
    ]
    with app.app_context(), tenant_context(company.id):
        assert db.session.get(FollowUp, late_entry).seq == 2


def test_deleting_renumbers_without_gaps(app, company, customer_id):
    ids = [
        make_followup(app, company, customer_id, f"r{i}", on_date=d(i - 10)) for i in range(1, 5)
    ]
    remove_record(app, company, ids[1])
    assert numbers(app, company, customer_id) == [(1, "r1"), (2, "r3"), (3, "r4")]
    remove_record(app, company, ids[0])
    assert numbers(app, company, customer_id) == [(1, "r3"), (2, "r4")]
    remove_record(app, company, ids[3])
    assert numbers(app, company, customer_id) == [(1, "r3")]


def test_editing_the_date_moves_the_record(app, company, customer_id):
    a = make_followup(app, company, customer_id, "a", on_date=d(-30))
    make_followup(app, company, customer_id, "b", on_date=d(-20))
    make_followup(app, company, customer_id, "c", on_date=d(-10))

    change_record(app, company, a, on_date=d(-5))  # oldest becomes newest
    assert numbers(app, company, customer_id) == [(1, "b"), (2, "c"), (3, "a")]

    change_record(app, company, a, on_date=d(-15))  # and back into the middle
    assert numbers(app, company, customer_id) == [(1, "b"), (2, "a"), (3, "c")]


def test_two_customers_are_numbered_independently(app, company, customer_id):
    other = make_customer(app, company, "Lyon Textiles SARL", country="FR")
    make_followup(app, company, customer_id, "hamburg 1", on_date=d(-9))
    make_followup(app, company, other, "lyon 1", on_date=d(-8))
    make_followup(app, company, customer_id, "hamburg 2", on_date=d(-7))
    make_followup(app, company, other, "lyon 0", on_date=d(-20))
    assert numbers(app, company, customer_id) == [(1, "hamburg 1"), (2, "hamburg 2")]
    assert numbers(app, company, other) == [(1, "lyon 0"), (2, "lyon 1")]


def test_two_companies_are_numbered_independently(app, company, customer_id, company_b):
    theirs = make_customer(app, company_b, "Hamburg Import GmbH")
    make_followup(app, company, customer_id, "ours", on_date=d(-2))
    make_followup(app, company_b, theirs, "theirs", on_date=d(-1))
    assert numbers(app, company, customer_id) == [(1, "ours")]
    assert numbers(app, company_b, theirs) == [(1, "theirs")]


def test_same_date_records_keep_insertion_order(app, company, customer_id):
    for topic in ("morning call", "noon email", "evening chat"):
        make_followup(app, company, customer_id, topic, on_date=d(-3))
    make_followup(app, company, customer_id, "earlier", on_date=d(-4))
    make_followup(app, company, customer_id, "later", on_date=d(-2))
    assert numbers(app, company, customer_id) == [
        (1, "earlier"),
        (2, "morning call"),
        (3, "noon email"),
        (4, "evening chat"),
        (5, "later"),
    ]


def test_editing_other_fields_keeps_the_numbers(app, company, customer_id):
    first = make_followup(app, company, customer_id, "first", on_date=d(-3))
    make_followup(app, company, customer_id, "second", on_date=d(-3))
    change_record(app, company, first, topic="first, corrected", content="more detail")
    assert numbers(app, company, customer_id) == [(1, "first, corrected"), (2, "second")]


# --- numbering under concurrency ------------------------------------------------------------


needs_postgresql = pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="row locks need PostgreSQL (TEST_DATABASE_URL); on SQLite writers are serialized "
    "per request (BEGIN IMMEDIATE), which tests/web/test_followups.py drives with concurrent "
    "requests",
)


def race(app: Flask, company: Company, customer_id: int, per_thread: int, retry: bool) -> list:
    """Two members add `per_thread` records each to one customer at the same moment, the way
    the add route does (load the customer, save through the service, commit). Returns the
    errors the threads ran into."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str, member_id: int) -> None:
        try:
            with app.app_context(), tenant_context(company.id):
                start.wait(timeout=10)
                for i in range(per_thread):
                    for _attempt in range(50 if retry else 1):
                        customer = db.session.get(Customer, customer_id)
                        record = FollowUp(
                            method="phone",
                            topic=f"{name} {i}",
                            category=("intent", "ready")[i % 2],
                            followed_by_id=member_id,
                            author_id=member_id,
                            on_date=d(-i),
                            next_date=d(i),
                        )
                        try:
                            save_followup(customer, record, Links(contact_ids=[], colleague_ids=[]))
                            db.session.commit()
                            break
                        except StaleDataError:
                            db.session.rollback()
                            if not retry:
                                raise
                    else:
                        raise AssertionError(f"{name} {i} never saved")
                db.session.remove()
        except BaseException as error:  # reported by the test, never lost in the thread
            errors.append(error)

    sales = add_member(app, company, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    threads = [
        threading.Thread(target=writer, args=("owner", company.owner_membership_id)),
        threading.Thread(target=writer, args=("sales", sales)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return errors


def assert_gap_free_in_date_order(app, company, customer_id, total: int) -> None:
    rows = numbers(app, company, customer_id)
    assert [seq for seq, _ in rows] == list(range(1, total + 1))
    assert len({topic for _, topic in rows}) == total
    with app.app_context(), tenant_context(company.id):
        dates = list(
            db.session.scalars(
                select(FollowUp.on_date)
                .where(FollowUp.customer_id == customer_id)
                .order_by(FollowUp.seq)
            )
        )
    assert dates == sorted(dates)


@needs_postgresql
def test_concurrent_writers_on_postgresql(app, company, customer_id):
    errors = race(app, company, customer_id, per_thread=10, retry=False)
    assert errors == []
    assert_gap_free_in_date_order(app, company, customer_id, 20)


@needs_postgresql
def test_concurrent_writers_on_postgresql_get_gap_free_numbers(app, company, customer_id):
    """The numbering itself holds under the race (a writer hit by the bug above retries)."""
    errors = race(app, company, customer_id, per_thread=10, retry=True)
    assert errors == []
    assert_gap_free_in_date_order(app, company, customer_id, 20)


@needs_postgresql
def test_a_writer_waiting_for_the_lock_sees_the_customer_as_committed(app, company, customer_id):
    """The race above, made deterministic: the customer is loaded, another writer commits a
    record, then this writer saves."""
    with app.app_context(), tenant_context(company.id):
        customer = db.session.get(Customer, customer_id)  # what the route loads first
        assert customer.last_followup_on is None
        make_followup(app, company, customer_id, "the colleague's", on_date=d(-1))  # commits
        record = FollowUp(
            method="phone",
            topic="mine",
            followed_by_id=company.owner_membership_id,
            author_id=company.owner_membership_id,
            on_date=d(0),
        )
        save_followup(customer, record, Links(contact_ids=[], colleague_ids=[]))
        db.session.commit()
    assert numbers(app, company, customer_id) == [(1, "the colleague's"), (2, "mine")]
    assert customer_row(app, company, customer_id)["last"] == d(0)


# --- what the newest record changes on the customer ------------------------------------------


def test_newest_records_category_becomes_the_customers(app, company, customer_id):
    make_followup(app, company, customer_id, "first", on_date=d(-10), category="prospect")
    assert customer_row(app, company, customer_id)["category"] == "prospect"
    make_followup(app, company, customer_id, "second", on_date=d(-5), category="intent")
    assert customer_row(app, company, customer_id)["category"] == "intent"
    # a record for an older date does not override the newest one's category
    make_followup(app, company, customer_id, "late entry", on_date=d(-20), category="ready")
    assert customer_row(app, company, customer_id)["category"] == "intent"


def test_deleting_the_newest_restores_the_previous_category(app, company, customer_id):
    make_followup(app, company, customer_id, "first", on_date=d(-10), category="quality_prospect")
    newest = make_followup(app, company, customer_id, "second", on_date=d(-5), category="ready")
    assert customer_row(app, company, customer_id)["category"] == "ready"
    remove_record(app, company, newest)
    assert customer_row(app, company, customer_id)["category"] == "quality_prospect"


def test_deleting_the_newest_restores_the_category_in_force_before_it(app, company, customer_id):
    make_followup(app, company, customer_id, "first", on_date=d(-10), category="prospect")
    make_followup(app, company, customer_id, "no category said", on_date=d(-7))
    newest = make_followup(app, company, customer_id, "mistake", on_date=d(-5), category="ready")
    remove_record(app, company, newest)
    with app.app_context(), tenant_context(company.id):
        history = category_history(customer_id)
    assert history == [(d(-10), "prospect")]  # what the card shows as the category's history
    assert customer_row(app, company, customer_id)["category"] == "prospect"  # app: "ready"


def test_a_record_without_category_keeps_the_customers(app, company):
    customer_id = make_customer(app, company, "Osaka Trading KK", category="intent")
    make_followup(app, company, customer_id, "no category said", on_date=d(-1))
    assert customer_row(app, company, customer_id)["category"] == "intent"
    make_followup(app, company, customer_id, "now ready", on_date=d(0), category="ready")
    make_followup(app, company, customer_id, "chat", on_date=d(0))
    assert customer_row(app, company, customer_id)["category"] == "ready"


def test_last_and_next_follow_up_dates_follow_the_newest_record(app, company, customer_id):
    assert customer_row(app, company, customer_id) == {"category": None, "last": None, "next": None}
    older = make_followup(app, company, customer_id, "older", on_date=d(-10), next_date=d(-3))
    assert customer_row(app, company, customer_id)["last"] == d(-10)
    assert customer_row(app, company, customer_id)["next"] == d(-3)

    newest = make_followup(app, company, customer_id, "newest", on_date=d(-2), next_date=d(5))
    row = customer_row(app, company, customer_id)
    assert (row["last"], row["next"]) == (d(-2), d(5))

    # a past-dated entry changes neither
    make_followup(app, company, customer_id, "past", on_date=d(-30), next_date=d(30))
    row = customer_row(app, company, customer_id)
    assert (row["last"], row["next"]) == (d(-2), d(5))

    # the newest record without an appointment clears it: older appointments are superseded
    change_record(app, company, newest, next_date=None)
    assert customer_row(app, company, customer_id)["next"] is None

    remove_record(app, company, newest)
    row = customer_row(app, company, customer_id)
    assert (row["last"], row["next"]) == (d(-10), d(-3))

    remove_record(app, company, older)
    with app.app_context(), tenant_context(company.id):
        (past,) = db.session.scalars(select(FollowUp.id).where(FollowUp.customer_id == customer_id))
    remove_record(app, company, past)
    assert customer_row(app, company, customer_id) == {"category": None, "last": None, "next": None}


def test_category_history_lists_each_change_once(app, company, customer_id):
    make_followup(app, company, customer_id, "1", on_date=d(-40), category="prospect")
    make_followup(app, company, customer_id, "2", on_date=d(-30), category="prospect")
    make_followup(app, company, customer_id, "3", on_date=d(-25))
    make_followup(app, company, customer_id, "4", on_date=d(-20), category="intent")
    make_followup(app, company, customer_id, "5", on_date=d(-10), category="ready")
    make_followup(app, company, customer_id, "0", on_date=d(-50), category="quality_prospect")
    with app.app_context(), tenant_context(company.id):
        history = category_history(customer_id)
    assert history == [
        (d(-50), "quality_prospect"),
        (d(-40), "prospect"),
        (d(-20), "intent"),
        (d(-10), "ready"),
    ]


# --- the company's today ----------------------------------------------------------------------


def tenant_of(app: Flask, company: Company) -> Tenant:
    with app.app_context(), tenant_context(company.id):
        tenant = db.session.get(Tenant, company.id)
        db.session.expunge(tenant)
        return tenant


def test_company_today_turns_over_at_the_companys_midnight(app, company):
    tenant = tenant_of(app, company)
    assert tenant.home_country == "CN"
    before = datetime(2026, 11, 28, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after = datetime(2026, 11, 28, 16, 1, tzinfo=UTC)  # 00:01 on the 29th in Shanghai
    assert company_today(tenant, now=before) == date(2026, 11, 28)
    assert company_today(tenant, now=after) == date(2026, 11, 29)


def test_company_today_of_a_us_company(app, company):
    tenant = tenant_of(app, company)
    tenant.home_country = "US"  # main zone New York (UTC-5 in November)
    assert company_today(tenant, now=datetime(2026, 11, 29, 4, 59, tzinfo=UTC)) == date(
        2026, 11, 28
    )
    assert company_today(tenant, now=datetime(2026, 11, 29, 5, 1, tzinfo=UTC)) == date(2026, 11, 29)


def test_due_list_around_the_companys_midnight(app, company):
    tenant = tenant_of(app, company)
    owner = [company.owner_membership_id]
    due_28 = make_customer(app, company, "Due on the 28th")
    due_29 = make_customer(app, company, "Due on the 29th")
    due_30 = make_customer(app, company, "Due on the 30th")
    superseded = make_customer(app, company, "Old appointment superseded")
    make_followup(app, company, due_28, "call", on_date=d(-7), next_date=date(2026, 11, 28))
    make_followup(app, company, due_29, "call", on_date=d(-7), next_date=date(2026, 11, 29))
    make_followup(app, company, due_30, "call", on_date=d(-7), next_date=date(2026, 11, 30))
    make_followup(app, company, superseded, "call", on_date=d(-7), next_date=d(-6))
    make_followup(app, company, superseded, "done, nothing planned", on_date=d(-2))

    def due_names(now: datetime) -> list[str]:
        with app.app_context(), tenant_context(company.id):
            return [c.name for c in myday.due(owner, company_today(tenant, now=now)).rows]

    assert due_names(datetime(2026, 11, 28, 15, 59, tzinfo=UTC)) == ["Due on the 28th"]
    assert due_names(datetime(2026, 11, 28, 16, 1, tzinfo=UTC)) == [
        "Due on the 28th",  # now overdue: most overdue first
        "Due on the 29th",
    ]


def test_due_list_is_the_owners_and_skips_archived(app, company):
    sales = add_member(app, company, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    mine = make_customer(app, company, "Mine")
    theirs = make_customer(app, company, "Theirs")
    archived = make_customer(app, company, "Archived", archived_at=datetime(2026, 1, 1, tzinfo=UTC))
    for cid in (mine, theirs, archived):
        make_followup(app, company, cid, "call", on_date=d(-3), next_date=d(-1))
    with app.app_context(), tenant_context(company.id):
        db.session.get(Customer, theirs).owner_id = sales
        db.session.commit()
        assert [c.name for c in myday.due([company.owner_membership_id], DAY).rows] == ["Mine"]
        assert [c.name for c in myday.due([sales], DAY).rows] == ["Theirs"]
        assert [c.name for c in myday.due(None, DAY).rows] == ["Mine", "Theirs"]


# --- stale rules ------------------------------------------------------------------------------

DEFAULT_RULES = {"A": 7, "B": 14, "C": 30, "D": 90}


def test_default_stale_rules(app, company):
    assert tenant_of(app, company).stale_days() == DEFAULT_RULES


def set_created(app: Flask, company: Company, customer_id: int, when: datetime) -> None:
    with app.app_context(), tenant_context(company.id):
        db.session.get(Customer, customer_id).created_at = when
        db.session.commit()


def stale_names(app: Flask, company: Company, rules: dict[str, int], today: date = DAY) -> set:
    with app.app_context(), tenant_context(company.id):
        tenant = db.session.get(Tenant, company.id)
        zone = company_zone(tenant)
        return {c.name for c in myday.stale([company.owner_membership_id], today, rules, zone).rows}


@pytest.mark.parametrize(
    ("grade", "days_ago", "is_stale"),
    [
        ("A", 8, True),
        ("A", 6, False),
        ("B", 15, True),
        ("B", 14, False),
        ("B", 13, False),
        ("C", 31, True),
        ("C", 29, False),
        ("D", 91, True),
        ("D", 89, False),
    ],
)
def test_stale_per_grade(app, company, grade, days_ago, is_stale):
    cid = make_customer(app, company, "Subject", grade=grade)
    set_created(app, company, cid, datetime(2025, 1, 1, tzinfo=UTC))
    make_followup(app, company, cid, "call", on_date=d(-days_ago))
    assert ("Subject" in stale_names(app, company, DEFAULT_RULES)) is is_stale


def test_never_followed_up_counts_from_creation(app, company):
    old = make_customer(app, company, "Created 15 days ago", grade="B")
    new = make_customer(app, company, "Created 13 days ago", grade="B")
    ungraded = make_customer(app, company, "Ungraded, created long ago")
    set_created(app, company, old, datetime(2026, 11, 13, 9, 0, tzinfo=UTC))
    set_created(app, company, new, datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
    set_created(app, company, ungraded, datetime(2020, 1, 1, tzinfo=UTC))
    assert stale_names(app, company, DEFAULT_RULES) == {"Created 15 days ago"}


def test_never_followed_up_counts_from_the_companys_creation_day(app, company):
    # created 2026-11-14 07:00 in Shanghai: 14 days before the 28th, which a B customer may wait
    # (as a follow-up on the 14th would: see test_stale_per_grade, B 14 days is not stale)
    cid = make_customer(app, company, "Created early on the 14th", grade="B")
    set_created(app, company, cid, datetime(2026, 11, 13, 23, 0, tzinfo=UTC))
    assert stale_names(app, company, DEFAULT_RULES) == set()


def test_changed_rules_apply(app, company):
    cid = make_customer(app, company, "B customer", grade="B")
    set_created(app, company, cid, datetime(2025, 1, 1, tzinfo=UTC))
    make_followup(app, company, cid, "call", on_date=d(-15))
    assert stale_names(app, company, DEFAULT_RULES) == {"B customer"}
    assert stale_names(app, company, {**DEFAULT_RULES, "B": 20}) == set()
    assert stale_names(app, company, {**DEFAULT_RULES, "B": 10}) == {"B customer"}


def pages_of(read, limit: int) -> list[list]:
    """Every chunk of a paged my-day list, following its cursors to the end."""
    chunks, after = [], None
    while True:
        chunk = read(limit, after)
        chunks.append(chunk.rows)
        if chunk.after is None:
            return chunks
        assert len(chunks) < 50, "the cursor does not move on"
        after = chunk.after


def test_stale_list_order_never_followed_first_then_oldest_in_chunks(app, company):
    # two reads (never followed up, then by last date): together they keep the one order, the
    # second only fills what the first left of the limit, and a cursor may point into either
    ids = {}
    for name, days_ago in [("Old 40", 40), ("Never 1", None), ("Old 20", 20), ("Never 2", None)]:
        ids[name] = make_customer(app, company, name, grade="B")
        set_created(app, company, ids[name], datetime(2025, 1, 1, tzinfo=UTC))
        if days_ago:
            make_followup(app, company, ids[name], "call", on_date=d(-days_ago))
    everyone = ["Never 1", "Never 2", "Old 40", "Old 20"]

    with app.app_context(), tenant_context(company.id):
        zone = company_zone(db.session.get(Tenant, company.id))
        owner = [company.owner_membership_id]

        def read(limit, after):
            return myday.stale(owner, DAY, DEFAULT_RULES, zone, limit, after)

        assert [c.name for c in read(10, None).rows] == everyone
        assert read(4, None).after is None  # exactly all: no "show more"
        for limit in (1, 2, 3):
            chunks = pages_of(read, limit)
            assert [c.name for rows in chunks for c in rows] == everyone, limit
            assert all(len(rows) == limit for rows in chunks[:-1]) and chunks[-1]
        # a cursor that is not one reads from the start
        for junk in ("x", "n_", "s_2026-13-01_5", "n_1_2_3", "s_x_1"):
            assert [c.name for c in read(2, junk).rows] == everyone[:2], junk


def test_due_list_in_chunks_most_overdue_first(app, company):
    # two on the same day: the id breaks the tie, and the cursor carries both
    for name, days in [("D -3", -3), ("D 0", 0), ("D -9", -9), ("D -3 b", -3), ("D +1", 1)]:
        make_customer(app, company, name, next_followup_on=d(days))
    order = ["D -9", "D -3", "D -3 b", "D 0"]  # tomorrow's is not due
    with app.app_context(), tenant_context(company.id):
        owner = [company.owner_membership_id]

        def read(limit, after):
            return myday.due(owner, DAY, limit, after)

        for limit in (1, 2, 3, 4, 5):
            chunks = pages_of(read, limit)
            assert [c.name for rows in chunks for c in rows] == order, limit
        assert myday.due(owner, DAY, 2, "2026-13-40_1").rows == read(2, None).rows


def test_my_day_counts_stop_at_the_cap(app, company):
    for n in range(5):
        make_customer(app, company, f"Due {n}", next_followup_on=d(-n))
    for n, days_ago in enumerate([None, None, 30]):
        cid = make_customer(app, company, f"Stale {n}", grade="B")
        set_created(app, company, cid, datetime(2025, 1, 1, tzinfo=UTC))
        if days_ago:
            make_followup(app, company, cid, "call", on_date=d(-days_ago))
    with app.app_context(), tenant_context(company.id):
        zone = company_zone(db.session.get(Tenant, company.id))
        owner = [company.owner_membership_id]
        assert myday.counts(owner, DAY, DEFAULT_RULES, zone) == {"due": 5, "stale": 3}
        assert myday.counts(owner, DAY, DEFAULT_RULES, zone, cap=2) == {"due": 2, "stale": 2}
        assert myday.counts(owner, DAY, {}, zone) == {"due": 5, "stale": 0}
        assert myday.counts([-1], DAY, DEFAULT_RULES, zone) == {"due": 0, "stale": 0}


def test_a_new_follow_up_takes_a_customer_off_the_stale_list(app, company):
    cid = make_customer(app, company, "B customer", grade="B")
    set_created(app, company, cid, datetime(2025, 1, 1, tzinfo=UTC))
    assert stale_names(app, company, DEFAULT_RULES) == {"B customer"}
    make_followup(app, company, cid, "call", on_date=d(-1))
    assert stale_names(app, company, DEFAULT_RULES) == set()


# --- birthdays and holidays -------------------------------------------------------------------


def birthday_names(app: Flask, company: Company, today: date) -> list[tuple[date, str]]:
    with app.app_context(), tenant_context(company.id):
        found = myday.birthdays([company.owner_membership_id], today, limit=100).rows
        return [(b.day, b.name) for b in found]


def test_birthdays_in_the_next_14_days(app, company, customer_id):
    make_contact(app, company, customer_id, "In 3 days", birthday=date(1980, 12, 1))
    make_contact(app, company, customer_id, "Today", birthday=date(1990, 11, 28))
    make_contact(app, company, customer_id, "In 13 days", birthday=date(1975, 12, 11))
    make_contact(app, company, customer_id, "In 14 days", birthday=date(1975, 12, 12))
    make_contact(app, company, customer_id, "In 20 days", birthday=date(1985, 12, 18))
    make_contact(app, company, customer_id, "Yesterday", birthday=date(1985, 11, 27))
    make_contact(app, company, customer_id, "Unknown")
    assert birthday_names(app, company, DAY) == [
        (date(2026, 11, 28), "Today"),
        (date(2026, 12, 1), "In 3 days"),
        (date(2026, 12, 11), "In 13 days"),
    ]


def test_birthdays_across_the_year_end(app, company, customer_id):
    make_contact(app, company, customer_id, "New year's eve", birthday=date(1980, 12, 31))
    make_contact(app, company, customer_id, "January 3rd", birthday=date(1990, 1, 3))
    make_contact(app, company, customer_id, "January 20th", birthday=date(1990, 1, 20))
    assert birthday_names(app, company, date(2026, 12, 25)) == [
        (date(2026, 12, 31), "New year's eve"),
        (date(2027, 1, 3), "January 3rd"),
    ]


def test_birthdays_in_chunks_keep_the_windows_order(app, company, customer_id):
    # the order is the window's (December before January), then the name, read in SQL
    born = [("Zoe", 12, 31), ("Anna", 1, 3), ("Bob", 12, 26), ("Anna", 12, 31), ("Cy", 1, 2)]
    for name, month, day in born:
        make_contact(app, company, customer_id, name, birthday=date(1980, month, day))
    order = ["Bob", "Anna", "Zoe", "Cy", "Anna"]
    with app.app_context(), tenant_context(company.id):
        owner = [company.owner_membership_id]

        def read(limit, after):
            return myday.birthdays(owner, date(2026, 12, 25), limit=limit, after=after)

        for limit in (1, 2, 4, 5, 6):
            chunks = pages_of(read, limit)
            assert [b.name for rows in chunks for b in rows] == order, limit
        assert [b.day for b in read(5, None).rows][-1] == date(2027, 1, 3)


def test_birthdays_from_the_first_days_are_the_whole_windows_page(app, company, customer_id):
    """The first days are read first (myday.BIRTHDAY_FIRST_DAYS) and the whole fortnight only
    when they do not fill the chunk: every chunk size gives the whole window's order, and a
    chunk the first days fill takes one statement."""
    today = date(2026, 12, 25)
    assert myday.BIRTHDAY_FIRST_DAYS == 4  # 25-28 December
    born = [("Eve", 12, 27), ("Al", 12, 25), ("Di", 12, 28), ("Bo", 12, 25), ("Cy", 12, 26)]
    born += [("Ann", 12, 29), ("Zed", 1, 2), ("Kim", 1, 7)]
    for name, month, day in born:
        make_contact(app, company, customer_id, name, birthday=date(1980, month, day))
    order = ["Al", "Bo", "Cy", "Eve", "Di", "Ann", "Zed", "Kim"]
    with app.app_context(), tenant_context(company.id):
        owner = [company.owner_membership_id]

        def read(limit, after):
            return myday.birthdays(owner, today, limit=limit, after=after)

        for limit in range(1, 10):
            chunks = pages_of(read, limit)
            assert [b.name for rows in chunks for b in rows] == order, limit
        with count_queries(app) as filled:
            assert [b.name for b in read(4, None).rows] == order[:4]
        with count_queries(app) as not_filled:
            assert [b.name for b in read(5, None).rows] == order[:5]
    assert (len(filled), len(not_filled)) == (1, 2)


def test_a_leap_day_birthday_sorts_with_the_28th_in_a_common_year(app, company, customer_id):
    make_contact(app, company, customer_id, "B Leap day", birthday=date(1996, 2, 29))
    make_contact(app, company, customer_id, "C 28th", birthday=date(1990, 2, 28))
    make_contact(app, company, customer_id, "A 28th", birthday=date(1990, 2, 28))
    found = birthday_names(app, company, date(2027, 2, 20))
    assert found == [(date(2027, 2, 28), n) for n in ("A 28th", "B Leap day", "C 28th")]


def test_a_leap_day_birthday_shows_in_a_common_year(app, company, customer_id):
    make_contact(app, company, customer_id, "Leap day", birthday=date(1996, 2, 29))
    found = birthday_names(app, company, date(2027, 2, 20))  # window up to 5 March 2027
    assert [name for _, name in found] == ["Leap day"]


def test_birthdays_of_other_peoples_customers_are_not_mine(app, company, customer_id):
    sales = add_member(app, company, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    theirs = make_customer(app, company, "Theirs")
    with app.app_context(), tenant_context(company.id):
        db.session.get(Customer, theirs).owner_id = sales
        db.session.commit()
    make_contact(app, company, theirs, "Their contact", birthday=date(1980, 12, 1))
    make_contact(app, company, customer_id, "My contact", birthday=date(1980, 12, 2))
    assert [name for _, name in birthday_names(app, company, DAY)] == ["My contact"]


def test_a_changed_or_cleared_birthday_moves_the_contact_in_the_birthday_lookup(
    app, company, customer_id
):
    # my day finds birthdays by the stored month and day (birthday_md): it follows every change
    contact_id = make_contact(app, company, customer_id, "Moving", birthday=date(1980, 12, 1))
    assert birthday_names(app, company, DAY) == [(date(2026, 12, 1), "Moving")]
    with app.app_context(), tenant_context(company.id):
        contact = db.session.get(Contact, contact_id)
        assert contact.birthday_md == 1201
        contact.birthday = date(1980, 12, 5)
        db.session.commit()
    assert birthday_names(app, company, DAY) == [(date(2026, 12, 5), "Moving")]
    with app.app_context(), tenant_context(company.id):
        contact = db.session.get(Contact, contact_id)
        contact.birthday = None
        db.session.commit()
        assert contact.birthday_md is None
    assert birthday_names(app, company, DAY) == []


def test_holidays_in_customers_countries(app, company):
    make_customer(app, company, "Shanghai Buyer", country="CN")
    make_customer(app, company, "Beijing Buyer", country="CN")
    make_customer(app, company, "No country")
    with app.app_context(), tenant_context(company.id):
        zh = myday.holidays_ahead([company.owner_membership_id], date(2026, 9, 25), "zh")
        en = myday.holidays_ahead([company.owner_membership_id], date(2026, 9, 25), "en")
        none = myday.holidays_ahead([company.owner_membership_id], date(2026, 11, 2), "zh")
    national = [h for h in zh if h.day == date(2026, 10, 1)]
    assert [(h.country, h.name, h.customers) for h in national] == [("CN", "国庆节", 2)]
    assert all(date(2026, 9, 25) <= h.day < date(2026, 10, 9) for h in zh)
    assert [h.day for h in zh] == sorted(h.day for h in zh)
    assert [h.name for h in en if h.day == date(2026, 10, 1)] == ["National Day"]
    assert none == []


def test_holidays_only_for_my_customers_countries(app, company):
    sales = add_member(app, company, "sales@alpha.example.com", {"sales"}, "Sam Sales")
    theirs = make_customer(app, company, "Their US customer", country="US")
    make_customer(app, company, "My French customer", country="FR")
    with app.app_context(), tenant_context(company.id):
        db.session.get(Customer, theirs).owner_id = sales
        db.session.commit()
        # Christmas: both countries have it, but only France is mine
        mine = myday.holidays_ahead([company.owner_membership_id], date(2026, 12, 20), "en")
        team = myday.holidays_ahead(None, date(2026, 12, 20), "en")
    assert {h.country for h in mine} == {"FR"}
    assert {h.country for h in team} == {"FR", "US"}
