"""A member's home page: "my day" (due follow-ups, customers going stale, birthdays, holidays)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, g, render_template, request
from flask_babel import get_locale

from ...services import myday, pool
from ...services.customers import dashboard_counts, team_choices
from ...services.followups import company_today, company_zone
from ...services.orders import STAGES as ORDER_STAGES
from ...services.orders import WAITING_COUNT_CAP, waiting_count, waiting_for
from ...services.roles import can
from ...tenancy.web import tenant_blueprint
from ..access import member_or_404

bp = tenant_blueprint("dashboard", __name__)


def _whose_day() -> tuple[list[int] | None, str]:
    """Whose customers to show: mine; a manager may pick a colleague (?member=id) or the team
    (?member=all). Others asking for someone else still see their own."""
    wanted = request.args.get("member", "")
    if can(g.membership, "myday.team"):
        if wanted == "all":
            return None, "all"
        if wanted.isdigit():
            member = member_or_404(int(wanted))
            return [member.id], str(member.id)
    return [g.membership.id], ""


@dataclass(frozen=True)
class _CompanyDay:
    """What my day's lists are computed against: the company's date, zone and stale rules."""

    today: date
    zone: ZoneInfo
    stale_days: dict[str, int]


def _company_day() -> _CompanyDay:
    zone = company_zone(g.tenant)
    return _CompanyDay(company_today(g.tenant), zone, g.tenant.stale_days())


def _sections(
    owner_ids: list[int] | None, day: _CompanyDay, limit: int, after: str | None = None
) -> dict:
    """The three lists of my day that page on ("show more"), each by its own cursor."""
    today = day.today
    return {
        "due": lambda: myday.due(owner_ids, today, limit, after),
        "stale": lambda: myday.stale(owner_ids, today, day.stale_days, day.zone, limit, after),
        "birthdays": lambda: myday.birthdays(owner_ids, today, limit=limit, after=after),
    }


@bp.get("/")
def home():
    day = _company_day()
    today = day.today
    owner_ids, viewing = _whose_day()
    can_switch = can(g.membership, "myday.team")
    chunks = {name: read() for name, read in _sections(owner_ids, day, myday.FIRST).items()}
    return render_template(
        "dashboard/home.html",
        today=today,
        viewing=viewing,
        can_switch=can_switch,
        # only a manager picks whose day to see: no one else's page asks for the team
        members=team_choices() if can_switch else [],
        owner_names=myday.member_names() if viewing else {},
        counts=dashboard_counts(g.membership),
        sizes=myday.counts(owner_ids, today, day.stale_days, day.zone),
        count_cap=myday.COUNT_CAP,
        stale_days=day.stale_days,
        pool_warnings=pool.warnings(owner_ids, g.tenant),
        holidays=myday.holidays_ahead(owner_ids, today, str(get_locale())),
        # sign-offs are personal: always the viewer's own, whoever's day is shown
        waiting_orders=waiting_for(g.membership),
        waiting_count=waiting_count(g.membership),
        waiting_cap=WAITING_COUNT_CAP,
        order_stages=ORDER_STAGES,
        **chunks,
    )


@bp.get("/my-day/<day_list>")
def more(day_list: str):
    """The next rows of one list of my day, after the cursor the last chunk gave: for htmx the
    rows and a new "show more" button; without script, a page of them."""
    day = _company_day()
    owner_ids, viewing = _whose_day()
    after = request.args.get("after", "")[:40]
    read = _sections(owner_ids, day, myday.MORE, after).get(day_list)
    if read is None:
        abort(404)
    context = {
        "section": day_list,
        "chunk": read(),
        "today": day.today,
        "viewing": viewing,
        "owner_names": myday.member_names() if viewing else {},
    }
    if request.htmx:
        return render_template("dashboard/_more.html", **context)
    return render_template("dashboard/more.html", **context)
