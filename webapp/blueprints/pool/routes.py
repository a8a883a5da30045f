"""The shared customer pool (公海): the pool page, claim, release, and transfer (one or many
customers from the list). Rules: services/pool.py; who sees what: services/visibility.py."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db, writes_on_get
from ...models import Customer
from ...paging import render_list, requested_page
from ...services import pool as rules
from ...services.classification import GRADES
from ...services.roles import can
from ...services.visibility import visible_clause
from ...tenancy.web import tenant_blueprint
from ..access import customer_or_404, get_or_404, member_or_404, permissions
from ..formkit import bounded_int
from .forms import ReasonForm, TransferForm

bp = tenant_blueprint("pool", __name__, "/pool")

MAX_TRANSFER = 500  # customers in one bulk transfer
permissions(bp, {"transfer": "customers.transfer"})


def claimable_or_404(customer_id: int) -> Customer:
    """A customer of the company to claim, or 404. Not limited to the customers this member
    sees: a pool customer is everyone's to see, and one a colleague claimed a moment ago gets
    the claim rule's "no longer in the pool" (services/pool.claim_problem), which names
    nothing of it, rather than a puzzling "not found"."""
    return get_or_404(Customer, customer_id)


def releasable_or_404(customer_id: int) -> Customer:
    """A customer this member may see (customer_or_404), 403 unless they may release it
    (their own with pool.release, anyone's with pool.release_any)."""
    customer = customer_or_404(customer_id)
    if not rules.can_release(g.membership, customer):
        abort(403)
    return customer


@bp.get("/")
@writes_on_get  # the lazy sweep may send overdue customers back first
def index():
    rules.lazy_sweep(g.tenant)
    args = request.args
    grade = args.get("grade", "")
    grade = grade if grade in GRADES else ""
    country = args.get("country", "").upper()
    country = country if len(country) == 2 and country.isalpha() else ""
    q = args.get("q", "")[:100].strip()
    page = requested_page(rules.pool_query(q, grade, country))
    context = {
        "page": page,
        "q": q,
        "grade": grade,
        "country": country,
        "grades": GRADES,
        "last_owners": rules.last_owners([c.id for c in page.items]),
        "owned": rules.owned_count(g.membership),
        "limit": g.tenant.max_owned_customers,
        "can_claim": can(g.membership, "pool.claim"),
        "kind_labels": rules.KIND_LABELS,
    }
    return render_list("pool", "pool", **context)


@bp.post("/<int:customer_id>/claim")
def claim(customer_id: int):
    customer = claimable_or_404(customer_id)
    rules.sweep(g.tenant)  # the same pool whether or not cron ran
    try:
        rules.claim(customer, g.membership, g.tenant)
        db.session.commit()
    except rules.PoolError as err:
        db.session.rollback()
        flash(str(err), "warning")
        return redirect(url_for(".index")), 303
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else changed this customer meanwhile. Try again."), "warning")
        return redirect(url_for(".index")), 303
    flash(_("%(name)s is now your customer.", name=customer.name), "success")
    return redirect(url_for("customers.card", customer_id=customer.id))


def _commit(form, change, stale: str):
    """Run `change` and commit. A pool rule's refusal or a colleague's change at the same
    moment rolls back and becomes the reason field's error; returns what `change` returned."""
    try:
        result = change()
        db.session.commit()
    except rules.PoolError as err:
        db.session.rollback()
        form.reason.errors = [str(err)]
    except StaleDataError:
        db.session.rollback()
        form.reason.errors = [stale]
    else:
        return result
    return None


@bp.route("/<int:customer_id>/release", methods=["GET", "POST"])
def release(customer_id: int):
    customer = releasable_or_404(customer_id)
    form = ReasonForm()
    if form.validate_on_submit():
        stale = _("Someone else changed this customer meanwhile. Try again.")
        _commit(form, lambda: rules.release(customer, g.membership, form.reason.data), stale)
        if not form.reason.errors:
            flash(_("%(name)s is now in the pool.", name=customer.name), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("pool/release.html", customer=customer, form=form), status


def _selected() -> list[Customer]:
    """The customers picked in the list (ids=…), those this member may see, at most 500."""
    ids = []
    for raw in request.values.getlist("ids")[:MAX_TRANSFER]:
        try:
            ids.append(bounded_int(raw))
        except ValueError:
            continue
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Customer)
            .where(Customer.id.in_(ids), visible_clause(g.membership))
            .order_by(Customer.name_key, Customer.id)
        )
    )


@bp.route("/transfer", methods=["GET", "POST"])
def transfer():
    """Transfer the customers ticked in the list (or one, from its card) to another member:
    a confirmation page naming each customer, the new salesperson and a required reason."""
    customers = _selected()
    if not customers:
        flash(_("Tick the customers to transfer first."), "warning")
        return redirect(url_for("customers.index"))
    form = TransferForm()
    if form.validate_on_submit():
        to = member_or_404(form.to_member_id.data)
        stale = _("Someone else changed these customers meanwhile. Try again.")
        moved = _commit(
            form, lambda: rules.transfer(customers, to, g.membership, form.reason.data), stale
        )
        if not form.reason.errors:
            flash(
                ngettext(
                    "%(num)d customer transferred to %(name)s.",
                    "%(num)d customers transferred to %(name)s.",
                    moved,
                    name=to.user.name,
                ),
                "success",
            )
            if len(customers) == 1:
                return redirect(url_for("customers.card", customer_id=customers[0].id))
            return redirect(url_for("customers.index"))
    status = 422 if form.errors else 200
    return render_template("pool/transfer.html", customers=customers, form=form), status
