"""Invitations to join a company, and the company's audit log (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy.model import TenantScoped
from .base import tenant_fk, tenant_join, utcnow
from .user import Membership, User


class Invitation(TenantScoped, db.Model):
    """A single-use link to join the company with preset roles. Only the SHA-256 of the link's
    secret is stored (like password reset links): the database alone lets nobody join."""

    __tablename__ = "invitation"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        tenant_fk("created_by_id", "membership"),
        tenant_fk("revoked_by_id", "membership"),
        Index("ix_invitation_tenant_email", "tenant_id", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-case
    name: Mapped[str | None] = mapped_column(String(80))  # suggested name for the signup
    roles: Mapped[str] = mapped_column(String(120))  # role codes, comma-separated
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by_id: Mapped[int | None] = mapped_column(Integer)

    created_by: Mapped[Membership] = relationship(
        primaryjoin=tenant_join("Membership", "Invitation", "created_by_id"),
        viewonly=True,
    )
    tenant = relationship("Tenant", lazy="joined", innerjoin=True, viewonly=True)

    @property
    def role_set(self) -> set[str]:
        return {r for r in (self.roles or "").split(",") if r}


class AuditEvent(TenantScoped, db.Model):
    """Who did what, when and from which address. Rows are only ever added: the ORM refuses to
    update or delete them, and on PostgreSQL a trigger refuses it to any SQL (APPEND_ONLY_DDL)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        TenantScoped.tenant_unique(),
        Index("ix_audit_event_tenant_created", "tenant_id", "created_at"),
        Index("ix_audit_event_tenant_action", "tenant_id", "action"),
        Index("ix_audit_event_tenant_user", "tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    target_type: Mapped[str | None] = mapped_column(String(30))
    target_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)  # JSON object or plain text
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User | None] = relationship(lazy="joined")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(_mapper, _connection, target: AuditEvent) -> None:
    raise RuntimeError("audit events are never updated or deleted")


# PostgreSQL: refuse UPDATE and DELETE of audit rows to any SQL, not only to the ORM. The one
# DELETE let through is the cascade when a whole company is erased (its tenant row is gone).
APPEND_ONLY_DDL = [
    """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM tenant WHERE id = OLD.tenant_id) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
""",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]

for _statement in APPEND_ONLY_DDL:
    event.listen(
        AuditEvent.__table__,
        "after_create",
        DDL(_statement.replace("%", "%%")).execute_if(dialect="postgresql"),  # DDL formats %
    )
