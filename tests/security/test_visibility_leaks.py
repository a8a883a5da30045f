"""Issue 20, part 2: under "own" visibility a salesperson gets 404 on a colleague's customer
card, and the same customer reached through another record (an inquiry, a sample, a plan row,
a weekly report line) shows nothing of it and takes no write either."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.factories import (
    PASSWORD,
    add_member,
    company_today,
    make_customer,
    make_followup,
    make_inquiry,
    make_plan,
    make_report,
    make_report_row,
    make_sample,
    plan_row_ids,
)
from webapp.extensions import db
from webapp.models import CallPlanCell, CallPlanRow, Inquiry, Sample, WeeklyReportLine
from webapp.tenancy.context import tenant_context

SECRET = "HIDDEN-COLLEAGUE"


@pytest.fixture
def sales(app, client, company_a):
    """A salesperson (role sales only) logged in; company A keeps the default "own"."""
    email = f"sales@{company_a.slug}.example.com"
    member_id = add_member(app, company_a, email, {"sales"}, "Sally Sales")
    login(client, email, PASSWORD)
    client.post("/lang", data={"lang": "en"})
    return member_id


@pytest.fixture
def hidden(app, company_a):
    """The owner's customer: a colleague's, which the salesperson may not open."""
    return make_customer(app, company_a, f"{SECRET} customer")


def _count(app, company, model, **where):
    with app.app_context(), tenant_context(company.id):
        stmt = select(func.count(model.id))
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return db.session.scalar(stmt)


def test_the_card_itself_is_404(client, company_a, sales, hidden):
    assert client.get(f"/t/{company_a.slug}/customers/{hidden}").status_code == 404


def test_inquiry_page_hides_the_hidden_customers_followups_and_samples(
    app, client, company_a, sales, hidden
):
    inquiry = make_inquiry(app, company_a, "Nordlicht Handel", customer_id=hidden,
                           assigned_to_id=sales)  # fmt: skip
    make_followup(app, company_a, hidden, f"{SECRET} followup topic")
    make_sample(app, company_a, f"{SECRET} sample", customer_id=hidden, inquiry_id=inquiry,
                feedback=f"{SECRET} feedback")  # fmt: skip
    # a sample sent to the inquirer alone (no customer) stays on the page
    make_sample(app, company_a, "Swatch for the inquirer", inquiry_id=inquiry,
                customer_id=None)  # fmt: skip
    response = client.get(f"/t/{company_a.slug}/inquiries/{inquiry}")
    assert response.status_code == 200  # the inquiry stays in the shared register
    body = response.get_data(as_text=True)
    assert "Nordlicht Handel" in body
    assert SECRET not in body
    assert "Swatch for the inquirer" in body
    # the list of the register names no hidden customer either
    listing = client.get(f"/t/{company_a.slug}/inquiries/").get_data(as_text=True)
    assert "Nordlicht Handel" in listing and SECRET not in listing


def test_inquiry_list_filtered_by_a_hidden_customer_lists_nothing(
    app, client, company_a, sales, hidden
):
    """?customer=<id> must not tell which inquiries lead to a customer one may not open."""
    make_inquiry(app, company_a, "Nordlicht Handel", customer_id=hidden)
    make_inquiry(app, company_a, "Open Register Ltd")
    base = f"/t/{company_a.slug}/inquiries/"
    assert "Nordlicht Handel" in client.get(base).get_data(as_text=True)
    filtered = client.get(f"{base}?customer={hidden}").get_data(as_text=True)
    assert "Nordlicht Handel" not in filtered and "Open Register Ltd" not in filtered


def test_new_sample_from_an_inquiry_of_a_hidden_customer_is_refused(
    app, client, company_a, sales, hidden
):
    inquiry = make_inquiry(app, company_a, "Nordlicht Handel", customer_id=hidden,
                           assigned_to_id=sales)  # fmt: skip
    url = f"/t/{company_a.slug}/samples/new"
    data = {"inquiry_id": inquiry, "name": "Projector", "charge": "free", "sent_by_id": sales}
    response = client.post(url, data=data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "The inquiry&#39;s customer is not one you can open" in body
    assert SECRET not in body
    assert _count(app, company_a, Sample) == 0
    # with a customer of one's own next to it: the inquiry still hangs off the hidden one
    mine = make_customer(app, company_a, "Mine GmbH", owner_id=sales)
    response = client.post(url, data={**data, "customer_id": mine})
    assert response.status_code == 422
    assert _count(app, company_a, Sample) == 0
    # the form reached from the inquiry answers like the card
    assert client.get(f"{url}?inquiry_id={inquiry}").status_code == 404


def test_editing_a_sample_cannot_move_it_onto_an_inquiry_of_a_hidden_customer(
    app, client, company_a, sales, hidden
):
    mine = make_customer(app, company_a, "Mine GmbH", owner_id=sales)
    sample = make_sample(app, company_a, "Projector", customer_id=mine, sent_by_id=sales)
    inquiry = make_inquiry(app, company_a, "Nordlicht Handel", customer_id=hidden)
    with app.app_context(), tenant_context(company_a.id):
        version = db.session.get(Sample, sample).version
    response = client.post(
        f"/t/{company_a.slug}/samples/{sample}/edit",
        data={"inquiry_id": inquiry, "customer_id": mine, "name": "Projector", "charge": "free",
              "sent_by_id": sales, "version": version},
    )  # fmt: skip
    assert response.status_code == 422
    assert _count(app, company_a, Sample, inquiry_id=inquiry) == 0


@pytest.mark.parametrize("action", ["edit", "delete", "convert"])
def test_inquiry_writes_through_a_hidden_customer_answer_404(
    app, client, company_a, sales, hidden, action
):
    inquiry = make_inquiry(app, company_a, "Nordlicht Handel", customer_id=hidden,
                           assigned_to_id=sales)  # fmt: skip
    make_sample(app, company_a, f"{SECRET} sample", customer_id=hidden, inquiry_id=inquiry)
    url = f"/t/{company_a.slug}/inquiries/{inquiry}/{action}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"company": "Hijack"}).status_code == 404
    assert _count(app, company_a, Inquiry, customer_id=hidden) == 1
    assert _count(app, company_a, Sample, customer_id=hidden) == 1


def test_deleting_an_inquiry_does_not_take_a_hidden_customers_sample_with_it(
    app, client, company_a, sales, hidden
):
    """The inquiry has no customer, but a sample of it went to the colleague's customer: the
    delete would cascade onto that customer's sample."""
    inquiry = make_inquiry(app, company_a, "Nordlicht Handel", assigned_to_id=sales)
    make_sample(app, company_a, f"{SECRET} sample", customer_id=hidden, inquiry_id=inquiry)
    url = f"/t/{company_a.slug}/inquiries/{inquiry}/delete"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert _count(app, company_a, Sample, customer_id=hidden) == 1


def _own_plan(app, company, sales, *customers):
    today = company_today(app, company)
    monday = today - timedelta(days=today.weekday())
    return make_plan(app, company, monday, member_id=sales, customer_ids=customers,
                     cells={(customers[0], monday): "C"})  # fmt: skip


def test_plan_rows_of_a_hidden_customer(app, client, company_a, sales, hidden):
    """A customer put on one's plan and later handed to a colleague: the plan shows no name
    and the row's own routes answer like the card."""
    mine = make_customer(app, company_a, "Mine GmbH", owner_id=sales)
    plan = _own_plan(app, company_a, sales, hidden, mine)
    hidden_row, _mine_row = plan_row_ids(app, company_a, plan)
    base = f"/t/{company_a.slug}/plans"
    for url in (f"{base}/{plan}", f"{base}/{plan}.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET.encode() not in response.get_data(), url
    assert b"Mine GmbH" in client.get(f"{base}/{plan}").get_data()
    today = company_today(app, company_a)
    monday = today - timedelta(days=today.weekday())
    for action, data in (("edit", {"target": "Hijack"}), ("remove", {}),
                         ("cycle", {"cell": f"{monday.isoformat()}:C"})):  # fmt: skip
        url = f"{base}/rows/{hidden_row}/{action}"
        if action != "cycle":
            assert client.get(url).status_code == 404, url
        assert client.post(url, data=data).status_code == 404, url
    assert _count(app, company_a, CallPlanRow, customer_id=hidden) == 1
    assert _count(app, company_a, CallPlanCell) == 1


def test_report_prefill_copies_nothing_of_a_hidden_customer(app, client, company_a, sales, hidden):
    """Samples sent by the salesperson and follow-ups they logged this week, on a customer
    that is a colleague's now, are not copied into their weekly report."""
    today = company_today(app, company_a)
    make_sample(app, company_a, f"{SECRET} sample", customer_id=hidden, sent_by_id=sales,
                sent_on=today)  # fmt: skip
    make_followup(app, company_a, hidden, "Called", author_membership_id=sales,
                  next_date=today + timedelta(days=3),
                  next_action=f"{SECRET} next step")  # fmt: skip
    monday = today - timedelta(days=today.weekday())
    week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
    response = client.get(f"/t/{company_a.slug}/reports/week/{week}", follow_redirects=True)
    assert response.status_code == 200
    assert SECRET not in response.get_data(as_text=True)
    assert _count(app, company_a, WeeklyReportLine, customer_id=hidden) == 0


def test_report_lines_of_a_hidden_customer(app, client, company_a, sales, hidden):
    """A line copied while the customer was one's own, shown after it went to a colleague."""
    today = company_today(app, company_a)
    monday = today - timedelta(days=today.weekday())
    report = make_report(app, company_a, monday, member_id=sales, prefilled=True)
    line = make_report_row(app, company_a, report, "line", customer_id=hidden,
                           contact=f"{SECRET} customer", notes="Call back")  # fmt: skip
    base = f"/t/{company_a.slug}/reports"
    for url in (f"{base}/{report}", f"{base}/{report}.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET.encode() not in response.get_data(), url
    assert client.get(f"{base}/lines/{line}/edit").status_code == 404
    assert client.post(f"{base}/lines/{line}/edit", data={"notes": "x"}).status_code == 404
    assert client.post(f"{base}/lines/{line}/delete").status_code == 404
    assert _count(app, company_a, WeeklyReportLine, customer_id=hidden) == 1
