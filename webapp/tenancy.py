"""Tenant context and the ORM guard that keeps every company's rows to itself.

The rule (docs/architecture.md): a query of a tenant-owned model only ever sees the current
tenant's rows, a flush never writes another tenant's row, and with no tenant in context such a
query raises instead of returning everything (fail closed). Code that must cross tenants (signup,
login's company list, CLI jobs) says so with `cross_tenant()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import TYPE_CHECKING, TypeVar

from flask import abort, g, has_app_context, url_for
from sqlalchemy import (
    ForeignKey,
    Table,
    UniqueConstraint,
    bindparam,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    Session,
    contains_eager,
    declared_attr,
    joinedload,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.visitors import iterate

from .extensions import db

if TYPE_CHECKING:
    from .models.tenant import Tenant

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
    """A flush tried to write a row that belongs to another tenant."""


class TenantScoped:
    """Mixin for every tenant-owned model: tenant_id NOT NULL and UNIQUE (tenant_id, id).

    The unique pair is what children's composite foreign keys point at, so the database itself
    refuses a child row whose parent belongs to another company.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), nullable=False)

    @classmethod
    def tenant_unique(cls) -> UniqueConstraint:
        """The UNIQUE (tenant_id, id) every tenant table declares in its __table_args__."""
        return UniqueConstraint("tenant_id", "id")


def current_tenant_id() -> int | None:
    override = _tenant_id_var.get()
    if override is not None:
        return override
    if has_app_context():
        tenant = g.get("tenant")
        if tenant is not None:
            # the identity key, not tenant.id: after a commit the attribute is expired and
            # reading it would run a query from inside the query hooks below
            identity = inspect(tenant).identity
            return identity[0] if identity else tenant.id
    return None


def current_tenant() -> Tenant:
    tenant = g.get("tenant") if has_app_context() else None
    if tenant is None:
        raise TenantContextMissing("no tenant in this request")
    return tenant


@contextmanager
def tenant_context(tenant_id: int) -> Iterator[None]:
    """Run code outside a request (CLI, seeding, tests) as if inside tenant `tenant_id`."""
    token = _tenant_id_var.set(tenant_id)
    try:
        yield
    finally:
        _tenant_id_var.reset(token)


@contextmanager
def acting_user(user_id: int) -> Iterator[None]:
    """Let the database show this person's memberships in every company (PostgreSQL RLS)."""
    token = _acting_user_var.set(user_id)
    try:
        yield
    finally:
        _acting_user_var.reset(token)


@contextmanager
def invitation_token(token_hash: str) -> Iterator[None]:
    """Let the database show the invitation whose link hash this is, whatever its company."""
    token = _invite_token_var.set(token_hash)
    try:
        yield
    finally:
        _invite_token_var.reset(token)


@contextmanager
def cross_tenant() -> Iterator[None]:
    """Explicit, visible opt-out of tenant scoping, for code that must see several tenants."""
    token = _cross_tenant_var.set(True)
    try:
        yield
    finally:
        _cross_tenant_var.reset(token)


@cache
def _tenant_tables() -> frozenset[Table]:
    """The tables of every tenant-owned model (mapped by the time any query runs)."""
    return frozenset(
        mapper.local_table
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    )


def _touches_tenant_model(state) -> bool:
    """Whether the statement reads a tenant table anywhere: as the selected entity, a join
    target from a global model (select(User).join(Membership)), or inside a subquery (the count
    db.paginate wraps around the page's query). Looking at the selected entities alone let
    those through unfiltered on SQLite."""
    if any(issubclass(m.class_, TenantScoped) for m in state.all_mappers):
        return True
    tables = _tenant_tables()
    return any(element in tables for element in iterate(state.statement))


# --- PostgreSQL row-level security (rls.py): tell the database who is asking -------------------
_RLS_KEY = "rls_settings"
_SET_RLS = text(
    "SELECT set_config('app.tenant_id', :tenant, true), set_config('app.user_id', :user, true),"
    " set_config('app.invite_token', :invite, true)"
)


def _rls_wanted() -> tuple[str, str, str]:
    tenant_id = None if _cross_tenant_var.get() else current_tenant_id()
    acting = _acting_user_var.get()
    user_id = "" if acting is None else str(acting)
    if acting is None and has_app_context():
        # the user Flask-Login already loaded; asking current_user here would load it and
        # re-enter this hook
        state = inspect(g.get("_login_user"), raiseerr=False)
        if state is not None and state.identity:
            # read from the identity map key: touching an expired attribute would load it
            user_id = str(state.identity[0])
    invite = _invite_token_var.get() or ""
    return ("" if tenant_id is None else str(tenant_id), user_id, invite)


def sync_rls(session: Session) -> None:
    """Make the transaction's app.tenant_id / app.user_id match the current context. The values
    are transaction-local (set_config(..., true)): nothing is ever cleared by hand, and a pooled
    connection cannot carry one company's setting into another request."""
    if session.get_bind().dialect.name != "postgresql":
        return
    wanted = _rls_wanted()
    connection = session.connection()  # begins the transaction if needed
    if session.info.get(_RLS_KEY) == wanted:
        return
    connection.execute(_SET_RLS, {"tenant": wanted[0], "user": wanted[1], "invite": wanted[2]})
    session.info[_RLS_KEY] = wanted


_NOTHING_SET = ("", "", "")


@event.listens_for(Session, "after_begin")
def _fresh_transaction(session: Session, transaction, connection) -> None:
    # A new database transaction starts with none of the settings (the app only ever sets
    # them transaction-locally): a request with nothing to set yet (loading the logged-in
    # user, /healthz) sends no set_config at all, one round trip less on every request
    if not transaction.nested:
        session.info[_RLS_KEY] = _NOTHING_SET


@event.listens_for(Session, "after_transaction_end")
def _forget_rls(session: Session, transaction) -> None:
    # the settings die with the transaction (and roll back with a savepoint): set them again
    session.info.pop(_RLS_KEY, None)


# The company filter every tenant-scoped statement gets. It is one constant option whose
# company is a bound parameter filled in at execution, not a lambda closing over the id: a
# closure made each statement a new one to analyse, cache-key and compile-look-up, about half of
# what a small ORM statement cost (docs/performance.md, "2026-12-03, last").
TENANT_PARAM = "_tenant_scope"
_TENANT_CRITERIA = with_loader_criteria(
    TenantScoped,
    # a literal name: the lambda's analysis would turn a global into a tracked value
    lambda cls: cls.tenant_id == bindparam("_tenant_scope"),
    include_aliases=True,
)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state) -> None:
    sync_rls(state.session)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if _cross_tenant_var.get() or state.execution_options.get("cross_tenant", False):
        _bind_company_across_tenants(state)
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if not _touches_tenant_model(state):
            return
        raise TenantContextMissing(
            "tenant-scoped query with no tenant in context; use tenant_context() or cross_tenant()"
        )
    parameters = state.parameters
    if state.is_update or state.is_delete or isinstance(parameters, list):
        # The company bound into the criteria itself: a bulk UPDATE/DELETE evaluates its WHERE
        # in Python against the objects already loaded (synchronize_session), which sees a
        # bound parameter's own value, not the one given at execution; an executemany has one
        # parameter set per row. Rare statements: the closure's cost does not matter here.
        state.statement = state.statement.options(
            with_loader_criteria(
                TenantScoped,
                lambda cls: cls.tenant_id == tenant_id,
                include_aliases=True,
                track_closure_variables=True,
            )
        )
        return
    # with a company in context every SELECT gets the filter, without first looking for a
    # tenant table in it (that look cost more than the filter): the criteria applies to the
    # tenant-owned entities it finds and leaves a statement without any as it was
    state.statement = scoped(state.statement)
    state.parameters = {**(parameters or {}), TENANT_PARAM: tenant_id}


def _bind_company_across_tenants(state) -> None:
    """Under cross_tenant() no filter is added, but a statement may already carry the company
    filter: a relationship of an object loaded under a company, loaded lazily now (the ORM
    passes the filter on to it), or a statement built with scoped(). The first takes its
    parent's company, as the relationship joins within one company; the second has no company
    to take and says so, instead of SQLAlchemy's "a value is required for bind parameter"."""
    parent = state.lazy_loaded_from
    if parent is not None:
        tenant_id = parent.dict.get("tenant_id")
        if tenant_id is None and parent.obj() is not None:
            tenant_id = getattr(parent.obj(), "tenant_id", None)  # expired: loaded again
        if tenant_id is not None:
            state.parameters = {**(state.parameters or {}), TENANT_PARAM: tenant_id}
        return
    if _TENANT_CRITERIA in state.statement._with_options:
        raise TenantContextMissing(
            "a statement built with scoped() ran under cross_tenant(): it filters by the "
            "current company, and there is none; use tenant_context() around it"
        )


def scoped(statement: T) -> T:
    """The statement with the company filter attached. A statement built once at import and
    scoped here ahead of time (`PREBUILT = scoped(select(...))`) is the same object on every
    execution, so SQLAlchemy reuses its cache key and compiled form; the hook then only binds
    the company. Attaching the option twice changes nothing."""
    if _TENANT_CRITERIA in statement._with_options:
        return statement
    return statement.options(_TENANT_CRITERIA)


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances) -> None:
    sync_rls(session)
    if _cross_tenant_var.get():
        return
    tenant_id = current_tenant_id()
    new = session.new  # a fresh set on every access: taken once, not once per object
    for obj in list(new) + list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantContextMissing(f"write of {type(obj).__name__} with no tenant in context")
        if obj in new and obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise CrossTenantWrite(
                f"{type(obj).__name__} of tenant {obj.tenant_id} written in tenant {tenant_id}"
            )


def get_or_404(model: type[T], object_id: int, *options) -> T:
    """Load one tenant-owned row of the current tenant, or 404 (never a hint it exists elsewhere).
    `options` are loader options (what the page will read of its relationships, in the same
    statement or the next, instead of a lazy load each).

    The explicit tenant filter doubles the ORM listener on purpose: either one alone suffices.
    """
    if not isinstance(object_id, int) or not 0 < object_id < 2**31:
        abort(404)  # not an id the database could hold: nothing there
    statement = _by_id(model, options)
    obj = db.session.scalar(statement, {"object_id": object_id, "tenant_id": current_tenant().id})
    if obj is None:
        abort(404)
    return obj


@lru_cache(maxsize=256)
def _by_id(model: type, options: tuple):
    """get_or_404's statement, built once per model and set of loader options (module
    constants, e.g. the card's): only the id and the company are bound at each call."""
    return scoped(
        select(model)
        .options(*options)
        .where(model.id == bindparam("object_id"), model.tenant_id == bindparam("tenant_id"))
    )


def tenant_url_defaults(endpoint: str, values: dict) -> None:
    """url_for() inside a company's pages fills in its slug, so templates never pass it."""
    from flask import current_app

    if "tenant_slug" in values:
        return
    tenant = g.get("tenant")
    if tenant is not None and _expects_tenant(current_app.url_map, endpoint):
        values["tenant_slug"] = tenant.slug


def customer_url(customer_id: int, **query) -> str:
    """url_for('customers.card', customer_id=…, **query), the rows' link to a card. Its own
    per-request shortcut is gone: url_for builds from a kept template now (webapp/urls.py)."""
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
    from flask import redirect, request
    from flask_login import current_user

    # The membership's statement joins its user (Membership.user is loaded joined), so when it
    # runs before Flask-Login loads the user, that load finds the row in the session and sends
    # no SQL: one statement less on every company page. The id is the signed session's; what
    # was read for it is used only once the login check below has passed for that same user.
    peeked = _session_user_id() if "_login_user" not in g else None
    membership = _membership_in(slug, peeked) if peeked is not None else None
    if not current_user.is_authenticated:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if peeked != current_user.id:  # not read yet, or read for someone else
        membership = _membership_in(slug, current_user.id)
    if membership is None:
        abort(404)
    g.tenant = membership.tenant
    g.membership = membership


def _session_user_id() -> int | None:
    """The user id in the signed session cookie (Flask-Login's "<id>:<epoch>", see
    User.get_id), not yet checked against the user's epoch; None without one."""
    from flask import session

    from .models import User

    parsed = User.parse_id(session.get("_user_id"))
    return parsed[0] if parsed else None


def _membership_in(slug: str, user_id: int):
    """One statement for the company, the user's active membership in it, its roles and the
    user: one's own memberships are readable in every company (rls.py, policy
    own_memberships)."""
    with cross_tenant(), acting_user(user_id):
        return (
            db.session.execute(_membership_statement(), {"slug": slug, "user_id": user_id})
            .unique()
            .scalar_one_or_none()
        )


@cache
def _membership_statement():
    """Built once (the models are mapped by the first request): every company page runs it."""
    from .models import Membership, Tenant

    return (
        select(Membership)
        .join(Membership.tenant)
        .options(contains_eager(Membership.tenant), joinedload(Membership.role_rows))
        .where(
            Tenant.slug == bindparam("slug"),
            Membership.user_id == bindparam("user_id"),
            Membership.active.is_(True),
        )
    )


def tenant_blueprint(name: str, import_name: str, url_prefix: str = ""):
    """A blueprint whose every route lives under /t/<tenant_slug>/ and requires membership."""
    from flask import Blueprint

    bp = Blueprint(name, import_name, url_prefix=f"/t/<tenant_slug>{url_prefix}")

    @bp.url_value_preprocessor
    def _resolve(endpoint: str | None, values: dict | None) -> None:
        resolve_tenant(values.pop("tenant_slug"))

    return bp
