"""Follow-up records: logged inline on the customer card, edited and deleted by their author
or a manager. The numbering and customer updates live in services/followups.py."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from htmx_flask import make_response
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import Customer, FollowUp
from ...services import audit
from ...services.classification import purposes_to_bits
from ...services.followups import Links, can_change, delete_followup, save_followup
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, visible_or_404
from ..customers.card import (
    edit_followup_form,
    folded_form,
    new_followup_form,
    refused_form,
    timeline_context,
)
from ..formkit import opened, save_guard
from ..status import focus_after_swap
from .forms import FollowUpForm

bp = tenant_blueprint("followups", __name__)


def followup_or_404(followup_id: int, *, change: bool = False) -> FollowUp:
    """A follow-up of a customer this member may see, or 404; with `change`, 403 unless the
    member may change it (its author, or followups.edit_others: services/followups.py)."""
    record = get_or_404(FollowUp, followup_id)
    visible_or_404(record.customer)
    if change and not can_change(g.membership, record):
        abort(403)
    return record


def _apply(form: FollowUpForm, record: FollowUp) -> Links:
    for name in FollowUpForm.RECORD_FIELDS:
        value = form[name].data
        setattr(record, name, None if value == "" else value)
    visit = form.is_visit
    for name in FollowUpForm.VISIT_FIELDS:
        setattr(record, name, form[name].data if visit else None)
    record.purposes = purposes_to_bits(form.purposes.data or []) if visit else 0
    return Links(
        contact_ids=form.contact_ids.data or [], colleague_ids=form.colleague_ids.data or []
    )


def _refreshed(customer: Customer, message: str, focus: str | None = None):
    """After a change: the timeline panel and the card header (out of band) for htmx, focus
    then on `focus` (the record saved); the card for a plain form post."""
    flash(message, "success")  # for htmx too: the live region announces it (blueprints/status.py)
    if not request.htmx:
        return redirect(url_for("customers.card", customer_id=customer.id) + "#timeline-panel")
    body = render_template("customers/_timeline_panel.html", **timeline_context(customer))
    header = render_template("customers/_card_header.html", customer=customer, oob=True)
    response = make_response(
        body + header, retarget="#timeline-panel", reswap="innerHTML", trigger="followupsChanged"
    )
    return focus_after_swap(response, focus) if focus else response


@bp.get("/customers/<int:customer_id>/followups/new")
def new(customer_id: int):
    """The "log a follow-up" form, fetched by htmx when the card's folded form is unfolded;
    without htmx, the card with the form open."""
    customer = customer_or_404(customer_id)
    return folded_form(
        customer,
        "customers/_followup_form.html",
        lambda: new_followup_form(customer),
        "log",
        "add-followup",
        record=None,
    )


@bp.post("/customers/<int:customer_id>/followups")
def add(customer_id: int):
    customer = customer_or_404(customer_id)
    form = new_followup_form(customer, formdata=request.form)
    if not form.validate_on_submit():
        card = {"followup_form": form, "log": True}
        return refused_form(customer, "customers/_followup_form.html", form, card, record=None)
    record = FollowUp(author_id=g.membership.id)
    links = _apply(form, record)
    save_followup(customer, record, links)
    db.session.commit()
    saved = _("Follow-up no. %(seq)s saved.", seq=record.seq)
    return _refreshed(customer, saved, f"#followup-{record.id}")


@bp.route("/followups/<int:followup_id>/edit", methods=["GET", "POST"])
def edit(followup_id: int):
    record = followup_or_404(followup_id, change=True)
    customer = record.customer
    template = "customers/_followup_form.html" if request.htmx else "followups/edit.html"
    if request.method == "GET":
        form = opened(edit_followup_form(record), record)
        return render_template(template, customer=customer, form=form, record=record)
    form = edit_followup_form(record, formdata=request.form)
    status, conflict = 422, None
    if form.validate_on_submit():
        conflict = save_guard(form, record, lambda: edit_followup_form(record))
        if conflict is None:
            links = _apply(form, record)
            try:
                save_followup(customer, record, links)
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                record = followup_or_404(followup_id, change=True)
                form.version.data = form.base.data = ""  # nothing decided for the person
                conflict = save_guard(form, record, lambda: edit_followup_form(record))
            else:
                saved = _("Follow-up no. %(seq)s saved.", seq=record.seq)
                return _refreshed(customer, saved, f"#followup-{record.id}")
        status = 409
    return render_template(
        template, customer=customer, form=form, record=record, conflict=conflict
    ), status


@bp.post("/followups/<int:followup_id>/delete")
def delete(followup_id: int):
    record = followup_or_404(followup_id, change=True)
    customer, seq = record.customer, record.seq
    audit.record(
        "followup.delete",
        target_type="followup",
        target_id=record.id,
        detail={"customer": customer.name, "seq": seq, "topic": record.topic},
    )
    delete_followup(record)
    db.session.commit()
    return _refreshed(
        customer, _("Follow-up no. %(seq)s deleted; the others were renumbered.", seq=seq)
    )
