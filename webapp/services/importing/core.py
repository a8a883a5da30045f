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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from ...extensions import db
from ...models import Contact, Customer, FollowUp, ImportBatch, Membership
from ...normalize import email_domain
from .. import search
from ..followups import refresh_customer, renumber
from ..visibility import sees_all
from .logs import LogEntry
from .mapping import fold, guess_mapping
from .readers import ImportFileError, Sheet, check_size, file_format, open_sheet
from .rows import ParsedRow, RowContext, parse_row

CHOICES = ("skip", "update", "create")
CONTACT_BLANK = dict.fromkeys(
    ("gender", "title", "email", "phone", "mobile", "qq", "wechat", "other"), None
) | {"decision_maker": False}
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
    return Sheet(batch.content, batch.file_format, s["header_row"], s["headers"])


def create_batch(data: bytes, filename: str, membership_id: int) -> ImportBatch:
    """Check the file (format, size, limits), find its header row and guess the mapping."""

    fmt = file_format(filename)
    check_size(len(data))
    sheet = open_sheet(data, fmt)
    batch = ImportBatch(
        created_by_id=membership_id,
        file_name=filename[-255:],
        file_format=fmt,
        file_size=len(data),
        content=data,
        status="uploaded",
    )
    save_settings(
        batch,
        header_row=sheet.header_row,
        headers=sheet.headers,
        mapping=guess_mapping(sheet.headers),
    )
    # the row limit is enforced while reading every row: do it now, not at the commit
    batch.total_rows = sum(1 for _ in sheet.data_rows())
    db.session.add(batch)
    return batch


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


def _context(batch: ImportBatch, today: date) -> RowContext:
    year = settings_of(batch).get("year") or today.year
    return RowContext.load(year, today, batch.created_by_id)


def parsed_rows(batch: ImportBatch, ctx: RowContext) -> Iterator[ParsedRow]:
    mapping = settings_of(batch)["mapping"]
    for number, values in sheet_of(batch).data_rows():
        yield parse_row(number, values, mapping, ctx)


@dataclass
class Preview:
    total: int = 0
    new: int = 0  # customers to create
    merged: int = 0  # rows adding to a customer named earlier in the file
    followups: int = 0
    matches: list[dict] = field(default_factory=list)
    match_count: int = 0
    invalid: list[dict] = field(default_factory=list)
    invalid_count: int = 0
    warnings: list[dict] = field(default_factory=list)


def _may_see(member: Membership | None, owner_id: int | None) -> bool:
    """services/visibility.can_see for a customer known by its owner id only."""

    return member is not None and (sees_all(member) or owner_id in (None, member.id))


def build_preview(batch: ImportBatch, today: date) -> Preview:
    """What the commit would do, without writing anything."""
    ctx = _context(batch, today)
    index = ExistingIndex()
    importer = db.session.get(Membership, batch.created_by_id)
    preview = Preview()
    seen: set[str] = set()
    last_ok = False
    for row in parsed_rows(batch, ctx):
        preview.total += 1
        if row.errors:
            preview.invalid_count += 1
            if len(preview.invalid) < PREVIEW_LIMIT:
                preview.invalid.append({"row": row.number, "name": row.name, "errors": row.errors})
            last_ok = False
            continue
        if row.warnings and len(preview.warnings) < PREVIEW_LIMIT:
            preview.warnings.append({"row": row.number, "name": row.name, "errors": row.warnings})
        preview.followups += len(row.entries)
        if row.is_continuation:
            if not last_ok:
                preview.invalid_count += 1
                preview.invalid.append(
                    {"row": row.number, "name": "", "errors": [_("The company name is missing.")]}
                )
                continue
            preview.merged += 1
            continue
        last_ok = True
        if row.name_key in seen:
            preview.merged += 1
            continue
        seen.add(row.name_key)
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


# --- commit -----------------------------------------------------------------------------------


class InvalidRows(Exception):
    """Rows failed validation at commit time: nothing is written."""

    def __init__(self, rows: list[ParsedRow]) -> None:
        super().__init__(f"{len(rows)} invalid rows")
        self.rows = rows


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


class _Writer:
    """Writes parsed rows; keeps per-customer state small (ids and key sets, no objects)."""

    def __init__(self, batch: ImportBatch, choices: dict[str, str], default_choice: str) -> None:
        self.author_id = batch.created_by_id
        self.author = db.session.get(Membership, batch.created_by_id)
        self.choices = choices
        self.default_choice = default_choice if default_choice in CHOICES else "skip"
        self.index = ExistingIndex()
        self.outcome = Outcome()
        # name key -> the customer the company's rows go to (None: skipped in this import)
        self.by_key: dict[str, Customer | int | None] = {}
        self.unflushed: list[str] = []
        self.renumber_ids: set[int] = set()
        self.renumber_new: list[Customer] = []
        self.contact_keys: dict[object, set[tuple[str, str]]] = {}
        self.existing_logs: dict[int, set[tuple[date, str]]] = {}
        self.temp_seq = -1_000_000  # far below any number renumber() passes through
        # contacts and log records wait for their customer's id, then go in as one
        # executemany per chunk (the ORM would insert them one by one to read back ids)
        self.new_contacts: list[tuple[Customer, dict[str, Any]]] = []
        self.new_followups: list[tuple[Customer, dict[str, Any]]] = []
        self.tenant_id = batch.tenant_id

    def customer(self, key: str | None) -> Customer | None:
        ref = self.by_key.get(key) if key is not None else None
        if ref is None or isinstance(ref, Customer):
            return ref
        return db.session.get(Customer, ref)

    def write(self, row: ParsedRow, last_key: str | None) -> str | None:
        """Write one row; returns the name key its company is known by (for the continuation
        rows under it), None when the row was skipped."""
        key = last_key if row.is_continuation else row.name_key
        # a continuation row, or the same company again further down the file
        if row.is_continuation or key in self.by_key:
            customer = self.customer(key)
            if customer is None:
                self.outcome.skipped += 1
                return None
            self._add_to(customer, row, merged=True)
            return key
        found = self.index.match(row)
        if found:
            choice = self.choices.get(str(row.number), self.default_choice)
            if choice == "update" and not _may_see(self.author, self.index.owners[found[0]]):
                choice = "skip"  # never overwrite a customer the importer may not see
            if choice == "skip":
                self.outcome.skipped += 1
                self.by_key[key] = None
                return None
            if choice == "update":
                customer = db.session.get(Customer, found[0])
                for name, value in row.customer.items():
                    if value not in (None, "") and name not in ("owner_id", "remarks"):
                        setattr(customer, name, value)
                self.outcome.updated += 1
                self.outcome.customer_ids.append(customer.id)
                self.by_key[key] = customer.id
                self._add_to(customer, row, merged=True)
                return key
        customer = Customer(stages=0, **row.customer)
        db.session.add(customer)
        self.outcome.created += 1
        self.by_key[key] = customer
        self.unflushed.append(key)
        self._add_to(customer, row, merged=False)
        return key

    def _add_to(self, customer: Customer, row: ParsedRow, *, merged: bool) -> None:
        value = row.customer.get("remarks")
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
        self.new_contacts.append((customer, {**CONTACT_BLANK, **fields, "is_primary": is_first}))
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

    def flush(self) -> None:
        db.session.flush()  # the customers: their ids are needed below
        with_contacts = {customer.id for customer, _fields in self.new_contacts}
        self._bulk(Contact, self.new_contacts)
        # the bulk insert bypasses the flush that keeps the search index: rewrite those rows
        search.refresh(db.session.connection(), self.tenant_id, with_contacts)
        self._bulk(FollowUp, self.new_followups)
        self.renumber_ids.update(c.id for c in self.renumber_new)
        self.renumber_new.clear()
        # forget the flushed objects, keep their ids: memory does not grow with the file
        for key in self.unflushed:
            ref = self.by_key[key]
            if isinstance(ref, Customer):
                self.outcome.customer_ids.append(ref.id)
                self.by_key[key] = ref.id
        self.unflushed.clear()
        # a company seen again further down reloads its contacts and log from the database
        self.contact_keys.clear()
        self.existing_logs.clear()
        db.session.expunge_all()

    def finish(self) -> None:
        self.flush()
        for customer_id in sorted(self.renumber_ids):
            customer = db.session.get(Customer, customer_id)
            refresh_customer(customer, renumber(customer_id))
        db.session.flush()


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
    ctx = _context(batch, today)
    writer = _Writer(batch, s.get("choices", {}), s.get("default_choice", "skip"))
    skip_invalid = bool(s.get("skip_invalid"))
    total = batch.total_rows or 1
    invalid: list[ParsedRow] = []
    last_key: str | None = None
    for done, row in enumerate(parsed_rows(batch, ctx), start=1):
        if row.errors:
            invalid.append(row)
            last_key = None
        elif not invalid or skip_invalid:
            # no autoflush: the rows of a chunk go to the database together (batched
            # INSERTs) instead of one by one whenever a merged row looks something up
            with db.session.no_autoflush:
                last_key = writer.write(row, last_key)
        if done % CHUNK == 0:
            if progress:
                progress(done, total)
            writer.flush()
    if invalid and not skip_invalid:
        raise InvalidRows(invalid[:PREVIEW_LIMIT])
    writer.finish()
    outcome = writer.outcome
    outcome.invalid = len(invalid)
    outcome.skipped += len(invalid)
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
                len(exc.rows),
            )  # fmt: skip
            db.session.commit()
        except Exception as exc:  # noqa: BLE001 - any failure: roll back all, record it
            db.session.rollback()
            message = str(exc) if isinstance(exc, ImportFileError) else exc.__class__.__name__
            _fail(batch_id, _("The import failed and nothing was imported (%(why)s).", why=message))
            db.session.commit()
