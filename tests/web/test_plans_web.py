"""The call/visit plan screens: create (validation keeps what was typed), who sees and edits
which plan, cycling Plan cells by htmx and by plain form posts, rows, goal, delete, the list,
the query-count bound on the grid, and the PDF."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.conftest import count_queries, login
from tests.factories import PASSWORD, add_member, make_customer, make_followup, make_plan
from tests.html import field_errors, input_value, stamp_of
from webapp.extensions import db
from webapp.models import CallPlan, CallPlanCell, CallPlanRow
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}
MON = date(2026, 11, 16)  # wk47


def d(offset: int) -> date:
    return MON + timedelta(days=offset)


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages; the test companies default to Chinese."""
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}/plans"


@pytest.fixture
def people(app, company_a):
    return {
        role: add_member(app, company_a, f"{role}@alpha.example.com", {kind}, name)
        for role, kind, name in (
            ("zhang", "sales", "张伟"),
            ("lucy", "sales", "Lucy Chen"),
            ("manager", "manager", "李娜"),
            ("gm", "gm", "王建国"),
            ("finance", "finance", "刘芳"),
        )
    }


def as_(client, who: str) -> None:
    client.post("/logout")
    login(client, f"{who}@alpha.example.com", PASSWORD)
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def zhang_plan(app, company_a, people):
    # 张伟's own customer: under "own" visibility a salesperson plans only those they may see
    customer = make_customer(app, company_a, "Nordlicht GmbH", owner_id=people["zhang"])
    plan = make_plan(app, company_a, MON, member_id=people["zhang"], weeks=2,
                     customer_ids=(customer,), cells={(customer, d(0)): "C"})  # fmt: skip
    make_followup(app, company_a, customer, "call", on_date=d(0),
                  author_membership_id=people["zhang"])  # fmt: skip
    return plan


def _cells(app, company, plan_id) -> dict[date, str]:
    with app.app_context(), tenant_context(company.id):
        return dict(
            db.session.execute(
                select(CallPlanCell.on_date, CallPlanCell.code)
                .join(CallPlanRow, CallPlanRow.id == CallPlanCell.row_id)
                .where(CallPlanRow.plan_id == plan_id)
            ).all()
        )


def _row_id(app, company, plan_id) -> int:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(select(CallPlanRow.id).where(CallPlanRow.plan_id == plan_id))


# --- create -------------------------------------------------------------------------------------


def test_salesperson_creates_a_plan_for_themselves(app, client, company_a, people, base):
    as_(client, "zhang")
    form = client.get(f"{base}/new").get_data(as_text=True)
    assert 'type="week"' in form and 'name="member_id"' not in form
    data = {"member_id": people["lucy"], "week": "2026-W47", "weeks": "3", "goal": "Visit Shenzhen"}
    response = client.post(f"{base}/new", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "张伟" in page and "2026-W47 – 2026-W49" in page and "No customers on this" in page
    with app.app_context(), tenant_context(company_a.id):
        plan = db.session.scalar(select(CallPlan))
        assert (plan.member_id, plan.start_on, plan.weeks) == (people["zhang"], MON, 3)


def test_manager_plans_for_a_salesperson(app, client, company_a, people, base):
    as_(client, "manager")
    response = client.post(f"{base}/new", data={"member_id": people["lucy"], "week": "2026-W48",
                                                "weeks": "1"})  # fmt: skip
    assert response.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(CallPlan.member_id)) == people["lucy"]


def test_validation_keeps_what_was_typed(app, client, people, base, zhang_plan):
    as_(client, "zhang")
    response = client.post(f"{base}/new", data={"week": "week 47", "weeks": "2",
                                                "goal": "Call every A customer"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(page, "week") == ["Enter a week as 2026-W48."]
    assert input_value(page, "week") == "week 47" and "Call every A customer" in page
    # overlapping an existing plan (wk47–48): refused with the clashing period named
    response = client.post(f"{base}/new", data={"week": "2026-W48", "weeks": "1",
                                                "goal": "Second try"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has a plan for 2026-W47 – 2026-W48" in field_errors(page, "week")[0]
    assert input_value(page, "week") == "2026-W48" and "Second try" in page


# --- who sees and edits what --------------------------------------------------------------------


def test_roles(app, client, company_a, people, base, zhang_plan):
    row = _row_id(app, company_a, zhang_plan)
    urls = {
        "page": f"{base}/{zhang_plan}",
        "pdf": f"{base}/{zhang_plan}.pdf",
        "cycle": f"{base}/rows/{row}/cycle",
        "delete": f"{base}/{zhang_plan}/delete",
        "edit_row": f"{base}/rows/{row}/edit",
    }
    expected = {  # who: (page, pdf, cycle POST, delete GET, edit row GET)
        "zhang": (200, 200, 302, 200, 200),
        "manager": (200, 200, 302, 200, 200),
        "gm": (200, 200, 403, 403, 403),
        "lucy": (403, 403, 403, 403, 403),
        "finance": (403, 403, 403, 403, 403),
    }
    for who, codes in expected.items():
        as_(client, who)
        got = (
            client.get(urls["page"]).status_code,
            client.get(urls["pdf"]).status_code,
            client.post(urls["cycle"], data={"cell": f"{d(5)}:"}).status_code,
            client.get(urls["delete"]).status_code,
            client.get(urls["edit_row"]).status_code,
        )
        assert got == codes, who
    # the GM sees the grid without buttons
    as_(client, "gm")
    page = client.get(urls["page"]).get_data(as_text=True)
    assert "Nordlicht GmbH" in page and 'name="cell"' not in page and "CS" in page


def test_list_shows_own_plans_or_the_team(app, client, company_a, people, base, zhang_plan):
    make_plan(app, company_a, d(7), member_id=people["lucy"], weeks=1)
    as_(client, "lucy")
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Lucy Chen" in page and "张伟" not in page
    as_(client, "gm")
    page = client.get(f"{base}/").get_data(as_text=True)
    assert "Lucy Chen" in page and "张伟" in page
    filtered = client.get(
        f"{base}/",
        query_string={"member": people["zhang"]},
        headers={**HX, "HX-Target": "plan-results"},
    )
    text = filtered.get_data(as_text=True)
    assert (
        "<html" not in text
        and "2026-W47 – 2026-W48" in text
        and ">2026-W48</a>" not in text
        and "Lucy Chen" not in text
    )
    by_week = client.get(f"{base}/", query_string={"week": "2026-W49"}).get_data(as_text=True)
    assert "No plan matches these filters." in by_week
    bad = client.get(f"{base}/", query_string={"week": "soon"}).get_data(as_text=True)
    assert "Enter a week as 2026-W48." in bad


def test_empty_list(client, people, base):
    as_(client, "zhang")
    assert "No call and visit plans yet." in client.get(f"{base}/").get_data(as_text=True)


# --- cycling cells ------------------------------------------------------------------------------


def test_cycle_by_htmx_and_by_form(app, client, company_a, people, base, zhang_plan):
    as_(client, "zhang")
    url = f"{base}/rows/{_row_id(app, company_a, zhang_plan)}/cycle"
    response = client.post(url, data={"cell": f"{d(1)}:"}, headers=HX)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in text and 'id="plan-grid"' in text
    assert f'value="{d(1)}:C"' in text
    assert 'data-total="planned">2<' in text and 'data-total="compliance">50%<' in text
    assert _cells(app, company_a, zhang_plan) == {d(0): "C", d(1): "C"}
    assert client.post(url, data={"cell": f"{d(1)}:C"}).status_code == 302  # no JS
    assert _cells(app, company_a, zhang_plan)[d(1)] == "X"
    client.post(url, data={"cell": f"{d(1)}:X"}, headers=HX)
    assert _cells(app, company_a, zhang_plan) == {d(0): "C"}
    # a stale click (someone changed the cell meanwhile) changes nothing and says so
    stale = client.post(url, data={"cell": f"{d(0)}:"}, headers=HX)
    assert stale.status_code == 409 and "Someone else changed this cell" in stale.get_data(True)
    assert _cells(app, company_a, zhang_plan) == {d(0): "C"}
    # outside the plan's weeks, or garbage
    assert client.post(url, data={"cell": f"{d(14)}:"}, headers=HX).status_code == 409
    assert client.post(url, data={"cell": "yesterday"}, headers=HX).status_code == 400


# --- rows, goal, delete -------------------------------------------------------------------------


def test_rows_add_edit_remove(app, client, company_a, people, base, zhang_plan):
    other = make_customer(app, company_a, "Sunrise Trading LLC", owner_id=people["zhang"])
    as_(client, "zhang")
    response = client.post(f"{base}/{zhang_plan}/rows",
                           data={"customer_id": "", "turnover_current": "12000"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and field_errors(page, "customer_id")
    assert input_value(page, "turnover_current") == "12000"
    response = client.post(f"{base}/{zhang_plan}/rows", data={
        "customer_id": other, "turnover_current": "12000", "turnover_previous": "9000.5",
        "target": "repeat order"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(f"{base}/{zhang_plan}").get_data(as_text=True)
    assert "2)" in page and "Sunrise Trading LLC" in page and "repeat order" in page
    with app.app_context(), tenant_context(company_a.id):
        row_id = db.session.scalar(select(CallPlanRow.id).where(CallPlanRow.customer_id == other))
    bad = client.post(f"{base}/rows/{row_id}/edit", data={"turnover_current": "-5", "target": "x"})
    assert bad.status_code == 422 and input_value(bad.get_data(True), "turnover_current") == "-5"
    stamp = stamp_of(client, f"{base}/rows/{row_id}/edit")
    assert client.post(f"{base}/rows/{row_id}/edit",
                       data={"turnover_current": "15000", **stamp}).status_code == 302  # fmt: skip
    confirm = client.get(f"{base}/rows/{row_id}/remove").get_data(as_text=True)
    assert "Take Sunrise Trading LLC off the plan?" in confirm
    assert client.post(f"{base}/rows/{row_id}/remove").status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(CallPlanRow.id))) == 1


def test_goal_edit_and_conflict(app, client, company_a, people, base, zhang_plan):
    as_(client, "zhang")
    page = client.get(f"{base}/{zhang_plan}").get_data(as_text=True)
    version = input_value(page, "version")
    ok = client.post(f"{base}/{zhang_plan}/goal", data={"goal": "New goal", "version": version})
    assert ok.status_code == 302
    stale = client.post(f"{base}/{zhang_plan}/goal",
                        data={"goal": "My typed goal", "version": version})  # fmt: skip
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "My typed goal" in text and "Someone else saved" in text
    assert 'name="choose-goal"' in text
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(CallPlan, zhang_plan).goal == "New goal"


def test_delete_plan_after_confirmation(app, client, company_a, people, base, zhang_plan):
    as_(client, "manager")
    assert "Delete the plan of 张伟" in client.get(f"{base}/{zhang_plan}/delete").get_data(True)
    assert client.post(f"{base}/{zhang_plan}/delete").status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(select(func.count(CallPlan.id))) == 0
        assert db.session.scalar(select(func.count(CallPlanRow.id))) == 0


# --- bounded queries ----------------------------------------------------------------------------


def test_grid_queries_do_not_grow_with_rows_and_days(app, client, company_a, people, base):
    small = make_customer(app, company_a, "Only One GmbH", owner_id=people["zhang"])
    one = make_plan(app, company_a, MON, member_id=people["zhang"], weeks=1,
                    customer_ids=(small,), cells={(small, d(0)): "C"})  # fmt: skip
    customers = [
        make_customer(app, company_a, f"Customer {i:02d}", owner_id=people["zhang"])
        for i in range(20)
    ]
    cells = {(c, d(7 + i)): "CX"[i % 4 // 2] for c in customers for i in range(0, 21, 2)}
    big = make_plan(app, company_a, d(7), member_id=people["zhang"], weeks=3,
                    customer_ids=tuple(customers), cells=cells)  # fmt: skip
    for i, customer in enumerate(customers):
        make_followup(app, company_a, customer, "call", on_date=d(7 + i % 21),
                      author_membership_id=people["zhang"])  # fmt: skip
    as_(client, "zhang")
    with count_queries(app) as few:
        assert client.get(f"{base}/{one}").status_code == 200
    with count_queries(app) as many:
        response = client.get(f"{base}/{big}")
        cycled = client.post(f"{base}/rows/{_row_id(app, company_a, big)}/cycle",
                             data={"cell": f"{d(8)}:"}, headers=HX)  # fmt: skip
    assert response.status_code == 200 and cycled.status_code == 200
    page = response.get_data(as_text=True)
    assert "20)" in page and "Customer 19" in page and "wk49" in page
    assert len(many) <= 2 * len(few) + 6, many  # the page, then the cycle's write and grid
    with count_queries(app) as again:
        client.get(f"{base}/{big}")
    assert len(again) == len(few), again


# --- the paper form -----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf(app, client, company_a, people, base, zhang_plan, lang):
    as_(client, "zhang")
    response = client.get(f"{base}/{zhang_plan}.pdf", query_string={"lang": lang})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(BytesIO(response.data))
    text = " ".join(page.extract_text().replace("\n", " ") for page in reader.pages)
    assert "Nordlicht GmbH" in text and "wk47" in text and "wk48" in text and "CS" in text
    assert "张伟" in text and "None" not in text
    box = reader.pages[0].mediabox
    assert box.width > box.height  # A4 landscape
    if lang == "en":
        assert "Plan to call" in text and "Called on the planned day" in text


# --- choosing a customer in a large company -------------------------------------------------


def test_customer_choices_are_bounded_and_searchable(app, client, company_a, company_b, people,
                                                      base, zhang_plan):  # fmt: skip
    """A company with 100,000 customers cannot send them all as <option>s: the page lists 50 of
    the salesperson's own, the search box finds any other, and a customer found by search
    (so not among the 50 listed) is still accepted when the form is posted."""
    from webapp.models import Customer
    from webapp.services.customers import PICK_SHOWN as CHOICES_SHOWN

    with app.app_context(), tenant_context(company_a.id):
        db.session.add_all(
            Customer(name=f"Own {i:03d} Ltd", owner_id=people["zhang"])
            for i in range(CHOICES_SHOWN + 5)
        )
        db.session.add(Customer(name="Zeta Lighting BV", owner_id=None))  # in the pool (公海)
        db.session.add(Customer(name="Zeta Archived", owner_id=people["zhang"],
                                archived_at=db.func.now()))  # fmt: skip
        db.session.commit()
        zeta = db.session.scalar(select(Customer.id).where(Customer.name == "Zeta Lighting BV"))
    make_customer(app, company_b, "Zeta Secret Beta GmbH")
    as_(client, "zhang")
    page = client.get(f"{base}/{zhang_plan}").get_data(as_text=True)
    assert page.count(">Own ") == CHOICES_SHOWN and "Only the first 50 are shown" in page
    assert "Zeta Lighting BV" not in page  # not his own: found by search only

    options = client.get(f"{base}/{zhang_plan}/customer-options?q=zeta", headers=HX)
    html = options.get_data(as_text=True)
    assert options.status_code == 200 and f'value="{zeta}"' in html
    assert "Zeta Archived" not in html and "Secret Beta" not in html  # archived; other company
    on_plan = client.get(f"{base}/{zhang_plan}/customer-options?q=nordlicht", headers=HX)
    assert "Nordlicht" not in on_plan.get_data(as_text=True)  # already on the plan
    none = client.get(f"{base}/{zhang_plan}/customer-options?q=nothing-like-it", headers=HX)
    assert "No customer with this name" in none.get_data(as_text=True)

    added = client.post(f"{base}/{zhang_plan}/rows", data={"customer_id": zeta})
    assert added.status_code == 302
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.scalar(
            select(func.count()).select_from(CallPlanRow).where(CallPlanRow.customer_id == zeta)
        ) == 1  # fmt: skip


def test_customer_options_need_edit_rights(client, people, base, zhang_plan):
    as_(client, "lucy")  # another salesperson: may not edit zhang's plan
    assert client.get(f"{base}/{zhang_plan}/customer-options?q=a", headers=HX).status_code == 403


def test_the_legend_states_the_cn_uc_rule(app, client, company_a, people, base, zhang_plan):
    """A second call in the week of a C already kept is UC, and the legend says why."""
    with app.app_context(), tenant_context(company_a.id):
        customer_id = db.session.scalar(select(CallPlanRow.customer_id))
    make_followup(app, company_a, customer_id, "again", on_date=d(2), method="email",
                  author_membership_id=people["zhang"])  # fmt: skip
    as_(client, "zhang")
    page = client.get(f"{base}/{zhang_plan}").get_data(as_text=True)
    assert "A call counts as CN only when it fulfils a specific planned C" in page
    badge = '<span class="badge text-bg-secondary" title="Unplanned call">UC</span>'
    assert f'data-day="{d(2).isoformat()}">{badge}' in page
