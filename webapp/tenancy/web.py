"""The web side of tenancy: company URLs (/t/<slug>/…), who may enter them, and loading a record.

`tenant_blueprint()` makes an area blueprint whose routes live under /t/<tenant_slug>/ and
resolve the company before any view runs (`resolve_tenant`): anonymous visitors go to login,
non-members get the same 404 as for a company that does not exist. `tenant_url_defaults` fills
the slug into url_for() so templates never pass it. `get_or_404` loads one row of the current
company or answers 404.
"""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from flask import Blueprint, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Membership, Tenant
from .context import acting_user, cross_tenant, current_tenant_id

T = TypeVar("T")


def get_or_404(model: type[T], object_id: int, *options) -> T:
    """Load one tenant-owned row of the current tenant, or 404 (never a hint it exists elsewhere).
    `options` are loader options (what the page will read of its relationships, in the same
    statement or the next, instead of a lazy load each).

    The explicit tenant filter doubles the ORM guard on purpose: either one alone suffices.
    """
    if not isinstance(object_id, int) or not 0 < object_id < 2**31:
        abort(404)  # not an id the database could hold: nothing there
    obj = db.session.scalar(
        select(model)
        .options(*options)
        .where(model.id == object_id, model.tenant_id == current_tenant_id())
    )
    if obj is None:
        abort(404)
    return obj


def tenant_url_defaults(endpoint: str, values: dict) -> None:
    """url_for() inside a company's pages fills in its slug, so templates never pass it."""
    if "tenant_slug" in values:
        return
    tenant = g.get("tenant")
    if tenant is not None and _expects_tenant(current_app.url_map, endpoint):
        values["tenant_slug"] = tenant.slug


def customer_url(customer_id: int, **query) -> str:
    """url_for('customers.card', customer_id=…, **query), the rows' link to a card."""
    return url_for("customers.card", customer_id=int(customer_id), **query)


@cache
def _expects_tenant(url_map, endpoint: str) -> bool:
    # the routes are fixed once the app is made; a page builds ~100 URLs
    return url_map.is_endpoint_expecting(endpoint, "tenant_slug")


def resolve_tenant(slug: str) -> None:
    """Make the company named in the URL current, or stop: login first, then members only.

    Anonymous visitors are sent to login whether or not the company exists, and a non-member
    gets the same 404 as for a company that does not exist: no hint either way.
    """
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    membership = _membership_in(slug, current_user.id)
    if membership is None:
        abort(404)
    g.tenant = membership.tenant
    g.membership = membership


def _membership_in(slug: str, user_id: int) -> Membership | None:
    """One statement for the company, the user's active membership in it, its roles and the
    user: one's own memberships are readable in every company (rls.py, policy
    own_memberships)."""
    statement = (
        select(Membership)
        .join(Membership.tenant)
        .options(contains_eager(Membership.tenant), joinedload(Membership.role_rows))
        .where(
            Tenant.slug == slug,
            Membership.user_id == user_id,
            Membership.active.is_(True),
        )
    )
    with cross_tenant(), acting_user(user_id):
        return db.session.execute(statement).unique().scalar_one_or_none()


def tenant_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose every route lives under /t/<tenant_slug>/ and requires membership."""
    bp = Blueprint(name, import_name, url_prefix=f"/t/<tenant_slug>{url_prefix}")

    @bp.url_value_preprocessor
    def _resolve(endpoint: str | None, values: dict | None) -> None:
        resolve_tenant(values.pop("tenant_slug"))

    return bp
