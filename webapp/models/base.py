"""Column and key helpers shared by the models."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKeyConstraint, TypeDecorator
from sqlalchemy import Numeric as SqlNumeric
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Numeric(TypeDecorator):
    """NUMERIC(precision, scale) that reads back only a number the column can hold. PostgreSQL
    refuses anything else; SQLite keeps a float and took 1e308 and Infinity before the forms
    bounded their numbers, which then broke every page, export and PDF showing them. Such a
    value reads as empty (to be typed again), the same as PostgreSQL could ever hold."""

    impl = SqlNumeric
    cache_ok = True

    def process_result_value(self, value: Decimal | None, dialect) -> Decimal | None:
        if value is None or not value.is_finite():
            return None
        if value and value.adjusted() >= self.impl.precision - self.impl.scale:
            return None
        return value


def tenant_fk(column: str, table: str, **options) -> ForeignKeyConstraint:
    """The composite foreign key (tenant_id, `column`) → `table` (tenant_id, id): the database
    itself refuses a row that points at another company's (docs/architecture.md, layer 3)."""
    return ForeignKeyConstraint(
        ["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"], **options
    )


def tenant_join(parent: str, child: str, column: str) -> str:
    """A relationship's primaryjoin: `child.column` points at `parent` in the same company.
    foreign() marks the id column only, so SQLAlchemy never copies tenant_id from a parent
    (it comes from the context, and the composite key checks it)."""
    return (
        f"and_({parent}.tenant_id == {child}.tenant_id, {parent}.id == foreign({child}.{column}))"
    )
