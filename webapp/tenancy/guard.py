"""The ORM guard: every statement and every flush stays inside the current company.

The rule (docs/architecture.md): a statement on a tenant-owned model only ever sees and changes
the current company's rows, a write never names another company, and with no company in context
such a statement raises instead of reaching every company (fail closed).

Every ORM SELECT/UPDATE/DELETE gets the company filter (`with_loader_criteria`). What the filter
cannot reach is refused or checked:

- a Core statement on a model's table (`select(Customer.__table__)`): loader criteria apply to
  ORM entities only, so it raises UnscopedStatement;
- an ORM bulk UPDATE by primary key (`session.execute(update(Model), [{"id": …}])`): the ORM
  runs it without loader criteria, so it raises UnscopedStatement;
- an INSERT: the tenant_id it names must be the current company's (CrossTenantWrite);
- `session.get()` answers from the identity map without SQL: TenantSession checks the object's
  company and answers None for another one, as the database would;
- a flush: new rows get the current company, another company's row raises CrossTenantWrite.

Code that must cross companies says so with `cross_tenant()` (context.py).
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import Table, event
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.visitors import iterate

from .context import (
    CrossTenantWrite,
    TenantContextMissing,
    UnscopedStatement,
    current_tenant_id,
    is_cross_tenant,
)
from .model import TenantScoped
from .rls import sync_rls

T = TypeVar("T")


def _is_tenant_table(element: object) -> bool:
    # the same test as rls.tenant_tables: a table with a tenant_id column is a company's
    return isinstance(element, Table) and "tenant_id" in element.c


def touches_tenant_table(statement) -> bool:
    """Whether a tenant table appears anywhere in the statement: as the selected entity, a join
    target from a global model (select(User).join(Membership)), in a subquery (db.paginate's
    count) or only through a column in WHERE."""
    return any(_is_tenant_table(element) for element in iterate(statement))


def _company_filter(tenant_id: int):
    """The company filter for every tenant-owned entity of a statement, relationship loads and
    aliases included. The company is the lambda's closure value: SQLAlchemy tracks it as a bound
    value, so the compiled form is cached once for all companies."""
    return with_loader_criteria(
        TenantScoped,
        lambda cls: cls.tenant_id == tenant_id,
        include_aliases=True,
        track_closure_variables=True,
    )


@event.listens_for(Session, "do_orm_execute")
def _guard_statement(state: ORMExecuteState) -> None:
    sync_rls(state.session)
    if is_cross_tenant() or state.execution_options.get("cross_tenant", False):
        return
    if state.is_insert:
        _check_insert(state)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        if touches_tenant_table(state.statement):
            raise TenantContextMissing(
                "tenant-scoped statement with no tenant in context; "
                "use tenant_context() or cross_tenant()"
            )
        return
    if not state.is_orm_statement:
        # a Core statement (a model's __table__, or only bare EXISTS / subqueries at its top):
        # the ORM adds no loader criteria to it
        if touches_tenant_table(state.statement):
            raise UnscopedStatement(
                "a Core statement on a tenant table gets no company filter; write it with the "
                "ORM entity (select(Customer), update(Customer)) instead of its __table__, "
                "and select at least one ORM entity or column at its top"
            )
        return
    if (state.is_update or state.is_delete) and isinstance(state.parameters, list):
        # ORM bulk UPDATE by primary key (one parameter set per row) runs without the
        # statement's loader criteria
        if touches_tenant_table(state.statement):
            raise UnscopedStatement(
                "a bulk UPDATE/DELETE by primary key ignores the company filter; use "
                "update(Model).where(...) or change the loaded objects"
            )
        return
    state.statement = state.statement.options(_company_filter(tenant_id))


def _check_insert(state: ORMExecuteState) -> None:
    """An INSERT into a tenant table (ORM or Core, rows as parameters or in .values()) must
    name only the current company. Rows that name none are left to the NOT NULL column."""
    statement = state.statement
    if not _is_tenant_table(statement.table):
        return
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantContextMissing("INSERT into a tenant table with no tenant in context")
    if statement.select is not None:  # INSERT … FROM SELECT: its company is not known here
        raise UnscopedStatement("INSERT … FROM SELECT into a tenant table is not checked")
    parameters = state.parameters
    rows = parameters if isinstance(parameters, list) else [parameters or {}]
    named = {row["tenant_id"] for row in rows if "tenant_id" in row}
    if not (state.is_orm_statement and parameters):  # the ORM compiles a bulk INSERT itself
        # values written into the statement (.values(tenant_id=…)): its compiled parameters,
        # named after the column (<column>_m<row> in a multi-row VALUES); a column the
        # statement gives no value shows as None
        compiled = statement.compile(dialect=state.session.get_bind().dialect)
        named.update(
            value
            for key, value in compiled.params.items()
            if (key == "tenant_id" or key.startswith("tenant_id_m")) and value is not None
        )
    others = named - {tenant_id}
    if others:
        raise CrossTenantWrite(
            f"INSERT into {statement.table.name} names tenant {sorted(others, key=str)} "
            f"in tenant {tenant_id}"
        )


@event.listens_for(Session, "before_flush")
def _guard_writes(session: Session, flush_context, instances) -> None:
    """New rows get the current company; a changed or deleted row of another one is refused."""
    sync_rls(session)
    if is_cross_tenant():
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


class TenantSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session whose get() keeps to the current company.

    Session.get() answers from the identity map without SQL when the object is already loaded,
    so the statement guard never sees it: an object loaded for another company (earlier in the
    same session) would come back. get() checks the object's company instead, and answers as
    the database would have: None for another company's row, TenantContextMissing with none.
    Configured with SQLAlchemy(session_options={"class_": TenantSession}) (extensions.py).
    """

    def get(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        obj = super().get(entity, ident, **kwargs)
        if obj is None or not isinstance(obj, TenantScoped) or is_cross_tenant():
            return obj
        tenant_id = current_tenant_id()
        if tenant_id is None:
            raise TenantContextMissing(
                f"get of {type(obj).__name__} with no tenant in context; "
                "use tenant_context() or cross_tenant()"
            )
        return obj if obj.tenant_id == tenant_id else None

    def get_one(self, entity: Any, ident: Any, **kwargs: Any) -> Any:
        obj = self.get(entity, ident, **kwargs)
        if obj is None:
            raise NoResultFound("No row was found when one was required")
        return obj
