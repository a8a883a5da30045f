"""Small helpers shared by the blueprints' forms."""

from __future__ import annotations


def blank_to_none(value: object) -> object:
    """WTForms filter: trim text and store an empty optional field as NULL, not ''."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


OPTIONAL_TEXT = [blank_to_none]
