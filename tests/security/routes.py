"""What the security walkers need to call every route: how to make an object for each URL
parameter. A route whose parameter is not listed here fails the walkers (it is never skipped)."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count

from flask import Flask
from werkzeug.routing import Rule

from tests.factories import (
    Company,
    add_member,
    make_contact,
    make_customer,
    make_followup,
    make_import,
    make_inquiry,
    make_invitation,
    make_order,
    make_order_row,
    make_plan,
    make_report,
    make_report_row,
    make_sample,
    plan_row_ids,
)
from webapp.extensions import db
from webapp.models import ExportJob
from webapp.tenancy.context import tenant_context

SECRET = "SECRET-OF-{slug}"


def _customer(app: Flask, company: Company) -> int:
    return make_customer(app, company, SECRET.format(slug=company.slug) + " customer")


def _contact(app: Flask, company: Company) -> int:
    customer_id = _customer(app, company)
    return make_contact(app, company, customer_id, SECRET.format(slug=company.slug) + " contact")


def _followup(app: Flask, company: Company) -> int:
    customer_id = _customer(app, company)
    # a visit: every follow-up route, the visit record's PDF included, accepts it
    topic = SECRET.format(slug=company.slug) + " followup"
    return make_followup(app, company, customer_id, topic, method="visit_direct")


_order_numbers = count(1)


def _order(app: Flask, company: Company) -> int:
    customer_id = _customer(app, company)
    number = f"{SECRET.format(slug=company.slug)}-order-{next(_order_numbers)}"
    return make_order(app, company, customer_id, number)


def _order_row(kind: str) -> Callable[[Flask, Company], int]:
    def build(app: Flask, company: Company) -> int:
        return make_order_row(app, company, _order(app, company), kind)

    return build


def _member(app: Flask, company: Company) -> int:
    email = f"member-{next(_order_numbers)}@{company.slug}.example.com"
    return add_member(app, company, email, {"sales"}, SECRET.format(slug=company.slug) + " member")


def _inquiry(app: Flask, company: Company) -> int:
    return make_inquiry(app, company, SECRET.format(slug=company.slug) + " inquiry")


def _sample(app: Flask, company: Company) -> int:
    return make_sample(app, company, SECRET.format(slug=company.slug) + " sample")


_plan_weeks = count(1)


def _plan(app: Flask, company: Company) -> int:
    from datetime import date, timedelta

    # a distinct past Monday each time: one plan per member and start week
    monday = date(2026, 11, 23) - timedelta(weeks=4 * next(_plan_weeks))
    return make_plan(app, company, monday, customer_ids=(_customer(app, company),))


def _plan_row(app: Flask, company: Company) -> int:
    return plan_row_ids(app, company, _plan(app, company))[0]


_report_weeks = count(1)


def _report(app: Flask, company: Company) -> int:
    from datetime import date, timedelta

    # a distinct past week each time: one report per member and week
    monday = date(2026, 11, 23) - timedelta(weeks=next(_report_weeks))
    secret = SECRET.format(slug=company.slug) + " report"
    return make_report(app, company, monday, overview=secret)


def _report_row(kind: str) -> Callable[[Flask, Company], int]:
    def build(app: Flask, company: Company) -> int:
        secret = SECRET.format(slug=company.slug) + " " + kind
        field = "notes" if kind == "line" else "body"
        return make_report_row(app, company, _report(app, company), kind, **{field: secret})

    return build


def _import(app: Flask, company: Company) -> int:
    return make_import(app, company, filename=SECRET.format(slug=company.slug) + " import.csv")


def _export(app: Flask, company: Company) -> int:
    """A finished large export of the company's owner (the walkers' positive control)."""
    content = f"{SECRET.format(slug=company.slug)} customer\n".encode()
    with app.app_context(), tenant_context(company.id):
        export = ExportJob(
            created_by_id=company.owner_membership_id, kind="customers", file_format="csv",
            args="{}", locale="en", status="done", file_name="customers.csv", content=content,
        )  # fmt: skip
        db.session.add(export)
        db.session.commit()
        return export.id


def _invitation(app: Flask, company: Company) -> int:
    email = f"invitee-{next(_order_numbers)}@{company.slug}.example.com"
    return make_invitation(app, company, email, name=SECRET.format(slug=company.slug) + " invitee")[
        0
    ]


# URL parameter -> builder of an object of that kind in a company (returns its id)
OBJECT_PARAMS: dict[str, Callable[[Flask, Company], int]] = {
    "customer_id": _customer,
    "contact_id": _contact,
    "followup_id": _followup,
    "order_id": _order,
    "payment_id": _order_row("payment"),
    "claim_id": _order_row("claim"),
    "signoff_id": _order_row("signoff"),
    "member_id": _member,
    "inquiry_id": _inquiry,
    "sample_id": _sample,
    "plan_id": _plan,
    "plan_row_id": _plan_row,
    "report_id": _report,
    "line_id": _report_row("line"),
    "comment_id": _report_row("comment"),
    "import_id": _import,
    "export_id": _export,
    "invitation_id": _invitation,
}
# Parameters that pick a part of a page, not an object: a valid sample value to build the URL.
SAMPLE_VALUES = {"section": "freight", "week": "2026-W48", "day_list": "due"}
TENANT_PARAM = "tenant_slug"
# Parameters that do not name a company's object, with the reason they are safe.
NOT_OBJECTS = {
    ("static", "filename"): "public static files, the same for every company",
    ("auth.reset_password", "token"): "a secret link for one person, not a company's object "
    "(tests/web/test_accounts.py covers unknown, used and expired tokens)",
    ("invites.join", "token"): "an invitation link: public on purpose (the visitor is not a "
    "member yet); tests/web/test_team.py covers unknown, used, revoked, expired and "
    "wrong-company links",
    ("public.confirm_signup", "token"): "a signed signup link for one address, not a company's "
    "object (tests/web/test_signup.py covers damaged, used and taken-address links)",
}


def company_rule(rule: Rule) -> bool:
    """Rules the walkers exercise: any argument, none of them a non-object from NOT_OBJECTS."""
    return bool(rule.arguments) and not any(
        (rule.endpoint, arg) in NOT_OBJECTS for arg in rule.arguments
    )


WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def unknown_params(rule: Rule) -> set[str]:
    known = set(OBJECT_PARAMS) | {TENANT_PARAM} | set(SAMPLE_VALUES)
    return {
        arg
        for arg in rule.arguments
        if arg not in known and (rule.endpoint, arg) not in NOT_OBJECTS
    }


def build_values(app: Flask, rule: Rule, owner: Company, slug: str) -> dict[str, object]:
    """URL values with objects created in `owner`, addressed under company `slug`."""
    values: dict[str, object] = {}
    for arg in rule.arguments:
        if arg == TENANT_PARAM:
            values[arg] = slug
        elif arg in OBJECT_PARAMS:
            values[arg] = OBJECT_PARAMS[arg](app, owner)
        elif arg in SAMPLE_VALUES:
            values[arg] = SAMPLE_VALUES[arg]
        elif arg == "token":  # NOT_OBJECTS: a reset, invitation or signup link that does not exist
            values[arg] = "not-a-real-token"
    return values


def url_for_rule(app: Flask, rule: Rule, values: dict[str, object]) -> str:
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=next(iter(rule.methods - {"HEAD"})))


# --- "own" visibility: a colleague's customer reached through another record --------------------
# Builders for the visibility walker (tests/security/test_tenant_isolation.py): each makes, in one
# company, a record of its kind that leads to `customer` (a colleague's customer the salesperson
# `sales` may not see) and returns its id. Only the customer's own data carries the secret: the
# records the salesperson may still open (an inquiry of the shared register, their own plan or
# report) are named plainly, so a page that shows them but not the customer passes.

_hidden_weeks = count(1)


def _past_monday(counter) -> object:
    from datetime import date, timedelta

    return date(2026, 11, 23) - timedelta(weeks=next(counter))


def _h_contact(app: Flask, company: Company, sales: int, customer: int) -> int:
    return make_contact(app, company, customer, SECRET.format(slug=company.slug) + " contact")


def _h_followup(app: Flask, company: Company, sales: int, customer: int) -> int:
    topic = SECRET.format(slug=company.slug) + " followup"
    return make_followup(app, company, customer, topic, method="visit_direct")


def _h_order(app: Flask, company: Company, sales: int, customer: int) -> int:
    number = f"{SECRET.format(slug=company.slug)}-order-{next(_order_numbers)}"
    return make_order(app, company, customer, number)


def _h_order_row(kind: str):
    def build(app: Flask, company: Company, sales: int, customer: int) -> int:
        return make_order_row(app, company, _h_order(app, company, sales, customer), kind)

    return build


def _h_inquiry(app: Flask, company: Company, sales: int, customer: int) -> int:
    """The salesperson's own inquiry, linked to the colleague's customer, with a follow-up of
    that customer since and a sample sent to it."""
    inquiry = make_inquiry(app, company, "Shared register inquiry", customer_id=customer,
                           assigned_to_id=sales)  # fmt: skip
    _h_followup(app, company, sales, customer)
    make_sample(app, company, SECRET.format(slug=company.slug) + " sample",
                customer_id=customer, inquiry_id=inquiry)  # fmt: skip
    return inquiry


def _h_sample(app: Flask, company: Company, sales: int, customer: int) -> int:
    inquiry = make_inquiry(app, company, "Shared register inquiry", customer_id=customer)
    secret = SECRET.format(slug=company.slug)
    return make_sample(app, company, secret + " sample", customer_id=customer,
                       inquiry_id=inquiry, sent_by_id=sales, feedback=secret)  # fmt: skip


def _h_plan(app: Flask, company: Company, sales: int, customer: int) -> int:
    """The salesperson's own plan, with the customer on it from before it was handed over."""
    monday = _past_monday(_hidden_weeks)
    return make_plan(app, company, monday, member_id=sales, customer_ids=(customer,),
                     cells={(customer, monday): "C"})  # fmt: skip


def _h_plan_row(app: Flask, company: Company, sales: int, customer: int) -> int:
    return plan_row_ids(app, company, _h_plan(app, company, sales, customer))[0]


def _h_report(app: Flask, company: Company, sales: int, customer: int) -> int:
    return _h_report_and_line(app, company, sales, customer)[0]


def _h_line(app: Flask, company: Company, sales: int, customer: int) -> int:
    return _h_report_and_line(app, company, sales, customer)[1]


def _h_report_and_line(app: Flask, company: Company, sales: int, customer: int):
    """The salesperson's own report with a line copied from the customer while it was theirs."""
    report = make_report(app, company, _past_monday(_hidden_weeks), member_id=sales,
                         prefilled=True)  # fmt: skip
    line = make_report_row(app, company, report, "line", customer_id=customer,
                           contact=SECRET.format(slug=company.slug) + " customer")  # fmt: skip
    return report, line


# URL parameter -> builder (app, company, salesperson's membership id, hidden customer id)
HIDDEN_PARAMS: dict[str, Callable[[Flask, Company, int, int], int]] = {
    "customer_id": lambda app, company, sales, customer: customer,
    "contact_id": _h_contact,
    "followup_id": _h_followup,
    "order_id": _h_order,
    "payment_id": _h_order_row("payment"),
    "claim_id": _h_order_row("claim"),
    "signoff_id": _h_order_row("signoff"),
    "inquiry_id": _h_inquiry,
    "sample_id": _h_sample,
    "plan_id": _h_plan,
    "plan_row_id": _h_plan_row,
    "report_id": _h_report,
    "line_id": _h_line,
}
# Object parameters that lead to no customer, with the reason (every OBJECT_PARAMS key is in
# one of the two: a new kind of record fails the walker until it is placed).
NO_CUSTOMER_PARAMS = {
    "member_id": "a member of the company, not a customer's record",
    "comment_id": "a comment on a weekly report: text about the report, holds no customer",
    "import_id": "an import opens for its uploader and for those who see every customer "
    "(tests/web/test_imports_web.py)",
    "invitation_id": "an invitation to join the company, holds no customer",
    "export_id": "an export opens for the member who asked for it only "
    "(tests/web/test_jobs_web.py)",
}


def build_hidden_values(
    app: Flask, rule: Rule, company: Company, sales: int, customer: int
) -> dict[str, object]:
    """URL values for `rule` whose records lead to `customer`, a colleague's."""
    values: dict[str, object] = {}
    for arg in rule.arguments:
        if arg == TENANT_PARAM:
            values[arg] = company.slug
        elif arg in HIDDEN_PARAMS:
            values[arg] = HIDDEN_PARAMS[arg](app, company, sales, customer)
        elif arg in OBJECT_PARAMS:
            values[arg] = OBJECT_PARAMS[arg](app, company)
        elif arg in SAMPLE_VALUES:
            values[arg] = SAMPLE_VALUES[arg]
    return values
