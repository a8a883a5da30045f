"""Customer search: what the list's search box matches, kept in one row per customer.

Searching company names, websites and every contact's name, email and phones used to be a
per-row lower() and an EXISTS over the contacts: 2-4 s for a company with 100,000 customers
and 300,000 contacts on SQLite, whose lower() had to be a Python function to fold non-ASCII
letters. Now each customer has one folded text (models/search.py): its name, website and
address and every contact's name, email, phones, QQ and WeChat id, case and accents folded by
normalize.fold ("muller" finds "Müller", in every script), rewritten whenever the customer or
one of its contacts is flushed. A search is one LIKE over those rows with the database's own
LIKE (the text and the term are both folded by Python, so SQLite and PostgreSQL match the same
rows, and no accent-insensitive collation or extension is needed on either).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable

from sqlalchemy import (
    Select,
    column,
    delete,
    event,
    func,
    insert,
    inspect,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Contact, Customer, CustomerSearch
from ..models.search import TRIGRAM_TABLE
from ..normalize import fold, like_pattern
from .phones import search_digits

CHUNK = 500
# what the search box looks in, in this order, one line each
CUSTOMER_FIELDS = ("name", "website", "address")
CONTACT_FIELDS = ("name", "email", "phone", "mobile", "qq", "wechat")


def search_text(customer: Iterable[str | None], contacts: Iterable[Iterable]) -> str:
    """One line per field, folded (case and accents: normalize.fold); empty fields left out.
    `customer`: CUSTOMER_FIELDS' values, `contacts`: CONTACT_FIELDS' values of each contact."""
    fields = list(customer)
    for contact in contacts:
        fields.extend(contact)
    return "\n".join(fold(f) for f in fields if f)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


_trigram_ready: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_trigram_index() -> bool:
    """Whether this SQLite database has the trigram index (migration 0014), asked once per
    engine: a SQLite without FTS5 keeps scanning."""
    engine = db.session.get_bind()
    if engine not in _trigram_ready:
        found = db.session.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
            {"name": TRIGRAM_TABLE},
        ).first()
        _trigram_ready[engine] = found is not None
    return _trigram_ready[engine]


def _terms(q: str) -> list[str]:
    """What a query looks for: its folded text and, when it looks like a phone, its digits."""
    term = fold(q)
    return [term] + [digits for digits in search_digits(q) if digits != term]


def contains(term: str, dialect: str | None = None):
    """The search text contains `term` (already folded), by scanning. PostgreSQL: strpos, a
    plain substring test that scans 100,000 rows in half the time of LIKE. SQLite: LIKE, whose
    byte matching beats its own instr() (which counts characters) by 2x on Chinese text."""
    dialect = dialect or _dialect()
    if dialect == "postgresql":
        return func.strpos(CustomerSearch.text, term) > 0
    return CustomerSearch.text.like(like_pattern(term), escape="\\")


def matches(q: str, dialect: str | None = None):
    """The text contains the term, or a phone in it contains the term's digits ("+86 138-1234"
    finds +861381234…)."""
    dialect = dialect or _dialect()
    return or_(*(contains(term, dialect) for term in _terms(q)))


def _trigram_phrases(q: str) -> str | None:
    """The FTS5 query for `q` when SQLite's trigram index can answer it: every term 3
    characters or more (shorter ones have no trigram), each as one phrase (a phrase is its
    trigrams one after another, i.e. the substring), joined by OR."""
    terms = _terms(q)
    if _dialect() != "sqlite" or min(map(len, terms)) < 3 or not _has_trigram_index():
        return None
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)


def matching_customers(q: str) -> Select:
    """The ids of the customers whose search row matches `q`.

    On SQLite from 3 characters: the trigram index JOINed to the company's search rows, which
    stops after a LIMIT; "customer_id IN (SELECT rowid ... MATCH)" first collected every match
    (45,000 for a common word: 11 ms before the first row)."""
    phrases = _trigram_phrases(q)
    if phrases is None:
        return select(CustomerSearch.customer_id).where(matches(q))
    index = table(TRIGRAM_TABLE, column("rowid"))
    return (
        select(CustomerSearch.customer_id)
        .join(index, index.c.rowid == CustomerSearch.customer_id)
        .where(literal_column(TRIGRAM_TABLE).op("MATCH")(phrases))
    )


def customer_matches(q: str):
    """For a query over customers: this customer's search row matches `q`. Correlated, so a
    list ordered by another index probes one row per customer it walks and stops after a page,
    where "id IN (every match)" first collected all of them. It scans (LIKE), not the trigram
    index: it runs only for terms with more than 1,000 matches (few_matches), which turn up
    within the first rows the list walks, and probing FTS5 by rowid costs far more per row."""
    return (
        select(CustomerSearch.customer_id)
        .where(
            CustomerSearch.tenant_id == Customer.tenant_id,
            CustomerSearch.customer_id == Customer.id,
            matches(q),
        )
        .exists()
    )


def few_matches(q: str, cap: int) -> list[int] | None:
    """The ids of the customers matching `q` when there are at most `cap` of them, else None.

    One scan of the index: with the ids in hand the list's counts and page are lookups by
    primary key, where a subquery made each of them scan again. A common term stops the scan
    early (after cap + 1 rows), and its page is found quickly by the subquery instead."""
    ids = list(db.session.scalars(matching_customers(q).limit(cap + 1)))
    return ids if len(ids) <= cap else None


def refresh(connection: Connection, tenant_id: int, customer_ids: Iterable[int]) -> None:
    """Rewrite the search rows of these customers of one company (gone ones are dropped)."""
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        customers = connection.execute(
            select(Customer.id, *(getattr(Customer, name) for name in CUSTOMER_FIELDS)).where(
                Customer.tenant_id == tenant_id, Customer.id.in_(chunk)
            )
        ).all()
        contacts: dict[int, list[tuple]] = {}
        for customer_id, *fields in connection.execute(
            select(Contact.customer_id, *(getattr(Contact, name) for name in CONTACT_FIELDS))
            .where(Contact.tenant_id == tenant_id, Contact.customer_id.in_(chunk))
            .order_by(Contact.customer_id, Contact.id)
        ):
            contacts.setdefault(customer_id, []).append(fields)
        connection.execute(
            delete(CustomerSearch).where(
                CustomerSearch.tenant_id == tenant_id, CustomerSearch.customer_id.in_(chunk)
            )
        )
        rows = [
            {
                "tenant_id": tenant_id,
                "customer_id": cid,
                "text": search_text(fields, contacts.get(cid, ())),
            }
            for cid, *fields in customers
        ]
        if rows:
            connection.execute(insert(CustomerSearch), rows)


def rebuild(connection: Connection, tenant_id: int) -> int:
    """Every customer of one company (after a bulk load that bypassed the ORM); returns count."""
    ids = connection.scalars(select(Customer.id).where(Customer.tenant_id == tenant_id)).all()
    refresh(connection, tenant_id, ids)
    return len(ids)


_PENDING = "search_pending"


def _changed(obj: object, fields: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    """Customers whose name or website or any contact changed in this flush (new, edited or
    deleted); their rows are rewritten right after, in the same transaction."""
    pending: set[tuple[int, int]] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Customer):
            pending.add((obj.tenant_id, obj.id))
        elif isinstance(obj, Contact):
            pending.add((obj.tenant_id, obj.customer_id))
    for obj in session.dirty:  # a follow-up touches its customer's dates: not searched
        if isinstance(obj, Customer) and _changed(obj, CUSTOMER_FIELDS):
            pending.add((obj.tenant_id, obj.id))
        elif isinstance(obj, Contact) and _changed(obj, (*CONTACT_FIELDS, "customer_id")):
            pending.add((obj.tenant_id, obj.customer_id))
            old = inspect(obj).attrs.customer_id.history.deleted
            pending.update((obj.tenant_id, cid) for cid in old if cid is not None)
    if pending:
        session.info.setdefault(_PENDING, set()).update(pending)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_pending(session: Session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    connection = session.connection()
    by_tenant: dict[int, list[int]] = {}
    for tenant_id, customer_id in pending:
        if tenant_id is not None and customer_id is not None:
            by_tenant.setdefault(tenant_id, []).append(customer_id)
    for tenant_id, ids in by_tenant.items():
        refresh(connection, tenant_id, ids)
