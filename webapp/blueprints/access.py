"""How a view loads a record and checks who may act: the web layer's one way in.

Each area's routes load a record only through that area's loader (`<kind>_or_404` at the top
of its routes.py, in the spirit of flaskr's `get_post`): the loader answers 404 for another
company's record, for one that does not exist and for one this member may not see, the same
answer each time so a URL tells nothing. Records that hang off a customer pass through
`visible_or_404`, the customer rule of services/visibility.py.

What a member may do is said once per area: `permissions(bp, {endpoint: action})` checks the
action (services/roles.PERMISSIONS) before the view runs and answers 403. Rules that depend on
the record (the author of a follow-up, the uploader of an import) live in the loader.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, request

from ..models import Customer, Membership
from ..services.roles import can
from ..services.visibility import can_see
from ..tenancy.web import get_or_404

__all__ = [
    "AREA_PERMISSIONS",
    "customer_or_404",
    "get_or_404",
    "member_or_404",
    "permissions",
    "require",
    "visible_or_404",
]

# blueprint name -> {view name: action}: every area's map, for the test that holds them to the
# app's real views and to services/roles.PERMISSIONS (a misspelt view would go unchecked)
AREA_PERMISSIONS: dict[str, dict[str, str]] = {}


def visible_or_404(customer: Customer | None) -> Customer:
    """The customer, or 404 when the current member may not see it (a colleague's customer
    under "own" visibility): the same answer as for a customer that does not exist."""
    if not can_see(g.get("membership"), customer):
        abort(404)
    return customer


def customer_or_404(customer_id: int, *options) -> Customer:
    """A customer of the company that this member may see, or 404. `options` are loader
    options for what the page reads with it."""
    return visible_or_404(get_or_404(Customer, customer_id, *options))


def member_or_404(member_id: int) -> Membership:
    """A member of the company (active or not), or 404."""
    return get_or_404(Membership, member_id)


def require(action: str) -> None:
    """403 unless the current member may do `action`: for checks that depend on the request
    (an optional part of a page); a whole view's action goes in its area's `permissions`."""
    if not can(g.membership, action):
        abort(403)


def permissions(bp: Blueprint, actions: dict[str, str]) -> None:
    """Check, before any view of `bp` runs, the action its endpoint needs: `{view name:
    action}`; views not named need none beyond membership. Runs after the tenant blueprint's
    URL preprocessor has set `g.membership`."""
    prefix = f"{bp.name}."
    AREA_PERMISSIONS[bp.name] = actions

    @bp.before_request
    def _check_permission() -> None:
        endpoint = (request.endpoint or "").removeprefix(prefix)
        action = actions.get(endpoint)
        if action is not None:
            require(action)
