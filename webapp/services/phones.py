"""Phone numbers: parsed with the customer's country as default region, stored as E.164."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


class InvalidPhone(ValueError):
    """Not a phone number we can store (the message is worded by the form)."""


# E.164 has no extension: it follows as ';ext=12' (RFC 3966's way, which phonenumbers parses
# back), within the 32 characters of the phone columns
MAX_LENGTH = 32


def to_e164(raw: str | None, region: str | None) -> str | None:
    """'138 1234 5678' with region CN -> '+8613812345678'; '030 1234567 ext 12' with region DE
    -> '+49301234567;ext=12' (the extension kept, not dropped); None for empty; InvalidPhone if
    bad."""
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw.strip(), (region or "").upper() or None)
    except NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.extension:
        e164 = f"{e164};ext={number.extension}"
    if len(e164) > MAX_LENGTH:
        raise InvalidPhone(raw)
    return e164


def line_number(e164: str | None) -> str | None:
    """'+49301234567;ext=12' -> '+49301234567': the number without its extension."""
    return e164.split(";", 1)[0] if e164 else e164


def display(e164: str | None) -> str:
    """International format for display: '+86 138 1234 5678', '+49 30 1234567 ext. 12'.
    Unparseable values shown as stored."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), PhoneNumberFormat.INTERNATIONAL
        )
    except NumberParseException:
        return e164


def search_digits(query: str) -> list[str]:
    """Digit strings to look for in stored E.164 numbers when a search looks like a phone.

    Spaces, dashes, brackets and a leading + or 00 are ignored; a national trunk 0 is tried
    both with and without ("021 5555 1234" finds +862155551234).
    """
    if not re.fullmatch(r"[\d\s\-+().]{4,}", query.strip()):
        return []
    digits = re.sub(r"\D", "", query)
    if len(digits) < 4:
        return []
    if digits.startswith("00"):
        digits = digits[2:]
    variants = [digits]
    if digits.startswith("0") and len(digits) > 4:
        variants.append(digits[1:])
    return variants
