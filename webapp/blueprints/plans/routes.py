"""The call/visit plan vs. actual (客户跟踪计划表): list, create, the grid (Plan cells cycled by
htmx, Actual computed from the follow-up log), customer rows, goal, delete, PDF.

Who: a salesperson sees and edits their own plans; plans.team roles edit anyone's;
plans.view_team (the GM) looks only; anyone else gets 403. Rules: services/plans.py."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import CallPlan, CallPlanRow, Customer
from ...models.plan import MAX_PLAN_ROWS
from ...normalize import like_pattern
from ...paging import render_list, requested_page
from ...pdf import send_paper_form
from ...services import audit
from ...services import plans as rules
from ...services.customers import PICK_SHOWN, team_choices
from ...services.roles import can
from ...services.visibility import visible_clause
from ...services.weeks import current_week_start, parse_week, week_label
from ...tenancy.web import tenant_blueprint
from ..access import get_or_404, visible_or_404
from ..formkit import bounded_int, opened, save_guard
from ..pickers import role_picker
from .forms import AddRowForm, GoalForm, NewPlanForm, RowForm

bp = tenant_blueprint("plans", __name__, "/plans")

PDF_TITLE = _l("Customer call and visit plan")


def plan_or_404(plan_id: int, *, edit: bool = False) -> CallPlan:
    """The plan (404 for another company's), or 403 when the viewer may not see/edit it
    (their own; plans.team edits anyone's, plans.view_team looks: services/plans.py)."""
    plan = get_or_404(CallPlan, plan_id)
    allowed = rules.can_edit if edit else rules.can_view
    if not allowed(g.membership, plan):
        abort(403)
    return plan


def plan_row_or_404(plan_row_id: int) -> tuple[CallPlanRow, CallPlan]:
    """A row to change and its plan (plan_or_404 for editing): 404, as on the card, when its
    customer is one this member may not see (put on the plan, then handed to a colleague)."""
    row = get_or_404(CallPlanRow, plan_row_id, joinedload(CallPlanRow.customer))
    plan = plan_or_404(row.plan_id, edit=True)
    visible_or_404(row.customer)
    return row, plan


def _customer_choices(
    plan: CallPlan, q: str = "", keep: int | None = None
) -> list[tuple[int, str]]:
    """Active customers not yet on the plan, at most PICK_SHOWN of them: the salesperson's
    own first (those due for a follow-up soonest), or those whose name contains `q`. A company
    with 100,000 customers cannot send them all as <option>s; the search box asks for more.
    `keep` adds the customer a submitted form chose, so it validates even when not listed."""
    taken = select(CallPlanRow.customer_id).where(CallPlanRow.plan_id == plan.id)
    base = select(Customer.id, Customer.name).where(
        Customer.archived_at.is_(None), Customer.id.not_in(taken), visible_clause(g.membership)
    )
    if q:
        stmt = base.where(Customer.name.ilike(like_pattern(q), escape="\\")).order_by(
            (Customer.owner_id != plan.member_id), Customer.name_key
        )
    else:
        stmt = base.where(Customer.owner_id == plan.member_id).order_by(
            Customer.next_followup_on.is_(None), Customer.next_followup_on, Customer.name_key
        )
    rows = [(cid, name) for cid, name in db.session.execute(stmt.limit(PICK_SHOWN))]
    if keep and all(cid != keep for cid, _ in rows):
        rows += [(cid, name) for cid, name in db.session.execute(base.where(Customer.id == keep))]
    return rows


def _page_context(plan: CallPlan, **forms) -> dict:
    goal_form = forms.pop("goal_form", None)
    if goal_form is None:
        goal_form = opened(GoalForm(formdata=None, obj=plan), plan)
    add_form = forms.pop("add_form", None) or AddRowForm(formdata=None)
    add_form.customer_id.choices = {
        "": "—",
        **dict(_customer_choices(plan, keep=add_form.customer_id.data)),
    }
    return {
        "plan": plan,
        "grid": rules.grid(plan),
        "editable": rules.can_edit(g.membership, plan),
        "goal_form": goal_form,
        "add_form": add_form,
        "max_rows": rules.MAX_PLAN_ROWS,
        "choices_limit": PICK_SHOWN,
        **forms,
    }


def _grid_response(plan: CallPlan, status: int = 200, message: str | None = None):
    """After a change: htmx gets the grid (totals and compliance move with every cell);
    a plain form post goes back to the page."""
    if request.htmx:
        context = {
            "plan": plan,
            "grid": rules.grid(plan),
            "editable": rules.can_edit(g.membership, plan),
            "grid_message": message,
        }
        return render_template("plans/_grid.html", **context), status
    if message:
        flash(message, "warning")
    return redirect(url_for(".page", plan_id=plan.id))


# --- list and create --------------------------------------------------------------------------


@bp.get("/")
def index():
    args = request.args
    team_view = can(g.membership, "plans.team") or can(g.membership, "plans.view_team")
    member_id = args.get("member", type=bounded_int) if team_view else None
    week_text = args.get("week", "").strip()
    week = parse_week(week_text)
    stmt = rules.plans_query(g.membership, member_id=member_id, week=week)
    page = requested_page(stmt)
    context = {
        "page": page,
        "team_view": team_view,
        "members": team_choices() if team_view else [],
        "member_id": member_id,
        "week": week_label(week) if week else week_text,
        "week_invalid": bool(week_text) and week is None,
        "filtered": bool(member_id or week_text),
    }
    return render_list("plans", "plan", **context)


@bp.route("/new", methods=["GET", "POST"])
def create():
    team = rules.can_plan_for_others(g.membership)
    own = {g.membership.id: g.membership.user.name}
    members = role_picker("sales", blank=None) if team else own
    form = NewPlanForm(members=members)
    if request.method == "GET":
        form.member_id.data = g.membership.id
        form.week.data = week_label(current_week_start(g.tenant))
        form.weeks.data = 1
    if not team:
        # a salesperson plans for themselves whatever the request says
        form.member_id.data = g.membership.id
    if form.validate_on_submit():
        try:
            plan = rules.create_plan(
                member_id=form.member_id.data,
                start_on=parse_week(form.week.data),
                weeks=form.weeks.data,
                goal=form.goal.data,
                created_by_id=g.membership.id,
            )
        except rules.PlanError as refused:
            form[refused.field or "week"].errors = [refused.message]
        else:
            db.session.commit()
            flash(_("Plan created. Add the customers you will call or visit."), "success")
            return redirect(url_for(".page", plan_id=plan.id))
    return render_template("plans/new.html", form=form, team=team), 422 if form.errors else 200


# --- the plan page ----------------------------------------------------------------------------


@bp.get("/<int:plan_id>")
def page(plan_id: int):
    return render_template("plans/page.html", **_page_context(plan_or_404(plan_id)))


@bp.post("/<int:plan_id>/goal")
def edit_goal(plan_id: int):
    plan = plan_or_404(plan_id, edit=True)
    form = GoalForm()
    if not form.validate_on_submit():
        return render_template("plans/page.html", **_page_context(plan, goal_form=form)), 422
    conflict = save_guard(form, plan, lambda: GoalForm(formdata=None, obj=plan))
    if conflict:
        context = _page_context(plan, goal_form=form)
        return render_template("plans/page.html", **context, goal_conflict=conflict), 409
    plan.goal = form.goal.data
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        abort(409)
    flash(_("Goal saved."), "success")
    return redirect(url_for(".page", plan_id=plan.id))


@bp.post("/<int:plan_id>/rows")
def add_row(plan_id: int):
    plan = plan_or_404(plan_id, edit=True)
    form = AddRowForm()
    chosen = request.form.get("customer_id", type=bounded_int)
    form.customer_id.choices = {"": "—", **dict(_customer_choices(plan, keep=chosen))}
    if form.validate_on_submit():
        try:
            rules.add_row(
                plan,
                form.customer_id.data,
                form.turnover_current.data,
                form.turnover_previous.data,
                form.target.data,
                viewer=g.membership,
            )
        except rules.PlanError as refused:
            form.customer_id.errors = [refused.message]
        else:
            db.session.commit()
            flash(_("Customer added to the plan."), "success")
            return redirect(url_for(".page", plan_id=plan.id))
    return render_template("plans/page.html", **_page_context(plan, add_form=form)), 422


@bp.get("/<int:plan_id>/customer-options")
def customer_options(plan_id: int):
    """The add-a-customer <select>'s options for what was typed in the search box (htmx)."""
    plan = plan_or_404(plan_id, edit=True)
    q = request.args.get("q", "").strip()[:100]
    return render_template(
        "customers/_pick_options.html",
        choices=_customer_choices(plan, q=q),
        limit=PICK_SHOWN,
        searched=bool(q),
        empty=_("No customers of this salesperson yet: search by name"),
    )


@bp.route("/rows/<int:plan_row_id>/edit", methods=["GET", "POST"])
def edit_row(plan_row_id: int):
    row, plan = plan_row_or_404(plan_row_id)
    form = RowForm(obj=row)
    if request.method == "GET":
        opened(form, row)
    if form.validate_on_submit():
        conflict = save_guard(form, row, lambda: RowForm(formdata=None, obj=row))
        if conflict:
            return render_template(
                "plans/row_edit.html", plan=plan, row=row, form=form, conflict=conflict
            ), 409
        rules.update_row(
            row, form.turnover_current.data, form.turnover_previous.data, form.target.data
        )
        db.session.commit()
        flash(_("Row saved."), "success")
        return redirect(url_for(".page", plan_id=plan.id))
    status = 422 if form.errors else 200
    return render_template("plans/row_edit.html", plan=plan, row=row, form=form), status


@bp.route("/rows/<int:plan_row_id>/remove", methods=["GET", "POST"])
def remove_row(plan_row_id: int):
    row, plan = plan_row_or_404(plan_row_id)
    if request.method == "GET":
        return render_template("plans/row_remove.html", plan=plan, row=row)
    name = row.customer.name
    rules.remove_row(plan, row)
    db.session.commit()
    flash(_("%(name)s was taken off the plan.", name=name), "success")
    return redirect(url_for(".page", plan_id=plan.id))


@bp.post("/rows/<int:plan_row_id>/cycle")
def cycle(plan_row_id: int):
    """A click on a Plan cell: the button sends 'YYYY-MM-DD:code-seen' as `cell`."""
    row, plan = plan_row_or_404(plan_row_id)
    day_text, _sep, seen = request.form.get("cell", "").partition(":")
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        abort(400)
    try:
        rules.cycle_cell(row, day, seen=seen)
    except rules.PlanError as refused:
        db.session.rollback()
        return _grid_response(plan, 409, refused.message)
    db.session.commit()
    return _grid_response(plan)


@bp.route("/<int:plan_id>/delete", methods=["GET", "POST"])
def delete(plan_id: int):
    plan = plan_or_404(plan_id, edit=True)
    if request.method == "GET":
        return render_template("plans/delete.html", plan=plan)
    audit.record(
        "plan.delete",
        target_type="plan",
        target_id=plan.id,
        detail={"member": plan.member.user.name, "start": plan.start_on},
    )
    db.session.delete(plan)
    db.session.commit()
    flash(_("Plan deleted."), "success")
    return redirect(url_for(".index"))


# --- the paper form ---------------------------------------------------------------------------


@bp.get("/<int:plan_id>.pdf")
def pdf(plan_id: int):
    """客户跟踪计划表 on A4 landscape, in the user's language or ?lang=zh|en."""
    plan = plan_or_404(plan_id)
    name = f"{plan.member.user.name}-{rules.period_label(plan)}"
    return send_paper_form(
        "print/plan.html",
        PDF_TITLE,
        name,
        landscape=True,
        plan=plan,
        grid=rules.grid(plan),
        max_rows=MAX_PLAN_ROWS,  # the paper's numbered rows, printed empty when not used
    )


@bp.context_processor
def _plan_globals() -> dict:
    return {
        "plan_legend": rules.PLAN_LEGEND,
        "actual_legend": rules.ACTUAL_LEGEND,
        "period_label": rules.period_label,
        "week_label": week_label,
    }
