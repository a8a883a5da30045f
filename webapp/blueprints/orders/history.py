"""The order history's stored values shown in the reader's language.

History rows are written once in a language-neutral form (services/orders.record: "yes"/"no",
ISO dates, payment kind codes, the merchandiser's membership id) so that every reader can see
them in their own language; this module is the reading half, kept in the web layer."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from ...extensions import db
from ...models import Membership
from ...services import orders as rules

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")


def value_text(field: str | None, value: str | None) -> str:
    """One stored old/new value of a changed field, as the reader should see it."""
    if value is None:
        return "—"
    if value == "yes":
        return _("Yes")
    if value == "no":
        return _("No")
    if field == "merchandiser_id" and value.isdigit():
        member = db.session.get(Membership, int(value))
        return member.user.name if member is not None else value
    if field == "payment_method":
        return rules.PAYMENT_METHODS.get(value, value)
    return _word(value)


def row_text(kind: str | None, text: str | None) -> str:
    """An added/removed payment or inspection (services/orders.describe's words: "deposit1
    3000.00 USD 2026-11-20", "2026-11-20 PASS"), each word made readable; anything that does
    not look like that (a claim's party, older rows) is shown as it was stored."""
    if not text:
        return "—"
    words = text.split(" ")
    if kind == "payment" and words[0] in rules.PAYMENT_KINDS:
        words[0] = str(rules.PAYMENT_KINDS[words[0]])
    if kind in ("payment", "inspection"):
        return " ".join(_word(word) for word in words)
    return text


def _word(word: str) -> str:
    """An ISO date in the reader's format, a decimal number with the reader's separators."""
    if _ISO_DATE.match(word):
        try:
            return format_date(date.fromisoformat(word), "medium")
        except ValueError:
            return word
    if _DECIMAL.match(word):
        return format_decimal(Decimal(word), format="#,##0.00###")
    return word
