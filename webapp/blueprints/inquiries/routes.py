"""Inquiries (询盘): list, record, assign, convert into a customer. Rules: services/inquiries.py."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import Inquiry
from ...paging import render_list, requested_page
from ...services import audit
from ...services import inquiries as rules
from ...services.countries import country_choices
from ...services.customers import pick_choices, team_choices
from ...services.followups import company_zone
from ...services.roles import can
from ...services.samples import charge_label, samples_for
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, permissions
from ..formkit import bounded_int, opened, save_guard
from .forms import AssignForm, InquiryForm

bp = tenant_blueprint("inquiries", __name__, "/inquiries")
permissions(
    bp,
    {
        "index": "inquiries.view",
        "detail": "inquiries.view",
        "create": "inquiries.edit",
        "edit": "inquiries.edit",
        "delete": "inquiries.edit",
        "convert": "inquiries.edit",
        "assign": "inquiries.assign",
    },
)


def inquiry_or_404(inquiry_id: int, *, change: bool = False) -> Inquiry:
    """An inquiry of the company, or 404. The register is shared, so anyone may read one; to
    change it (`change`), 404 also when it leads to a customer this member may not see."""
    inquiry = get_or_404(Inquiry, inquiry_id)
    if change and rules.reaches_hidden_customer(inquiry, g.membership):
        abort(404)
    return inquiry


def _local(inquiry: Inquiry):
    return rules.received_local(g.tenant, inquiry)


# --- list -------------------------------------------------------------------------------------


@bp.get("/")
def index():
    filters = rules.InquiryFilters.from_args(request.args, mine_id=g.membership.id)
    page = requested_page(rules.inquiry_query(filters, g.membership))
    context = {
        "page": page,
        "filters": filters,
        "followed": rules.followed_ids([i.id for i in page.items]),
        "members": team_choices(),
        "channels": rules.CHANNEL_LABELS,
        "worth_labels": rules.WORTH_LABELS,
        "local": _local,
    }
    return render_list("inquiries", "inquiry", **context)


# --- record / edit ----------------------------------------------------------------------------


def _form(inquiry: Inquiry | None = None, formdata=None, fresh: bool = False,
          **kwargs) -> InquiryForm:  # fmt: skip
    """The inquiry form; `fresh`: the inquiry as it is now, whatever was posted."""
    keep = inquiry.assigned_to_id if inquiry else None
    form_kwargs = (
        {"formdata": None} if fresh else {} if formdata is None else {"formdata": formdata}
    )
    return InquiryForm(
        obj=inquiry,
        keep_id=keep,
        region=g.tenant.home_country,
        **form_kwargs,
        **kwargs,
    )


def _page(form: InquiryForm, inquiry: Inquiry | None, status: int = 200, conflict=None):
    return render_template(
        "inquiries/form.html",
        form=form,
        inquiry=inquiry,
        conflict=conflict,
        countries=country_choices(),
        can_assign=can(g.membership, "inquiries.assign"),
    ), status


def _shown_form(inquiry: Inquiry) -> InquiryForm:
    """The edit form filled from the inquiry, as a GET shows it (also the conflict's "theirs")."""
    form = _form(inquiry, fresh=True)
    form.received_local.data = _local(inquiry).replace(tzinfo=None)
    form.worth_following.data = rules.worth_code(inquiry.worth_following)
    return form


def _assignee(form: InquiryForm, inquiry: Inquiry | None) -> None:
    """Only managers hand inquiries to others; a salesperson's new inquiry is their own."""
    if can(g.membership, "inquiries.assign"):
        return
    form.assigned_to_id.data = inquiry.assigned_to_id if inquiry else g.membership.id


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _form()
    if request.method == "GET":
        # the company's wall clock, to the minute: what the person sees on the marketplace
        now = datetime.now(UTC).astimezone(company_zone(g.tenant))
        form.received_local.data = now.replace(tzinfo=None, second=0, microsecond=0)
        form.assigned_to_id.data = g.membership.id
        return _page(form, None)
    if form.validate_on_submit():
        _assignee(form, None)
        try:
            inquiry = rules.create_inquiry(g.tenant, form.to_input(), g.membership.id)
        except rules.InquiryInvalid as err:
            form.show_problems(err.problems)
        else:
            db.session.commit()
            flash(_("Inquiry recorded."), "success")
            return redirect(url_for(".detail", inquiry_id=inquiry.id))
    return _page(form, None, 422)


@bp.route("/<int:inquiry_id>/edit", methods=["GET", "POST"])
def edit(inquiry_id: int):
    inquiry = inquiry_or_404(inquiry_id, change=True)
    if request.method == "GET":
        return _page(opened(_shown_form(inquiry), inquiry), inquiry)
    form = _form(inquiry)
    if form.validate_on_submit():
        conflict = save_guard(form, inquiry, lambda: _shown_form(inquiry))
        if conflict:
            return _page(form, inquiry, 409, conflict=conflict)
        _assignee(form, inquiry)
        try:
            rules.apply_inquiry(g.tenant, inquiry, form.to_input())
            db.session.commit()
        except rules.InquiryInvalid as err:
            db.session.rollback()
            form.show_problems(err.problems)
        except StaleDataError:
            db.session.rollback()
            inquiry = inquiry_or_404(inquiry_id, change=True)
            form.version.data = form.base.data = ""  # nothing decided for the person
            conflict = save_guard(form, inquiry, lambda: _shown_form(inquiry))
            return _page(form, inquiry, 409, conflict=conflict)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", inquiry_id=inquiry.id))
    return _page(form, inquiry, 422)


# --- detail, assign, delete -------------------------------------------------------------------


def _assign_form(inquiry: Inquiry, **kwargs) -> AssignForm:
    form = AssignForm(keep_id=inquiry.assigned_to_id, **kwargs)
    if kwargs.get("formdata", True) is None:
        form.assigned_to_id.data = inquiry.assigned_to_id
    return form


@bp.get("/<int:inquiry_id>")
def detail(inquiry_id: int):
    return _detail(inquiry_or_404(inquiry_id))


def _detail(inquiry: Inquiry, assign_form: AssignForm | None = None, conflict=None,
            status: int = 200):  # fmt: skip
    if assign_form is None:
        assign_form = opened(_assign_form(inquiry, formdata=None), inquiry)
    return render_template(
        "inquiries/detail.html",
        inquiry=inquiry,
        received=_local(inquiry),
        followed=rules.is_followed(inquiry),
        first_followup=rules.first_followup_after(inquiry, g.membership),
        samples=samples_for(inquiry_id=inquiry.id, viewer=g.membership),
        changeable=not rules.reaches_hidden_customer(inquiry, g.membership),
        charge_label=charge_label,
        channels=rules.CHANNEL_LABELS,
        worth_labels=rules.WORTH_LABELS,
        worth_code=rules.worth_code,
        assign_form=assign_form,
        assign_conflict=conflict,
    ), status


@bp.post("/<int:inquiry_id>/assign")
def assign(inquiry_id: int):
    inquiry = inquiry_or_404(inquiry_id)
    form = _assign_form(inquiry)
    if form.validate_on_submit():
        conflict = save_guard(form, inquiry, lambda: _assign_form(inquiry, formdata=None))
        if conflict:
            return _detail(inquiry, form, conflict, 409)
        try:
            rules.assign(inquiry, form.assigned_to_id.data)
        except rules.InquiryInvalid as err:
            flash(err.problems["assigned_to_id"], "danger")
        else:
            db.session.commit()
            flash(_("Assignment saved."), "success")
    return redirect(url_for(".detail", inquiry_id=inquiry.id))


@bp.route("/<int:inquiry_id>/delete", methods=["GET", "POST"])
def delete(inquiry_id: int):
    inquiry = inquiry_or_404(inquiry_id, change=True)
    if request.method == "GET":
        samples = samples_for(inquiry_id=inquiry.id)
        return render_template("inquiries/delete.html", inquiry=inquiry, samples=samples)
    audit.record(
        "inquiry.delete",
        target_type="inquiry",
        target_id=inquiry.id,
        detail={"name": inquiry.company},
    )
    db.session.delete(inquiry)
    db.session.commit()
    flash(_("Inquiry deleted."), "success")
    return redirect(url_for(".index"))


# --- convert into a customer ------------------------------------------------------------------


@bp.route("/<int:inquiry_id>/convert", methods=["GET", "POST"])
def convert(inquiry_id: int):
    """One click makes the customer; when the duplicate check finds look-alikes the page lists
    them, to link the inquiry to one of them or to create the customer anyway."""
    inquiry = inquiry_or_404(inquiry_id, change=True)
    if inquiry.customer_id is not None:
        flash(_("This inquiry is already linked to a customer."), "warning")
        return redirect(url_for(".detail", inquiry_id=inquiry.id))
    if request.method == "GET":
        return _convert_page(inquiry, rules.conversion_matches(inquiry, g.membership))
    action = request.form.get("action", "create")
    link_id = request.form.get("customer_id", type=bounded_int) if action == "link" else None
    if action == "link" and link_id is None:
        matches = rules.conversion_matches(inquiry, g.membership)
        pick_error = _("Pick the customer to link the inquiry to.")
        return _convert_page(inquiry, matches, pick_error=pick_error), 422
    if link_id is not None:
        customer_or_404(link_id)  # only a customer this member may open
    try:
        result = rules.convert_to_customer(
            inquiry,
            link_customer_id=link_id,
            create_anyway=action == "create_anyway",
            owner_id=inquiry.assigned_to_id or g.membership.id,
            viewer=g.membership,
        )
    except LookupError:
        abort(404)
    except rules.AlreadyConverted:
        flash(_("This inquiry is already linked to a customer."), "warning")
        return redirect(url_for(".detail", inquiry_id=inquiry.id))
    if result.customer is None:
        # look-alikes found: nothing written; the person decides
        return _convert_page(inquiry, result.matches, asked=True), 409
    try:
        db.session.commit()
    except StaleDataError:  # converted by someone else at the same moment
        db.session.rollback()
        flash(_("This inquiry is already linked to a customer."), "warning")
        return redirect(url_for(".detail", inquiry_id=inquiry_id))
    if result.created:
        flash(_("Customer %(name)s created from the inquiry.", name=result.customer.name),
              "success")  # fmt: skip
    else:
        flash(_("Inquiry linked to %(name)s.", name=result.customer.name), "success")
    return redirect(url_for("customers.card", customer_id=result.customer.id))


def _convert_page(inquiry: Inquiry, matches, asked: bool = False, pick_error: str = "") -> str:
    return render_template(
        "inquiries/convert.html", inquiry=inquiry, matches=matches, asked=asked,
        customers=pick_choices(g.membership), pick_error=pick_error,
    )  # fmt: skip
