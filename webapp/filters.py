"""Template filters for small pieces of markup that pages repeat by the dozen.

A Jinja macro call costs several times a filter's: a grade badge in each of a list's 25 rows, or
my day's 30, was worth writing in Python once (docs/performance.md, "2026-12-03, last").
The caches below go through Flask-Babel's public functions only, and each one's key holds the
language (or the already translated text), so a page in another language never gets them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.dates import format_skeleton
from flask_babel import format_currency, format_date, format_decimal, get_locale, gettext
from markupsafe import Markup, escape

from .services.countries import country_choices


def grade_badge(grade: str | None) -> Markup:
    """The coloured A/B/C/D badge of a customer's grade; nothing for an ungraded customer."""
    if not grade:
        return Markup("")
    return _badge(grade, gettext("Grade"))


@lru_cache(maxsize=64)
def _badge(grade: str, word: str) -> Markup:
    # a handful of grades times two languages: made once each
    grade = escape(grade)
    return Markup(
        f'<span class="grade grade-{grade.lower()}" title="{escape(word)} {grade}">{grade}</span>'
    )


def dateformat(value, format: str | None = None) -> str:
    """Flask-Babel's `dateformat`, each (day, format, language) formatted once: Babel's
    formatting is ~20 µs a date, and my day's rows repeat a few days over and over. Datetimes
    go to Flask-Babel every time (they are moved to the user's time zone first)."""
    if type(value) is not date:
        return format_date(value, format)
    return _formatted(value, format, get_locale())


@lru_cache(maxsize=4096)
def _formatted(value: date, format: str | None, locale) -> str:
    return format_date(value, format)  # in the request whose language is `locale`


def date_skeleton(value, skeleton: str = "MMMd") -> str:
    """A date by CLDR skeleton ('MMMEd' -> '12月8日周二' / 'Tue, Dec 8'); Flask-Babel's
    dateformat takes patterns, which do not reorder parts per language."""
    if not value:
        return ""
    return _by_skeleton(value, skeleton, get_locale())


@lru_cache(maxsize=4096)
def _by_skeleton(value: date, skeleton: str, locale) -> str:
    return format_skeleton(skeleton, value, locale=locale)


def country_options(selected: str | None = None) -> Markup:
    """Every country as an <option> in the user's language, `selected` marked: a filter's
    <select>. Made once per language: 250 options escaped one by one were a third of the
    customer list's rendering."""
    options = _country_options(str(get_locale() or "zh"))
    if not selected:
        return options
    value = f'<option value="{escape(selected)}">'
    # on the text: Markup.replace would escape the replacement
    return Markup(str(options).replace(value, f"{value[:-1]} selected>", 1))


@lru_cache(maxsize=8)
def _country_options(locale_code: str) -> Markup:
    return Markup("").join(
        Markup('<option value="{}">{}</option>').format(code, name)
        for code, name in country_choices(locale_code)
    )


# Babel rounds an amount to its places within Decimal's 28 digits: a number beyond them (1e308,
# which SQLite stored before the forms bounded their numbers) raised and took the whole page
# down, the orders list of the company included. Such a number is shown, not formatted.
def _unformattable(value) -> str:
    return format(Decimal(str(value)), ".6G")


def currencyformat(value, currency: str, *args, **kwargs) -> str:
    """Flask-Babel's `currencyformat`, for any number a row may hold (None: nothing)."""
    if value is None:
        return ""
    try:
        return format_currency(value, currency, *args, **kwargs)
    except (InvalidOperation, OverflowError, ValueError):
        return f"{_unformattable(value)} {currency}"


def decimalformat(value, *args, **kwargs) -> str:
    """Flask-Babel's `decimalformat`, for any number a row may hold (None: nothing)."""
    if value is None:
        return ""
    try:
        return format_decimal(value, *args, **kwargs)
    except (InvalidOperation, OverflowError, ValueError):
        return _unformattable(value)
