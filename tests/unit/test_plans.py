"""The call/visit plan's rules called directly: every actual code on explicit scenarios, which
follow-ups count (period, customer on the plan, the plan's salesperson), week boundaries,
compliance, creating plans (overlaps), rows (max 20, duplicates), cycling cells, the dashboard's
weekly compliance and the demo seed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import Company, add_member, make_customer, make_followup, make_plan
from webapp.extensions import db
from webapp.models import CallPlan, CallPlanCell, CallPlanRow, Membership
from webapp.services import plans as rules
from webapp.tenancy.context import tenant_context

EN = {"Accept-Language": "en"}  # the messages asserted below are the English ones

MON = date(2026, 11, 16)  # Monday of ISO week 47 (the paper's wk47)


def d(offset: int) -> date:
    return MON + timedelta(days=offset)


# --- the pure rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "events", "expected"),
    [
        ({d(0): "C"}, [(d(0), "phone")], {d(0): ["CS"]}),
        ({d(0): "C"}, [(d(2), "email")], {d(2): ["CN"]}),
        ({}, [(d(2), "chat")], {d(2): ["UC"]}),
        ({d(0): "X"}, [(d(2), "sms")], {d(2): ["UC"]}),  # an X planned is not a C planned
        ({d(1): "X"}, [(d(1), "visit_direct")], {d(1): ["XS"]}),
        ({d(1): "X"}, [(d(3), "visit_invited")], {d(3): ["XN"]}),
        ({}, [(d(3), "visit_direct")], {d(3): ["UX"]}),
        ({d(3): "C"}, [(d(3), "visit_direct")], {d(3): ["UX"]}),  # a visit does not keep a call
        ({d(0): "C"}, [(d(0), "other")], {}),  # "other" is neither a call nor a visit
    ],
)
def test_each_code(planned, events, expected):
    assert rules.actual_codes(planned, events) == expected


def test_a_call_and_a_visit_on_the_same_day_give_two_codes():
    planned = {d(0): "C", d(4): "X"}
    events = [(d(0), "visit_direct"), (d(0), "phone")]
    assert rules.actual_codes(planned, events) == {d(0): ["CS", "XN"]}


def test_two_calls_on_one_day_are_one_code():
    assert rules.actual_codes({d(0): "C"}, [(d(0), "phone"), (d(0), "email")]) == {d(0): ["CS"]}


# the N rule: a call/visit not on its planned day is N only when it fulfils a planned one of its
# own ISO week that is not met yet (d(0)…d(6) is wk47, d(7)… wk48)


@pytest.mark.parametrize("kind", ["phone", "visit_direct"])
def test_a_call_before_the_planned_day_fulfils_it(kind):
    code = "C" if kind == "phone" else "X"
    assert rules.actual_codes({d(3): code}, [(d(1), kind)]) == {d(1): [code + "N"]}


@pytest.mark.parametrize("kind", ["phone", "visit_direct"])
def test_a_call_before_the_planned_day_is_unplanned_when_the_day_is_kept(kind):
    code = "C" if kind == "phone" else "X"
    events = [(d(1), kind), (d(3), kind)]
    assert rules.actual_codes({d(3): code}, events) == {d(1): ["U" + code], d(3): [code + "S"]}


@pytest.mark.parametrize("kind", ["email", "visit_invited"])
def test_two_calls_for_one_plan_fulfil_it_once(kind):
    code = "C" if kind == "email" else "X"
    events = [(d(5), kind), (d(4), kind)]
    # the earlier call kept the promise; the later one is unplanned
    assert rules.actual_codes({d(2): code}, events) == {d(4): [code + "N"], d(5): ["U" + code]}


def test_two_planned_calls_in_a_week_are_fulfilled_by_two_calls():
    planned = {d(1): "C", d(3): "C"}
    events = [(d(0), "phone"), (d(4), "chat"), (d(6), "sms")]
    assert rules.actual_codes(planned, events) == {d(0): ["CN"], d(4): ["CN"], d(6): ["UC"]}


@pytest.mark.parametrize("kind", ["phone", "visit_direct"])
def test_a_plan_in_the_next_week_is_not_fulfilled_by_a_call_this_week(kind):
    code = "C" if kind == "phone" else "X"
    # a call on Friday of wk47 for a C planned on Tuesday of wk48: unplanned, and the C stays open
    assert rules.actual_codes({d(8): code}, [(d(4), kind)]) == {d(4): ["U" + code]}
    # nor the other way round: a late call in wk48 does not keep wk47's plan
    assert rules.actual_codes({d(1): code}, [(d(9), kind)]) == {d(9): ["U" + code]}


def test_a_call_after_the_planned_day_was_kept_is_unplanned():
    events = [(d(0), "phone"), (d(2), "email")]
    assert rules.actual_codes({d(0): "C"}, events) == {d(0): ["CS"], d(2): ["UC"]}


def test_compliance_is_none_when_nothing_is_planned():
    assert rules.compliance(0, 0) is None
    assert rules.compliance(1, 4) == 0.25


# --- the grid from the database -----------------------------------------------------------------


@pytest.fixture
def team(app: Flask, company_a: Company) -> dict:
    sales = add_member(app, company_a, "zhang@alpha.example.com", {"sales"}, "张伟")
    other = add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")
    return {"sales": sales, "other": other}


def _grid(app, company, plan_id):
    with app.app_context(), tenant_context(company.id):
        grid = rules.grid(db.session.get(CallPlan, plan_id))
        by_name = {line.row.customer.name: line for line in grid.rows}
        return grid, by_name


def test_grid_scenarios(app, company_a, team):
    planned = make_customer(app, company_a, "Planned GmbH")
    unplanned = make_customer(app, company_a, "Unplanned LLC")
    elsewhere = make_customer(app, company_a, "Not On Plan Ltd")
    plan = make_plan(app, company_a, MON, member_id=team["sales"], weeks=2,
                     customer_ids=(planned, unplanned),
                     cells={(planned, d(0)): "C", (planned, d(2)): "X",
                            (planned, d(7)): "C"})  # fmt: skip

    def follow(customer, day, method="phone", who=team["sales"]):
        make_followup(app, company_a, customer, "t", on_date=day, method=method,
                      author_membership_id=who)  # fmt: skip

    follow(planned, d(0))  # CS
    follow(planned, d(3), "email")  # UC: wk47's only C was kept on d(0)
    follow(planned, d(2), "visit_direct")  # XS
    follow(planned, d(4), "visit_invited")  # UX: wk47's only X was kept on d(2)
    follow(planned, d(13), "chat")  # the period's last day (Sunday of wk48): CN for d(7)
    follow(planned, d(14))  # the Monday after the period: ignored
    follow(planned, d(-1))  # the Sunday before: ignored
    follow(planned, d(1), who=team["other"])  # a colleague's call: not this plan's
    follow(planned, d(5), "other")  # neither a call nor a visit
    follow(unplanned, d(1))  # UC …
    follow(unplanned, d(1), "visit_direct")  # … and UX on the same day
    follow(elsewhere, d(1))  # not on the plan

    grid, rows = _grid(app, company_a, plan)
    line = rows["Planned GmbH"]
    assert line.plan == {d(0): "C", d(2): "X", d(7): "C"}
    assert line.actual == {d(0): ["CS"], d(2): ["XS"], d(3): ["UC"], d(4): ["UX"], d(13): ["CN"]}
    assert rows["Unplanned LLC"].actual == {d(1): ["UC", "UX"]}
    assert set(rows) == {"Planned GmbH", "Unplanned LLC"}
    assert [number for number, _days in grid.weeks] == [47, 48]
    assert grid.days[0] == MON and grid.days[-1] == d(13) and len(grid.days) == 14
    # totals per row, per day, per code
    assert line.totals == {"C": 2, "X": 1, "CS": 1, "XS": 1, "CN": 1, "UC": 1, "UX": 1}
    assert line.planned == 3 and line.hits == 2
    assert grid.day_totals[d(1)] == {"UC": 1, "UX": 1}
    assert grid.day_totals[d(0)] == {"C": 1, "CS": 1}
    assert grid.totals["UC"] == 2 and grid.totals["CN"] == 1
    # compliance: 2 of the 3 planned cells kept on the day (the C of d(7) was not)
    assert (grid.hits, grid.planned) == (2, 3)
    assert grid.compliance == pytest.approx(2 / 3)


def test_a_removed_customer_leaves_the_grid_with_its_cells(app, company_a, team):
    kept = make_customer(app, company_a, "Kept GmbH")
    removed = make_customer(app, company_a, "Removed LLC")
    plan = make_plan(app, company_a, MON, member_id=team["sales"], weeks=1,
                     customer_ids=(removed, kept),
                     cells={(removed, d(0)): "C", (kept, d(1)): "C"})  # fmt: skip
    make_followup(app, company_a, removed, "t", on_date=d(0), author_membership_id=team["sales"])
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        plan_obj = db.session.get(CallPlan, plan)
        row = next(r for r in plan_obj.rows if r.customer_id == removed)
        rules.remove_row(plan_obj, row)
        db.session.commit()
        assert [(r.position, r.customer_id) for r in plan_obj.rows] == [(1, kept)]
        assert db.session.scalar(select(func.count(CallPlanCell.id))) == 1
    grid, rows = _grid(app, company_a, plan)
    assert set(rows) == {"Kept GmbH"}
    assert grid.totals["CS"] == 0 and (grid.hits, grid.planned) == (0, 1)


def test_empty_plan_has_no_compliance(app, company_a, team):
    plan = make_plan(app, company_a, MON, member_id=team["sales"], weeks=3)
    grid, rows = _grid(app, company_a, plan)
    assert rows == {} and grid.compliance is None and len(grid.days) == 21
    assert [n for n, _ in grid.weeks] == [47, 48, 49]


# --- create, rows, cells ------------------------------------------------------------------------


def test_create_plan_snaps_to_monday_and_refuses_overlaps(app, company_a, team):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        plan = rules.create_plan(team["sales"], d(3), 2, "  Visit Shenzhen  ", team["sales"])
        assert plan.start_on == MON and plan.goal == "Visit Shenzhen"
        for start, weeks in ((MON, 1), (d(7), 1), (d(-14), 3), (d(-7), 2)):
            with pytest.raises(rules.PlanError) as refused:
                rules.create_plan(team["sales"], start, weeks, None, team["sales"])
            assert refused.value.field == "week"
            assert "2026-W47 – 2026-W48" in refused.value.message
        # adjacent weeks, and another salesperson's same weeks, are fine
        assert rules.create_plan(team["sales"], d(14), 3, None, team["sales"]).start_on == d(14)
        assert rules.create_plan(team["sales"], d(-7), 1, None, team["sales"])
        assert rules.create_plan(team["other"], MON, 3, None, team["sales"])
        with pytest.raises(rules.PlanError):
            rules.create_plan(team["other"], d(-21), 4, None, team["sales"])
        db.session.commit()


def test_rows_max_twenty_and_no_duplicates(app, company_a, team):
    customers = [make_customer(app, company_a, f"Customer {i:02d}") for i in range(21)]
    plan_id = make_plan(app, company_a, MON, member_id=team["sales"], weeks=1)
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        plan = db.session.get(CallPlan, plan_id)
        row = rules.add_row(plan, customers[0], 1000, 800, " repeat order ")
        assert (row.position, row.target) == (1, "repeat order")
        with pytest.raises(rules.PlanError, match="already on the plan"):
            rules.add_row(plan, customers[0])
        for customer in customers[1:20]:
            rules.add_row(plan, customer)
        with pytest.raises(rules.PlanError, match="at most 20"):
            rules.add_row(plan, customers[20])
        assert [r.position for r in plan.rows] == list(range(1, 21))
        db.session.commit()


def test_cycle_cell_none_c_x_none(app, company_a, team):
    customer = make_customer(app, company_a, "Cycle GmbH")
    make_plan(app, company_a, MON, member_id=team["sales"], weeks=1, customer_ids=(customer,))
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        row = db.session.scalar(select(CallPlanRow))
        assert rules.cycle_cell(row, d(6)) == "C"
        assert rules.cycle_cell(row, d(6), seen="C") == "X"
        with pytest.raises(rules.PlanError, match="meanwhile"):
            rules.cycle_cell(row, d(6), seen="C")  # someone else already moved it to X
        assert rules.cycle_cell(row, d(6), seen="X") is None
        assert db.session.scalar(select(func.count(CallPlanCell.id))) == 0
        with pytest.raises(rules.PlanError, match="outside"):
            rules.cycle_cell(row, d(7))
        with pytest.raises(rules.PlanError, match="outside"):
            rules.cycle_cell(row, d(-1))


def test_permissions(app, company_a, team):
    gm = add_member(app, company_a, "gm@alpha.example.com", {"gm"}, "GM")
    finance = add_member(app, company_a, "fin@alpha.example.com", {"finance"}, "Finance")
    plan_id = make_plan(app, company_a, MON, member_id=team["sales"], weeks=1)
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        plan = db.session.get(CallPlan, plan_id)
        member = {k: db.session.get(Membership, v) for k, v in
                  {**team, "gm": gm, "finance": finance,
                   "owner": company_a.owner_membership_id}.items()}  # fmt: skip
        view = {k: rules.can_view(m, plan) for k, m in member.items()}
        edit = {k: rules.can_edit(m, plan) for k, m in member.items()}
    assert view == {"sales": True, "other": False, "gm": True, "finance": False, "owner": True}
    assert edit == {"sales": True, "other": False, "gm": False, "finance": False, "owner": True}


# --- the dashboard's weekly compliance ----------------------------------------------------------


def test_compliance_by_week(app, company_a, team):
    a = make_customer(app, company_a, "A GmbH")
    b = make_customer(app, company_a, "B LLC")
    make_plan(app, company_a, MON, member_id=team["sales"], weeks=2, customer_ids=(a, b),
              cells={(a, d(0)): "C", (a, d(2)): "X", (b, d(6)): "C", (b, d(8)): "C"})  # fmt: skip
    make_plan(app, company_a, MON, member_id=team["other"], weeks=1, customer_ids=(a,),
              cells={(a, d(0)): "C", (a, d(1)): "X"})  # fmt: skip
    sales = team["sales"]
    make_followup(app, company_a, a, "t", on_date=d(0), author_membership_id=sales)  # CS
    make_followup(app, company_a, a, "t", on_date=d(2), method="email",
                  author_membership_id=sales)  # a call on an X day: not kept  # fmt: skip
    make_followup(app, company_a, b, "t", on_date=d(6), method="sms",
                  author_membership_id=sales)  # CS on the Sunday  # fmt: skip
    make_followup(app, company_a, a, "t", on_date=d(1), method="visit_direct",
                  author_membership_id=team["other"])  # Lucy's XS  # fmt: skip
    weeks = [MON, d(7), d(14)]
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        everyone = rules.compliance_by_week(weeks)
        only_sales = rules.compliance_by_week(weeks, [sales])
        nobody = rules.compliance_by_week(weeks, [])
        grid = rules.grid(db.session.scalar(select(CallPlan).where(CallPlan.member_id == sales)))
    assert everyone == {MON: (3, 5), d(7): (0, 1), d(14): (0, 0)}
    assert only_sales == {MON: (2, 3), d(7): (0, 1), d(14): (0, 0)}
    assert nobody == {MON: (0, 0), d(7): (0, 0), d(14): (0, 0)}
    # the same rule as the grid
    assert (grid.hits, grid.planned) == (2, 4)


def test_compliance_by_week_stays_in_the_company(app, company_a, company_b, team):
    a = make_customer(app, company_a, "A GmbH")
    make_plan(app, company_a, MON, member_id=team["sales"], weeks=1, customer_ids=(a,),
              cells={(a, d(0)): "C"})  # fmt: skip
    with app.app_context(), tenant_context(company_b.id):
        assert rules.compliance_by_week([MON]) == {MON: (0, 0)}


# --- demo data ----------------------------------------------------------------------------------


def test_seed_demo_shows_a_mix_of_codes(app, company_a):
    from webapp.demo.plans import seed_plans
    from webapp.models import Tenant

    ids = [company_a.owner_membership_id]
    for i, role in enumerate(("manager", "sales", "sales", "finance", "merchandiser")):
        ids.append(add_member(app, company_a, f"m{i}@alpha.example.com", {role}, f"M{i}"))
    for i in range(8):
        make_customer(app, company_a, f"Demo customer {i}")
    today = date(2026, 11, 26)  # a Thursday
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        memberships = [db.session.get(Membership, i) for i in ids]
        seed_plans(db.session.get(Tenant, company_a.id), memberships, today)
        db.session.commit()
        plans = list(db.session.scalars(select(CallPlan).order_by(CallPlan.member_id)))
        assert [p.member_id for p in plans] == [ids[2], ids[3]]
        assert all(p.start_on == date(2026, 11, 9) and p.weeks == 3 for p in plans)
        codes = set()
        for plan in plans:
            grid = rules.grid(plan)
            codes |= {code for code in rules.ACTUAL_CODES if grid.totals[code]}
            assert 0 < grid.compliance < 1
    assert codes == set(rules.ACTUAL_CODES)
