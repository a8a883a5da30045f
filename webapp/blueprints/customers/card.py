"""Everything the customer card shows, built in one place for the card page and for the htmx
partials that refresh parts of it (contacts, timeline, header)."""

from __future__ import annotations

from collections.abc import Callable

from flask import g, redirect, render_template, request, url_for
from flask_babel import get_locale

from ...models import Customer, FollowUp
from ...services import pool
from ...services.classification import bits_to_purposes, bits_to_stages
from ...services.customers import CardPanels, card_panels, team_choices
from ...services.followups import (
    TIMELINE_FIRST,
    category_history,
    company_today,
    timeline,
    timeline_count,
)
from ...services.inquiries import CHANNEL_LABELS, customer_inquiries, followed_ids
from ...services.localinfo import (
    customer_zone,
    now_in,
    upcoming_holidays,
    zone_names,
    zone_options,
)
from ...services.orders import STAGES as ORDER_STAGES
from ...services.orders import customer_orders
from ...services.samples import charge_label, customer_samples
from ..followups.forms import FollowUpForm


def new_followup_form(customer: Customer, formdata=None) -> FollowUpForm:
    """The inline "log a follow-up" form, prefilled: me, today, phone, current category."""
    form = FollowUpForm(
        formdata=formdata,
        members=team_choices(),
        contacts=customer.contacts,
        today=company_today(g.tenant),
    )
    if formdata is None:
        form.method.data = "phone"
        form.followed_by_id.data = g.membership.id
        form.on_date.data = company_today(g.tenant)
        form.category.data = customer.category or ""
        primary = [c.id for c in customer.contacts if c.is_primary]
        form.contact_ids.data = primary
    return form


def edit_followup_form(record: FollowUp, formdata=None) -> FollowUpForm:
    form = FollowUpForm(
        formdata=formdata,
        obj=record,
        members=team_choices(
            keep_id=record.followed_by_id, keep_ids=[m.id for m in record.colleagues]
        ),
        contacts=record.customer.contacts,
        today=company_today(g.tenant),
    )
    if formdata is None:
        form.contact_ids.data = [c.id for c in record.contacts]
        form.colleague_ids.data = [m.id for m in record.colleagues]
        form.purposes.data = bits_to_purposes(record.purposes)
        form.category.data = record.category or ""
    return form


def timeline_context(
    customer: Customer, method: str = "", followup_form=None, *, everything: bool = False
) -> dict:
    """The timeline panel: the newest TIMELINE_FIRST records unless `everything`, and the
    "log a follow-up" form only when it is given (an open or failed form): a folded form is
    fetched when it is unfolded, since rendering it cost as much as the rest of the card."""
    records = timeline(customer.id, method or None, None if everything else TIMELINE_FIRST + 1)
    older = 0
    if not everything and len(records) > TIMELINE_FIRST:
        # numbers run 1..n without gaps (services.followups renumbers on every change), so
        # the newest one's number is the count; a method filter has to count its own kind
        total = timeline_count(customer.id, method) if method else records[0].seq
        records = records[:TIMELINE_FIRST]
        older = total - TIMELINE_FIRST
    return {
        "customer": customer,
        "records": records,
        "older": older,
        "method_filter": method,
        "history": category_history(customer.id),
        "followup_form": followup_form,
    }


def inquiries_and_samples(customer: Customer, panels: CardPanels) -> dict:
    """The inquiries linked to the customer and the samples sent to it, each read only when
    `panels` says there are some."""

    inquiries = customer_inquiries(customer.id) if panels.inquiries else []
    return {
        "inquiries": inquiries,
        "inquiries_followed": followed_ids([i.id for i in inquiries]),
        "channel_labels": CHANNEL_LABELS,
        "samples": customer_samples(customer.id) if panels.samples else [],
        "charge_label": charge_label,
    }


def folded_form(
    customer: Customer, partial: str, make_form: Callable, opens: str, anchor: str, **context
):
    """A form the card keeps folded (macro `fetched_on_unfold`), asked for when unfolded: the
    form's partial for htmx; without htmx, the card with that form open (`?<opens>=1`, at the
    form's <details id=anchor>)."""
    if not request.htmx:
        card = url_for("customers.card", customer_id=customer.id, **{opens: 1})
        return redirect(f"{card}#{anchor}")
    return render_template(partial, customer=customer, form=make_form(), **context)


def refused_form(customer: Customer, partial: str, form, card: dict, **context):
    """A form of the card that did not validate (422): its partial again for htmx, with the
    messages next to the fields; without htmx, the whole card with it open (`card`: the
    arguments of render_card that open it)."""
    if request.htmx:
        return render_template(partial, customer=customer, form=form, **context), 422
    return render_card(customer, **card), 422


def render_card(
    customer: Customer,
    *,
    contact_form=None,
    followup_form=None,
    method="",
    log=False,
    everything=False,
):

    panels = card_panels(customer.id)
    return render_template(
        "customers/card.html",
        owner_history=pool.history(customer.id) if panels.owner_history else [],
        owner_kind_labels=pool.KIND_LABELS,
        can_release=pool.can_release(g.membership, customer),
        **inquiries_and_samples(customer, panels),
        orders=customer_orders(customer.id) if panels.orders else [],
        order_stages=ORDER_STAGES,
        contact_form=contact_form,
        **_local_info(customer),
        stages=bits_to_stages(customer.stages),
        open_log=log,
        **timeline_context(
            customer,
            method,
            followup_form or (new_followup_form(customer) if log else None),
            everything=everything,
        ),
    )


def _local_info(customer: Customer) -> dict:
    """The card's local time (with its zone's names in the user's language, and which zone it
    is and why: services/localinfo.customer_zone) and holidays."""
    locale = str(get_locale())
    zone = customer_zone(customer.country, customer.address, customer.time_zone)
    moment = now_in(zone.zone) if zone else None
    return {
        "local_time": moment,
        "local_zone": zone_names(moment, locale) if moment else None,
        "zone": zone,
        "zone_options": zone_options(zone.choices, locale) if zone else [],
        "holidays": upcoming_holidays(customer.country, locale, company_today(g.tenant)),
    }
