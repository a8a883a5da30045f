"""The web side of who may see which customer (services/visibility.py has the rule): a view's
404 for a customer the current member may not see, the same answer as for one that does not
exist."""

from __future__ import annotations

from flask import abort, g

from ..models import Customer
from ..services.visibility import can_see
from ..tenancy.web import get_or_404


def require_visible(customer: Customer | None) -> Customer:
    """For a view: 404 unless the current member may see this customer."""
    if not can_see(g.get("membership"), customer):
        abort(404)
    return customer


def visible_customer_or_404(customer_id: int, *options) -> Customer:
    """The current company's customer `customer_id` if this member may see it, else 404.
    `options` are loader options, as for get_or_404."""
    return require_visible(get_or_404(Customer, customer_id, *options))
