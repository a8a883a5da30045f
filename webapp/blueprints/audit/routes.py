"""The company's audit log (owner/admin): filter by action, person and dates, newest first."""

from __future__ import annotations

from datetime import date

from flask import current_app, g, render_template, request
from werkzeug.datastructures import MultiDict

from ...paging import requested_page
from ...services import audit
from ...services.followups import company_zone
from ...tenancy.web import tenant_blueprint
from ..access import permissions
from ..formkit import bounded_int

bp = tenant_blueprint("audit", __name__, "/audit")
permissions(bp, {"index": "audit.view"})


@bp.before_app_request
def _note_client_address() -> None:
    """Every event recorded during this request carries the client's address (services/audit.py
    reads it from g: services do not read the request)."""
    g.client_ip = request.remote_addr or None


def filters_from_args(args: MultiDict) -> audit.AuditFilters:
    """The log page's filters from its query string; anything unknown is dropped."""
    action = args.get("action", "")
    return audit.AuditFilters(
        action=action if action in audit.ACTION_LABELS else "",
        user_id=args.get("user", type=bounded_int),
        date_from=_parse_date(args.get("from", "")),
        date_to=_parse_date(args.get("to", "")),
    )


def _parse_date(text: str) -> date | None:
    try:
        value = date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None
    return value if 2000 <= value.year <= 2999 else None


@bp.get("/")
def index():
    zone = company_zone(g.tenant)
    filters = filters_from_args(request.args)
    per_page = current_app.config["PAGE_SIZE"] * 2
    page = requested_page(audit.log_query(filters, zone), per_page, max_per_page=200)
    return render_template(
        "audit/index.html",
        page=page,
        filters=filters,
        actions=audit.ACTION_LABELS,
        people=audit.people(),
        local=lambda moment: audit.local_moment(moment, zone),
        detail_items=audit.detail_items,
        action_label=audit.action_label,
    )
