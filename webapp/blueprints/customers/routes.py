"""Customer list, card, create/edit, archive, and contacts added inline from the card."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from htmx_flask import make_response
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import Contact, Customer
from ...models.base import utcnow
from ...services.classification import GRADES
from ...services.customers import customer_query, remove_contact, set_primary_contact
from ...services.roles import can
from ...tenancy import get_or_404, tenant_blueprint
from .forms import ContactForm, CustomerForm

bp = tenant_blueprint("customers", __name__, "/customers")

_FIELDS = (
    "name",
    "website",
    "country",
    "address",
    "nature",
    "grade",
    "importance",
    "category",
    "owner_id",
    "remarks",
)


@bp.get("/")
def index():
    args = request.args
    filters = {
        "q": args.get("q", "")[:100],
        "grade": args.get("grade", "") if args.get("grade", "") in GRADES else "",
        "archived": args.get("archived") == "1",
        "owner_id": g.membership.id if args.get("mine") == "1" else None,
    }
    page = db.paginate(
        customer_query(**filters),
        page=args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    context = {"page": page, "filters": filters, "mine": args.get("mine") == "1"}
    if request.htmx and request.htmx.target == "customer-results":
        return render_template("customers/_results.html", **context)
    return render_template("customers/index.html", **context)


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CustomerForm()
    if request.method == "GET":
        form.owner_id.data = g.membership.id
    if form.validate_on_submit():
        customer = Customer()
        _apply(form, customer)
        db.session.add(customer)
        db.session.commit()
        flash(_("Customer %(name)s created.", name=customer.name), "success")
        return redirect(url_for(".card", customer_id=customer.id))
    return render_template("customers/form.html", form=form, customer=None), (
        422 if form.errors else 200
    )


@bp.get("/<int:customer_id>")
def card(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    return render_template("customers/card.html", customer=customer, contact_form=ContactForm())


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = CustomerForm(obj=customer, keep_owner_id=customer.owner_id)
    if request.method == "GET":
        form.version.data = customer.version
    status = 200
    if form.validate_on_submit():
        if str(customer.version) != (form.version.data or ""):
            form.version.errors = [_conflict_message()]
            form.version.data = customer.version  # saving again overwrites on purpose
            status = 409
        else:
            _apply(form, customer)
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                form.version.errors = [_conflict_message()]
                form.version.data = customer.version
                status = 409
            else:
                flash(_("Changes saved."), "success")
                return redirect(url_for(".card", customer_id=customer.id))
    elif form.errors:
        status = 422
    return render_template("customers/form.html", form=form, customer=customer), status


@bp.post("/<int:customer_id>/archive")
def archive(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    if not can(g.membership, "customers.archive"):
        abort(403)
    # the form says which state it wants, so a double click cannot archive and then restore
    restoring = request.form.get("archived") == "0"
    if restoring:
        customer.archived_at = None
    elif customer.archived_at is None:
        customer.archived_at = utcnow()
    db.session.commit()
    flash(
        _("Customer restored.")
        if restoring
        else _("Customer archived. It no longer shows in lists."),
        "success",
    )
    return redirect(url_for(".card", customer_id=customer.id))


@bp.post("/<int:customer_id>/contacts")
def add_contact(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = ContactForm()
    if not form.validate_on_submit():
        if request.htmx:
            return render_template(
                "customers/_contact_form.html", customer=customer, form=form
            ), 422
        return render_template("customers/card.html", customer=customer, contact_form=form), 422
    contact = Contact()
    form.populate_obj(contact)
    customer.contacts.append(contact)
    if contact.is_primary or len(customer.contacts) == 1:
        set_primary_contact(contact)
    db.session.commit()
    if request.htmx:
        db.session.refresh(customer)
        body = render_template(
            "customers/_contacts.html", customer=customer, contact_form=ContactForm(formdata=None)
        )
        # the form posted into itself; on success the whole contacts panel is replaced
        return make_response(
            body, retarget="#contacts", reswap="innerHTML", trigger={"contactAdded": contact.id}
        )
    flash(_("Contact %(name)s added.", name=contact.name), "success")
    return redirect(url_for(".card", customer_id=customer.id))


@bp.post("/contacts/<int:contact_id>/delete")
def delete_contact(contact_id: int):
    contact = get_or_404(Contact, contact_id)
    customer = contact.customer
    remove_contact(contact)
    db.session.commit()
    flash(_("Contact %(name)s removed.", name=contact.name), "success")
    return redirect(url_for(".card", customer_id=customer.id))


def _apply(form: CustomerForm, customer: Customer) -> None:
    for field in _FIELDS:
        value = form[field].data
        setattr(customer, field, value if value not in ("",) else None)
    customer.name = customer.name.strip()


def _conflict_message() -> str:
    return _(
        "Someone else saved this customer while you were editing. Your input is kept below: "
        "open the card in a new tab to compare, then save again."
    )
