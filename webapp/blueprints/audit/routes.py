"""The company's audit log (owner/admin): filter by action, person and dates, newest first."""

from __future__ import annotations

from flask import current_app, g, render_template, request

from ...paging import requested_page
from ...services import audit
from ...services.followups import company_zone
from ...tenancy import tenant_blueprint
from ..access import permissions

bp = tenant_blueprint("audit", __name__, "/audit")
permissions(bp, {"index": "audit.view"})


@bp.get("/")
def index():
    zone = company_zone(g.tenant)
    filters = audit.AuditFilters.from_args(request.args)
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
