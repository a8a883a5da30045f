"""Large exports on the job queue. An export of up to EXPORT_INLINE_ROWS customers is written
in the request, as before; a larger one would hold a web worker (and gunicorn's 60 s timeout):
it becomes an ExportJob, written by the consumer, whose page polls until the file is ready.

The file is written with the asking member's visibility and language, as the request would,
and kept for that member only; a member's new export replaces their earlier ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..extensions import db
from ..models import ExportJob, Membership, Tenant
from ..services import exporting
from ..services.customers import CustomerFilters, customer_query
from ..services.followups import company_today
from ..tenancy.context import tenant_context
from .queue import job

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def is_large(filters: CustomerFilters) -> bool:
    """More customers than a request should write."""
    limit = current_app.config["EXPORT_INLINE_ROWS"]
    stmt = customer_query(filters, contacts=False).order_by(None).limit(limit + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(stmt)) > limit


def create(member_id: int, kind: str, file_format: str, args: dict[str, str], locale: str):
    """The export's row (flushed), in place of the member's earlier ones."""
    db.session.execute(
        delete(ExportJob)
        .where(ExportJob.created_by_id == member_id)
        .execution_options(synchronize_session=False)
    )
    export = ExportJob(
        created_by_id=member_id,
        kind=kind,
        file_format=file_format,
        args=json.dumps(args, ensure_ascii=False),
        locale=locale,
        status="queued",
    )
    db.session.add(export)
    db.session.flush()
    return export


def write(export: ExportJob) -> tuple[bytes, str]:
    """The file and its name, as the member who asked sees the list. (The export streams and
    expunges what it has read, `export` included: load it again to change it.)"""
    member = db.session.get(Membership, export.created_by_id)
    filters = CustomerFilters.from_args(json.loads(export.args), viewer=member)
    stamp = company_today(db.session.get(Tenant, export.tenant_id)).isoformat()
    name = f"{export.kind}-{stamp}.{export.file_format}"
    with force_locale(export.locale):
        if export.file_format == "xlsx":
            return exporting.to_xlsx(filters), name
        return exporting.to_csv(export.kind, filters), name


@job()
def run_export(tenant_id: int, export_id: int) -> None:
    with tenant_context(tenant_id):
        export = db.session.get(ExportJob, export_id)
        if export is None or export.status != "queued":
            return  # replaced by a newer export, or delivered twice
        try:
            content, name = write(export)
        except Exception as exc:  # noqa: BLE001 - record any failure for the member's page
            db.session.rollback()
            export = db.session.get(ExportJob, export_id)
            with force_locale(export.locale):
                export.error = _("The export failed (%(why)s).", why=exc.__class__.__name__)
            export.status = "failed"
        else:
            export = db.session.get(ExportJob, export_id)
            export.content, export.file_name, export.status = content, name, "done"
        export.finished_at = datetime.now(UTC)
        db.session.commit()


def start(tenant_id: int, export_id: int) -> None:
    """Queue an export whose row is committed."""
    run_export(tenant_id, export_id)
