"""Upload -> mapping -> preview -> all-or-nothing commit, with progress for the polling page.

The commit runs on the job queue's consumer (webapp/jobs/imports.py) with its own app context,
tenant context and session, in ONE transaction: any failure rolls every row back, and so does
a consumer killed mid-way. Progress goes to jobs.state through connections of its own (visible
to every web worker at once); the batch row itself is only written at the start (which also
takes SQLite's single write lock up front) and with the outcome, so the polling readers never
wait on the import's write transaction and the import never waits on them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from ...extensions import db
from ...models import Contact, Customer, FollowUp, ImportBatch, Membership, Tenant
from ...models.customer import month_day
from ...normalize import email_domain, website_host
from .. import search
from ..followups import log_order, refresh_customer
from ..visibility import sees_all
from .logs import LogEntry
from .mapping import fold, guess_mapping
from .places import AmbiguousCountry, country_code
from .readers import (
    ENCODINGS,
    ImportFileError,
    Sheet,
    check_size,
    count_rows,
    detect_encoding,
    file_format,
    open_sheet,
)
from .rows import ParsedRow, RowContext, parse_row

CHOICES = ("skip", "update", "create")
CONTACT_BLANK = dict.fromkeys(
    ("gender", "title", "email", "phone", "mobile", "qq", "wechat", "other", "age", "birthday",
     "address", "hobbies", "role_in_deal"), None
) | {"decision_maker": False}  # fmt: skip
PREVIEW_LIMIT = 500  # rows listed per section of the preview (the counts are always complete)
# rows per flush: bounded session size and memory. Small on purpose: the tenant guard's
# before_flush looks at session.new once per object, so a flush costs O(objects²).
CHUNK = 100

# --- settings kept on the batch ---------------------------------------------------------------


def settings_of(batch: ImportBatch) -> dict[str, Any]:
    return json.loads(batch.settings or "{}")


def save_settings(batch: ImportBatch, **changes: Any) -> None:
    batch.settings = json.dumps(settings_of(batch) | changes, ensure_ascii=False)


def sheet_of(batch: ImportBatch) -> Sheet:
    if batch.content is None:
        raise ImportFileError(_("The uploaded file is no longer kept."))
    s = settings_of(batch)
    return Sheet(batch.content, batch.file_format, s["header_row"], s["headers"], s.get("encoding"))


def _read_headers(batch: ImportBatch, data: bytes, encoding: str | None) -> None:
    """Header row, guessed mapping and row count, from the file in `encoding`. The count is
    the cheap one (readers.count_rows): a file beyond the limit is refused in a second."""
    sheet = open_sheet(data, batch.file_format, encoding)
    batch.total_rows = max(0, count_rows(data, batch.file_format, encoding) - sheet.header_row)
    save_settings(
        batch,
        header_row=sheet.header_row,
        headers=sheet.headers,
        mapping=guess_mapping(sheet.headers),
        encoding=encoding,
    )


def create_batch(data: bytes, filename: str, membership_id: int) -> ImportBatch:
    """Check the file (format, size, limits), find its header row and guess the mapping."""

    fmt = file_format(filename)
    check_size(len(data))
    batch = ImportBatch(
        created_by_id=membership_id,
        file_name=filename[-255:],
        file_format=fmt,
        file_size=len(data),
        content=data,
        status="uploaded",
    )
    encoding, sure = detect_encoding(data) if fmt == "csv" else (None, True)
    # an unsure guess is said on the mapping and preview screens, with a choice
    save_settings(batch, encoding_sure=sure)
    _read_headers(batch, data, encoding)
    db.session.add(batch)
    return batch


def change_encoding(batch: ImportBatch, encoding: str) -> None:
    """Read the CSV again in the encoding the user chose: its headers may read differently,
    so the mapping is guessed again and the preview built anew."""
    if encoding not in ENCODINGS:
        raise ImportFileError(_("Choose one of the encodings listed."))
    settings = settings_of(batch)
    settings.pop("preview", None)
    batch.settings = json.dumps(settings | {"encoding_sure": True}, ensure_ascii=False)
    _read_headers(batch, batch.content or b"", encoding)


def samples(sheet: Sheet, n: int = 3) -> list[list[str]]:
    """The first n values of each column (the mapping screen shows them)."""
    columns: list[list[str]] = [[] for _ in sheet.headers]
    for count, (_number, values) in enumerate(sheet.data_rows()):
        if count >= 20 or all(len(c) >= n for c in columns):
            break
        for i, value in enumerate(values):
            if value is not None and len(columns[i]) < n:
                columns[i].append(str(value)[:60])
    return columns


# --- matching existing customers --------------------------------------------------------------


class ExistingIndex:
    """The company's customers by the keys of the duplicate check (services.duplicates): the
    same normalizers, loaded in three queries instead of one find_duplicates() per row."""

    def __init__(self) -> None:
        self.by_name: dict[str, int] = {}
        self.by_host: dict[str, int] = {}
        self.by_domain: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.names: dict[int, str] = {}
        self.owners: dict[int, int | None] = {}
        for cid, name, key, host, owner_id in db.session.execute(
            select(
                Customer.id, Customer.name, Customer.name_key, Customer.website_host,
                Customer.owner_id,
            ).order_by(Customer.id)
        ):  # fmt: skip
            self.names[cid] = name
            self.owners[cid] = owner_id
            if key:
                self.by_name.setdefault(key, cid)
            if host:
                self.by_host.setdefault(host, cid)
        for cid, email, phone, mobile in db.session.execute(
            select(Contact.customer_id, Contact.email, Contact.phone, Contact.mobile).order_by(
                Contact.customer_id
            )
        ):
            domain = email_domain(email)
            if domain:
                self.by_domain.setdefault(domain, cid)
            for number in (phone, mobile):
                if number:
                    self.by_phone.setdefault(number, cid)

    def match(self, row: ParsedRow) -> tuple[int, list[str]] | None:
        """(lowest matching customer id, reasons) — find_duplicates' first match and reasons."""
        keys = row.match_keys()
        hits: dict[int, list[str]] = defaultdict(list)
        if keys["name_key"] and keys["name_key"] in self.by_name:
            hits[self.by_name[keys["name_key"]]].append("name")
        if keys["host"] and keys["host"] in self.by_host:
            hits[self.by_host[keys["host"]]].append("website")
        if keys["domain"] and keys["domain"] in self.by_domain:
            hits[self.by_domain[keys["domain"]]].append("email")
        for number in keys["phones"]:
            if number in self.by_phone and "phone" not in hits[self.by_phone[number]]:
                hits[self.by_phone[number]].append("phone")
        hits = {cid: reasons for cid, reasons in hits.items() if reasons}
        if not hits:
            return None
        cid = min(hits)
        return cid, hits[cid]


# --- preview ----------------------------------------------------------------------------------


def row_context(batch: ImportBatch, today: date) -> RowContext:
    s = settings_of(batch)
    tenant = db.session.get(Tenant, batch.tenant_id)
    return RowContext.load(
        s.get("year") or today.year,
        today,
        batch.created_by_id,
        tenant.home_country if tenant else None,
        s.get("countries") or {},
    )


def parsed_rows(batch: ImportBatch, ctx: RowContext) -> Iterator[ParsedRow]:
    mapping = settings_of(batch)["mapping"]
    rows = (
        parse_row(number, values, mapping, ctx) for number, values in sheet_of(batch).data_rows()
    )
    return arranged(rows, settings_of(batch).get("flips") or {})


def arranged(rows: Iterable[ParsedRow], flips: dict[str, str]) -> Iterator[ParsedRow]:
    """Decide for each row without a company name: another contact of the customer above it
    (only contact fields, and no e-mail domain of its own), or a customer of its own named
    after the contact (country, type, product, a log … or its own domain). `flips` holds the
    user's answer per row number ("contact" / "customer") where it differs."""
    parent_ok = False  # a valid customer row is above, to add contacts to
    parent_domains: set[str] = set()
    for row in rows:
        if not row.name and row.contact is not None:
            row.unnamed = True
            # a business domain that is not the customer's above (free mail does not count)
            own_domain = bool(row.domain) and row.domain not in parent_domains
            row.proposed_extra = parent_ok and not row.own_values and not own_domain
            flip = flips.get(str(row.number))
            row.extra_contact = (flip == "contact" and parent_ok) if flip else row.proposed_extra
            if not row.extra_contact:
                row.customer["name"] = row.contact["name"]
        if row.errors:
            if not row.extra_contact:
                parent_ok = False
        elif row.extra_contact:
            if row.domain:
                parent_domains.add(row.domain)
        else:
            parent_ok = True
            host = website_host(row.customer.get("website"))
            parent_domains = {d for d in (row.domain, host) if d}
        yield row


class FileIndex:
    """The rows of this file by the keys of the duplicate check: a later row sharing a key with
    an earlier one is a likely duplicate pair. A key is kept as one hash (one process, one run:
    100,000 rows cost an int each, not their strings)."""

    KINDS = ("name", "website", "email", "phone")

    def __init__(self) -> None:
        self.first: dict[int, int] = {}

    @staticmethod
    def _keys(row: ParsedRow) -> list[tuple[str, int]]:
        keys = row.match_keys()
        found = [
            (kind, hash((kind, keys[k])))
            for kind, k in (("name", "name_key"), ("website", "host"), ("email", "domain"))
            if keys[k]
        ]
        found += [("phone", hash(("phone", number))) for number in keys["phones"]]
        return found  # fmt: skip

    def match_and_add(self, row: ParsedRow) -> tuple[int, list[str]] | None:
        """(the earliest row sharing a key, reasons) — then the row is indexed too."""
        hits: dict[int, list[str]] = {}
        for kind, key in self._keys(row):
            first = self.first.setdefault(key, row.number)
            if first != row.number and kind not in hits.setdefault(first, []):
                hits[first].append(kind)
        if not hits:
            return None
        number = min(hits)
        return number, hits[number]


def in_file_default(reasons: list[str]) -> str:
    """The same company name again is the usual one-row-per-contact sheet: merge, unless the
    user says otherwise; a shared domain or phone alone is only a question (kept separate)."""
    return "update" if "name" in reasons else "create"


@dataclass
class Preview:
    total: int = 0
    new: int = 0  # customers to create
    merged: int = 0  # rows adding to a customer above them (extra contacts, merged pairs)
    followups: int = 0
    matches: list[dict] = field(default_factory=list)
    match_count: int = 0
    pairs: list[dict] = field(default_factory=list)  # likely duplicates inside the file
    pair_count: int = 0
    invalid: list[dict] = field(default_factory=list)
    invalid_count: int = 0
    warnings: list[dict] = field(default_factory=list)
    warning_count: int = 0
    # rows without a company name: read as extra contacts / as customers of their own
    unnamed: list[dict] = field(default_factory=list)
    unnamed_count: int = 0
    countries: dict[str, list[str]] = field(default_factory=dict)  # ambiguous text -> codes


def _may_see(member: Membership | None, owner_id: int | None) -> bool:
    """services/visibility.can_see for a customer known by its owner id only."""

    return member is not None and (sees_all(member) or owner_id in (None, member.id))


def build_preview(batch: ImportBatch, today: date) -> Preview:
    """What the commit would do, without writing anything."""
    ctx = row_context(batch, today)
    index = ExistingIndex()
    files = FileIndex()
    choices = settings_of(batch).get("choices") or {}
    importer = db.session.get(Membership, batch.created_by_id)
    preview = Preview()
    parent = ""
    for row in parsed_rows(batch, ctx):
        preview.total += 1
        if row.unnamed:
            preview.unnamed_count += 1
            if len(preview.unnamed) < PREVIEW_LIMIT:
                preview.unnamed.append(
                    {"row": row.number, "contact": (row.contact or {}).get("name", ""),
                     "extra": row.extra_contact, "proposed": row.proposed_extra,
                     "parent": parent if row.extra_contact else ""}
                )  # fmt: skip
        if row.ambiguous_country:
            preview.countries[row.ambiguous_country] = list(_ambiguous_codes(row.ambiguous_country))
        if row.errors:
            preview.invalid_count += 1
            if len(preview.invalid) < PREVIEW_LIMIT:
                preview.invalid.append({"row": row.number, "name": row.name, "errors": row.errors})
            continue
        if row.warnings:
            preview.warning_count += 1
            if len(preview.warnings) < PREVIEW_LIMIT:
                preview.warnings.append(
                    {"row": row.number, "name": row.name, "errors": row.warnings}
                )
        preview.followups += len(row.entries)
        if row.is_continuation:
            preview.merged += 1
            continue
        parent = row.name
        pair = files.match_and_add(row)
        if pair:
            other, reasons = pair
            preview.pair_count += 1
            default = in_file_default(reasons)
            if len(preview.pairs) < PREVIEW_LIMIT:
                preview.pairs.append(
                    {"row": row.number, "name": row.name, "other_row": other,
                     # the earlier row's name is this one's when the name matched (no
                     # 100,000 names kept to name the others: its row number says which)
                     "other_name": row.name if "name" in reasons else "",
                     "reasons": reasons, "default": default}
                )  # fmt: skip
            if choices.get(str(row.number), default) != "create":
                preview.merged += 1
                continue
        found = index.match(row)
        if found:
            preview.match_count += 1
            if len(preview.matches) < PREVIEW_LIMIT:
                cid, reasons = found
                # a customer the importer may not see is named by no more than "owned by"
                visible = _may_see(importer, index.owners[cid])
                preview.matches.append(
                    {"row": row.number, "name": row.name, "customer_id": cid,
                     "customer_name": index.names[cid] if visible else "",
                     "visible": visible, "reasons": reasons}
                )  # fmt: skip
        else:
            preview.new += 1
    return preview


def _ambiguous_codes(text: str) -> tuple[str, ...]:
    try:
        country_code(text)
    except AmbiguousCountry as exc:
        return exc.codes
    return ()


# --- commit -----------------------------------------------------------------------------------


class InvalidRows(Exception):
    """Rows failed validation at commit time: nothing is written."""

    def __init__(self, rows: list[ParsedRow], count: int | None = None) -> None:
        super().__init__(f"{count or len(rows)} invalid rows")
        self.rows = rows
        self.count = count or len(rows)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    invalid: int = 0
    contacts: int = 0
    followups: int = 0
    customer_ids: list[int] = field(default_factory=list)


ProgressFn = Callable[[int, int], None]


# a new customer's row for the bulk INSERT: every column named (one statement shape for all)
_CUSTOMER_SKIP = {"id", "tenant_id", "version", "created_at", "updated_at"}
CUSTOMER_BLANK: dict[str, Any] = {
    c.name: None for c in Customer.__table__.columns if c.name not in _CUSTOMER_SKIP
} | {"stages": 0}


class _New:
    """A customer this import creates, until its chunk is inserted (then `id` is set). Plain
    values, not an ORM object: the chunk goes in as one INSERT … RETURNING instead of one
    unit-of-work flush per object (and the flush's per-object tenant check)."""

    __slots__ = ("fields", "id", "last_followup_on", "name_key", "owner_id", "remarks")

    def __init__(self, fields: dict[str, Any], name_key: str) -> None:
        self.fields = dict(fields)
        self.remarks = self.fields.pop("remarks", None)
        self.owner_id = self.fields.get("owner_id")
        self.name_key = name_key
        self.last_followup_on: date | None = None
        self.id: int | None = None

    def row(self, tenant_id: int, now: datetime) -> dict[str, Any]:
        # what Customer's validators derive (the bulk INSERT runs none of them)
        return {
            **CUSTOMER_BLANK, **self.fields, "remarks": self.remarks, "name_key": self.name_key,
            "website_host": website_host(self.fields.get("website")),
            "last_followup_on": self.last_followup_on, "tenant_id": tenant_id, "version": 1,
            "created_at": now, "updated_at": now,
        }  # fmt: skip


class _Writer:
    """Writes parsed rows; keeps per-customer state small (ids and key sets, no objects)."""

    def __init__(self, batch: ImportBatch, choices: dict[str, str], default_choice: str) -> None:
        self.author_id = batch.created_by_id
        self.author = db.session.get(Membership, batch.created_by_id)
        self.choices = choices
        self.default_choice = default_choice if default_choice in CHOICES else "skip"
        self.index = ExistingIndex()
        self.files = FileIndex()
        self.outcome = Outcome()
        # row number -> the customer that row's company went to (None: skipped in this import)
        self.by_row: dict[int, _New | int | None] = {}
        self.unflushed: list[int] = []
        self.merged_new: list[int] = []  # rows merged into a customer not flushed yet
        self.renumber_ids: set[int] = set()
        self.renumber_new: list[_New] = []
        self.contact_keys: dict[object, set[tuple[str, str]]] = {}
        self.existing_logs: dict[int, set[tuple[date, str]]] = {}
        self.temp_seq = -1_000_000  # far below any number renumber() passes through
        # contacts and log records wait for their customer's id, then go in as one
        # executemany per chunk (the ORM would insert them one by one to read back ids)
        self.new_customers: list[_New] = []
        self.new_contacts: list[tuple[Customer | _New, dict[str, Any]]] = []
        self.new_followups: list[tuple[Customer | _New, dict[str, Any]]] = []
        self.tenant_id = batch.tenant_id

    def customer(self, number: int | None) -> Customer | _New | None:
        ref = self.by_row.get(number) if number is not None else None
        if ref is None or isinstance(ref, _New):
            return ref
        return db.session.get(Customer, ref)

    def _skip(self, row: ParsedRow) -> None:
        self.outcome.skipped += 1
        self.by_row[row.number] = None

    def write(self, row: ParsedRow, parent: int | None) -> int | None:
        """Write one row; returns the row number its company is known by (for the extra
        contacts under it), None when the row was skipped."""
        if row.is_continuation:
            customer = self.customer(parent)
            if customer is None:
                self.outcome.skipped += 1
                return None
            self._add_to(customer, row, merged=True)
            return parent
        pair = self.files.match_and_add(row)
        if pair:
            other, reasons = pair
            choice = self.choices.get(str(row.number)) or in_file_default(reasons)
            if choice == "skip":
                self._skip(row)
                return None
            if choice == "update":  # merge into the earlier row's customer
                self.by_row[row.number] = self.by_row.get(other)
                self.merged_new.append(row.number)
                customer = self.customer(other)
                if customer is None:
                    self.outcome.skipped += 1
                    return None
                self._add_to(customer, row, merged=True)
                return row.number
        found = self.index.match(row)
        if found:
            choice = self.choices.get(str(row.number), self.default_choice)
            if choice == "update" and not _may_see(self.author, self.index.owners[found[0]]):
                choice = "skip"  # never overwrite a customer the importer may not see
            if choice == "skip":
                self._skip(row)
                return None
            if choice == "update":
                customer = db.session.get(Customer, found[0])
                for name, value in row.customer.items():
                    # merged, the customer keeps its name (the row's goes to the remarks)
                    if value not in (None, "") and name not in ("owner_id", "remarks", "name"):
                        setattr(customer, name, value)
                self.outcome.updated += 1
                self.outcome.customer_ids.append(customer.id)
                self.by_row[row.number] = customer.id
                self._add_to(customer, row, merged=True)
                return row.number
        customer = _New(row.customer, row.name_key)
        self.new_customers.append(customer)
        self.outcome.created += 1
        self.by_row[row.number] = customer
        self.unflushed.append(row.number)
        self._add_to(customer, row, merged=False)
        return row.number

    def _add_to(self, customer: Customer, row: ParsedRow, *, merged: bool) -> None:
        value = row.customer.get("remarks")
        if merged and row.name and row.name_key != customer.name_key:
            # a row merged into a customer of another name: that name is not lost
            alias = _("Also imported as “%(name)s”.", name=row.name)
            value = f"{value}\n{alias}" if value else alias
        if merged and value and value not in (customer.remarks or ""):
            # remarks are added to, never overwritten: nothing typed is lost
            customer.remarks = f"{customer.remarks}\n{value}" if customer.remarks else value
        if row.contact:
            self._add_contact(customer, row.contact)
        if row.entries:
            self._add_entries(customer, row.entries, merged=merged)

    def _contact_keys(self, customer: Customer) -> set[tuple[str, str]]:
        if customer.id is None:
            return self.contact_keys.setdefault(("new", id(customer)), set())
        if customer.id not in self.contact_keys:
            self.contact_keys[customer.id] = {
                (fold(c.name), c.email or "") for c in customer.contacts
            }
        return self.contact_keys[customer.id]

    def _add_contact(self, customer: Customer, fields: dict[str, Any]) -> None:
        mark = (fold(fields.get("name") or ""), fields.get("email") or "")
        keys = self._contact_keys(customer)
        if mark in keys:
            return  # the same person twice: create nothing twice
        is_first = not keys
        keys.add(mark)
        # the bulk insert skips Contact's birthday validator: its month-day key is set here
        self.new_contacts.append(
            (customer, {**CONTACT_BLANK, **fields, "is_primary": is_first,
                        "birthday_md": month_day(fields.get("birthday"))})
        )  # fmt: skip
        self.outcome.contacts += 1

    def _add_entries(self, customer: Customer, entries: list[LogEntry], *, merged: bool) -> None:
        if customer.id is not None:
            known = self.existing_logs.get(customer.id)
            if known is None:
                known = set(
                    db.session.execute(
                        select(FollowUp.on_date, FollowUp.topic).where(
                            FollowUp.customer_id == customer.id
                        )
                    ).all()
                )
                self.existing_logs[customer.id] = known
            # an entry already in the log (same day, same words) is not written twice
            entries = [e for e in entries if (e.on_date, e.topic) not in known]
            known.update((e.on_date, e.topic) for e in entries)
        if not entries:
            return
        fresh = customer.id is None and not merged
        for i, entry in enumerate(entries, start=1):
            if fresh:
                seq = i  # what renumber() gives: entries come by date, inserted in that order
            else:
                self.temp_seq -= 1
                seq = self.temp_seq  # renumbered once per customer at the end
            self.new_followups.append(
                (
                    customer,
                    {
                        "seq": seq,
                        "method": entry.method,
                        "topic": entry.topic,
                        "content": entry.content,
                        "followed_by_id": customer.owner_id or self.author_id,
                        "author_id": self.author_id,
                        "on_date": entry.on_date,
                    },
                )
            )
        self.outcome.followups += len(entries)
        if fresh:
            # what refresh_customer() would set from this log (no category, no appointment)
            customer.last_followup_on = entries[-1].on_date
        elif customer.id is None:
            self.renumber_new.append(customer)
        else:
            self.renumber_ids.add(customer.id)

    def _bulk(self, model: type, pending: list[tuple[Customer, dict[str, Any]]]) -> None:
        if not pending:
            return
        now = datetime.now(UTC)
        rows = [
            {**fields, "tenant_id": self.tenant_id, "customer_id": customer.id, "version": 1,
             "created_at": now, "updated_at": now}
            for customer, fields in pending
        ]  # fmt: skip
        db.session.execute(insert(model), rows)
        pending.clear()

    def _insert_customers(self) -> set[int]:
        if not self.new_customers:
            return set()
        now = datetime.now(UTC)
        ids = db.session.scalars(
            insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
            [c.row(self.tenant_id, now) for c in self.new_customers],
        ).all()
        for customer, customer_id in zip(self.new_customers, ids, strict=True):
            customer.id = customer_id
        self.new_customers.clear()
        return set(ids)

    def flush(self) -> None:
        db.session.flush()  # changes to existing customers (merged rows)
        new_ids = self._insert_customers()  # the new ones: their ids are needed below
        with_contacts = {customer.id for customer, _fields in self.new_contacts}
        self._bulk(Contact, self.new_contacts)
        # the bulk inserts bypass the flush that keeps the search index: write those rows
        search.refresh(db.session.connection(), self.tenant_id, with_contacts | new_ids)
        self._bulk(FollowUp, self.new_followups)
        self.renumber_ids.update(c.id for c in self.renumber_new)
        self.renumber_new.clear()
        # forget the flushed objects, keep their ids: memory does not grow with the file
        for number in self.unflushed:
            ref = self.by_row[number]
            if isinstance(ref, _New):
                self.outcome.customer_ids.append(ref.id)
        # rows merged into a new customer point to the same object: those become the id too
        for number in (*self.unflushed, *self.merged_new):
            ref = self.by_row[number]
            if isinstance(ref, _New):
                self.by_row[number] = ref.id
        self.merged_new.clear()
        self.unflushed.clear()
        # a company seen again further down reloads its contacts and log from the database
        self.contact_keys.clear()
        self.existing_logs.clear()
        db.session.expunge_all()

    def finish(self) -> None:
        self.flush()
        renumber_many(self.renumber_ids)


def renumber_many(customer_ids: set[int], chunk: int = 500) -> None:
    """followups.renumber + refresh_customer for many customers, a chunk of them per query:
    an import that added to thousands of customers' logs renumbers them in a few statements
    per 500, not several per customer. The same order (followups.log_order) and rules."""
    ordered = sorted(customer_ids)
    for start in range(0, len(ordered), chunk):
        ids = ordered[start : start + chunk]
        logs: dict[int, list[FollowUp]] = defaultdict(list)
        for record in db.session.scalars(select(FollowUp).where(FollowUp.customer_id.in_(ids))):
            logs[record.customer_id].append(record)
        moved: list[tuple[FollowUp, int]] = []
        for customer_id in ids:
            logs[customer_id].sort(key=log_order)
            moved += [(r, i) for i, r in enumerate(logs[customer_id], start=1) if r.seq != i]
        # two passes keep UNIQUE (tenant, customer, seq) true at every statement
        for record, i in moved:
            record.seq = -i
        db.session.flush()
        for record, i in moved:
            record.seq = i
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_(ids))):
            refresh_customer(customer, logs[customer.id])
        db.session.flush()
        db.session.expunge_all()


def run_import(batch_id: int, today: date, progress: ProgressFn | None = None) -> Outcome:
    """Write the batch's rows in the current transaction; the caller commits or rolls back.

    The first statement writes the batch row: on SQLite that takes the single write lock before
    anything is read, so the transaction never has to upgrade a read lock (which fails at once
    when another writer got in between); on PostgreSQL it locks the batch against a second run.
    """
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(progress=0)
        .execution_options(synchronize_session=False)
    )
    batch = db.session.get(ImportBatch, batch_id)
    s = settings_of(batch)
    ctx = row_context(batch, today)
    writer = _Writer(batch, s.get("choices", {}), s.get("default_choice", "skip"))
    skip_invalid = bool(s.get("skip_invalid"))
    total = batch.total_rows or 1
    invalid: list[ParsedRow] = []  # the first PREVIEW_LIMIT, for the message
    invalid_count = 0
    parent: int | None = None
    for done, row in enumerate(parsed_rows(batch, ctx), start=1):
        if row.errors:
            invalid_count += 1
            if len(invalid) < PREVIEW_LIMIT:
                invalid.append(row)
            if not row.is_continuation:
                parent = None
        elif not invalid_count or skip_invalid:
            # no autoflush: the rows of a chunk go to the database together (batched
            # INSERTs) instead of one by one whenever a merged row looks something up
            with db.session.no_autoflush:
                parent = writer.write(row, parent)
        if done % CHUNK == 0:
            if progress:
                progress(done, total)
            writer.flush()
    if invalid_count and not skip_invalid:
        raise InvalidRows(invalid, invalid_count)
    writer.finish()
    outcome = writer.outcome
    outcome.invalid = invalid_count
    outcome.skipped += invalid_count
    if progress:
        progress(total, total)
    return outcome


# --- the worker ---------------------------------------------------------------------------
# The job queue runs execute() (webapp/jobs/imports.py): claim() here, progress, staleness and
# the restart of a killed import there.


def claim(batch: ImportBatch, **settings: Any) -> bool:
    """Mark an uploaded batch as running (once: a double click starts nothing twice)."""
    save_settings(batch, **settings)
    result = db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == "uploaded")
        .values(status="running", settings=batch.settings, progress=0, error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(batch_id: int, outcome: Outcome) -> None:
    batch = db.session.get(ImportBatch, batch_id)
    batch.status = "done"
    batch.progress = 100
    batch.created_count = outcome.created
    batch.updated_count = outcome.updated
    batch.skipped_count = outcome.skipped
    batch.invalid_count = outcome.invalid
    batch.contact_count = outcome.contacts
    batch.followup_count = outcome.followups
    batch.result_ids = json.dumps(outcome.customer_ids)
    batch.finished_at = datetime.now(UTC)
    batch.content = None  # the data is in the tables now; the upload is not kept


def _fail(batch_id: int, message: str, invalid: int = 0) -> None:
    """One UPDATE as the transaction's first statement: on SQLite it takes the write lock at
    once instead of reading first and then having to upgrade (which can fail when busy)."""
    db.session.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch_id)
        .values(
            status="failed", error=message, invalid_count=invalid, finished_at=datetime.now(UTC)
        )
        .execution_options(synchronize_session=False)
    )


def execute(
    batch_id: int, today: date, locale: str = "zh", progress: ProgressFn | None = None
) -> None:
    """Run an import to its end in the current app and tenant context: the data and the
    batch's outcome commit together, or everything rolls back and the failure is recorded."""
    with force_locale(locale):
        try:
            outcome = run_import(batch_id, today, progress)
            _finish(batch_id, outcome)
            db.session.commit()
        except InvalidRows as exc:
            db.session.rollback()
            first = exc.rows[0]
            _fail(
                batch_id,
                _("Row %(row)d: %(reason)s Nothing was imported.", row=first.number,
                  reason=" ".join(first.errors)),
                exc.count,
            )  # fmt: skip
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - any failure: roll back all, record it
            db.session.rollback()
            message = str(exc) if isinstance(exc, ImportFileError) else exc.__class__.__name__
            _fail(batch_id, _("The import failed and nothing was imported (%(why)s).", why=message))
            db.session.commit()
