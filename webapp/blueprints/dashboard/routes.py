"""A member's home page: "my day" (due follow-ups, customers going stale, birthdays, holidays)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, g, render_template, request
from flask_babel import get_locale

from ...models import Membership
from ...services import myday, pool
from ...services.customers import dashboard_counts, team_choices
from ...services.followups import company_today, company_zone
from ...services.orders import STAGES as ORDER_STAGES
from ...services.orders import WAITING_COUNT_CAP, waiting_count, waiting_for
from ...services.roles import can
from ...tenancy import get_or_404, tenant_blueprint

bp = tenant_blueprint("dashboard", __name__)


def _whose_day() -> tuple[list[int] | None, str]:
    """Whose customers to show: mine; a manager may pick a colleague (?member=id) or the team
    (?member=all). Others asking for someone else still see their own."""
    wanted = request.args.get("member", "")
    if can(g.membership, "myday.team"):
        if wanted == "all":
            return None, "all"
        if wanted.isdigit():
            member = get_or_404(Membership, int(wanted))
            return [member.id], str(member.id)
    return [g.membership.id], ""


def _sections(
    owner_ids: list[int] | None,
    today: date,
    stale_days: dict[str, int],
    zone: ZoneInfo,
    limit: int,
    after: str | None = None,
) -> dict:
    """The three lists of my day that page on ("show more"), each by its own cursor."""
    return {
        "due": lambda: myday.due(owner_ids, today, limit, after),
        "stale": lambda: myday.stale(owner_ids, today, stale_days, zone, limit, after),
        "birthdays": lambda: myday.birthdays(owner_ids, today, limit=limit, after=after),
    }


@bp.get("/")
def home():
    zone, stale_days = company_zone(g.tenant), g.tenant.stale_days()
    today = company_today(g.tenant)
    owner_ids, viewing = _whose_day()
    can_switch = can(g.membership, "myday.team")
    sections = _sections(owner_ids, today, stale_days, zone, myday.FIRST)
    chunks = {name: read() for name, read in sections.items()}
    return render_template(
        "dashboard/home.html",
        today=today,
        viewing=viewing,
        can_switch=can_switch,
        # only a manager picks whose day to see: no one else's page asks for the team
        members=team_choices() if can_switch else [],
        counts=dashboard_counts(g.membership),
        sizes=myday.counts(owner_ids, today, stale_days, zone),
        count_cap=myday.COUNT_CAP,
        stale_days=stale_days,
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
    today = company_today(g.tenant)
    owner_ids, viewing = _whose_day()
    after = request.args.get("after", "")[:40]
    sections = _sections(
        owner_ids, today, g.tenant.stale_days(), company_zone(g.tenant), myday.MORE, after
    )
    read = sections.get(day_list)
    if read is None:
        abort(404)
    context = {"section": day_list, "chunk": read(), "today": today, "viewing": viewing}
    if request.htmx:
        return render_template("dashboard/_more.html", **context)
    return render_template("dashboard/more.html", **context)
