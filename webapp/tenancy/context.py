"""Which company the code is working for: the current tenant, and the explicit ways to change it.

Inside a company's pages the company is `g.tenant` (set by tenancy/web.py from the URL). Outside
a request (CLI, seeding, tests) code names it with `tenant_context(tenant_id)`. Code that must
see several companies (signup, the company switcher, CLI jobs) says so with `cross_tenant()`.
The guard (guard.py) and row-level security (rls.py) read the context from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from flask import g, has_app_context
from sqlalchemy import inspect

if TYPE_CHECKING:
    from ..models.tenant import Tenant

T = TypeVar("T")

# Set outside requests (CLI, demo seeding, tests); inside a request g.tenant is used.
_tenant_id_var: ContextVar[int | None] = ContextVar("tenant_id", default=None)
_cross_tenant_var: ContextVar[bool] = ContextVar("cross_tenant", default=False)
# Whose memberships the database may show across companies (rls.py), outside a logged-in request
_acting_user_var: ContextVar[int | None] = ContextVar("acting_user", default=None)
# The SHA-256 of an invitation link being opened: the database shows that one invitation of any
# company (rls.py, policy invitation_by_token) before the visitor is a member of it
_invite_token_var: ContextVar[str | None] = ContextVar("invite_token", default=None)


class TenantContextMissing(RuntimeError):
    """A tenant-scoped query ran with no tenant in context (and no explicit cross_tenant())."""


class CrossTenantWrite(RuntimeError):
    """A write named a row or a tenant_id of another tenant than the current one."""


class UnscopedStatement(RuntimeError):
    """A statement the guard cannot limit to the current company (a model's Core table, an
    ORM bulk UPDATE by primary key): refused rather than run over every company's rows."""


def current_tenant_id() -> int | None:
    """The company this code works for: tenant_context()'s, else the request's g.tenant."""
    override = _tenant_id_var.get()
    if override is not None:
        return override
    if has_app_context():
        tenant = g.get("tenant")
        if tenant is not None:
            # the identity key, not tenant.id: after a commit the attribute is expired and
            # reading it would run a query from inside the guard's hooks
            identity = inspect(tenant).identity
            return identity[0] if identity else tenant.id
    return None


def current_tenant() -> Tenant:
    """The request's company (g.tenant); raises outside a company's pages."""
    tenant = g.get("tenant") if has_app_context() else None
    if tenant is None:
        raise TenantContextMissing("no tenant in this request")
    return tenant


def remember_request_user(user_id: int | None) -> None:
    """Record who is logged in for this request: the app's user loader and the login step call
    it, and row-level security (rls.py) tells the database (policy own_memberships). Reading
    Flask-Login's current_user from inside the ORM hooks would load the user and re-enter them."""
    g.request_user_id = user_id


def request_user_id() -> int | None:
    """The logged-in person's id as `remember_request_user` recorded it, or None."""
    return g.get("request_user_id") if has_app_context() else None


def is_cross_tenant() -> bool:
    """True inside cross_tenant(): the ORM guard adds no company filter."""
    return _cross_tenant_var.get()


def acting_user_id() -> int | None:
    """The person named by acting_user(), if any."""
    return _acting_user_var.get()


def invitation_token_hash() -> str | None:
    """The invitation link hash named by invitation_token(), if any."""
    return _invite_token_var.get()


@contextmanager
def _holding(var: ContextVar[T], value: T) -> Iterator[None]:
    """`var` set to `value` inside the block, back to what it was after."""
    token = var.set(value)
    try:
        yield
    finally:
        var.reset(token)


def tenant_context(tenant_id: int) -> AbstractContextManager[None]:
    """Run code outside a request (CLI, seeding, tests) as if inside tenant `tenant_id`."""
    return _holding(_tenant_id_var, tenant_id)


def acting_user(user_id: int) -> AbstractContextManager[None]:
    """Let the database show this person's memberships in every company (PostgreSQL RLS)."""
    return _holding(_acting_user_var, user_id)


def invitation_token(token_hash: str) -> AbstractContextManager[None]:
    """Let the database show the invitation whose link hash this is, whatever its company."""
    return _holding(_invite_token_var, token_hash)


def cross_tenant() -> AbstractContextManager[None]:
    """Explicit, visible opt-out of tenant scoping, for code that must see several tenants."""
    return _holding(_cross_tenant_var, True)
