"""PDFs of the paper forms, in the user's language or ?lang=zh|en; ?download=1 saves the file
instead of opening it. Members of the company only (the tenant blueprint checks it)."""

from __future__ import annotations

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Contact, Customer
from ...pdf import print_today, send_paper_form
from ...services import orders as order_rules
from ...services import printing as print_data
from ...services.classification import (
    GRADE_DEFINITIONS,
    IMPORTANCE_STARS,
    STAGE_BITS,
    STAGES,
    VISIT_PURPOSES,
    bits_to_purposes,
)
from ...services.customers import CustomerFilters, customer_query
from ...services.followups import timeline
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, member_or_404
from ..followups.routes import followup_or_404
from ..orders.forms import SECTIONS
from ..orders.routes import order_or_404, section_form

bp = tenant_blueprint("printing", __name__, "/print")

# The paper forms' titles (客户跟踪记录表 …), printed as the heading and used in file names.
FORM_TITLES = {
    "followup_log": _l("Customer follow-up log"),
    "customer_sheet": _l("Customer follow-up sheet"),
    "visit": _l("Customer visit record"),
    "order": _l("Export order tracking form"),
    "contacts": _l("Customer information list"),
    "staff_table": _l("Salesperson's customer table"),
    "tracking": _l("Foreign customer tracking table"),
    "grades": _l("Customers by grade A/B/C/D"),
}


def _send(form: str, name: str, **context):
    """The form's PDF; the file name carries the form, the record and today."""
    return send_paper_form(
        f"print/{form}.html", FORM_TITLES[form], f"{name}-{print_today().isoformat()}", **context
    )


@bp.get("/customers/<int:customer_id>/followups.pdf")
def followup_log(customer_id: int):
    customer = customer_or_404(customer_id)
    records = sorted(timeline(customer.id), key=lambda r: r.seq)
    return _send("followup_log", customer.name,
                 customer=customer, records=records)  # fmt: skip


@bp.get("/customers/<int:customer_id>/sheet.pdf")
def customer_sheet(customer_id: int):
    customer = customer_or_404(customer_id)
    visits = [r for r in sorted(timeline(customer.id), key=lambda r: r.seq) if r.is_visit]
    return _send("customer_sheet", customer.name,
                 customer=customer, visits=visits)  # fmt: skip


@bp.get("/followups/<int:followup_id>/visit.pdf")
def visit(followup_id: int):
    record = followup_or_404(followup_id)
    if not record.is_visit:
        abort(404)
    return _send("visit", record.customer.name,
                 record=record, customer=record.customer,
                 purposes=bits_to_purposes(record.purposes),
                 purpose_labels=VISIT_PURPOSES)  # fmt: skip


# The paper's 五、其他情况 holds four numbered parts; the order pages show them as sections of
# their own, the print numbers them as on paper.
ORDER_HEADINGS = {
    "other": _l("5. Other"),
    "documents": _l("(1) FORM A / C/O, customs, verification"),
    "sales_list": _l("(2) Factory sales list and B/L"),
    "archive": _l("(3) Documents filed"),
    "claims": _l("(4) Claims and deductions"),
}


@bp.get("/orders/<int:order_id>/order.pdf")
def order(order_id: int):
    export_order = order_or_404(order_id)
    return _send(
        "order",
        export_order.contract_no,
        order=export_order,
        totals=order_rules.totals(export_order),
        claims_total=print_data.claims_total(export_order),
        sections=SECTIONS,
        headings=ORDER_HEADINGS,
        # called by the template, so the forms' choices (currency names …) are made in the
        # language the form prints in, not the viewer's
        section_form=lambda name: section_form(name, export_order),
        signoff_kinds=order_rules.SIGNOFF_KINDS,
        payment_kinds=order_rules.PAYMENT_KINDS,
        order_stage_labels=order_rules.STAGES,
    )


@bp.get("/contacts.pdf")
def contacts_list():
    """客户信息表: the contacts of the customers the list's filters select (same URL args)."""
    filters = CustomerFilters.from_args(request.args, viewer=g.membership)
    customer_ids = select(customer_query(filters).subquery().c.id)
    contacts = db.session.scalars(
        select(Contact)
        .join(Contact.customer)
        .where(Contact.customer_id.in_(customer_ids))
        .options(joinedload(Contact.customer).joinedload(Customer.owner))
        .order_by(Customer.name_key, *Contact.customer_order())
        .limit(2000)
    ).all()
    return _send("contacts", g.tenant.name,
                 contacts=contacts, landscape=True)  # fmt: skip


def _selection() -> tuple[CustomerFilters, list]:
    """The customers the list's filters select (same URL args as the list), for the forms
    that print one row per customer: a salesperson's own (owner=mine or a member's id) or
    a manager's selection."""
    filters = CustomerFilters.from_args(request.args, viewer=g.membership).find_matches()
    return filters, print_data.selected_customers(filters)


def _operator(filters: CustomerFilters) -> str:
    """操作人 at the top of the table: the salesperson the selection is filtered on, else the
    member printing it."""
    if filters.owner_id is not None:
        return member_or_404(filters.owner_id).user.name
    return g.membership.user.name


@bp.get("/customers/staff.pdf")
def staff_table():
    """外贸人员客户跟进表: one row per customer, grade in colour, the 发展 ticks, the status and
    the newest follow-up."""
    filters, customers = _selection()
    newest = print_data.newest_followups([c.id for c in customers], per_customer=1)
    return _send("staff_table", _operator(filters),
                 customers=customers, newest=newest, operator=_operator(filters),
                 stage_labels=STAGES, stage_bits=STAGE_BITS, landscape=True,
                 truncated=len(customers) == print_data.PRINT_CUSTOMERS_MAX)  # fmt: skip


@bp.get("/customers/tracking.pdf")
def tracking():
    """国外客户跟踪表, A4 landscape: importance as stars, the customer's deal figures, its main
    local holidays and the running log of its newest follow-ups."""
    filters, customers = _selection()
    return _send("tracking", _operator(filters),
                 customers=customers,
                 logs=print_data.newest_followups([c.id for c in customers]),
                 primary=print_data.first_contacts(customers),
                 holidays=print_data.main_holidays, stars=IMPORTANCE_STARS, landscape=True,
                 truncated=len(customers) == print_data.PRINT_CUSTOMERS_MAX)  # fmt: skip


@bp.get("/customers/grades.pdf")
def grades():
    """客户分级 A/B/C/D: each grade's rule, then its customers."""
    filters, customers = _selection()
    return _send("grades", _operator(filters),
                 book=print_data.by_grade(customers), grade_rules=GRADE_DEFINITIONS,
                 operator=_operator(filters),
                 truncated=len(customers) == print_data.PRINT_CUSTOMERS_MAX)  # fmt: skip
