"""Inquiries (询盘): channels, and what "followed" means.

An inquiry counts as followed (实际跟进) when the customer it is linked to has a follow-up
record dated on or after the day the inquiry arrived. It is derived, never ticked by hand, so
the weekly report and the inquiry list always agree with the follow-up log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Contact, Customer, FollowUp, Inquiry, Membership, Sample, Tenant
from ..models.inquiry import INQUIRY_CHANNELS
from ..normalize import like_pattern
from .duplicates import Match, find_duplicates
from .followups import company_zone
from .visibility import can_see, hidden_ids, visible_by_customer
from .weeks import local_date

CHANNEL_LABELS = {
    "alibaba": _l("Alibaba"),
    "made_in_china": _l("Made-in-China"),
    "global_sources": _l("Global Sources"),
    "website": _l("Own website"),
    "email": _l("Email"),
    "exhibition": _l("Exhibition"),
    "other": _l("Other"),
}
assert set(CHANNEL_LABELS) == set(INQUIRY_CHANNELS)


def followed_expr() -> ColumnElement[bool]:
    """SQL: the inquiry's customer has a follow-up on or after the day it was received."""
    return exists(
        select(FollowUp.id).where(
            FollowUp.tenant_id == Inquiry.tenant_id,
            FollowUp.customer_id == Inquiry.customer_id,
            FollowUp.on_date >= Inquiry.received_on,
        )
    )


@dataclass(frozen=True)
class InquiryCounts:
    received: int = 0  # 实际询盘数
    worth_following: int = 0  # 可以跟进数
    followed: int = 0  # 实际跟进数


def week_counts(member_ids: list[int] | None, monday: date) -> dict[int, InquiryCounts]:
    """Counts per assigned salesperson for the ISO week starting `monday` (company-local days).
    `member_ids` None means everyone; members with no inquiry are absent from the result."""
    return period_counts(member_ids, monday, monday + timedelta(days=7))


def period_counts(member_ids: list[int] | None, start: date, end: date) -> dict[int, InquiryCounts]:
    """Counts per assigned salesperson for inquiries received on days in [start, end)."""
    followed = followed_expr()
    stmt = (
        select(
            Inquiry.assigned_to_id,
            func.count(Inquiry.id),
            func.sum(case((Inquiry.worth_following.is_(True), 1), else_=0)),
            func.sum(case((and_(Inquiry.customer_id.is_not(None), followed), 1), else_=0)),
        )
        .where(Inquiry.received_on >= start, Inquiry.received_on < end)
        .where(Inquiry.assigned_to_id.is_not(None))
        .group_by(Inquiry.assigned_to_id)
    )
    if member_ids is not None:
        stmt = stmt.where(Inquiry.assigned_to_id.in_(member_ids))
    return {
        member: InquiryCounts(int(received), int(worth or 0), int(done or 0))
        for member, received, worth, done in db.session.execute(stmt)
    }


# --- recording an inquiry ------------------------------------------------------------------------

# 可以跟进: the form's three answers and the stored value
WORTH_VALUES: dict[str, bool | None] = {"yes": True, "no": False, "": None}
WORTH_LABELS = {"yes": _l("Worth following"), "no": _l("Not worth following"), "": _l("Undecided")}
# an inquiry typed a few minutes "in the future" is a clock difference, not a mistake
FUTURE_TOLERANCE = timedelta(minutes=10)


def worth_code(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")  # type: ignore[arg-type]


@dataclass
class InquiryInput:
    """What a person typed, already parsed by the form (country as ISO code, phone as E.164)."""

    received_local: datetime  # naive, in the company's time zone
    channel: str
    country: str | None = None
    company: str | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    product: str | None = None
    message: str | None = None
    worth_following: bool | None = None
    worth_reason: str | None = None
    assigned_to_id: int | None = None


def received_moment(tenant: Tenant, local: datetime) -> tuple[datetime, date]:
    """A company-local wall-clock time -> (the UTC moment, the company-local day).

    The day is taken from the local time itself, so 00:30 on a Monday in Shanghai is Monday
    even though it is still Sunday in UTC: the week counts and "followed" compare this day."""
    aware = local.replace(tzinfo=company_zone(tenant)) if local.tzinfo is None else local
    return aware.astimezone(UTC), local_date(tenant, aware)


def received_local(tenant: Tenant, inquiry: Inquiry) -> datetime:
    """The received moment in the company's time zone (aware), for forms and lists."""
    moment = inquiry.received_at
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(company_zone(tenant))


def inquiry_problems(tenant: Tenant, data: InquiryInput, now: datetime | None = None) -> dict:
    """Field name -> message, in the user's language; empty when the inquiry can be saved."""
    problems: dict[str, str] = {}
    if data.channel not in INQUIRY_CHANNELS:
        problems["channel"] = gettext("Pick a channel from the list.")
    moment, _day = received_moment(tenant, data.received_local)
    if moment > (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        problems["received_local"] = gettext("The received time cannot be in the future.")
    if not (data.company or data.contact_name or data.email or data.phone):
        problems["company"] = gettext(
            "Enter at least a company, a contact name, an email or a phone number."
        )
    if data.worth_following is False and not data.worth_reason:
        problems["worth_reason"] = gettext("Say why this inquiry is not worth following.")
    if data.assigned_to_id is not None and data.assigned_to_id not in active_member_ids():
        problems["assigned_to_id"] = gettext("Pick a salesperson of this company.")
    return problems


class InquiryInvalid(ValueError):
    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(problems)
        self.problems = problems


def active_member_ids() -> set[int]:
    return set(db.session.scalars(select(Membership.id).where(Membership.active.is_(True))))


def apply_inquiry(tenant: Tenant, inquiry: Inquiry, data: InquiryInput) -> None:
    """Copy validated input onto the inquiry (raises InquiryInvalid otherwise)."""
    problems = inquiry_problems(tenant, data)
    if problems:
        raise InquiryInvalid(problems)
    inquiry.received_at, inquiry.received_on = received_moment(tenant, data.received_local)
    for name in ("channel", "country", "company", "contact_name", "email", "phone", "product",
                 "message", "worth_following", "assigned_to_id"):  # fmt: skip
        setattr(inquiry, name, getattr(data, name))
    # a reason only means something next to a decision; "undecided" keeps none
    inquiry.worth_reason = data.worth_reason if data.worth_following is not None else None


def create_inquiry(tenant: Tenant, data: InquiryInput, created_by_id: int) -> Inquiry:
    inquiry = Inquiry(created_by_id=created_by_id)
    apply_inquiry(tenant, inquiry, data)
    db.session.add(inquiry)
    db.session.flush()
    return inquiry


def assign(inquiry: Inquiry, member_id: int | None) -> None:
    """Hand the inquiry to a salesperson (None: nobody yet)."""
    if member_id is not None and member_id not in active_member_ids():
        raise InquiryInvalid({"assigned_to_id": gettext("Pick a salesperson of this company.")})
    inquiry.assigned_to_id = member_id


# --- the list --------------------------------------------------------------------------------


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        return None


@dataclass
class InquiryFilters:
    """The list's filters as they travel in the URL."""

    q: str = ""
    channel: str = ""
    assigned: str = ""  # "", "mine", "none" or a membership id
    assigned_id: int | None = None
    worth: str = ""  # "", "yes", "no", "undecided"
    followed: str = ""  # "", "yes", "no"
    converted: str = ""  # "", "yes", "no"
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None
    active: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args, mine_id: int | None = None) -> InquiryFilters:
        assigned = args.get("assigned", "")
        assigned_id = None
        if assigned == "mine":
            assigned_id = mine_id
        elif assigned.isdigit():
            assigned_id = int(assigned)
        elif assigned != "none":
            assigned = ""

        def pick(name: str, allowed) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        filters = cls(
            q=args.get("q", "")[:100].strip(),
            channel=pick("channel", INQUIRY_CHANNELS),
            assigned=assigned,
            assigned_id=assigned_id,
            worth=pick("worth", ("yes", "no", "undecided")),
            followed=pick("followed", ("yes", "no")),
            converted=pick("converted", ("yes", "no")),
            date_from=_parse_day(args.get("from")),
            date_to=_parse_day(args.get("to")),
            customer_id=int(args["customer"]) if str(args.get("customer", "")).isdigit() else None,
        )
        filters.active = [
            name
            for name in (
                "q",
                "channel",
                "assigned",
                "worth",
                "followed",
                "converted",
                "date_from",
                "date_to",
                "customer_id",
            )  # fmt: skip
            if getattr(filters, name)
        ]
        return filters


def inquiry_query(filters: InquiryFilters, viewer: Membership | None = None) -> Select:
    """Newest first, with what each row shows loaded up front (assignee, customer). With
    `viewer`, the customer filter finds nothing for a customer they may not see: the register
    lists such inquiries, but must not tell which of them lead to that customer."""
    stmt = select(Inquiry).options(
        joinedload(Inquiry.assigned_to).joinedload(Membership.user),
        joinedload(Inquiry.customer),
    )
    if filters.q:
        pattern = like_pattern(filters.q.lower())
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        Inquiry.company,
                        Inquiry.contact_name,
                        Inquiry.email,
                        Inquiry.product,
                    )
                )
            )  # fmt: skip
        )
    if filters.channel:
        stmt = stmt.where(Inquiry.channel == filters.channel)
    if filters.assigned == "none":
        stmt = stmt.where(Inquiry.assigned_to_id.is_(None))
    elif filters.assigned_id is not None:
        stmt = stmt.where(Inquiry.assigned_to_id == filters.assigned_id)
    if filters.worth:
        worth = {"yes": True, "no": False}.get(filters.worth)
        stmt = stmt.where(
            Inquiry.worth_following.is_(None) if worth is None
            else Inquiry.worth_following.is_(worth)
        )  # fmt: skip
    if filters.followed == "yes":
        stmt = stmt.where(followed_expr())
    elif filters.followed == "no":
        stmt = stmt.where(~followed_expr())
    if filters.converted == "yes":
        stmt = stmt.where(Inquiry.customer_id.is_not(None))
    elif filters.converted == "no":
        stmt = stmt.where(Inquiry.customer_id.is_(None))
    if filters.date_from:
        stmt = stmt.where(Inquiry.received_on >= filters.date_from)
    if filters.date_to:
        stmt = stmt.where(Inquiry.received_on <= filters.date_to)
    if filters.customer_id:
        stmt = stmt.where(Inquiry.customer_id == filters.customer_id)
        if viewer is not None:
            stmt = stmt.where(visible_by_customer(Inquiry.customer_id, viewer))
    return stmt.order_by(Inquiry.received_at.desc(), Inquiry.id.desc())


def followed_ids(inquiry_ids: list[int]) -> set[int]:
    """Which of these inquiries count as followed: one query for a whole page of the list."""
    if not inquiry_ids:
        return set()
    return set(
        db.session.scalars(select(Inquiry.id).where(Inquiry.id.in_(inquiry_ids), followed_expr()))
    )


def is_followed(inquiry: Inquiry) -> bool:
    return inquiry.id in followed_ids([inquiry.id])


def first_followup_after(inquiry: Inquiry, viewer: Membership | None = None) -> FollowUp | None:
    """The follow-up that makes the inquiry followed (the earliest on or after its day). With
    `viewer`, none for a customer they may not see: its log is the card's (services/visibility)."""
    if inquiry.customer_id is None:
        return None
    if viewer is not None and not can_see(viewer, inquiry.customer):
        return None
    return db.session.scalar(
        select(FollowUp)
        .where(
            FollowUp.customer_id == inquiry.customer_id, FollowUp.on_date >= inquiry.received_on
        )  # fmt: skip
        .order_by(FollowUp.on_date, FollowUp.id)
        .limit(1)
    )


def reaches_hidden_customer(inquiry: Inquiry, viewer: Membership | None) -> bool:
    """True when the inquiry leads to a customer `viewer` may not see: it is linked to one, or
    one of its samples went to one. The register may list such an inquiry, but changing it
    (edit, convert, delete — whose cascade takes the samples) is the customer owner's: the
    route answers 404, as the card does."""
    customer_ids = {inquiry.customer_id} | set(
        db.session.scalars(
            select(Sample.customer_id).where(
                Sample.inquiry_id == inquiry.id, Sample.customer_id.is_not(None)
            )
        )
    )
    return bool(hidden_ids(viewer, customer_ids))


def customer_inquiries(customer_id: int) -> list[Inquiry]:
    """The inquiries linked to a customer, newest first (for the customer card)."""
    stmt = (
        select(Inquiry)
        .options(joinedload(Inquiry.assigned_to).joinedload(Membership.user))
        .where(Inquiry.customer_id == customer_id)
        .order_by(Inquiry.received_at.desc())
    )
    return list(db.session.scalars(stmt))


# --- converting into a customer ----------------------------------------------------------------


class AlreadyConverted(Exception):
    """The inquiry is linked to a customer already: converting twice would make a duplicate."""


@dataclass
class Conversion:
    """The outcome: a customer (created or linked), or the look-alikes to decide about first."""

    customer: Customer | None = None
    contact: Contact | None = None
    created: bool = False
    matches: list[Match] = field(default_factory=list)


def conversion_matches(inquiry: Inquiry, viewer: Membership | None = None) -> list[Match]:
    """The duplicate check (查重) for the customer this inquiry would become."""
    return find_duplicates(
        name=inquiry.company, emails=[inquiry.email], phones=[inquiry.phone], viewer=viewer
    )


def convert_to_customer(
    inquiry: Inquiry,
    *,
    link_customer_id: int | None = None,
    create_anyway: bool = False,
    owner_id: int | None = None,
    viewer: Membership | None = None,
) -> Conversion:
    """Turn the inquiry into a customer + contact, or link it to an existing customer.

    Without `link_customer_id` the duplicate check runs first: when it finds look-alikes and
    `create_anyway` is not set, nothing is written and the matches come back for the person to
    choose. Linking reuses the customer's contact with the same email or phone, else adds the
    inquirer as a contact. Raises AlreadyConverted when the inquiry has a customer already, and
    LookupError for a customer id that is not this company's. Flushes, does not commit."""
    if inquiry.customer_id is not None:
        raise AlreadyConverted(inquiry.id)
    if link_customer_id is not None:
        customer = db.session.scalar(
            select(Customer).where(
                Customer.id == link_customer_id, Customer.tenant_id == inquiry.tenant_id
            )
        )
        if customer is None:
            raise LookupError(link_customer_id)
        contact = _matching_contact(customer, inquiry) or _new_contact(customer, inquiry)
        created = False
    else:
        matches = conversion_matches(inquiry, viewer)
        if matches and not create_anyway:
            return Conversion(matches=matches)
        customer = Customer(
            name=inquiry.company or inquiry.contact_name or inquiry.email or inquiry.phone,
            country=inquiry.country,
            products=inquiry.product,
            needs=inquiry.message,
            owner_id=owner_id or inquiry.assigned_to_id,
            stages=0,
        )
        db.session.add(customer)
        contact = _new_contact(customer, inquiry)
        created = True
    db.session.flush()
    inquiry.customer_id = customer.id
    inquiry.contact_id = contact.id if contact is not None else None
    # samples already sent to the inquirer now show on the customer's card too
    db.session.execute(
        update(Sample)
        .where(Sample.inquiry_id == inquiry.id, Sample.customer_id.is_(None))
        .values(customer_id=customer.id, version=Sample.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return Conversion(customer=customer, contact=contact, created=created)


def _matching_contact(customer: Customer, inquiry: Inquiry) -> Contact | None:
    email = (inquiry.email or "").lower()
    for contact in customer.contacts:
        if email and (contact.email or "").lower() == email:
            return contact
        if inquiry.phone and inquiry.phone in (contact.phone, contact.mobile):
            return contact
    return None


def _new_contact(customer: Customer, inquiry: Inquiry) -> Contact | None:
    name = inquiry.contact_name or (inquiry.email or "").split("@")[0] or inquiry.phone
    if not name:
        return None
    contact = Contact(
        name=name[:120],
        email=inquiry.email,
        mobile=inquiry.phone,
        is_primary=not customer.contacts,
    )
    customer.contacts.append(contact)
    return contact


# --- keeping the link when a customer or contact is deleted ----------------------------------

# The inquiry's foreign keys are composite, (tenant_id, customer_id), so the database's
# ON DELETE SET NULL would null tenant_id as well and fail on its NOT NULL: deleting a customer
# that an inquiry was converted into would be refused. The ORM deletes customers and contacts
# one by one (routes and the contacts' delete-orphan cascade), so unlinking here, just before
# the row goes, keeps the inquiry (it counts in the weekly report) and lets the delete through.
# Only the id columns are nulled; the version moves so an open edit form notices.
