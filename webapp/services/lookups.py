"""Finding a person or a company before the database knows who is asking.

On PostgreSQL the application role sees only the current person and the members of the current
company (tenancy/rls.py, GLOBAL_POLICIES). Logging in, a forgotten password, a reset link, an
invitation to an existing account and signup must find someone first: each asks one narrow
SECURITY DEFINER function (rls.LOOKUP_FUNCTIONS) for exactly what that step needs, and then
reads the person's row as that person (`acting_user`). SQLite has no RLS: the same questions are
plain queries there. A new account or company reserves its id first, so the row it inserts is
visible to the transaction that writes it (INSERT ... RETURNING must pass the SELECT policy).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, text

from ..extensions import db
from ..models import PasswordResetToken, Tenant, User
from ..tenancy.context import acting_user


@dataclass(frozen=True)
class LoginAccount:
    id: int
    password_hash: str


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def login_account(email: str) -> LoginAccount | None:
    """The account to check a login's password against (`email` already lower-case)."""
    if _postgresql():
        row = db.session.execute(
            text("SELECT account_id, password_hash FROM tradefollow_login_account(:e)"),
            {"e": email},
        ).first()
    else:
        row = db.session.execute(
            select(User.id, User.password_hash).where(User.email == email)
        ).first()
    return None if row is None else LoginAccount(row[0], row[1])


def account_id(email: str) -> int | None:
    """The id of the account with this (lower-case) address, or None."""
    if _postgresql():
        return db.session.scalar(text("SELECT tradefollow_account_id(:e)"), {"e": email})
    return db.session.scalar(select(User.id).where(User.email == email))


def reset_link_account(token_hash: str) -> int | None:
    """Whose reset link this SHA-256 is (used, expired or not), or None."""
    if _postgresql():
        return db.session.scalar(
            text("SELECT tradefollow_reset_link_account(:h)"), {"h": token_hash}
        )
    return db.session.scalar(
        select(PasswordResetToken.user_id).where(PasswordResetToken.token_hash == token_hash)
    )


def company_id(slug: str) -> int | None:
    """The id of the company with this address, or None."""
    if _postgresql():
        return db.session.scalar(text("SELECT tradefollow_company_id(:s)"), {"s": slug})
    return db.session.scalar(select(Tenant.id).where(Tenant.slug == slug))


def company_ids() -> list[int]:
    """Every company's id (jobs that visit each company in turn)."""
    if _postgresql():
        return list(db.session.scalars(text("SELECT tradefollow_company_ids()")))
    return list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))


def reserve_id(model: type[User] | type[Tenant]) -> int | None:
    """A fresh id from the table's sequence on PostgreSQL (None on SQLite, where the insert
    picks it): the new row can then be written as that person / inside that company."""
    if not _postgresql():
        return None
    sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
    return db.session.scalar(select(func.nextval(sequence)))


def add_account(user: User) -> User:
    """Insert a new account (its id reserved first) and flush it, as that person."""
    if user.id is None:
        user.id = reserve_id(User)
    db.session.add(user)
    with acting_user(user.id):
        db.session.flush()
    return user
