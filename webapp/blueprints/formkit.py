"""Small helpers shared by the blueprints' forms."""

from __future__ import annotations


def blank_to_none(value: object) -> object:
    """WTForms filter: trim text and store an empty optional field as NULL, not ''."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


OPTIONAL_TEXT = [blank_to_none]


# PostgreSQL's integer column (and SQLite's 64-bit one) cannot hold every Python int: an id or
# page number typed into a URL or a form must fail like any other bad value, not deep in the
# driver.
DB_INT_MAX = 2**31 - 1


def bounded_int(text: str) -> int:
    """`type=` for request.args/form.get: an int that fits a database integer, else ValueError
    (which .get() turns into its default)."""
    value = int(text)
    if not -DB_INT_MAX <= value <= DB_INT_MAX:
        raise ValueError("out of range")
    return value
