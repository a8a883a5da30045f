"""A member's home page: "my day" (due follow-ups, customers going stale, birthdays, holidays)."""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import get_locale

from ...models import Membership
from ...services import myday, pool
from ...services.customers import dashboard_counts, team_choices
from ...services.followups import company_today, company_zone
from ...services.orders import STAGES as ORDER_STAGES
from ...services.orders import waiting_for
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


@bp.get("/")
def home():
    today = company_today(g.tenant)
    owner_ids, viewing = _whose_day()
    return render_template(
        "dashboard/home.html",
        today=today,
        viewing=viewing,
        can_switch=can(g.membership, "myday.team"),
        members=team_choices(),
        counts=dashboard_counts(g.membership),
        due=myday.due(owner_ids, today),
        stale=myday.stale(owner_ids, today, g.tenant.stale_days(), company_zone(g.tenant)),
        stale_days=g.tenant.stale_days(),
        pool_warnings=pool.warnings(owner_ids, g.tenant),
        birthdays=myday.birthdays(owner_ids, today),
        holidays=myday.holidays_ahead(owner_ids, today, str(get_locale())),
        # sign-offs are personal: always the viewer's own, whoever's day is shown
        waiting_orders=waiting_for(g.membership),
        order_stages=ORDER_STAGES,
        list_limit=myday.LIMIT,
    )
