"""Samples (样品) sent to customers and inquirers. Rules: services/samples.py."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import Inquiry, Sample
from ...paging import render_list, requested_page
from ...services import audit
from ...services import samples as rules
from ...services.customers import pick_choices, team_choices
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, permissions
from ..formkit import bounded_int, opened, save_guard
from ..inquiries.routes import inquiry_or_404
from .forms import SampleForm

bp = tenant_blueprint("samples", __name__, "/samples")
permissions(bp, {"create": "samples.edit", "edit": "samples.edit", "delete": "samples.edit"})


def sample_or_404(sample_id: int) -> Sample:
    """A sample of the company, or 404, also when it was sent to a customer this member may
    not see."""
    sample = get_or_404(Sample, sample_id)
    if sample.customer_id:
        customer_or_404(sample.customer_id)
    return sample


def _form(sample: Sample | None = None, keep_customer: int | None = None,
          fresh: bool = False) -> SampleForm:  # fmt: skip
    """The form with the customer picker's first options: the most recently updated customers,
    plus the chosen one (the sample's, the one asked for, or the one just submitted)."""
    if request.method == "POST":
        keep_customer = request.form.get("customer_id", type=bounded_int)
    elif sample is not None:
        keep_customer = sample.customer_id
    return SampleForm(
        **({"formdata": None} if fresh else {}),
        obj=sample,
        customers=pick_choices(g.membership, keep=keep_customer),
        members=team_choices(keep_id=sample.sent_by_id if sample else None),
    )


def _page(form: SampleForm, sample: Sample | None, inquiry: Inquiry | None, status=200,
          conflict=None):  # fmt: skip
    return render_template(
        "samples/form.html", form=form, sample=sample, inquiry=inquiry, conflict=conflict
    ), status


def _back(sample: Sample):
    """After a save: where the sample was added from (the inquiry or the customer card)."""
    target = request.form.get("back", "")
    if target == "inquiry" and sample.inquiry_id:
        return redirect(url_for("inquiries.detail", inquiry_id=sample.inquiry_id))
    if target == "customer" and sample.customer_id:
        return redirect(url_for("customers.card", customer_id=sample.customer_id))
    return redirect(url_for(".detail", sample_id=sample.id))


@bp.get("/")
def index():
    filters = rules.SampleFilters.from_args(request.args, mine_id=g.membership.id)
    page = requested_page(rules.sample_query(filters).where(rules.visible_sample(g.membership)))
    context = {
        "page": page,
        "filters": filters,
        "members": team_choices(),
        "charges": rules.CHARGE_LABELS,
        "customer_name": customer_or_404(filters.customer_id).name if filters.customer_id else "",
    }
    return render_list("samples", "sample", **context)


@bp.route("/new", methods=["GET", "POST"])
def create():
    """New sample; `?customer_id=` or `?inquiry_id=` when started from a card or an inquiry."""
    source_id = request.values.get("inquiry_id", type=bounded_int)
    inquiry = inquiry_or_404(source_id) if source_id else None
    asked_for = request.args.get("customer_id", type=bounded_int) or (
        inquiry.customer_id if inquiry else None
    )
    form = _form(keep_customer=asked_for)
    if request.method == "GET":
        form.customer_id.data = asked_for
        if form.customer_id.data:
            customer_or_404(form.customer_id.data)
        form.inquiry_id.data = inquiry.id if inquiry else None
        form.sent_by_id.data = (inquiry.assigned_to_id if inquiry else None) or g.membership.id
        form.charge.data = "free"
        return _page(form, None, inquiry)
    if form.validate_on_submit():
        try:
            sample = rules.create_sample(form.to_input(), g.membership)
        except rules.SampleInvalid as err:
            db.session.rollback()
            form.show_problems(err.problems)
        else:
            db.session.commit()
            flash(_("Sample %(name)s saved.", name=sample.name), "success")
            return _back(sample)
    return _page(form, None, inquiry, 422)


@bp.get("/<int:sample_id>")
def detail(sample_id: int):
    sample = sample_or_404(sample_id)
    return render_template("samples/detail.html", sample=sample, charge_label=rules.charge_label)


@bp.route("/<int:sample_id>/edit", methods=["GET", "POST"])
def edit(sample_id: int):
    sample = sample_or_404(sample_id)
    form = _form(sample)
    if request.method == "GET":
        return _page(opened(form, sample), sample, sample.inquiry)
    if form.validate_on_submit():
        conflict = save_guard(form, sample, lambda: _form(sample, fresh=True))
        if conflict:
            return _page(form, sample, sample.inquiry, 409, conflict=conflict)
        try:
            rules.apply_sample(sample, form.to_input(), g.membership)
            db.session.commit()
        except rules.SampleInvalid as err:
            db.session.rollback()
            form.show_problems(err.problems)
        except StaleDataError:
            db.session.rollback()
            sample = sample_or_404(sample_id)
            form.version.data = form.base.data = ""  # nothing decided for the person
            conflict = save_guard(form, sample, lambda: _form(sample, fresh=True))
            return _page(form, sample, sample.inquiry, 409, conflict=conflict)
        else:
            flash(_("Changes saved."), "success")
            return _back(sample)
    return _page(form, sample, sample.inquiry, 422)


@bp.route("/<int:sample_id>/delete", methods=["GET", "POST"])
def delete(sample_id: int):
    sample = sample_or_404(sample_id)
    if request.method == "GET":
        return render_template("samples/delete.html", sample=sample)
    customer_id, inquiry_id, name = sample.customer_id, sample.inquiry_id, sample.name
    audit.record("sample.delete", target_type="sample", target_id=sample.id, detail={"name": name})
    rules.delete_sample(sample)
    db.session.commit()
    flash(_("Sample %(name)s deleted.", name=name), "success")
    if request.form.get("back") == "inquiry" and inquiry_id:
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id))
    if request.form.get("back") == "customer" and customer_id:
        return redirect(url_for("customers.card", customer_id=customer_id))
    return redirect(url_for(".index"))
