"""Small helpers shared by the blueprints' forms."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import wtforms
from babel import support
from flask import Flask, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # the name pybabel extracts plurals by
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, NumberRange, StopValidation


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


# SQLite keeps a NUMERIC column as a float, which gives back 15 significant digits exactly;
# PostgreSQL's NUMERIC(p, s) refuses more than p - s before the point. A number field takes
# only what both hold, so the same number gets the same answer on either database.
FLOAT_DIGITS = 15


def largest_decimal(digits: int, places: int) -> Decimal:
    """NUMERIC(16, 2) -> 9999999999999.99: the largest value both databases store exactly."""
    whole = min(digits, FLOAT_DIGITS) - places
    return Decimal(10) ** whole - Decimal(10) ** -places


class DecimalField(wtforms.DecimalField):
    """A decimal for a NUMERIC(digits, places) column: finite, within what the column holds on
    both databases (NumberRange, so the message is WTForms' own, translated), and rounded to
    the column's places here (PostgreSQL would round 1.005 up, SQLite's float down)."""

    def __init__(self, label=None, validators=None, *, digits: int, places: int = 2,
                 minimum: Decimal | int = 0, **kwargs) -> None:  # fmt: skip
        bound = NumberRange(min=minimum, max=largest_decimal(digits, places))
        super().__init__(label, [*(validators or []), bound], places=places, **kwargs)

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():  # NaN, Infinity
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        if self.data is not None and self.data.adjusted() < FLOAT_DIGITS:
            # out-of-range values stay as typed for NumberRange's message
            self.data = self.data.quantize(Decimal(10) ** -self.places, rounding=ROUND_HALF_UP)


class IntegerField(wtforms.IntegerField):
    """An integer that fits the database's INTEGER column (NumberRange, WTForms' message)."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0,
                 maximum: int = DB_INT_MAX, **kwargs) -> None:  # fmt: skip
        if maximum > DB_INT_MAX or minimum < -DB_INT_MAX:
            raise ValueError("an INTEGER column cannot hold that range")
        bound = NumberRange(min=minimum, max=maximum)
        super().__init__(label, [*(validators or []), bound], **kwargs)


class Required(DataRequired):
    """DataRequired that keeps the field's own parse message: '2026-02-30' gets 'Not a valid
    date value.', not 'This field is required.' (DataRequired clears the errors when the parsed
    value is empty); 0 is an answer, not a blank."""

    def __call__(self, form, field) -> None:
        typed = bool(field.raw_data) and str(field.raw_data[0]).strip() != ""
        if field.process_errors and typed:
            raise StopValidation()  # the parse message is already in field.errors
        if field.data == 0 and not isinstance(field.data, bool):
            return
        super().__call__(form, field)


# Messages WTForms' own zh catalog leaves untranslated (fuzzy there, so not compiled): marked
# here so the app's catalog carries them, and _FormTranslations falls back to it.
WTFORMS_GAPS = (
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    ),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Not a valid week value."),
)


@lru_cache(maxsize=16)
def _wtforms_catalog(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _FormTranslations:
    """WTForms' messages in the request's language: WTForms' own catalog first, the app's for
    a message it lacks. Resolved when a message is made, so the language is the one the
    request settles on."""

    def gettext(self, string: str) -> str:
        text = _wtforms_catalog(str(get_locale())).gettext(string)
        return text if text != string else get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        text = _wtforms_catalog(str(get_locale())).ngettext(singular, plural, n)
        if text not in (singular, plural):
            return text
        return get_translations().ngettext(singular, plural, n)

    ugettext, ungettext = gettext, ngettext  # the names Flask-WTF calls


def register_form_translations(app: Flask) -> None:
    """Flask-WTF (WTF_I18N_ENABLED, its default) loads WTForms' catalog once per request into
    `request.wtforms_translations` and uses what it finds there: providing it first adds the
    app's catalog as the fallback, so every validation message is in the user's language."""

    @app.before_request
    def _form_translations() -> None:
        request.wtforms_translations = _FormTranslations()
