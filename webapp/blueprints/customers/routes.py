"""Customer list, card, create/edit with duplicate check, archive/delete, and inline contacts."""

from __future__ import annotations

from contextlib import suppress

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from htmx_flask import make_response
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db, writes_on_get
from ...models import Contact, Customer
from ...models.base import utcnow
from ...paging import counted_page, open_page, render_list
from ...services import audit, exporting, localinfo, pool
from ...services.classification import METHODS, stages_to_bits
from ...services.countries import country_choices, parse_country
from ...services.customers import (
    PICK_SHOWN,
    SEARCH_ID_CAP,
    CustomerFilters,
    customer_page,
    customer_query,
    grade_counts,
    pick_choices,
    primary_contacts,
    remove_contact,
    set_primary_contact,
    team_choices,
)
from ...services.duplicates import find_duplicates
from ...services.phones import InvalidPhone, to_e164
from ...services.roles import can
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, permissions, visible_or_404
from ..formkit import Conflict, bounded_int, opened, save_guard
from ..status import focus_after_swap
from .card import folded_form, refused_form, render_card, timeline_context
from .forms import ContactForm, CustomerForm, FirstContactForm, phone_or_error

bp = tenant_blueprint("customers", __name__, "/customers")
permissions(bp, {"archive": "customers.archive", "delete": "customers.delete"})


def contact_or_404(contact_id: int) -> Contact:
    """A contact of a customer this member may see, or 404."""
    contact = get_or_404(Contact, contact_id)
    visible_or_404(contact.customer)
    return contact


def _render(template: str, partial: str, status: int = 200, **context):
    """The whole page, or only its partial when htmx asked for it (same data either way)."""
    return render_template(partial if request.htmx else template, **context), status


# --- list -------------------------------------------------------------------------------------


def _shows_the_pool() -> bool:
    return request.args.get("owner") == "pool"


@bp.get("/")
@writes_on_get(when=_shows_the_pool)
def index():
    if _shows_the_pool():
        # the pool, read here as on the pool page: overdue customers go back first, so the list
        # is the same whether or not cron ran `flask pool sweep`
        pool.lazy_sweep(g.tenant)
    filters = CustomerFilters.from_args(request.args, viewer=g.membership).find_matches()
    number = request.args.get("page", 1, type=bounded_int)
    per_page = current_app.config["PAGE_SIZE"]
    if filters.many_matches:
        # thousands of matches: a page walks the list's order and stops; nothing counts them
        counts = None
        rows = customer_query(filters, contacts=False)
        page = open_page(rows, number, per_page, at_least=SEARCH_ID_CAP)
    else:
        counts = grade_counts(filters)
        # the per-grade counts already hold the total: no second COUNT over the customers
        total = counts.get(filters.grade, 0) if filters.grade else sum(counts.values())
        # past the last page (an old link, a bookmark after deletions) there is nothing to look
        # for: walking the list to its end only to find that cost a salesperson's page 500 6 ms
        past_the_end = (number - 1) * per_page >= total
        items = [] if past_the_end else customer_page(filters, number, per_page)
        page = counted_page(items, number, per_page, total)
    context = {
        "page": page,
        "primary_contacts": primary_contacts([c.id for c in page.items]),
        "filters": filters,
        "counts": counts,
        "owner_arg": request.args.get("owner", ""),
        "members": team_choices(),
        "export_args": exporting.export_args(request.args),
    }
    return render_list("customers", "customer", **context)


# --- create / edit ----------------------------------------------------------------------------


@bp.get("/pick")
def pick_options():
    """The options of a one-customer <select> (a sample's customer, an inquiry to link) for
    what was typed in the search box next to it (htmx); see customers.pick_choices."""
    q = request.args.get("q", "").strip()[:100]
    return render_template(
        "customers/_pick_options.html",
        choices=pick_choices(g.membership, q),
        limit=PICK_SHOWN,
        searched=bool(q),
    )


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = CustomerForm()
    contact_form = FirstContactForm()
    if request.method == "GET":
        form.owner_id.data = g.membership.id
        form.turnover_currency.data = "HKD"  # the call plan's turnover column is in HKD
    matches, status = [], 200
    if form.validate_on_submit() & contact_form.validate():
        mobile = _first_contact_mobile(form, contact_form)
        if mobile is not False:
            matches = find_duplicates(
                name=form.name.data,
                website=form.website.data,
                emails=[contact_form.contact_email.data],
                phones=[mobile],
                viewer=g.membership,
            )
            if not matches or form.confirm_duplicates.data == "1":
                customer = Customer(stages=0)
                _apply(form, customer)
                if customer.owner_id not in (None, g.membership.id) and not can(
                    g.membership, "customers.transfer"
                ):
                    customer.owner_id = g.membership.id  # only managers hand customers out
                customer.owned_since = utcnow() if customer.owner_id else None
                if contact_form.contact_name.data:
                    customer.contacts.append(
                        Contact(
                            name=contact_form.contact_name.data,
                            title=contact_form.contact_title.data,
                            email=contact_form.contact_email.data,
                            mobile=mobile,
                            is_primary=True,
                        )
                    )
                db.session.add(customer)
                db.session.commit()
                flash(_("Customer %(name)s created.", name=customer.name), "success")
                return _to_card(customer)
            form.confirm_duplicates.data = "1"  # shown once; saving again means "save anyway"
    if form.errors or contact_form.errors:
        status = 422
    return _form_page(status, form, contact_form, None, matches)


def _customer_form(customer: Customer, **kwargs) -> CustomerForm:
    return CustomerForm(obj=customer, keep_owner_id=customer.owner_id, **kwargs)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
def edit(customer_id: int):
    customer = customer_or_404(customer_id)
    form = _customer_form(customer)
    if request.method == "GET":
        opened(form, customer)
    matches, conflict, status = [], None, 200
    if form.validate_on_submit():
        conflict = save_guard(form, customer, lambda: _customer_form(customer, formdata=None))
        if conflict:
            status = 409
        else:
            matches = find_duplicates(
                name=form.name.data,
                website=form.website.data,
                emails=[c.email for c in customer.contacts],
                phones=[n for c in customer.contacts for n in (c.phone, c.mobile)],
                exclude_id=customer.id,
                viewer=g.membership,
            )
            if (
                not matches
                or form.confirm_duplicates.data == "1"
                or not _identity_changed(form, customer)
            ):
                _apply(form, customer)
                try:
                    db.session.commit()
                except StaleDataError:  # saved by someone else between the check and now
                    db.session.rollback()
                    customer = customer_or_404(customer_id)
                    conflict = save_guard(
                        form, customer, lambda: _customer_form(customer, formdata=None)
                    )
                    status = 409
                else:
                    flash(_("Changes saved."), "success")
                    return _to_card(customer)
            else:
                form.confirm_duplicates.data = "1"
    elif form.errors:
        status = 422
    return _form_page(status, form, None, customer, matches, conflict)


def _form_page(status: int, form: CustomerForm, contact_form: FirstContactForm | None,
               customer: Customer | None, matches: list,
               conflict: Conflict | None = None):  # fmt: skip
    """The new/edit customer form (the page, or its partial for htmx)."""
    return _render(
        "customers/form.html",
        "customers/_form.html",
        status,
        form=form,
        contact_form=contact_form,
        customer=customer,
        matches=matches,
        conflict=conflict,
        countries=country_choices(),
    )


@bp.post("/duplicates")
def duplicates():
    """The duplicate check on demand (htmx, from the customer form while typing)."""
    customer_id = request.form.get("customer_id", type=bounded_int)
    customer = customer_or_404(customer_id) if customer_id else None
    emails = [request.form.get("contact_email")]
    phones = []
    if customer is not None:
        emails += [c.email for c in customer.contacts]
        phones += [n for c in customer.contacts for n in (c.phone, c.mobile)]
    with suppress(InvalidPhone, ValueError):
        region = parse_country(request.form.get("country")) or g.tenant.home_country
        phones.append(to_e164(request.form.get("contact_mobile"), region))
    matches = find_duplicates(
        name=request.form.get("name", "")[:200],
        website=request.form.get("website", "")[:255],
        emails=emails,
        phones=phones,
        exclude_id=customer_id,
        viewer=g.membership,
    )
    return render_template("customers/_duplicates.html", matches=matches, checked=True)


def _first_contact_mobile(form: CustomerForm, contact_form: FirstContactForm):
    """The first contact's mobile as E.164, None when empty, False after an error message."""
    from wtforms.validators import ValidationError

    try:
        return phone_or_error(
            contact_form.contact_mobile.data, form.country.data or g.tenant.home_country
        )
    except ValidationError as err:
        contact_form.contact_mobile.errors = [str(err)]
        return False


def _apply(form: CustomerForm, customer: Customer) -> None:
    for name in CustomerForm.MODEL_FIELDS:
        if name == "owner_id" and customer.id is not None:
            continue  # an existing customer changes owner by transfer/release/claim only
        value = form[name].data
        setattr(customer, name, None if value == "" else value)
    customer.name = customer.name.strip()
    customer.stages = stages_to_bits(form.stages.data or [])


def _identity_changed(form: CustomerForm, customer: Customer) -> bool:
    """Only a changed name or website re-asks about duplicates when editing."""
    return (
        form.name.data.strip() != customer.name or (form.website.data or None) != customer.website
    )


def _to_card(customer: Customer):
    url = url_for(".card", customer_id=customer.id)
    return make_response(redirect=url) if request.htmx else redirect(url)


# --- card -------------------------------------------------------------------------------------

# the whole card shows the owner and the contacts: loaded with the customer (the owner joined
# in, the contacts in one SELECT more), not lazily while rendering
CARD_LOADS = (joinedload(Customer.owner), selectinload(Customer.contacts))


@bp.get("/<int:customer_id>")
def card(customer_id: int):
    timeline_only = request.htmx and request.htmx.target == "timeline"
    customer = customer_or_404(customer_id, *(() if timeline_only else CARD_LOADS))
    method = request.args.get("method", "")
    method = method if method in METHODS or method == "visit" else ""
    everything = request.args.get("all") == "1"
    if timeline_only:
        return render_template(
            "customers/_timeline_items.html",
            **timeline_context(customer, method, everything=everything),
        )
    return render_card(
        customer,
        method=method,
        log=request.args.get("log") == "1",
        # without script the folded "add a contact" form comes open (?contact=1)
        contact_form=ContactForm(formdata=None) if request.args.get("contact") == "1" else None,
        everything=everything,
    )


@bp.post("/<int:customer_id>/archive")
def archive(customer_id: int):
    customer = customer_or_404(customer_id)
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


@bp.post("/<int:customer_id>/zone")
def time_zone(customer_id: int):
    """The customer's time zone picked on the card (its country spans several)."""
    customer = customer_or_404(customer_id)
    try:
        localinfo.choose_zone(customer, request.form.get("time_zone", "").strip())
    except localinfo.ZoneRefused as refused:
        flash(refused.message, "warning")
    else:
        db.session.commit()
        flash(_("Time zone saved."), "success")
    return redirect(url_for(".card", customer_id=customer.id, _anchor="local-info"))


@bp.route("/<int:customer_id>/delete", methods=["GET", "POST"])
def delete(customer_id: int):
    """Delete for good (owner/admin), after a confirmation page; contacts go with it."""
    customer = customer_or_404(customer_id)
    if request.method == "GET":
        return render_template("customers/delete.html", customer=customer)
    name = customer.name
    audit.record(
        "customer.delete",
        target_type="customer",
        target_id=customer.id,
        detail={"name": name, "contacts": len(customer.contacts)},
    )
    db.session.delete(customer)
    db.session.commit()
    flash(_("Customer %(name)s and its contacts were deleted.", name=name), "success")
    return redirect(url_for(".index"))


# --- contacts (inline on the card) ------------------------------------------------------------


def _contacts_panel(customer: Customer, event: str, contact: Contact | None = None):
    """After a contact change: the refreshed panel for htmx (plus an event, and focus on the
    `contact` saved), else the card."""
    if request.htmx:
        body = render_template("customers/_contacts.html", customer=customer, contact_form=None)
        response = make_response(body, retarget="#contacts", reswap="innerHTML", trigger=event)
        return focus_after_swap(response, f"#contact-{contact.id}") if contact else response
    return redirect(url_for(".card", customer_id=customer.id))


def _region(customer: Customer) -> str:
    return customer.country or g.tenant.home_country


@bp.get("/<int:customer_id>/contacts/new")
def new_contact(customer_id: int):
    """The "add a contact" form, fetched by htmx when the card's folded form is unfolded;
    without htmx, the card with the form open."""
    return folded_form(
        customer_or_404(customer_id),
        "customers/_contact_form.html",
        lambda: ContactForm(formdata=None),
        "contact",
        "add-contact",
        contact=None,
    )


@bp.post("/<int:customer_id>/contacts")
def add_contact(customer_id: int):
    customer = customer_or_404(customer_id)
    form = ContactForm(region=_region(customer))
    if not form.validate_on_submit():
        return refused_form(
            customer, "customers/_contact_form.html", form, {"contact_form": form}, contact=None
        )
    contact = Contact()
    _apply_contact(form, contact)
    customer.contacts.append(contact)
    if contact.is_primary or len(customer.contacts) == 1:
        set_primary_contact(contact)
    db.session.commit()
    # htmx too: the page's live region announces it (blueprints/status.py)
    flash(_("Contact %(name)s added.", name=contact.name), "success")
    return _contacts_panel(customer, "contactAdded", contact)


@bp.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
def edit_contact(contact_id: int):
    contact = contact_or_404(contact_id)
    customer = contact.customer
    form = ContactForm(obj=contact, region=_region(customer))
    template = "customers/_contact_form.html" if request.htmx else "customers/contact_edit.html"
    if request.method == "GET":
        opened(form, contact)
        return render_template(template, customer=customer, form=form, contact=contact)
    status, conflict = 422, None

    def fresh() -> ContactForm:
        return ContactForm(formdata=None, obj=contact, region=_region(customer))

    if form.validate_on_submit():
        conflict = save_guard(form, contact, fresh)
        if conflict is None:
            was_primary = contact.is_primary
            _apply_contact(form, contact)
            if contact.is_primary and not was_primary:
                set_primary_contact(contact)
            elif was_primary and not contact.is_primary:
                contact.is_primary = True  # one contact stays primary: pick another to change it
            try:
                db.session.commit()
            except StaleDataError:
                db.session.rollback()
                contact = contact_or_404(contact_id)
                form.version.data = form.base.data = ""  # nothing decided for the person
                conflict = save_guard(form, contact, fresh)
            else:
                # htmx too: the page's live region announces it (blueprints/status.py)
                flash(_("Contact %(name)s saved.", name=contact.name), "success")
                return _contacts_panel(customer, "contactSaved", contact)
        status = 409
    return render_template(
        template, customer=customer, form=form, contact=contact, conflict=conflict
    ), status


@bp.post("/contacts/<int:contact_id>/delete")
def delete_contact(contact_id: int):
    contact = contact_or_404(contact_id)
    customer = contact.customer
    audit.record(
        "contact.delete",
        target_type="contact",
        target_id=contact.id,
        detail={"name": contact.name, "customer": customer.name},
    )
    remove_contact(contact)
    db.session.commit()
    # htmx too: the page's live region announces it (blueprints/status.py)
    flash(_("Contact %(name)s removed.", name=contact.name), "success")
    return _contacts_panel(customer, "contactRemoved")


def _apply_contact(form: ContactForm, contact: Contact) -> None:
    for name in ContactForm.MODEL_FIELDS:
        value = form[name].data
        setattr(contact, name, None if value == "" else value)
