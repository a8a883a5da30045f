"""The weekly inquiry report (阿里巴巴客户跟进一览表): my reports, one report laid out like the
paper, its tables edited line by line (htmx), the team's week for managers, and the PDF.

Who: the salesperson edits their own report until it is marked discussed; reports.review roles
read every report, comment and mark discussed; reports.set_target roles set the targets; anyone
else gets 403 on another person's report. Rules: services/reports.py."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db, writes_on_get
from ...models import WeeklyReport, WeeklyReportComment, WeeklyReportLine
from ...models.report import REPORT_SECTIONS
from ...paging import requested_page
from ...pdf import send_paper_form
from ...services import printing as print_data
from ...services import reports as rules
from ...services import weeks
from ...services.roles import can
from ...tenancy.web import tenant_blueprint
from ..access import get_or_404, member_or_404, permissions
from ..formkit import opened, save_guard
from .forms import CommentForm, LineForm, SummaryForm, TargetForm

bp = tenant_blueprint("reports", __name__, "/reports")
permissions(
    bp,
    {
        "team_now": "reports.review",
        "team": "reports.review",
        "mark_discussed": "reports.review",
        "set_target": "reports.set_target",
    },
)

LOCKED = _l("This report was discussed and is read-only now.")
PDF_TITLE = _l("Weekly inquiry report")


# --- loading and permissions ------------------------------------------------------------------


def _monday(week: str) -> date:
    monday = weeks.parse_week(week)
    if monday is None:
        abort(404)
    return monday


def _is_mine(report: WeeklyReport) -> bool:
    return report.member_id == g.membership.id


def report_or_404(report_id: int, *, write: bool = False) -> WeeklyReport:
    """The report with its lines and comments; 404 for another company's, 403 for a colleague's
    report unless the member reviews reports; with `write`, 403 unless it is the member's own
    (only the salesperson writes the report's content)."""
    get_or_404(WeeklyReport, report_id)
    report = db.session.scalar(
        select(WeeklyReport)
        .where(WeeklyReport.id == report_id)
        .options(
            selectinload(WeeklyReport.lines),
            selectinload(WeeklyReport.comments).selectinload(WeeklyReportComment.author),
            selectinload(WeeklyReport.discussed_by),
        )
    )
    if not (_is_mine(report) or can(g.membership, "reports.review")):
        abort(403)
    if write and not _is_mine(report):
        abort(403)
    return report


def _add_form(section: str, formdata=None) -> LineForm:
    form = LineForm(formdata=formdata, prefix=f"add-{section}")
    if formdata is None:
        form.section.data = section
    return form


def _page_context(report: WeeklyReport, **extra) -> dict:
    summary_form = extra.pop("summary_form", None) or opened(
        SummaryForm(formdata=None, obj=report), report
    )
    add_forms = {s: _add_form(s) for s in REPORT_SECTIONS}
    add_forms.update(extra.pop("add_forms", {}))
    return {
        "report": report,
        "counts": rules.counts(report),
        "status": rules.status(report),
        "status_labels": rules.STATUS_LABELS,
        "deadline": weeks.report_deadline(g.tenant, report.week_start),
        "deadline_passed": rules.deadline_passed(g.tenant, report),
        "submitted_local": rules.company_time(g.tenant, report.submitted_at),
        "discussed_local": rules.company_time(g.tenant, report.discussed_at),
        "week": weeks.week_label(report.week_start),
        "week_end": report.week_start + timedelta(days=6),
        "grouped": rules.lines_by_section(report, g.membership),
        "sections": REPORT_SECTIONS,
        "section_titles": rules.SECTION_TITLES,
        "section_columns": rules.SECTION_COLUMNS,
        "column_labels": rules.COLUMN_LABELS,
        "summary_labels": rules.SUMMARY_LABELS,
        "summary_form": summary_form,
        "add_forms": add_forms,
        "comment_form": extra.pop("comment_form", None) or CommentForm(formdata=None),
        "can_edit": _is_mine(report) and rules.is_editable(report),
        "can_review": can(g.membership, "reports.review"),
        "can_comment": _is_mine(report) or can(g.membership, "reports.review"),
        "company_time": lambda moment: rules.company_time(g.tenant, moment),
        **extra,
    }


def _page(report: WeeklyReport, status: int = 200, **extra):
    return render_template("reports/page.html", **_page_context(report, **extra)), status


def _section(report: WeeklyReport, section: str, status: int = 200, **extra):
    """After a line change: the table alone for htmx, else back to the page at that table."""
    if request.htmx:
        context = _page_context(report, **extra)
        context["grouped"][section] = rules.section_lines(report.id, section, g.membership)
        return render_template("reports/_section.html", section=section, **context), status
    if status >= 400:
        return _page(report, status, **extra)
    return redirect(url_for(".page", report_id=report.id, _anchor=f"section-{section}"))


def _locked(report: WeeklyReport, section: str | None = None):
    if section and request.htmx:
        return _section(report, section, 409, line_error=str(LOCKED))
    return _page(report, 409, page_error=str(LOCKED))


# --- my reports -------------------------------------------------------------------------------


@bp.get("/")
def index():
    current = weeks.current_week_start(g.tenant)
    page = requested_page(rules.my_reports_query(g.membership.id))
    return render_template(
        "reports/index.html",
        page=page,
        current=current,
        current_week=weeks.week_label(current),
        current_report=rules.find(g.membership.id, current),
        deadline=weeks.report_deadline(g.tenant, current),
        status_of=rules.status,
        status_labels=rules.STATUS_LABELS,
        week_label=weeks.week_label,
        timedelta=timedelta,
        company_time=lambda moment: rules.company_time(g.tenant, moment),
    )


@bp.get("/week/<week>")
@writes_on_get
def mine(week: str):
    """My report of that week: created and pre-filled from the records the first time."""
    report = rules.open_report(g.tenant, g.membership.id, _monday(week))
    db.session.commit()
    return redirect(url_for(".page", report_id=report.id))


@bp.get("/<int:report_id>")
def page(report_id: int):
    report = report_or_404(report_id)
    if _is_mine(report) and not report.prefilled and rules.is_editable(report):
        # a report a manager created by setting the target: pre-fill it on the first visit
        return redirect(url_for(".mine", week=weeks.week_label(report.week_start)))
    return _page(report)


@bp.post("/<int:report_id>")
def save(report_id: int):
    """Save the overview and the summary; the "submit" button also hands the report in."""
    report = report_or_404(report_id, write=True)
    form = SummaryForm()
    if not rules.is_editable(report):
        return _page(report, 409, summary_form=form, page_error=str(LOCKED))
    if not form.validate_on_submit():
        return _page(report, 422, summary_form=form)
    # a manager's target, a submission or another tab's save moved the report on meanwhile
    conflict = save_guard(form, report, lambda: SummaryForm(formdata=None, obj=report))
    if conflict:
        return _page(report, 409, summary_form=form, summary_conflict=conflict)
    rules.save_summary(report, {name: form[name].data for name in SummaryForm.FIELDS})
    if request.form.get("action") == "submit":
        first = rules.submit(g.tenant, report)
        if first and report.late:
            flash(_("Report submitted after the Sunday 20:30 deadline: it is marked late."),
                  "warning")  # fmt: skip
        elif first:
            flash(_("Report submitted on time. Thank you!"), "success")
        else:
            flash(_("Changes saved. The report had been submitted already."), "success")
    else:
        flash(_("Report saved."), "success")
    db.session.commit()
    return redirect(url_for(".page", report_id=report.id))


# --- table lines ------------------------------------------------------------------------------


@bp.post("/<int:report_id>/lines")
def add_line(report_id: int):
    report = report_or_404(report_id, write=True)
    section = request.form.get("section", "")  # a plain hidden input of each add form
    if section not in REPORT_SECTIONS:
        return _page(report, 422, page_error=_("Choose the table to add the line to."))
    if not rules.is_editable(report):
        return _locked(report, section)
    form = _add_form(section, formdata=request.form)
    form.section.data = section
    if not form.validate_on_submit():
        return _section(report, section, 422, add_forms={section: form})
    rules.add_line(report, section, form.values())
    db.session.commit()
    return _section(report, section)


def report_line_or_404(line_id: int) -> tuple[WeeklyReportLine, WeeklyReport]:
    """A line to change and its report (report_or_404 for writing); 404 when the line was
    copied from a customer this member may not see, as that customer's card."""
    line = get_or_404(WeeklyReportLine, line_id)
    report = report_or_404(line.report_id, write=True)
    if not rules.line_visible(line, g.membership):
        abort(404)
    return line, report


def comment_or_404(comment_id: int) -> tuple[WeeklyReportComment, WeeklyReport]:
    """A comment to remove and its report: 403 unless the member wrote it."""
    comment = get_or_404(WeeklyReportComment, comment_id)
    report = report_or_404(comment.report_id)
    if comment.author_id != g.membership.id:
        abort(403)
    return comment, report


@bp.route("/lines/<int:line_id>/edit", methods=["GET", "POST"])
def edit_line(line_id: int):
    line, report = report_line_or_404(line_id)
    if not rules.is_editable(report):
        return _locked(report, line.section)
    if request.method == "GET":
        form = opened(LineForm(formdata=None, obj=line, prefix=f"line-{line.id}"), line)
        if request.htmx:
            return _section(report, line.section, edit_line_id=line.id, edit_form=form)
        return _page(report, edit_line_id=line.id, edit_form=form)
    form = LineForm(formdata=request.form, prefix=f"line-{line.id}")
    form.section.data = line.section  # a line stays in its table
    if not form.validate_on_submit():
        return _section(report, line.section, 422, edit_line_id=line.id, edit_form=form)
    conflict = save_guard(
        form, line, lambda: LineForm(formdata=None, obj=line, prefix=f"line-{line.id}")
    )
    if conflict:
        return _section(report, line.section, 409, edit_line_id=line.id, edit_form=form,
                        line_conflict=conflict)  # fmt: skip
    for name, value in form.values().items():
        setattr(line, name, value)
    db.session.commit()
    return _section(report, line.section)


@bp.post("/lines/<int:line_id>/delete")
def delete_line(line_id: int):
    line, report = report_line_or_404(line_id)
    section = line.section
    if not rules.is_editable(report):
        return _locked(report, section)
    db.session.delete(line)
    db.session.commit()
    return _section(report, section)


# --- comments and the Monday meeting ----------------------------------------------------------


def _comments(report: WeeklyReport, status: int = 200, form: CommentForm | None = None):
    if request.htmx:
        db.session.expire(report, ["comments"])
        return render_template(
            "reports/_comments.html", **_page_context(report, comment_form=form)
        ), status
    if status >= 400:
        return _page(report, status, comment_form=form)
    return redirect(url_for(".page", report_id=report.id, _anchor="report-comments"))


@bp.post("/<int:report_id>/comments")
def add_comment(report_id: int):
    report = report_or_404(report_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _comments(report, 422, form)
    rules.add_comment(report, g.membership, form.body.data)
    db.session.commit()
    return _comments(report)


@bp.post("/comments/<int:comment_id>/delete")
def delete_comment(comment_id: int):
    comment, report = comment_or_404(comment_id)
    db.session.delete(comment)
    db.session.commit()
    return _comments(report)


@bp.post("/<int:report_id>/discussed")
def mark_discussed(report_id: int):
    report = report_or_404(report_id)
    try:
        rules.mark_discussed(report, g.membership)
    except rules.NotSubmitted:
        return _page(report, 422, page_error=_("Only a submitted report can be marked discussed."))
    db.session.commit()
    flash(_("Marked as discussed: the report is read-only now."), "success")
    if request.form.get("back") == "team":
        return redirect(url_for(".team", week=weeks.week_label(report.week_start)))
    return redirect(url_for(".page", report_id=report.id))


# --- the team's week --------------------------------------------------------------------------


def _target_form(member_id: int, report: WeeklyReport | None) -> TargetForm:
    """The target form of one salesperson's row, as their report is now."""
    form = TargetForm(formdata=None, prefix=f"target-{member_id}")
    form.target.data = report.target_inquiries if report else None
    return form


def _team_context(monday: date, target_forms: dict | None = None) -> dict:
    rows = rules.team_week(monday)
    forms = {}
    for row in rows:
        form = _target_form(row.member.id, row.report)
        forms[row.member.id] = opened(form, row.report) if row.report else form
    forms.update(target_forms or {})
    return {
        "rows": rows,
        "monday": monday,
        "week": weeks.week_label(monday),
        "week_end": monday + timedelta(days=6),
        "prev_week": weeks.week_label(monday - timedelta(weeks=1)),
        "next_week": weeks.week_label(monday + timedelta(weeks=1)),
        "current_week": weeks.week_label(weeks.current_week_start(g.tenant)),
        "deadline": weeks.report_deadline(g.tenant, monday),
        "target_forms": forms,
        "status_labels": rules.STATUS_LABELS,
        "can_set_target": can(g.membership, "reports.set_target"),
        "company_time": lambda moment: rules.company_time(g.tenant, moment),
    }


@bp.get("/team")
def team_now():
    return redirect(url_for(".team", week=weeks.week_label(weeks.current_week_start(g.tenant))))


@bp.get("/team/<week>")
def team(week: str):
    monday = _monday(week)
    return render_template("reports/team.html", **_team_context(monday))


@bp.post("/team/<week>/targets/<int:member_id>")
def set_target(week: str, member_id: int):
    monday = _monday(week)
    member = member_or_404(member_id)
    form = TargetForm(prefix=f"target-{member.id}")
    status, error, conflict = 200, None, None
    report = rules.find(member.id, monday)
    if not form.validate_on_submit():
        status = 422
    elif report is not None and (
        conflict := save_guard(form, report, lambda: _target_form(member.id, report))
    ):
        status = 409
    else:
        try:
            rules.set_target(member.id, monday, form.target.data, g.membership)
            db.session.commit()
        except rules.ReportLocked:
            db.session.rollback()
            status, error = 409, str(LOCKED)
    if request.htmx:
        context = _team_context(monday, {member.id: form} if status != 200 else None)
        row = next((r for r in context["rows"] if r.member.id == member.id), None)
        if row is None:  # not a salesperson (any more): the whole table is the answer
            return render_template("reports/team.html", **context), status
        return render_template("reports/_team_row.html", row=row, target_error=error,
                               target_conflict=conflict, **context), status  # fmt: skip
    if status != 200:
        context = _team_context(monday, {member.id: form})
        return render_template("reports/team.html", target_error=error, error_member=member.id,
                               target_conflict=conflict, **context), status  # fmt: skip
    flash(_("Target saved."), "success")
    return redirect(url_for(".team", week=weeks.week_label(monday)))


# --- print ------------------------------------------------------------------------------------


@bp.get("/<int:report_id>.pdf")
def pdf(report_id: int):
    """The report on an A4 sheet like the paper, in the user's language or ?lang=zh|en."""
    report = report_or_404(report_id)
    context = _page_context(report)
    name = f"{report.member.user.name}-{context['week']}"
    # countries and charges of the lines in the form's language, whoever filled them
    context["line_text"] = print_data.line_in_language
    return send_paper_form("print/weekly_report.html", PDF_TITLE, name, **context)
