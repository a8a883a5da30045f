"""The dashboard (看板): charts of customers, follow-ups, inquiries and plan compliance, drawn
as inline SVG on the server (services/charts.py lays them out)."""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _

from ...services import charts, insights, weeks
from ...services.classification import CATEGORIES, GRADES
from ...services.customers import team_choices
from ...services.roles import can
from ...tenancy.web import tenant_blueprint
from ..access import member_or_404

bp = tenant_blueprint("charts", __name__, "/charts")

WEEKS = 12
GRADE_COLORS = {"A": "#c62828", "B": "#1565c0", "C": "#495057", "D": "#adb5bd", None: "#dee2e6"}
LINE_SIZE = {"width": 480, "height": 240}  # drawn in half a page: keeps the text readable
MAX_LINES = 8  # more lines than this is spaghetti; the busiest members are drawn


def _whose() -> tuple[list[int] | None, str]:
    """Mine by default; dashboard.team roles may pick the team (?member=all) or a colleague."""
    wanted = request.args.get("member", "")
    if can(g.membership, "dashboard.team"):
        if wanted == "all":
            return None, "all"
        if wanted.isdigit():
            return [member_or_404(int(wanted)).id], wanted
    return [g.membership.id], ""


def _grade_chart(owner_ids: list[int] | None, owner: str) -> charts.Chart:
    counts = insights.customers_by("grade", owner_ids)
    items = [
        (code, counts.get(code, 0), GRADE_COLORS[code], _customers_link(owner, grade=code))
        for code in GRADES
    ]
    items.append((_("Not graded"), counts.get(None, 0), GRADE_COLORS[None], None))
    return charts.bar_chart(_("Customers by grade"), items, width=420)


def _category_chart(owner_ids: list[int] | None, owner: str) -> charts.Chart:
    counts = insights.customers_by("category", owner_ids)
    items = [
        (str(label), counts.get(code, 0), charts.PALETTE[i], _customers_link(owner, category=code))
        for i, (code, label) in enumerate(CATEGORIES.items())
    ]
    items.append((_("Not set"), counts.get(None, 0), "#dee2e6", None))
    return charts.bar_chart(_("Customers by category"), items, width=420)


def _customers_link(owner: str, **filters: str) -> str:
    from flask import url_for

    if owner == "":
        filters["owner"] = "mine"
    elif owner != "all":
        filters["owner"] = owner
    return url_for("customers.index", **filters)


def _week_labels(mondays: list) -> list[str]:
    return [_("wk%(number)d", number=weeks.week_number(m)) for m in mondays]


def _followup_chart(mondays: list, member_ids: list[int] | None) -> charts.Chart:
    per_member = insights.followups_per_week(mondays, member_ids)
    busiest = sorted(per_member, key=lambda m: -sum(per_member[m]))[:MAX_LINES]
    names = insights.member_names(busiest)
    series = [(names.get(m, "?"), per_member[m]) for m in busiest]
    return charts.line_chart(
        _("Follow-ups per week"),
        _week_labels(mondays),
        series or [(_("Follow-ups"), [0] * WEEKS)],
        **LINE_SIZE,
    )


def _inquiry_chart(mondays: list, member_ids: list[int] | None) -> charts.Chart:
    targets, received = insights.inquiries_target_vs_received(mondays, member_ids)
    target_name = _("Target")
    return charts.line_chart(
        _("Inquiries: target vs. received"),
        _week_labels(mondays),
        [(target_name, targets), (_("Inquiries received"), received)],
        dashed=(target_name,),
        **LINE_SIZE,
    )


def _compliance_chart(mondays: list, member_ids: list[int] | None) -> charts.Chart:
    values = insights.compliance_per_week(mondays, member_ids)
    # a week with nothing planned is drawn at 0 and named so in the data table
    return charts.line_chart(
        _("Plan compliance per week"),
        _week_labels(mondays),
        [(_("Plan compliance"), [v or 0 for v in values])],
        maximum=100,
        unit="%",
        **LINE_SIZE,
    )


@bp.get("/")
def index():
    member_ids, viewing = _whose()
    mondays = weeks.recent_weeks(g.tenant, WEEKS)
    panels = [
        _grade_chart(member_ids, viewing),
        _category_chart(member_ids, viewing),
        _followup_chart(mondays, member_ids),
        _inquiry_chart(mondays, member_ids),
        _compliance_chart(mondays, member_ids),
    ]
    template = "charts/_panels.html" if request.headers.get("HX-Request") else "charts/index.html"
    return render_template(
        template,
        panels=panels,
        viewing=viewing,
        can_switch=can(g.membership, "dashboard.team"),
        members=team_choices(),
        first_week=mondays[0],
        last_week=mondays[-1],
    )
