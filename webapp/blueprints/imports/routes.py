"""Import a customer sheet (upload -> mapping -> preview -> commit with progress) and export the
customer list to Excel or CSV. The rules live in services/importing and services/exporting."""

from __future__ import annotations

import json
from dataclasses import asdict

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from ... import jobs
from ...extensions import db
from ...models import Customer, ExportJob, ImportBatch
from ...paging import requested_page
from ...services import audit, exporting, importing
from ...services.classification import DUPLICATE_REASONS
from ...services.countries import is_country
from ...services.customers import CustomerFilters
from ...services.followups import company_today
from ...services.importing.problems import problems_xlsx
from ...services.importing.readers import MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS
from ...services.roles import can
from ...services.visibility import sees_all, visible_clause
from ...tenancy.web import tenant_blueprint
from ..access import get_or_404, permissions

bp = tenant_blueprint("imports", __name__, "/imports")
permissions(
    bp,
    {
        "index": "customers.edit",
        "mapping": "customers.edit",
        "commit": "customers.edit",
        "restart": "customers.edit",
        "revise": "customers.edit",
        "encoding": "customers.edit",
        "problems": "customers.edit",
    },
)


def import_or_404(import_id: int, *, run: bool = False) -> ImportBatch:
    """An import its uploader may open, and whoever sees every customer: its preview and
    result name customers, which a salesperson who sees only their own must not read through
    a colleague's import (404, as for a customer they may not see). With `run` (map it, write
    it), 403 unless the member may decide on it (`_may_run`)."""
    batch = get_or_404(ImportBatch, import_id)
    if batch.created_by_id != g.membership.id and not sees_all(g.membership):
        abort(404)
    if run and not _may_run(batch):
        abort(403)
    return batch


def _mine_unless_all(stmt):
    if sees_all(g.membership):
        return stmt
    return stmt.where(ImportBatch.created_by_id == g.membership.id)


def _may_run(batch: ImportBatch) -> bool:
    """The person who uploaded the file, or a manager, decides on it."""
    return batch.created_by_id == g.membership.id or can(g.membership, "imports.run_others")


def _limits() -> dict:
    return {"mb": MAX_FILE_BYTES // 2**20, "rows": f"{MAX_ROWS:,}", "columns": MAX_COLUMNS}


# --- upload and history -----------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
def index():
    error, status = None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            error = _("Choose a file to import.")
        else:
            # read one byte past the cap: a too large file is refused without reading it all
            data = upload.stream.read(MAX_FILE_BYTES + 1)
            try:
                batch = importing.create_batch(data, upload.filename, g.membership.id)
            except importing.ImportFileError as exc:
                error = str(exc)
            else:
                db.session.commit()
                return redirect(url_for("imports.mapping", import_id=batch.id), 303)
        status = 422
    page = requested_page(
        _mine_unless_all(select(ImportBatch))
        .options(selectinload(ImportBatch.created_by), defer(ImportBatch.content))
        .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    )
    return render_template("imports/index.html", page=page, error=error, limits=_limits()), status


# --- mapping ----------------------------------------------------------------------------------


@bp.route("/<int:import_id>/mapping", methods=["GET", "POST"])
def mapping(import_id: int):
    batch = import_or_404(import_id, run=True)
    if batch.status != "uploaded":
        return redirect(url_for("imports.show", import_id=batch.id))
    settings = importing.settings_of(batch)
    today = company_today(g.tenant)
    error, status = None, 200
    chosen = settings["mapping"]
    year = settings.get("year") or today.year
    if request.method == "POST":
        fields = set(importing.FIELDS)
        chosen = [
            value if value in fields else ""
            for value in (request.form.get(f"col-{i}", "") for i in range(len(settings["headers"])))
        ]
        year = request.form.get("year", type=int) or today.year
        used = [v for v in chosen if v]
        if "name" not in used:
            error = _("Choose the column that holds the company name.")
        elif len(used) != len(set(used)):
            error = _("Each field can come from one column only.")
        elif not 2000 <= year <= today.year:
            error = _("The log year must be between 2000 and %(year)d.", year=today.year)
        else:
            importing.save_settings(batch, mapping=chosen, year=year)
            try:
                preview = importing.build_preview(batch, today)
            except importing.ImportFileError as exc:
                error = str(exc)
            else:
                importing.save_settings(batch, preview=asdict(preview))
                db.session.commit()
                return redirect(url_for("imports.show", import_id=batch.id), 303)
        status = 422
    try:
        samples = importing.samples(importing.sheet_of(batch))
    except importing.ImportFileError as exc:
        samples, error = [[] for _ in settings["headers"]], str(exc)
    columns = list(zip(settings["headers"], chosen, samples, strict=False))
    return render_template(
        "imports/mapping.html",
        batch=batch,
        columns=columns,
        fields=importing.FIELDS,
        year=year,
        this_year=today.year,
        header_row=settings["header_row"],
        error=error,
        saved=settings,
        encodings=importing.ENCODINGS,
    ), status


# --- preview, progress, result ----------------------------------------------------------------


def _preview_context(batch: ImportBatch) -> dict:
    settings = importing.settings_of(batch)
    return {
        "batch": batch,
        "preview": settings.get("preview"),
        "saved": settings,
        "reasons": DUPLICATE_REASONS,
        "choices": importing.CHOICES,
        "encodings": importing.ENCODINGS,
    }


def _decisions() -> dict:
    """The preview form's answers: per duplicate pair, per company-less row, per ambiguous
    country name (services/importing reads them from the batch's settings)."""
    form = request.form
    return {
        "choices": {
            key.removeprefix("choice-"): value
            for key, value in form.items()
            if key.startswith("choice-") and value in importing.CHOICES
        },
        "flips": {
            key.removeprefix("flip-"): value
            for key, value in form.items()
            if key.startswith("flip-") and value in ("contact", "customer")
        },
        "countries": {
            key.removeprefix("country:"): value
            for key, value in form.items()
            if key.startswith("country:") and is_country(value)
        },
    }


@bp.post("/<int:import_id>/preview")
def revise(import_id: int):
    """Count again with the answers given so far (rows flipped, countries chosen, pairs
    decided): the preview shows what the import will now do."""
    batch = import_or_404(import_id, run=True)
    if batch.status != "uploaded" or "preview" not in importing.settings_of(batch):
        return redirect(url_for("imports.show", import_id=batch.id), 303)
    importing.save_settings(batch, **_decisions())
    try:
        preview = importing.build_preview(batch, company_today(g.tenant))
    except importing.ImportFileError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("imports.mapping", import_id=batch.id), 303)
    importing.save_settings(batch, preview=asdict(preview))
    db.session.commit()
    return redirect(url_for("imports.show", import_id=batch.id), 303)


@bp.post("/<int:import_id>/encoding")
def encoding(import_id: int):
    """Read a CSV again in the encoding the user picked (the detection was unsure or wrong)."""
    batch = import_or_404(import_id, run=True)
    if batch.status != "uploaded":
        return redirect(url_for("imports.show", import_id=batch.id), 303)
    try:
        importing.change_encoding(batch, request.form.get("encoding", ""))
    except importing.ImportFileError as exc:
        flash(str(exc), "danger")
        db.session.rollback()
    else:
        db.session.commit()
    return redirect(url_for("imports.mapping", import_id=batch.id), 303)


@bp.get("/<int:import_id>/problems.xlsx")
def problems(import_id: int):
    """The rows the import cannot take, with a Problem column: fix them, upload again."""
    batch = import_or_404(import_id)
    if batch.content is None or "mapping" not in importing.settings_of(batch):
        abort(404)
    try:
        data, _count = problems_xlsx(batch, company_today(g.tenant))
    except importing.ImportFileError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("imports.show", import_id=batch.id), 303)
    return _download(
        data,
        f"problems-import-{batch.id}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/<int:import_id>")
def show(import_id: int):
    batch = import_or_404(import_id)
    if batch.status == "uploaded":
        if "preview" not in importing.settings_of(batch):
            return redirect(url_for("imports.mapping", import_id=batch.id))
        return render_template(
            "imports/preview.html", may_run=_may_run(batch), **_preview_context(batch)
        )
    if batch.status == "running":
        return render_template("imports/running.html", **_running_context(batch))
    return render_template("imports/result.html", **_result_context(batch))


def _result_context(batch: ImportBatch) -> dict:
    ids = json.loads(batch.result_ids or "[]")
    customers = (
        list(
            db.session.scalars(
                select(Customer)
                .where(Customer.id.in_(ids[:50]), visible_clause(g.membership))
                .order_by(Customer.id)
            )
        )
        if ids
        else []
    )
    return {"batch": batch, "customers": customers, "more": max(0, len(ids) - 50)}


def _running_context(batch: ImportBatch) -> dict:
    """The progress bar's state, from the job queue's records (any web worker reads them)."""
    state, percent = jobs.imports.progress(batch)
    return {
        "batch": batch,
        "state": state,
        "progress": percent,
        # queued and nobody to run it: say so rather than wait forever
        "no_consumer": state == "queued" and not jobs.imports.consumer_alive(),
        "may_run": _may_run(batch),
    }


@bp.post("/<int:import_id>/commit")
def commit(import_id: int):
    batch = import_or_404(import_id, run=True)
    if batch.status != "uploaded":
        return redirect(url_for("imports.show", import_id=batch.id), 303)
    if "preview" not in importing.settings_of(batch):
        return redirect(url_for("imports.mapping", import_id=batch.id), 303)
    if request.form.get("confirm") != "1":
        flash(_("Confirm the import first."), "warning")
        return render_template("imports/preview.html", may_run=True, **_preview_context(batch)), 422
    default = request.form.get("default_choice", "skip")
    if not importing.claim(
        batch,
        **_decisions(),
        default_choice=default if default in importing.CHOICES else "skip",
        skip_invalid=request.form.get("skip_invalid") == "1",
    ):
        return redirect(url_for("imports.show", import_id=batch.id), 303)
    audit.record(
        "import.commit",
        target_type="import",
        target_id=batch.id,
        detail={"file": batch.file_name, "rows": batch.total_rows},
    )
    _commit_and_queue(batch)
    return redirect(url_for("imports.show", import_id=import_id), 303)


def _commit_and_queue(batch: ImportBatch) -> None:
    """Commit, then queue the import. Everything the job needs is read first: a read after the
    commit would open the request's next transaction, which on SQLite holds the write lock the
    job needs (the queue's immediate mode runs the job inside this request)."""
    args = (g.tenant.id, batch.id, company_today(g.tenant), str(get_locale() or "zh"))
    db.session.commit()
    jobs.imports.start(*args)


@bp.post("/<int:import_id>/restart")
def restart(import_id: int):
    """Start again an import whose consumer was killed: nothing of it was written, and its
    upload is kept until it is done."""
    batch = import_or_404(import_id, run=True)
    if jobs.imports.is_stale(batch):
        audit.record("import.restart", target_type="import", target_id=batch.id,
                     detail={"file": batch.file_name})  # fmt: skip
        _commit_and_queue(batch)
    return redirect(url_for("imports.show", import_id=import_id), 303)


@bp.get("/<int:import_id>/status")
def status(import_id: int):
    """The progress bar's partial; once the import has ended, htmx is sent to the result."""
    batch = import_or_404(import_id)
    if batch.status in ("done", "failed"):
        response = Response("", 200)
        response.headers["HX-Redirect"] = url_for("imports.show", import_id=batch.id)
        return response
    return render_template("imports/_progress.html", **_running_context(batch))


# --- export -----------------------------------------------------------------------------------


def _download(data: bytes, name: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Exports are POSTs: they write an audit event, and a GET would be written by any link prefetch
# or crawler. The list's filters come as form fields (imports/_export_links.html).


@bp.post("/export.xlsx")
def export_xlsx():
    filters = CustomerFilters.from_args(request.form, viewer=g.membership)
    if jobs.exports.is_large(filters):
        return _export_later("customers", "xlsx")
    stamp = company_today(g.tenant).isoformat()
    _record_export("xlsx", "customers")
    return _download(
        exporting.to_xlsx(filters),
        f"customers-{stamp}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.post("/export.csv")
def export_csv():
    kind = request.form.get("kind", "customers")
    if kind not in exporting.KINDS:
        kind = "customers"
    filters = CustomerFilters.from_args(request.form, viewer=g.membership)
    if jobs.exports.is_large(filters):
        return _export_later(kind, "csv")
    stamp = company_today(g.tenant).isoformat()
    _record_export("csv", kind)
    return _download(exporting.to_csv(kind, filters), f"{kind}-{stamp}.csv", "text/csv")


def _record_export(fmt: str, kind: str) -> None:
    """Who took the company's data out, with the list's filters."""
    audit.record(
        "export",
        target_type="export",
        detail={"format": fmt, "kind": kind, "filters": exporting.export_args(request.form)},
    )
    db.session.commit()


def _export_later(kind: str, fmt: str) -> Response:
    """A large export goes to the job queue; its page polls until the file is ready."""
    export = jobs.exports.create(
        g.membership.id, kind, fmt, exporting.export_args(request.form), str(get_locale() or "zh")
    )
    args = (g.tenant.id, export.id)  # read before the commit (see _commit_and_queue)
    _record_export(fmt, kind)
    jobs.exports.start(*args)
    return redirect(url_for("imports.export_page", export_id=args[1]), 303)


def export_or_404(export_id: int) -> ExportJob:
    """An export opens for the member who asked for it, and nobody else: it is the list as they
    see it."""
    export = get_or_404(ExportJob, export_id, defer(ExportJob.content))
    if export.created_by_id != g.membership.id:
        abort(404)
    return export


def _export_context(export_id: int) -> dict:
    export = export_or_404(export_id)
    no_consumer = export.status == "queued" and not jobs.imports.consumer_alive()
    return {"export": export, "no_consumer": no_consumer}


@bp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    return render_template("imports/export.html", **_export_context(export_id))


@bp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    """The export page's partial, polled until the file is ready or the export failed."""
    return render_template("imports/_export_status.html", **_export_context(export_id))


@bp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    export = export_or_404(export_id)
    if export.status != "done":
        return redirect(url_for("imports.export_page", export_id=export_id))
    return _download(export.content, export.file_name, jobs.exports.MIMETYPES[export.file_format])


@bp.get("/export-links")
def export_links():
    """The list page's export buttons, re-rendered by htmx as its filters change."""
    return render_template(
        "imports/_export_links.html", export_args=exporting.export_args(request.args)
    )
