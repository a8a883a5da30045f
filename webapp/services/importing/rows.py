"""One sheet row -> the customer, contact and log entries it describes, or the reasons it is
invalid (worded for the user, in their language)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Membership, User
from ...normalize import email_domain, normalize_company_name, strip_controls, website_host
from ..classification import STAGE_BITS
from ..phones import InvalidPhone, to_e164
from .logs import LogEntry, parse_log
from .mapping import FIELDS, fold, grade_value, scale_value
from .places import AmbiguousCountry, country_code

# column limits of the models (longer text would fail the insert: say so per row instead)
MAX_LENGTHS = {
    "name": 200,
    "website": 255,
    "address": 500,
    "industry": 500,
    "products": 500,
    "contact_name": 120,
    "contact_title": 120,
    "contact_qq": 20,
    "contact_wechat": 60,
    "contact_other": 200,
    "contact_address": 500,
    "contact_hobbies": 500,
    "contact_role": 500,
    "forecast_product": 200,
    "forecast_purchase_method": 200,
}
# plain text fields of the card, written as they are
CUSTOMER_TEXT = (
    "website", "address", "industry", "products", "needs", "remarks", "forecast_product",
    "forecast_purchase_method", "order_remarks", "give_up_reason", "win_notes", "self_review",
)  # fmt: skip
# typed fields of the card: (kind, lower bound, upper bound) for numbers
CUSTOMER_TYPED = {
    "sincerity": ("int", 0, 100),
    "reorder_count": ("int", 0, 100_000),
    "forecast_unit_price": ("decimal", 0, 10**10),
    "turnover_current": ("decimal", 0, 10**14),
    "turnover_previous": ("decimal", 0, 10**14),
    "order_amount": ("decimal", 0, 10**14),
    "forecast_currency": ("currency", 0, 0),
    "turnover_currency": ("currency", 0, 0),
    "order_currency": ("currency", 0, 0),
    "forecast_deal_date": ("date", 0, 0),
    "first_deal_date": ("date", 0, 0),
}
# a row with any of these (or a dated log, or an e-mail domain of its own) is a customer of its
# own even without a company name; a row with only contact fields is another contact of the
# customer above it (services/importing/core.arranged)
CUSTOMER_LEVEL = frozenset((
    "country", "nature", "grade", "importance", "category", "status", "industry", "products",
    "needs", "website", "address", *CUSTOMER_TYPED, "stages", "outcome", "forecast_product",
))  # fmt: skip
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?$")
_CURRENCY_RE = re.compile(r"^[A-Za-z]{3}$")
_LIST_SPLIT_RE = re.compile(r"[;,，；、/]+")
_YES = {"yes", "y", "true", "1", "是", "√", "✓", "✔", "x"}
_NO = {"no", "n", "false", "0", "否", "不是"}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_SPLIT_RE = re.compile(r"[;,，；/\s]+")
# a leading apostrophe is how spreadsheets (and our CSV export) keep "=…" or "+86…" as text
_QUOTED_RE = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass
class RowContext:
    """What every row needs: the log year, today, the members (owner column), the default
    owner (the person importing), the company's home country (a phone number without a country
    code is read in it, as the customer form does) and the user's answers for ambiguous
    country names."""

    year: int
    today: date
    default_owner_id: int
    members: dict[str, int] = field(default_factory=dict)  # folded name or email -> membership
    home_country: str | None = None
    countries: dict[str, str] = field(default_factory=dict)  # ambiguous cell text -> code

    @classmethod
    def load(
        cls,
        year: int,
        today: date,
        default_owner_id: int,
        home_country: str | None = None,
        countries: dict[str, str] | None = None,
    ) -> RowContext:
        members: dict[str, int] = {}
        rows = db.session.execute(
            select(Membership.id, User.name, User.email).join(User, User.id == Membership.user_id)
        )
        for mid, name, email in rows:
            members.setdefault(fold(name), mid)
            members.setdefault(fold(email), mid)
        return cls(year, today, default_owner_id, members, home_country, countries or {})


@dataclass
class ParsedRow:
    number: int  # row number in the file (as Excel shows it)
    customer: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    entries: list[LogEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # the row has values of a customer (country, type, product, a log …), not only a contact's
    own_values: bool = False
    # set by core.arranged(): no company name, read as another contact of the customer above
    extra_contact: bool = False
    # a company-less row: the name it was given (the contact's) and what the reading proposed
    unnamed: bool = False
    proposed_extra: bool = False
    ambiguous_country: str | None = None  # the cell text, when it names two countries

    @property
    def name(self) -> str:
        return self.customer.get("name") or ""

    # (name, its key): the key is asked for several times per row (pairs in the file, the
    # list's customers, the new row), and normalizing is the costly part of each ask
    _key: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def name_key(self) -> str:
        name = self.name
        if self._key is None or self._key[0] != name:
            self._key = (name, normalize_company_name(name))
        return self._key[1]

    @property
    def is_continuation(self) -> bool:
        """Another contact of the customer above (core.arranged decides)."""
        return self.extra_contact

    @property
    def domain(self) -> str | None:
        return email_domain((self.contact or {}).get("email"))

    def match_keys(self) -> dict[str, Any]:
        c = self.contact or {}
        return {
            "name_key": self.name_key,
            "host": website_host(self.customer.get("website")),
            "domain": self.domain,
            "phones": [p for p in (c.get("phone"), c.get("mobile")) if p],
        }


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = _QUOTED_RE.sub("", strip_controls(str(value)).strip())
    return text or None


def parse_date(text: str) -> date | None:
    """'2024-03-11', '2024/3/11', '2024年3月11日' (a date cell arrives as its ISO text)."""
    found = _DATE_RE.match(text.strip())
    if not found:
        return None
    try:
        return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


def parse_bool(text: str) -> bool | None:
    folded = fold(text)
    return True if folded in _YES else False if folded in _NO else None


def _number(text: str, kind: str, low: int, high: int) -> int | Decimal | None:
    cleaned = text.replace(",", "").replace("，", "").removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or not low <= value <= high:
        return None
    if kind == "int":
        return int(value) if value == value.to_integral_value() else None
    return value


def typed_value(kind: str, text: str, low: int = 0, high: int = 0) -> object | None:
    """A typed cell's value, None when it cannot be read as that kind."""
    if kind == "date":
        return parse_date(text)
    if kind == "currency":
        return text.upper() if _CURRENCY_RE.match(text) else None
    return _number(text, kind, low, high)


def parse_row(number: int, values: list, mapping: list[str], ctx: RowContext) -> ParsedRow:
    row = ParsedRow(number)
    raw: dict[str, Any] = {}
    if any(isinstance(value, str) and "\x00" in value for value in values):
        # PostgreSQL cannot store it (a generic DataError) and SQLite's copy broke the export;
        # a damaged file or a wrong encoding, so the row is refused (its text shown without it)
        row.errors.append(_("The row contains an invisible NUL character: check the file."))
    for target, value in zip(mapping, values, strict=False):
        if not target or value is None:
            continue
        if target == "log":
            raw.setdefault("log", strip_controls(value) if isinstance(value, str) else value)
        elif target not in raw:
            text = _text(value)
            if text is not None:
                raw[target] = text

    for name in MAX_LENGTHS:  # in this order: the reasons read the same every time
        if name in raw:
            raw[name] = _fitted(row, name, raw[name])

    customer = row.customer
    if "name" in raw:
        customer["name"] = raw["name"]
    for name in CUSTOMER_TEXT:
        if name in raw:
            customer[name] = raw[name]
    for name, (kind, low, high) in CUSTOMER_TYPED.items():
        if name in raw:
            customer[name] = typed_value(kind, raw[name], low, high)
            if customer[name] is None:
                row.errors.append(_unreadable(name, raw[name]))
    if "country" in raw:
        _country(row, raw["country"], ctx)
    if "grade" in raw:
        grade = grade_value(raw["grade"])
        if grade is None:
            row.errors.append(
                _("Unknown grade “%(value)s” (use A, B, C or D).", value=raw["grade"])
            )
        customer["grade"] = grade
    for name in ("nature", "importance", "category", "status", "outcome"):
        if name in raw:
            code = scale_value(name, raw[name])
            if code is None:
                row.errors.append(_unknown(name, raw[name]))
            customer[name] = code
    if "stages" in raw:
        customer["stages"] = _stages(row, raw["stages"])
    customer["owner_id"] = ctx.default_owner_id
    if "owner" in raw:
        owner_id = ctx.members.get(fold(raw["owner"]))
        if owner_id is None:
            row.warnings.append(
                _(
                    "Salesperson “%(value)s” is not a member; the customer goes to you.",
                    value=raw["owner"],
                )
            )
        else:
            customer["owner_id"] = owner_id

    row.contact = _contact(raw, customer.get("country") or ctx.home_country, row)

    if "log" in raw:
        row.entries, undated = parse_log(raw["log"], ctx.year, ctx.today)
        if undated:
            _add_remark(customer, "\n".join(undated))
    row.own_values = bool(row.entries) or not raw.keys().isdisjoint(CUSTOMER_LEVEL)
    if not row.name and row.contact is None and not row.errors:
        row.errors.append(_("The company name is missing."))
    return row


def _add_remark(customer: dict[str, Any], text: str) -> None:
    customer["remarks"] = f"{customer['remarks']}\n{text}" if customer.get("remarks") else text


def _unknown(name: str, value: str) -> str:
    return _("Unknown %(field)s “%(value)s”.", field=str(FIELDS[name]).lower(), value=value)


def _unreadable(name: str, value: str) -> str:
    return _("%(field)s: “%(value)s” cannot be read.", field=FIELDS[name], value=value)


def _country(row: ParsedRow, text: str, ctx: RowContext) -> None:
    """The country's code; a name of two countries takes the user's answer (asked in the
    preview), and an unknown or unanswered one keeps the row: the cell goes to the remarks,
    with a note in the preview, for the user to fix on the card."""
    try:
        row.customer["country"] = country_code(text)
        return
    except AmbiguousCountry as exc:
        row.ambiguous_country = text  # asked in the preview, answered or not
        chosen = ctx.countries.get(text)
        if chosen in exc.codes:
            row.customer["country"] = chosen
            return
        row.warnings.append(
            _("“%(value)s” is more than one country: choose which one below.", value=text)
        )
    except ValueError:
        row.warnings.append(
            _(
                "Unknown country or region “%(value)s”: kept in the remarks, the country is "
                "left empty.",
                value=text,
            )
        )
    row.customer["country"] = None
    _add_remark(row.customer, f"{FIELDS['country']}: {text}")


def _stages(row: ParsedRow, text: str) -> int:
    bits = 0
    for piece in _LIST_SPLIT_RE.split(text):
        if not piece.strip():
            continue
        code = scale_value("stages", piece)
        if code is None:
            row.errors.append(_unknown("stages", piece.strip()))
        else:
            bits |= STAGE_BITS[code]
    return bits


def _fitted(row: ParsedRow, name: str, value: str) -> str:
    """`value` within its column's length; longer makes the row invalid, with the reason (once
    per field), and the cut value only keeps the preview readable."""
    limit = MAX_LENGTHS[name]
    if len(value) > limit:
        message = _("%(field)s is longer than %(n)d characters.", field=FIELDS[name], n=limit)
        if message not in row.errors:
            row.errors.append(message)
    return value[:limit]


def _contact(raw: dict[str, Any], country: str | None, row: ParsedRow) -> dict[str, Any] | None:
    contact: dict[str, Any] = {}
    other: list[str] = [raw["contact_other"]] if raw.get("contact_other") else []
    if raw.get("contact_email"):
        emails = [e for e in _EMAIL_SPLIT_RE.split(raw["contact_email"]) if e]
        valid = [e for e in emails if _EMAIL_RE.match(e) and len(e) <= 254]
        if not valid:
            row.errors.append(_("“%(value)s” is not an email address.", value=raw["contact_email"]))
        else:
            contact["email"] = valid[0].lower()
            other += [e for e in emails if e != valid[0]]  # a second address is kept, not lost
    for name in ("phone", "mobile"):
        value = raw.get(f"contact_{name}")
        if value:
            try:
                contact[name] = to_e164(value, country)
            except InvalidPhone:
                # sheets hold extensions and notes in phone cells: keep the text, never drop it
                other.append(value)
    for name in ("title", "qq", "wechat", "address", "hobbies"):
        if raw.get(f"contact_{name}"):
            contact[name] = raw[f"contact_{name}"]
    if raw.get("contact_role"):
        contact["role_in_deal"] = raw["contact_role"]
    if raw.get("contact_gender"):
        gender = scale_value("contact_gender", raw["contact_gender"])
        if gender:
            contact["gender"] = gender
        else:
            other.append(raw["contact_gender"])
    if raw.get("contact_age"):
        contact["age"] = typed_value("int", raw["contact_age"], 0, 150)
        if contact["age"] is None:
            row.errors.append(_unreadable("contact_age", raw["contact_age"]))
    if raw.get("contact_birthday"):
        contact["birthday"] = parse_date(raw["contact_birthday"])
        if contact["birthday"] is None:
            row.errors.append(_unreadable("contact_birthday", raw["contact_birthday"]))
    if raw.get("contact_decision_maker"):
        flag = parse_bool(raw["contact_decision_maker"])
        if flag is None:
            row.errors.append(_unreadable("contact_decision_maker", raw["contact_decision_maker"]))
        contact["decision_maker"] = bool(flag)
    if other:
        # extra addresses, phone notes and the "other" cell together: refused with the reason
        # rather than cut (an import loses nothing)
        contact["other"] = _fitted(row, "contact_other", "; ".join(other))
    if raw.get("contact_name"):
        contact["name"] = raw["contact_name"]
    elif contact:
        contact["name"] = (
            contact.get("email") or contact.get("mobile") or contact.get("phone") or "—"
        )
    return contact or None
