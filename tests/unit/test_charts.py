"""Chart geometry (services/charts.py) and the dashboard numbers (services/insights.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import (
    add_member,
    make_customer,
    make_followup,
    make_inquiry,
    make_report,
)
from webapp.services import charts, insights
from webapp.tenancy.context import tenant_context


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (13, [0, 5, 10, 15]),
        (100, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_ticks_are_round_and_cover_the_maximum(maximum, expected):
    assert charts.nice_ticks(maximum) == expected


def test_ticks_below_one_keep_their_fraction():
    assert charts.nice_ticks(0.4) == [0, 0.1, 0.2, 0.3, 0.4]


def test_bars_stand_on_the_axis_with_heights_in_proportion():
    chart = charts.bar_chart(
        "t", [("A", 4, "red", "/a"), ("B", 2, "blue", None), ("C", 0, "g", None)]
    )
    a, b, c = chart.bars
    assert a.y + a.height == pytest.approx(chart.bottom)
    assert b.height == pytest.approx(a.height / 2)
    assert c.height == 0 and c.shown == "0"
    assert a.height == pytest.approx(chart.bottom - chart.top)  # 4 is the top tick
    assert a.x < b.x < c.x and a.href == "/a"
    assert [label for _, label in chart.x_labels] == ["A", "B", "C"]
    assert not chart.empty


def test_a_chart_of_zeros_is_empty_but_still_drawn():
    chart = charts.bar_chart("t", [("A", 0, "red", None)])
    assert chart.empty and chart.ticks and chart.bars[0].height == 0


def test_line_points_follow_the_values_and_a_fixed_maximum():
    chart = charts.line_chart(
        "t", ["w1", "w2", "w3"], [("target", [10, 10, 10]), ("got", [0, 5, 10])],
        maximum=20, dashed=("target",),
    )  # fmt: skip
    target, got = chart.series
    assert target.dashed and not got.dashed
    assert target.color != got.color
    assert [round(y, 1) for _, y in got.points] == [
        chart.bottom,
        round(chart.bottom - (chart.bottom - chart.top) / 4, 1),
        round(chart.bottom - (chart.bottom - chart.top) / 2, 1),
    ]
    xs = [x for x, _ in got.points]
    assert xs[0] == chart.left and xs[-1] == pytest.approx(chart.right)
    assert got.path.count(",") == 3


def test_percent_has_no_value_without_a_denominator():
    assert charts.percent(1, 3) == 33.3
    assert charts.percent(0, 0) is None


def _weeks(count: int = 4) -> list[date]:
    this = date.today() - timedelta(days=date.today().weekday())
    return [this - timedelta(weeks=count - 1 - i) for i in range(count)]


def test_customers_by_grade_counts_active_customers_of_the_chosen_owners(app, company_a):
    other = add_member(app, company_a, "sales@alpha.example.com", {"sales"})
    make_customer(app, company_a, "A1", grade="A")
    make_customer(app, company_a, "A2", grade="A")
    make_customer(app, company_a, "none")
    make_customer(app, company_a, "gone", grade="A", archived_at=datetime.now(UTC))
    with app.app_context(), tenant_context(company_a.id):
        assert insights.customers_by("grade", None) == {"A": 2, None: 1}
        assert insights.customers_by("grade", [other]) == {}
        assert insights.customers_by("category", [company_a.owner_membership_id]) == {None: 3}


def test_followups_per_week_bucket_by_iso_week_and_member(app, company_a):
    weeks = _weeks()
    colleague = add_member(app, company_a, "lucy@alpha.example.com", {"sales"})
    customer = make_customer(app, company_a)
    make_followup(app, company_a, customer, on_date=weeks[0])  # Monday of the first week
    make_followup(app, company_a, customer, on_date=weeks[0] + timedelta(days=6))  # its Sunday
    make_followup(app, company_a, customer, on_date=weeks[0] - timedelta(days=1))  # before
    make_followup(app, company_a, customer, on_date=weeks[2], author_membership_id=colleague)
    with app.app_context(), tenant_context(company_a.id):
        everyone = insights.followups_per_week(weeks, None)
        only_colleague = insights.followups_per_week(weeks, [colleague])
    assert everyone == {company_a.owner_membership_id: [2, 0, 0, 0], colleague: [0, 0, 1, 0]}
    assert only_colleague == {colleague: [0, 0, 1, 0]}


def test_inquiry_targets_and_received_per_week(app, company_a, company_b):
    weeks = _weeks()
    sales = add_member(app, company_a, "sales@alpha.example.com", {"sales"})
    make_report(app, company_a, weeks[1], member_id=sales, target_inquiries=5)
    make_report(app, company_a, weeks[1], target_inquiries=3)
    make_report(app, company_b, weeks[1], target_inquiries=100)  # another company
    # Monday 00:30 in China is still Sunday in UTC: it belongs to the Chinese week
    monday_morning = datetime.combine(weeks[1], datetime.min.time(), UTC) - timedelta(
        minutes=7 * 60 + 30
    )
    make_inquiry(app, company_a, "early", received_at=monday_morning, assigned_to_id=sales)
    make_inquiry(app, company_a, "owner's", received_at=monday_morning)
    make_inquiry(app, company_b, "theirs", received_at=monday_morning)
    with app.app_context(), tenant_context(company_a.id):
        assert insights.inquiries_target_vs_received(weeks, None) == ([0, 8, 0, 0], [0, 2, 0, 0])
        assert insights.inquiries_target_vs_received(weeks, [sales]) == (
            [0, 5, 0, 0],
            [0, 1, 0, 0],
        )


def test_member_names(app, company_a):
    sales = add_member(app, company_a, "li@alpha.example.com", {"sales"}, "Li Lei")
    with app.app_context(), tenant_context(company_a.id):
        assert insights.member_names([sales]) == {sales: "Li Lei"}
        assert insights.member_names([]) == {}
