"""Export orders (出口流程跟踪表): list, create, one page with a panel per section edited in place,
payments/inspections/claims rows, sign-offs and history. Rules: services/orders.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.views import View
from flask_babel import gettext as _
from htmx_flask import make_response
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import ExportOrder, OrderClaim, OrderInspection, OrderPayment, OrderSignoff
from ...paging import render_list, requested_page
from ...services import audit
from ...services import orders as rules
from ...services.customers import pick_choices, team_choices
from ...services.followups import company_today
from ...services.visibility import visible_by_customer
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, visible_or_404
from ..formkit import bounded_int, opened, save_guard
from ..pickers import role_picker
from . import history
from .forms import (
    SECTIONS,
    ClaimForm,
    InspectionForm,
    NewOrderForm,
    PaymentForm,
    SignForm,
)

bp = tenant_blueprint("orders", __name__, "/orders")


def order_or_404(order_id: int) -> ExportOrder:
    """The order with what its page and gates read, or 404 (another company's, or of a
    customer this member may not see)."""
    order = db.session.scalar(rules.load_order_query().where(ExportOrder.id == order_id))
    if order is None:
        abort(404)
    visible_or_404(order.customer)
    return order


@dataclass(frozen=True)
class RowKind:
    """A repeating part of the order (payments, inspections, claims): its model, the form that
    adds one, the order's collection and whether it moves the order's stage."""

    model: type
    form: type
    collection: str
    moves_stage: bool
    deletable: bool  # an inspection is never removed: a re-inspection is a new row


ROWS = {
    "payment": RowKind(OrderPayment, PaymentForm, "payments", moves_stage=True, deletable=True),
    "inspection": RowKind(
        OrderInspection, InspectionForm, "inspections", moves_stage=True, deletable=False
    ),
    "claim": RowKind(OrderClaim, ClaimForm, "claims", moves_stage=False, deletable=True),
}


def row_or_404(model: type, row_id: int):
    """A row of an order (payment, claim, sign-off) as its loaded order holds it, and the order
    (order_or_404: 404 as for the order itself)."""
    order = order_or_404(get_or_404(model, row_id).order_id)
    collection = {OrderSignoff: "signoffs"}.get(model) or next(
        r.collection for r in ROWS.values() if r.model is model
    )
    return next(r for r in getattr(order, collection) if r.id == row_id), order


def section_form(section: str, order: ExportOrder, formdata=None):
    form_class = SECTIONS[section][1]
    kwargs = {}
    if section == "basics":
        merchandisers = role_picker("merchandiser", keep_id=order.merchandiser_id)
        kwargs = {"members": merchandisers, "order_id": order.id}
    return form_class(formdata=formdata, obj=order, **kwargs)


def _body_context(order: ExportOrder, **forms) -> dict:
    today = company_today(g.tenant)
    payment_form = forms.pop("payment_form", None) or PaymentForm(formdata=None)
    if payment_form.paid_on.data is None and not payment_form.errors:
        payment_form.paid_on.data, payment_form.currency.data = today, order.currency
    inspection_form = forms.pop("inspection_form", None) or InspectionForm(formdata=None)
    if inspection_form.inspected_on.data is None and not inspection_form.errors:
        inspection_form.inspected_on.data = today
    claim_form = forms.pop("claim_form", None) or ClaimForm(formdata=None)
    if not claim_form.errors:
        claim_form.currency.data = claim_form.currency.data or order.currency
    totals = rules.totals(order)
    return {
        "order": order,
        "totals": totals,
        "money_warnings": rules.money_warnings(order, totals),
        "available": rules.available_signoffs(order, g.membership),
        "sections": SECTIONS,
        "section_forms": {name: section_form(name, order) for name in SECTIONS},
        "payment_form": payment_form,
        "inspection_form": inspection_form,
        "claim_form": claim_form,
        "verified_ids": rules.verified_payment_ids(order),
        "outdated_ids": rules.outdated_signoff_ids(order),
        **forms,
    }


def _body(order: ExportOrder, status: int = 200, **forms):
    """The whole order body after any change: totals, stage and gates all move together."""
    if request.htmx:
        html = render_template("orders/_body.html", **_body_context(order, **forms))
        return make_response(html, status, retarget="#order-body", reswap="outerHTML")
    if status >= 400:
        return render_template("orders/page.html", **_body_context(order, **forms)), status
    return redirect(url_for(".page", order_id=order.id))


# --- list and create --------------------------------------------------------------------------


@bp.get("/")
def index():
    args = request.args
    stmt = select(ExportOrder).where(visible_by_customer(ExportOrder.customer_id, g.membership))
    stage = args.get("stage", "")
    if stage in rules.STAGES:
        stmt = stmt.where(ExportOrder.stage == stage)
    customer_id = args.get("customer", type=bounded_int)
    if customer_id:
        stmt = stmt.where(ExportOrder.customer_id == customer_id)
    merchandiser_id = args.get("merchandiser", type=bounded_int)
    if merchandiser_id:
        stmt = stmt.where(ExportOrder.merchandiser_id == merchandiser_id)
    currency = args.get("currency", "").upper()[:3]
    if currency:
        stmt = stmt.where(ExportOrder.currency == currency)
    waiting = args.get("waiting") == "me"
    if waiting:
        stmt = rules.where_waiting(stmt, g.membership)
    page = requested_page(
        stmt.options(
            joinedload(ExportOrder.customer), joinedload(ExportOrder.merchandiser)
        ).order_by(ExportOrder.id.desc())
    )
    context = {
        "page": page,
        "totals": rules.totals_per_currency(stmt),
        "stage": stage,
        "customer_id": customer_id,
        "customer_name": customer_or_404(customer_id).name if customer_id else "",
        "merchandiser_id": merchandiser_id,
        "currency": currency,
        "waiting": waiting,
        "members": team_choices(),
        "stages": rules.STAGES,
    }
    return render_list("orders", "order", **context)


@bp.route("/new", methods=["GET", "POST"])
def create():
    # the customer picker: recent customers and the chosen one (pick_choices offers only what
    # this member may see, so the field's own choice check refuses a forged id)
    wanted = request.values.get("customer_id", type=bounded_int)
    customers = pick_choices(g.membership, keep=wanted)
    form = NewOrderForm(customers=customers, members=role_picker("merchandiser"))
    if request.method == "GET":
        form.customer_id.data = wanted
        form.currency.data = "USD"
        form.customer_order_date.data = company_today(g.tenant)
    if form.validate_on_submit():
        order = ExportOrder(created_by_id=g.membership.id, stage="draft")
        for name in NewOrderForm.FIELDS:
            setattr(order, name, None if form[name].data == "" else form[name].data)
        order.contract_no = order.contract_no.strip()
        db.session.add(order)
        db.session.flush()
        rules.record(order, g.membership, "created", None, None, order.contract_no)
        db.session.commit()
        flash(_("Order %(no)s created.", no=order.contract_no), "success")
        return redirect(url_for(".page", order_id=order.id))
    if not customers:
        flash(_("Add a customer first: every order belongs to a customer."), "warning")
    return render_template("orders/new.html", form=form), 422 if form.errors else 200


# --- the order page ---------------------------------------------------------------------------


@bp.get("/<int:order_id>")
def page(order_id: int):
    return render_template("orders/page.html", **_body_context(order_or_404(order_id)))


@bp.route("/<int:order_id>/<any(" + ",".join(SECTIONS) + "):section>", methods=["GET", "POST"])
def edit_section(order_id: int, section: str):
    order = order_or_404(order_id)
    template = "orders/_section_form.html" if request.htmx else "orders/section.html"
    if request.method == "GET":
        form = opened(section_form(section, order), order)
        return render_template(template, order=order, section=section, form=form)
    form = section_form(section, order, formdata=request.form)
    conflict = None
    if form.validate_on_submit():
        # two people on one panel: the later save is merged, never written over the first
        conflict = save_guard(form, order, lambda: section_form(section, order))
        if conflict:
            return render_template(
                template, order=order, section=section, form=form, conflict=conflict
            ), 409
        values = {name: form[name].data for name in form.FIELDS}
        # the paper's order: a field whose earlier lines are not signed yet (FIELD_GATES)
        for field, problem in rules.field_gate_problems(order, values).items():
            form[field].errors = [problem]
        # a value a signature vouches for: only some roles may change it (services/orders.py)
        for field, problem in rules.change_problems(order, values, g.membership).items():
            form[field].errors = [problem]
        if not form.errors:
            if section == "basics":
                values["contract_no"] = values["contract_no"].strip()
            rules.apply_changes(order, values, g.membership)
            try:
                db.session.commit()
            except StaleDataError:  # saved by someone else between the check and now
                db.session.rollback()
                order = order_or_404(order_id)
                form.version.data = form.base.data = ""  # nothing decided: the screen
                conflict = save_guard(form, order, lambda: section_form(section, order))
                return render_template(
                    template, order=order, section=section, form=form, conflict=conflict
                ), 409
            return _body(order)
    return render_template(template, order=order, section=section, form=form), 422


# --- rows: payments, inspections, claims (one pattern, ROWS) ----------------------------------


class AddRow(View):
    """POST /<order_id>/<collection>: add a payment, inspection or claim from its form; the
    history names it. One view per kind of row (ROWS), registered below."""

    methods = ["POST"]

    def __init__(self, kind: str) -> None:
        self.kind, self.spec = kind, ROWS[kind]

    def dispatch_request(self, order_id: int):
        order = order_or_404(order_id)
        form = self.spec.form()
        if not form.validate_on_submit():
            return _body(order, 422, **{f"{self.kind}_form": form})
        row = self.spec.model(**{name: form[name].data for name in self.spec.form.FIELDS})
        getattr(order, self.spec.collection).append(row)
        rules.record(order, g.membership, "added", self.kind, None, rules.describe(row))
        db.session.flush()  # the row's id orders it among those a signature vouched for
        rules.rows_changed(order, g.membership)
        if self.spec.moves_stage:
            rules.refresh(order)
        db.session.commit()
        return _body(order)


class DeleteRow(AddRow):
    """POST /<collection>/<kind>_id/delete: remove a payment or claim, in the order's history
    and the audit log. A verified payment stays until its verification is withdrawn."""

    def dispatch_request(self, **ids: int):
        row, order = row_or_404(self.spec.model, ids[f"{self.kind}_id"])
        if self.kind == "payment" and row.id in rules.verified_payment_ids(order):
            return _body(
                order,
                422,
                payment_error=_("Finance verified this payment: withdraw the verification first."),
            )
        rules.record(order, g.membership, "removed", self.kind, rules.describe(row), None)
        audit.record(
            f"order.{self.kind}.delete",
            target_type="order",
            target_id=order.id,
            detail={"contract": order.contract_no, self.kind: rules.describe(row)},
        )
        getattr(order, self.spec.collection).remove(row)
        rules.rows_changed(order, g.membership)
        if self.spec.moves_stage:
            rules.refresh(order)
        db.session.commit()
        return _body(order)


for _kind, _spec in ROWS.items():
    bp.add_url_rule(
        f"/<int:order_id>/{_spec.collection}", view_func=AddRow.as_view(f"add_{_kind}", _kind)
    )
    if _spec.deletable:
        bp.add_url_rule(
            f"/{_spec.collection}/<int:{_kind}_id>/delete",
            view_func=DeleteRow.as_view(f"delete_{_kind}", _kind),
        )


# --- sign-offs --------------------------------------------------------------------------------


@bp.post("/<int:order_id>/sign")
def sign(order_id: int):
    order = order_or_404(order_id)
    form = SignForm()
    if not form.validate_on_submit() or form.kind.data not in rules.SIGNOFF_KINDS:
        abort(400)
    target = int(form.target_id.data) if (form.target_id.data or "").isdigit() else None
    # the button carries the values its page showed: a signature vouches for what was seen
    seen = request.form.get("seen")
    if seen and seen != rules.values_seen(order, form.kind.data, target):
        message = _(
            "What this line confirms changed since the page was opened: check it and sign again."
        )
        return _body(order, 409, sign_error=message)
    try:
        rules.sign(order, form.kind.data, g.membership, form.comment.data, target)
    except rules.SignoffRefused:
        abort(403)
    except rules.GateClosed as closed:
        return _body(order, 422, sign_error=closed.message)
    db.session.commit()
    return _body(order)


@bp.post("/signoffs/<int:signoff_id>/withdraw")
def withdraw(signoff_id: int):
    signoff, order = row_or_404(OrderSignoff, signoff_id)
    try:
        rules.withdraw(signoff, g.membership)
    except rules.SignoffRefused:
        abort(403)
    except rules.GateClosed:
        return _body(order, 422, sign_error=_("This sign-off was already withdrawn."))
    db.session.commit()
    return _body(order)


# --- what the order templates read ------------------------------------------------------------


def _field_labels() -> dict[str, str]:
    labels = {"payment": _("Payment"), "claims": _("Claims")}  # rows a signature vouches for
    for _title, form_class in SECTIONS.values():
        for name in form_class.FIELDS:
            labels[name] = str(getattr(form_class, name).args[0])
    return labels


def confirmed_text(signoff) -> str:
    """What a signature vouched for when it was given, in the reader's language."""
    if not signoff.confirmed:
        return ""
    labels = _field_labels()
    values = json.loads(signoff.confirmed)
    return " · ".join(f"{labels.get(k, k)}: {v or '—'}" for k, v in values.items())


def event_text(event) -> str:
    """One history row in the reader's language."""
    what = str(rules.SIGNOFF_KINDS[event.field].label) if event.field in rules.SIGNOFF_KINDS else ""
    if event.action == "created":
        return _("Created the order %(no)s", no=event.new)
    if event.action == "signed":
        return _("Signed: %(what)s", what=what) + (f" — “{event.new}”" if event.new else "")
    if event.action == "withdrawn":
        return _("Withdrew the sign-off: %(what)s", what=what)
    if event.action == "outdated":
        labels = _field_labels()
        fields = ", ".join(labels.get(f, f) for f in (event.new or "").split(",") if f)
        return _("Sign-off outdated by a change of %(fields)s: %(what)s", fields=fields, what=what)
    if event.action in ("added", "removed"):
        kinds = {"payment": _("payment"), "inspection": _("inspection"), "claim": _("claim")}
        text = event.new if event.action == "added" else event.old
        verb = _("Added %(what)s", what=kinds.get(event.field, event.field))
        if event.action == "removed":
            verb = _("Removed %(what)s", what=kinds.get(event.field, event.field))
        return f"{verb}: {history.row_text(event.field, text)}"
    label = _field_labels().get(event.field, event.field)
    old, new = (history.value_text(event.field, v) for v in (event.old, event.new))
    return f"{label}: {old} → {new}"


@bp.context_processor
def _order_globals() -> dict:
    return {
        "signoff_kinds": rules.SIGNOFF_KINDS,
        "payment_kinds": rules.PAYMENT_KINDS,
        "inspection_results": rules.INSPECTION_RESULTS,
        "order_stage_labels": rules.STAGES,
        "event_text": event_text,
        "confirmed_text": confirmed_text,
        "values_seen": rules.values_seen,
    }
