"""Customer queries and rules shared by the screens: search, filters, sorting, counts, contacts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Row, Select, bindparam, exists, func, or_, select, true, union_all
from sqlalchemy.orm import joinedload, raiseload, selectinload

from ..extensions import db
from ..models import (
    Contact,
    Customer,
    CustomerOwnerChange,
    CustomerTally,
    ExportOrder,
    Inquiry,
    Membership,
    MembershipRole,
    Sample,
    User,
)
from ..models.tally import POOL
from ..normalize import like_pattern
from .classification import CATEGORIES, GRADES, IMPORTANCE, STAGE_BITS, STATUSES
from .search import customer_matches, few_matches
from .tally import total, visible_tally
from .visibility import visible_clause, visible_parts

SORTS = {
    "updated": (Customer.updated_at.desc(),),
    "name": (func.lower(Customer.name).asc(), Customer.name.asc()),
    "last_followup": (Customer.last_followup_on.desc().nulls_last(),),
    "grade": (Customer.grade.asc().nulls_last(),),
    "created": (Customer.created_at.desc(),),
}


@dataclass
class CustomerFilters:
    """The list's filters, as they travel in the URL (shareable, back button works)."""

    q: str = ""
    grade: str = ""
    category: str = ""
    importance: str = ""
    country: str = ""
    owner_id: int | None = None
    in_pool: bool = False  # owner=pool: customers nobody owns (公海)
    status: str = ""
    stage: str = ""
    archived: bool = False
    sort: str = "updated"
    active: list[str] = field(default_factory=list)
    # whose eyes: only the customers this member may see (services/visibility.py); None (CLI,
    # services) leaves the list unrestricted
    viewer: Membership | None = None
    # the search's matches when they are few (search.few_matches), found once per request
    matched_ids: list[int] | None = None

    @classmethod
    def from_args(cls, args, viewer: Membership | None) -> CustomerFilters:
        mine_id = viewer.id if viewer is not None else None

        def pick(name: str, allowed) -> str:
            value = args.get(name, "")
            return value if value in allowed else ""

        owner = args.get("owner", "")
        owner_id = mine_id if owner == "mine" else (int(owner) if owner.isdigit() else None)
        country = args.get("country", "").upper()
        filters = cls(
            q=args.get("q", "")[:100].strip(),
            grade=pick("grade", GRADES),
            category=pick("category", CATEGORIES),
            importance=pick("importance", IMPORTANCE),
            country=country if len(country) == 2 and country.isalpha() else "",
            owner_id=owner_id,
            in_pool=owner == "pool",
            status=pick("status", STATUSES),
            stage=pick("stage", STAGE_BITS),
            archived=args.get("archived") == "1",
            sort=pick("sort", SORTS) or "updated",
        )
        filters.active = (
            [
                name
                for name in ("q", "grade", "category", "importance", "country", "status", "stage")
                if getattr(filters, name)
            ]
            + (["owner"] if owner_id or owner == "pool" else [])
            + (["archived"] if filters.archived else [])
        )
        filters.viewer = viewer
        return filters

    @property
    def many_matches(self) -> bool:
        """A search with more than SEARCH_ID_CAP matches (after find_matches)."""
        return bool(self.q) and self.matched_ids is None

    def find_matches(self) -> CustomerFilters:
        """Run the search once, so that the counts and the page reuse its ids."""
        if self.q:
            self.matched_ids = few_matches(self.q, SEARCH_ID_CAP)
        return self


# above this many matches a search is "many": its page is found by walking the list's order,
# and nothing counts them all (each count would scan the search index again)
SEARCH_ID_CAP = 1000


def _search(f: CustomerFilters):
    """Company name, website, contact names, emails and phones ("+86 138-1234" finds E.164):
    a substring test over the search index (services/search.py), or its ids found already."""
    if f.matched_ids is not None:
        return Customer.id.in_(f.matched_ids)
    return customer_matches(f.q)


def _filtered(stmt: Select, f: CustomerFilters, *, with_grade: bool = True) -> Select:
    stmt = stmt.where(
        Customer.archived_at.is_not(None) if f.archived else Customer.archived_at.is_(None)
    )
    if f.grade and with_grade:
        stmt = stmt.where(Customer.grade == f.grade)
    for name in ("category", "importance", "country", "status"):
        if getattr(f, name):
            stmt = stmt.where(getattr(Customer, name) == getattr(f, name))
    if f.owner_id:
        stmt = stmt.where(Customer.owner_id == f.owner_id)
    if f.in_pool:
        stmt = stmt.where(Customer.owner_id.is_(None))
    if f.viewer is not None:
        stmt = stmt.where(visible_clause(f.viewer))
    if f.stage:
        stmt = stmt.where(Customer.stages.op("&")(STAGE_BITS[f.stage]) != 0)
    if f.q:
        stmt = stmt.where(_search(f))
    return stmt


def customer_query(f: CustomerFilters, *, contacts: bool = True) -> Select:
    """The customer list's SELECT: filters, search and sort (owner joined; the contacts
    preloaded unless `contacts` is False, for the list page, which shows only each customer's
    first contact, read as rows: primary_contacts)."""
    stmt = select(Customer).options(joinedload(Customer.owner))
    if contacts:
        stmt = stmt.options(selectinload(Customer.contacts))
    else:
        stmt = stmt.options(raiseload(Customer.contacts, sql_only=True))
    return _filtered(stmt, f).order_by(*SORTS[f.sort], Customer.id.desc())


def customer_page(f: CustomerFilters, page: int, per_page: int) -> list[Customer]:
    """One page of the list, in its order: first the page's ids, read from the columns the
    filters and the order need (for a grade filter all of them are in one index: migration
    0021), then only those rows, with their owners. Filtered by grade, one statement read every
    visible row of the grade to sort them (SQLite 2-3 ms). The rows are asked for by id alone,
    in no order: ordered, SQLite walked the whole company's date index to find the 25."""
    order = (*SORTS[f.sort], Customer.id.desc())
    ids_query = _filtered(select(Customer.id), f).order_by(*order)
    # the numbers written into the SQL: with "LIMIT ?" SQLite cannot tell the page is small
    # and walked the company's date index instead of the grade index (0.9 ms against 0.3)
    limit = bindparam("page_limit", per_page, literal_execute=True)
    offset = bindparam("page_offset", (page - 1) * per_page, literal_execute=True)
    ids = list(db.session.scalars(ids_query.limit(limit).offset(offset)))
    if not ids:
        return []
    # the page shows each customer's owner (joined in) and first contact (primary_contacts):
    # a template reaching for all the contacts fails in the tests instead of loading them per
    # row
    rows = (
        select(Customer)
        .options(joinedload(Customer.owner), raiseload(Customer.contacts, sql_only=True))
        .where(Customer.id.in_(ids))
    )
    by_id = {customer.id: customer for customer in db.session.scalars(rows)}
    return [by_id[i] for i in ids if i in by_id]


def grade_counts(f: CustomerFilters) -> dict[str, int]:
    """Customers per grade under the current filters (the grade filter itself left out)."""
    counts = dict.fromkeys([*GRADES, ""], 0)
    if f.q or f.category or f.importance or f.status or f.stage or f.archived:
        counts.update(_counted_grades(f))
    else:  # filters the kept counts are keyed by: a few of their rows, never every customer
        counts.update(_kept_grades(f))
    return counts


def _kept_grades(f: CustomerFilters) -> dict[str, int]:
    stmt = select(CustomerTally.grade, total(CustomerTally.customers)).group_by(CustomerTally.grade)
    if f.viewer is not None:
        stmt = stmt.where(visible_tally(f.viewer))
    if f.country:
        stmt = stmt.where(CustomerTally.country == f.country)
    if f.owner_id:
        stmt = stmt.where(CustomerTally.owner_id == f.owner_id)
    if f.in_pool:
        stmt = stmt.where(CustomerTally.owner_id == POOL)
    return dict(db.session.execute(stmt).all())


def _counted_grades(f: CustomerFilters) -> dict[str, int]:
    """The counts read from the customers, for filters the kept counts do not know."""
    # count(*), not count(id): PostgreSQL answers it from the covering index alone (index-only
    # scan); count(id) made it read every row (my day's counts 5.5 -> 3.6 ms at 5,000 customers)
    # one row of filtered counts, not GROUP BY grade: to skip the sort SQLite read the whole
    # company's (tenant_id, archived_at, grade) index instead of one owner's range
    columns = [func.count().filter(Customer.grade == grade) for grade in GRADES]
    columns.append(func.count().filter(Customer.grade.is_(None)))
    if f.viewer is None or f.owner_id or f.in_pool:  # one owner's range already
        parts, f_rest = [true()], f
    else:  # one's own, then the pool's: each a range of the owner index (visible_parts)
        parts, f_rest = visible_parts(f.viewer), replace(f, viewer=None)
    totals = _summed(
        [_filtered(select(*columns), f_rest, with_grade=False).where(p) for p in parts]
    )
    return dict(zip([*GRADES, ""], totals, strict=True))


def _summed(parts: list[Select]) -> list[int]:
    """Counts asked of disjoint parts (visible_parts), added up column by column."""
    return _column_sums(db.session.execute(_one_statement(parts)).all())


def _one_statement(parts: list[Select]):
    """The parts as one UNION ALL statement: one round trip, and each part keeps its own index
    range."""
    return union_all(*parts) if len(parts) > 1 else parts[0]


def _column_sums(rows) -> list[int]:
    return [sum(column) for column in zip(*rows, strict=True)]


def dashboard_counts(membership: Membership) -> dict[str, int]:
    """My day's tiles: the customers one sees, one's own, and those of grade A (kept counts)."""
    if membership is None:  # no member sees nothing (visible_clause fails closed too)
        return {"customers": 0, "mine": 0, "grade_a": 0}
    counted = CustomerTally.customers
    stmt = select(
        total(counted),
        total(counted, CustomerTally.owner_id == membership.id),
        total(counted, CustomerTally.grade == "A"),
    ).where(visible_tally(membership))
    seen, mine, grade_a = db.session.execute(stmt).one()
    return {"customers": seen, "mine": mine, "grade_a": grade_a}


PICK_SHOWN = 50


def pick_choices(viewer: Membership, q: str = "", keep: int | None = None) -> list[tuple[int, str]]:
    """Customers for a <select> of one customer (a sample's, an inquiry to link): at most
    PICK_SHOWN active ones the viewer may see, those whose name contains `q`, else the most
    recently updated. A company with 100,000 customers cannot send them all as <option>s (5 s
    to render); a search box next to the select asks for more (route customers.pick_options).
    `keep` adds the chosen one, so a form shown again still has it selected."""
    base = select(Customer.id, Customer.name).where(
        Customer.archived_at.is_(None), visible_clause(viewer)
    )
    if q:
        # walks the names in order and stops after a page of matches
        stmt = base.where(Customer.name.ilike(like_pattern(q), escape="\\")).order_by(
            Customer.name_key
        )
    else:
        stmt = base.order_by(Customer.updated_at.desc(), Customer.id.desc())
    rows = [(cid, name) for cid, name in db.session.execute(stmt.limit(PICK_SHOWN))]
    if keep and all(cid != keep for cid, _ in rows):
        rows += [(cid, name) for cid, name in db.session.execute(base.where(Customer.id == keep))]
    return rows


def team_choices(keep_id: int | None = None, keep_ids=()) -> list[tuple[int, str]]:
    """Active members as (membership id, name), for owner pickers.

    `keep_id`/`keep_ids` keep deactivated members selectable when a record already names them
    (an owner, the colleagues of a visit), so saving another field does not silently drop them.
    """
    keep = {keep_id, *keep_ids} - {None}

    rows = db.session.execute(
        select(Membership.id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(or_(Membership.active.is_(True), Membership.id.in_(keep)))
        .order_by(User.name)
    )
    return [(mid, name) for mid, name in rows]


def role_choices(
    role: str, keep_id: int | None = None
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """team_choices() split for a picker that names someone of one role (the merchandiser of an
    order, the salesperson of a customer, a plan or an inquiry): (those holding `role`, everyone
    else). Both stay choosable: in a small company the salesperson may follow the order too."""
    members = team_choices(keep_id)
    holders = set(
        db.session.scalars(select(MembershipRole.membership_id).where(MembershipRole.role == role))
    )
    return (
        [m for m in members if m[0] in holders],
        [m for m in members if m[0] not in holders],
    )


def set_primary_contact(contact: Contact) -> None:
    """One primary contact per customer: marking one unmarks the others."""
    for other in contact.customer.contacts:
        other.is_primary = other is contact


def remove_contact(contact: Contact) -> None:
    """Delete a contact; when it was the primary one, the next contact becomes primary."""
    customer = contact.customer
    customer.contacts.remove(contact)  # delete-orphan cascade deletes the row
    if contact.is_primary and customer.contacts:
        set_primary_contact(customer.contacts[0])


def primary_contacts(customer_ids: list[int]) -> dict[int, Row]:
    """The first contact (the primary one, else the oldest) of each customer, as a row of
    (customer_id, name, email): what the list shows of them. Loading a page's contacts as
    objects cost ~1 ms for 25 customers, to print one name each."""
    found: dict[int, Row] = {}
    if customer_ids:
        rows = db.session.execute(
            select(Contact.customer_id, Contact.name, Contact.email)
            .where(Contact.customer_id.in_(customer_ids))
            .order_by(Contact.customer_id, *Contact.customer_order())
        )
        for row in rows:
            found.setdefault(row.customer_id, row)
    return found


@dataclass(frozen=True)
class CardPanels:
    """Which of the card's panels have anything to show."""

    owner_history: bool
    inquiries: bool
    samples: bool
    orders: bool


def card_panels(customer_id: int) -> CardPanels:
    """One statement asking which panels of the card have rows, so that only those are read:
    most customers have no samples, orders or inquiries yet, and each empty panel's statement
    cost as much as a full one (~0.25 ms on PostgreSQL, a round trip and the ORM's work)."""
    panels = (CustomerOwnerChange, Inquiry, Sample, ExportOrder)
    # FROM the customer: an ORM statement, which the tenant guard filters (a select of bare
    # EXISTS clauses is a Core one, which it refuses)
    found = db.session.execute(
        select(*(exists().where(model.customer_id == customer_id) for model in panels)).where(
            Customer.id == customer_id
        )
    ).first()
    return CardPanels(*found) if found else CardPanels(False, False, False, False)
