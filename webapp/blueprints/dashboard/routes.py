"""A company's home page."""

from __future__ import annotations

from flask import g, render_template

from ...services.customers import dashboard_counts, recent_customers
from ...tenancy import tenant_blueprint

bp = tenant_blueprint("dashboard", __name__)


@bp.get("/")
def home():
    return render_template(
        "dashboard/home.html",
        counts=dashboard_counts(g.membership),
        recent=recent_customers(limit=8),
    )
