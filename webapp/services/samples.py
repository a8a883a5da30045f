"""Samples (样品) sent to customers or to inquirers: what was sent, who pays, how it travelled,
and what the customer said. They fill the samples table of the weekly inquiry report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Customer, Inquiry, Membership, Sample
from ..models.inquiry import SAMPLE_CHARGES
from ..normalize import like_pattern
from .visibility import can_see, visible_by_customer

CHARGE_LABELS = {
    "free": _l("Free"),
    "charged": _l("Charged"),
    "freight_collect": _l("Freight collect"),
}
assert set(CHARGE_LABELS) == set(SAMPLE_CHARGES)


def charge_label(code: str | None) -> str:
    return str(CHARGE_LABELS.get(code or "", code or ""))


@dataclass
class SampleInput:
    """What a person typed, parsed by the form."""

    name: str
    charge: str
    sent_by_id: int
    customer_id: int | None = None
    inquiry_id: int | None = None
    quantity: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    sent_on: date | None = None
    courier: str | None = None
    tracking_no: str | None = None
    feedback: str | None = None


class SampleInvalid(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(problems)
        self.problems = problems


def sample_problems(
    data: SampleInput,
    viewer: Membership | None = None,
    kept_customer_id: int | None = None,
    kept_inquiry_id: int | None = None,
) -> dict[str, str]:
    """Field name -> message in the user's language; empty when the sample can be saved.
    With `viewer`, the customer must be one they may see (or the one the sample already has):
    the form lists only those, and a forged id must not attach a sample to someone else's;
    so must the customer of the inquiry (unless the sample already hangs off that inquiry)."""
    problems: dict[str, str] = {}
    if not (data.name or "").strip():
        problems["name"] = gettext("Enter the sample's name.")
    if data.charge not in SAMPLE_CHARGES:
        problems["charge"] = gettext("Pick how the sample is paid.")
    if data.charge == "charged":
        if data.amount is None or data.amount <= 0:
            problems["amount"] = gettext("A charged sample needs the amount.")
        if not data.currency:
            problems["currency"] = gettext("A charged sample needs the currency.")
    if data.customer_id is None and data.inquiry_id is None:
        problems["customer_id"] = gettext("Pick the customer (or send it from an inquiry).")
    customer = db.session.get(Customer, data.customer_id) if data.customer_id else None
    if data.customer_id is not None and customer is None:
        problems["customer_id"] = gettext("Pick a customer of this company.")
    elif (
        customer is not None
        and viewer is not None
        and customer.id != kept_customer_id
        and not can_see(viewer, customer)
    ):
        problems["customer_id"] = gettext("Pick a customer from the list.")
    inquiry = db.session.get(Inquiry, data.inquiry_id) if data.inquiry_id is not None else None
    if data.inquiry_id is not None and inquiry is None:
        problems["inquiry_id"] = gettext("This inquiry does not exist.")
    elif (
        inquiry is not None
        and viewer is not None
        and inquiry.id != kept_inquiry_id
        and inquiry.customer_id is not None
        and not can_see(viewer, inquiry.customer)
    ):
        # the sample would hang off (or, without a customer, be copied onto) a colleague's
        # customer this person cannot open: the same answer as its card, on the field they see
        problems["customer_id"] = gettext(
            "The inquiry's customer is not one you can open: only its owner or a manager can "
            "add samples to it."
        )
    member = db.session.get(Membership, data.sent_by_id) if data.sent_by_id else None
    if member is None:
        problems["sent_by_id"] = gettext("Pick a salesperson of this company.")
    return problems


def apply_sample(sample: Sample, data: SampleInput, viewer: Membership | None = None) -> None:
    """Copy validated input onto the sample (raises SampleInvalid otherwise)."""
    problems = sample_problems(
        data, viewer, kept_customer_id=sample.customer_id, kept_inquiry_id=sample.inquiry_id
    )
    if problems:
        raise SampleInvalid(problems)
    for name in ("name", "charge", "sent_by_id", "customer_id", "inquiry_id", "quantity",
                 "sent_on", "courier", "tracking_no", "feedback"):  # fmt: skip
        setattr(sample, name, getattr(data, name))
    sample.name = sample.name.strip()
    # only a charged sample has a price: a stale amount on a free one would mislead the report
    if data.charge == "charged":
        sample.amount, sample.currency = data.amount, data.currency
    else:
        sample.amount, sample.currency = None, None
    # a sample for an inquiry that became a customer belongs on that customer's card as well
    if sample.customer_id is None and sample.inquiry_id is not None:
        inquiry = db.session.get(Inquiry, sample.inquiry_id)
        sample.customer_id = inquiry.customer_id if inquiry else None


def create_sample(data: SampleInput, viewer: Membership | None = None) -> Sample:
    sample = Sample()
    apply_sample(sample, data, viewer)
    db.session.add(sample)
    db.session.flush()
    return sample


def delete_sample(sample: Sample) -> None:
    db.session.delete(sample)
    db.session.flush()


@dataclass
class SampleFilters:
    customer_id: int | None = None
    inquiry_id: int | None = None
    sent_by: str = ""  # "", "mine" or a membership id
    sent_by_id: int | None = None
    charge: str = ""
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    active: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args, mine_id: int | None = None) -> SampleFilters:
        def number(name: str) -> int | None:
            value = str(args.get(name, ""))
            return int(value) if value.isdigit() else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(str(args.get(name, "")).strip())
            except ValueError:
                return None

        sent_by = str(args.get("sent_by", ""))
        sent_by_id = mine_id if sent_by == "mine" else number("sent_by")
        charge = args.get("charge", "")
        filters = cls(
            customer_id=number("customer"),
            inquiry_id=number("inquiry"),
            sent_by=sent_by if sent_by_id else "",
            sent_by_id=sent_by_id,
            charge=charge if charge in SAMPLE_CHARGES else "",
            date_from=day("from"),
            date_to=day("to"),
            q=str(args.get("q", ""))[:100].strip(),
        )
        filters.active = [
            name
            for name in (
                "customer_id",
                "inquiry_id",
                "sent_by_id",
                "charge",
                "date_from",
                "date_to",
                "q",
            )  # fmt: skip
            if getattr(filters, name)
        ]
        return filters


# unsent ones on top (they are the ones still to do), then the newest sent
_NEWEST_SENT = (Sample.sent_on.desc().nulls_first(), Sample.id.desc())


def sample_query(filters: SampleFilters) -> Select:
    """Newest sent first (unsent ones on top: they are the ones still to do)."""
    stmt = select(Sample).options(
        joinedload(Sample.customer),
        joinedload(Sample.inquiry),
        joinedload(Sample.sent_by).joinedload(Membership.user),
    )
    if filters.customer_id:
        stmt = stmt.where(Sample.customer_id == filters.customer_id)
    if filters.inquiry_id:
        stmt = stmt.where(Sample.inquiry_id == filters.inquiry_id)
    if filters.sent_by_id:
        stmt = stmt.where(Sample.sent_by_id == filters.sent_by_id)
    if filters.charge:
        stmt = stmt.where(Sample.charge == filters.charge)
    if filters.date_from:
        stmt = stmt.where(Sample.sent_on >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Sample.sent_on <= filters.date_to)
    if filters.q:
        pattern = like_pattern(filters.q.lower())
        stmt = stmt.where(
            or_(
                func.lower(Sample.name).like(pattern, escape="\\"),
                func.lower(Sample.tracking_no).like(pattern, escape="\\"),
            )
        )
    return stmt.order_by(*_NEWEST_SENT)


def samples_for(
    *, customer_id: int | None = None, inquiry_id: int | None = None, viewer=None
) -> list[Sample]:
    """The samples of one customer or one inquiry (card and inquiry page), newest first. With
    `viewer`, only those sent to no customer or to one they may see (services/visibility)."""
    stmt = sample_query(SampleFilters(customer_id=customer_id, inquiry_id=inquiry_id))
    if viewer is not None:
        stmt = stmt.where(visible_sample(viewer))
    return list(db.session.scalars(stmt))


def visible_sample(viewer: Membership | None):
    """WHERE clause on Sample: sent to an inquirer alone, or to a customer `viewer` may see."""
    return Sample.customer_id.is_(None) | visible_by_customer(Sample.customer_id, viewer)


def customer_samples(customer_id: int) -> list[Sample]:
    """The samples sent to one customer, for its card: unsent first, then newest sent."""
    # the card's panel shows the samples' own fields only: no customer, inquiry or sender joined
    stmt = select(Sample).where(Sample.customer_id == customer_id).order_by(*_NEWEST_SENT)
    return list(db.session.scalars(stmt))
