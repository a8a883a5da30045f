"""One sheet row -> the customer, contact and log entries it describes, or the reasons it is
invalid (worded for the user, in their language)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Membership, User
from ...normalize import email_domain, normalize_company_name, strip_controls, website_host
from ..countries import parse_country
from ..phones import InvalidPhone, to_e164
from .logs import LogEntry, parse_log
from .mapping import FIELDS, fold, grade_value, scale_value

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
}
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_SPLIT_RE = re.compile(r"[;,，；/\s]+")
# a leading apostrophe is how spreadsheets (and our CSV export) keep "=…" or "+86…" as text
_QUOTED_RE = re.compile(r"^'(?=[=+\-@\t\r])")


# short forms sheets use that are not Babel's country names
COUNTRY_ALIASES = {
    "uae": "AE", "usa": "US", "us": "US", "america": "US", "uk": "GB", "england": "GB",
    "britain": "GB", "greatbritain": "GB", "korea": "KR", "southkorea": "KR", "russia": "RU",
    "vietnam": "VN", "holland": "NL", "turkey": "TR", "taiwan": "TW", "hongkong": "HK",
    "macau": "MO", "iran": "IR", "syria": "SY", "laos": "LA", "czechrepublic": "CZ",
    "英国": "GB", "美国": "US", "阿联酋": "AE", "南韩": "KR", "香港": "HK", "台湾": "TW",
    "澳门": "MO", "荷兰": "NL", "俄罗斯": "RU",
}  # fmt: skip


@lru_cache(maxsize=4096)
def country_code(text: str) -> str | None:
    """ISO code from a code, a Chinese or English name, or a common short form (cached: a
    sheet names the same few countries thousands of times, and the name lookup is a scan)."""
    alias = COUNTRY_ALIASES.get(fold(text))
    return alias or parse_country(text)


@dataclass
class RowContext:
    """What every row needs: the log year, today, the members (owner column) and the default
    owner (the person importing)."""

    year: int
    today: date
    default_owner_id: int
    members: dict[str, int] = field(default_factory=dict)  # folded name or email -> membership

    @classmethod
    def load(cls, year: int, today: date, default_owner_id: int) -> RowContext:
        members: dict[str, int] = {}
        rows = db.session.execute(
            select(Membership.id, User.name, User.email).join(User, User.id == Membership.user_id)
        )
        for mid, name, email in rows:
            members.setdefault(fold(name), mid)
            members.setdefault(fold(email), mid)
        return cls(year, today, default_owner_id, members)


@dataclass
class ParsedRow:
    number: int  # row number in the file (as Excel shows it)
    customer: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] | None = None
    entries: list[LogEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.customer.get("name") or ""

    @property
    def name_key(self) -> str:
        return normalize_company_name(self.name)

    @property
    def is_continuation(self) -> bool:
        """No company name but contact or log data: the next line of a merged company cell."""
        return not self.name and (self.contact is not None or bool(self.entries))

    def match_keys(self) -> dict[str, Any]:
        c = self.contact or {}
        return {
            "name_key": self.name_key,
            "host": website_host(self.customer.get("website")),
            "domain": email_domain(c.get("email")),
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
        elif _text(value) is not None:
            raw.setdefault(target, _text(value))

    for name in MAX_LENGTHS:
        if name in raw:
            raw[name] = _fitted(row, name, raw[name])

    customer = row.customer
    if "name" in raw:
        customer["name"] = raw["name"]
    for name in ("website", "address", "industry", "products", "needs", "remarks"):
        if name in raw:
            customer[name] = raw[name]
    if "country" in raw:
        try:
            customer["country"] = country_code(raw["country"])
        except ValueError:
            row.errors.append(_("Unknown country or region “%(value)s”.", value=raw["country"]))
    if "grade" in raw:
        grade = grade_value(raw["grade"])
        if grade is None:
            row.errors.append(
                _("Unknown grade “%(value)s” (use A, B, C or D).", value=raw["grade"])
            )
        customer["grade"] = grade
    for name in ("nature", "importance", "category", "status"):
        if name in raw:
            code = scale_value(name, raw[name])
            if code is None:
                row.errors.append(
                    _(
                        "Unknown %(field)s “%(value)s”.",
                        field=str(FIELDS[name]).lower(),
                        value=raw[name],
                    )
                )
            customer[name] = code
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

    row.contact = _contact(raw, customer.get("country"), row)

    if "log" in raw:
        row.entries, undated = parse_log(raw["log"], ctx.year, ctx.today)
        if undated:
            joined = "\n".join(undated)
            customer["remarks"] = (
                f"{customer['remarks']}\n{joined}" if customer.get("remarks") else joined
            )

    if not row.name and not row.is_continuation and not row.errors:
        row.errors.append(_("The company name is missing."))
    return row


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
    for name in ("title", "qq", "wechat"):
        if raw.get(f"contact_{name}"):
            contact[name] = raw[f"contact_{name}"]
    if raw.get("contact_gender"):
        gender = scale_value("contact_gender", raw["contact_gender"])
        if gender:
            contact["gender"] = gender
        else:
            other.append(raw["contact_gender"])
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
