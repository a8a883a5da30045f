"""Customers, contacts and follow-ups out to .xlsx (or CSV), in the user's language.

The customers sheet uses the import's own column names, so an exported file imports back as the
same customers (round trip). Cells that Excel would run as a formula (starting with = + - @, tab
or CR) are neutralized: in .xlsx they are written as text cells, never formulas; in CSV they get
a leading apostrophe (the import strips it again).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Contact, Customer, FollowUp, Membership, User
from ..normalize import strip_controls
from .classification import METHODS, STAGES, bits_to_stages, label_of
from .countries import country_name
from .customers import CustomerFilters, customer_query
from .importing.mapping import FIELDS
from .phones import display as phone_display

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
# grades coloured as on the paper staff table (static/css: A red, B blue, C plain, D grey)
GRADE_FILLS = {"A": ("FFFFFF", "C62828"), "B": ("FFFFFF", "1565C0"), "D": ("6C757D", "F1F3F5")}
KINDS = ("customers", "contacts", "followups")
BATCH = 500

# every field of the card, then every field of a contact, then the log: what the import reads
# back (services/importing/mapping.FIELDS), so an export imports as the same cards
CARD_COLUMNS = (
    "name", "country", "website", "address", "nature", "grade", "importance", "category",
    "status", "industry", "products", "needs", "remarks", "owner", "sincerity", "stages",
    "forecast_product", "forecast_unit_price", "forecast_currency", "forecast_deal_date",
    "forecast_purchase_method", "turnover_current", "turnover_previous", "turnover_currency",
    "first_deal_date", "order_amount", "order_currency", "reorder_count", "order_remarks",
    "outcome", "give_up_reason", "win_notes", "self_review",
)  # fmt: skip
CONTACT_COLUMNS = (
    "contact_name", "contact_title", "contact_gender", "contact_age", "contact_birthday",
    "contact_email", "contact_phone", "contact_mobile", "contact_qq", "contact_wechat",
    "contact_other", "contact_address", "contact_hobbies", "contact_role",
    "contact_decision_maker",
)  # fmt: skip
CUSTOMER_COLUMNS = (*CARD_COLUMNS, *CONTACT_COLUMNS, "log")
# card fields written as stored (text, numbers, dates)
_PLAIN = {
    "website", "address", "industry", "products", "needs", "remarks", "sincerity",
    "forecast_product", "forecast_unit_price", "forecast_currency", "forecast_deal_date",
    "forecast_purchase_method", "turnover_current", "turnover_previous", "turnover_currency",
    "first_deal_date", "order_amount", "order_currency", "reorder_count", "order_remarks",
    "give_up_reason", "win_notes", "self_review",
}  # fmt: skip


def is_dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(DANGEROUS_START)


def neutralize_csv(value: object) -> object:
    """'=HYPERLINK(…)' -> "'=HYPERLINK(…)": shown as typed, never run."""
    return "'" + value if is_dangerous(value) else value


def _owner_names() -> dict[int, str]:
    rows = db.session.execute(
        select(Membership.id, User.name).join(User, User.id == Membership.user_id)
    )
    return dict(rows.all())


def _customers(filters: CustomerFilters) -> Iterator[Customer]:
    stmt = customer_query(filters).execution_options(yield_per=BATCH)
    yield from db.session.scalars(stmt)


def _logs(customer_ids: list[int]) -> dict[int, list[FollowUp]]:
    logs: dict[int, list[FollowUp]] = {cid: [] for cid in customer_ids}
    for record in db.session.scalars(
        select(FollowUp)
        .where(FollowUp.customer_id.in_(customer_ids))
        .order_by(FollowUp.customer_id, FollowUp.seq)
    ):
        logs[record.customer_id].append(record)
    return logs


def _chunks(filters: CustomerFilters) -> Iterator[tuple[list[Customer], dict[int, list]]]:
    chunk: list[Customer] = []
    for customer in _customers(filters):
        chunk.append(customer)
        if len(chunk) == BATCH:
            yield chunk, _logs([c.id for c in chunk])
            chunk = []
    if chunk:
        yield chunk, _logs([c.id for c in chunk])


def headers(kind: str) -> list[str]:
    if kind == "customers":
        return [str(FIELDS[c]) for c in CUSTOMER_COLUMNS]
    if kind == "contacts":
        return [
            str(FIELDS["name"]),
            _("Name"),
            _("Title"),
            _("Email"),
            _("Phone"),
            _("Mobile"),
            _("QQ"),
            _("WeChat"),
            _("Other"),
            _("Primary contact"),
        ]
    return [
        str(FIELDS["name"]),
        _("No."),
        _("Date"),
        _("Method"),
        _("Topic"),
        _("Details"),
        _("Next appointment"),
        _("Followed up by"),
    ]


def rows(kind: str, filters: CustomerFilters) -> Iterator[list[object]]:
    """The data rows of one sheet, text without control characters: rows saved before the
    forms and the import removed them (or SQLite's NUL from an old import) would make openpyxl
    refuse the whole workbook."""
    for values in _values(kind, filters):
        yield [strip_controls(v) if isinstance(v, str) else v for v in values]


def _values(kind: str, filters: CustomerFilters) -> Iterator[list[object]]:
    """The data rows of one sheet: plain values (dates as dates, labels translated)."""

    owners = _owner_names()
    for chunk, logs in _chunks(filters):
        for c in chunk:
            if kind == "customers":
                log = "; ".join(f"{r.on_date.isoformat()} {r.topic}" for r in logs[c.id])
                card = _card(c, owners)
                yield [*card, *_contact_cells(c.contacts[0] if c.contacts else None), log or None]
                # further contacts on lines of their own, under the same company name: the
                # import merges a repeated name into the customer above (a pair it shows)
                blank = [None] * (len(card) - 1)
                for p in c.contacts[1:]:
                    yield [c.name, *blank, *_contact_cells(p), None]
            elif kind == "contacts":
                for p in c.contacts:
                    yield [
                        c.name, p.name, p.title, p.email, phone_display(p.phone),
                        phone_display(p.mobile), p.qq, p.wechat, p.other,
                        _("Yes") if p.is_primary else "",
                    ]  # fmt: skip
            else:
                for r in logs[c.id]:
                    yield [
                        c.name, r.seq, r.on_date, str(METHODS.get(r.method, r.method)), r.topic,
                        r.content, r.next_date, owners.get(r.followed_by_id, ""),
                    ]  # fmt: skip
        db.session.expunge_all()  # the export streams: memory does not grow with the list


def _card(c: Customer, owners: dict[int, str]) -> list[object]:
    values: list[object] = []
    for column in CARD_COLUMNS:
        if column in _PLAIN:
            values.append(getattr(c, column))
        elif column == "name":
            values.append(c.name)
        elif column == "country":
            values.append(country_name(c.country) or None)
        elif column == "grade":
            values.append(c.grade)
        elif column == "owner":
            values.append(owners.get(c.owner_id, ""))
        elif column == "stages":
            values.append("; ".join(str(STAGES[s]) for s in bits_to_stages(c.stages)) or None)
        else:  # nature, importance, category, status, outcome: the label
            values.append(label_of(column, getattr(c, column)) or None)
    return values


def _contact_cells(p: Contact | None) -> list[object]:
    if p is None:
        return [None] * len(CONTACT_COLUMNS)
    return [
        p.name, p.title, label_of("gender", p.gender) or None, p.age, p.birthday, p.email,
        phone_display(p.phone) or None, phone_display(p.mobile) or None, p.qq, p.wechat,
        p.other, p.address, p.hobbies, p.role_in_deal, _("Yes") if p.decision_maker else None,
    ]  # fmt: skip


def sheet_title(kind: str) -> str:
    return {"customers": _("Customers"), "contacts": _("Contacts"), "followups": _("Follow-ups")}[
        kind
    ]


def to_xlsx(filters: CustomerFilters) -> bytes:
    """One workbook, three sheets; written streaming (openpyxl write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    fills = {
        g: (Font(color=fg, bold=True), PatternFill("solid", fgColor=bg))
        for g, (fg, bg) in GRADE_FILLS.items()
    }
    grade_col = CUSTOMER_COLUMNS.index("grade")
    for kind in KINDS:
        sheet = book.create_sheet(sheet_title(kind))
        head = []
        for title in headers(kind):
            cell = WriteOnlyCell(sheet, value=title)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        sheet.freeze_panes = "A2"
        for values in rows(kind, filters):
            out = []
            for i, value in enumerate(values):
                cell = WriteOnlyCell(sheet, value=value)
                if is_dangerous(value):
                    cell.data_type = "s"  # text, never a formula
                elif isinstance(value, datetime | date):
                    cell.number_format = "yyyy-mm-dd"
                if kind == "customers" and i == grade_col and value in fills:
                    cell.font, cell.fill = fills[value]
                out.append(cell)
            sheet.append(out)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(kind: str, filters: CustomerFilters) -> bytes:
    """UTF-8 with BOM: Excel (also Chinese Excel) opens it with the right characters."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers(kind))
    for values in rows(kind, filters):
        writer.writerow(
            [
                v.isoformat() if isinstance(v, date) else neutralize_csv("" if v is None else v)
                for v in values
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")


# the customer list's filters that an export carries (page and the like are left behind)
FILTER_ARGS = (
    "q",
    "grade",
    "category",
    "importance",
    "country",
    "owner",
    "status",
    "stage",
    "sort",
)


def export_args(args: Mapping[str, str]) -> dict[str, str]:
    """The customer list's filters in `args` (query or form), to carry into an export."""
    kept = {name: args[name] for name in FILTER_ARGS if args.get(name)}
    if args.get("archived") == "1":
        kept["archived"] = "1"
    return kept
