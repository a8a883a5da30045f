"""Small helpers shared by the blueprints' forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import wtforms
from babel import support
from flask import Flask, request
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # the name pybabel extracts plurals by
from wtforms import HiddenField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, NumberRange, StopValidation

from ..services.merging import decode_base, encode_base, three_way


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


# --- versions and the conflict screen ---------------------------------------------------------
# Every form that edits a record carries the record's version and the fingerprints of the
# values it was opened with (services/merging.py). A save over a newer version is never written
# as it stands: the form is merged field by field and shown again (409) — fields only the other
# person changed now hold their values, fields both changed are listed side by side with a
# choice each — and the next Save writes that merged form (see save_guard).


class Versioned:
    """Mixin for an edit form (list it before FlaskForm). `MERGED` names the fields compared
    on a conflict; by default the form's FIELDS."""

    version = HiddenField()
    base = HiddenField()
    clashes = HiddenField()  # fields both people changed, waiting for a choice

    MERGED: tuple[str, ...] = ()

    def merged_fields(self) -> tuple[str, ...]:
        # a field a view removed for this member (del form[name]) is not theirs to merge
        names = self.MERGED or tuple(getattr(self, "FIELDS", ()))
        return tuple(name for name in names if name in self)

    def merge_values(self) -> dict[str, object]:
        return {name: self[name].data for name in self.merged_fields()}


def opened(form: Versioned, record: object) -> Versioned:
    """Stamp a form shown to edit `record`: its version and what it holds now."""
    form.version.data = record.version
    form.base.data = encode_base(form.merge_values())
    form.clashes.data = ""
    return form


@dataclass
class Clash:
    name: str
    label: str
    theirs: str  # as shown to the reader
    mine: str


@dataclass
class Conflict:
    """What the conflict screen shows: the fields taken from the other save, and the clashes."""

    taken: list[str] = field(default_factory=list)  # labels
    clashes: list[Clash] = field(default_factory=list)
    unresolved: bool = False  # saved again without choosing for every clash


def _set(form_field, value: object) -> None:
    form_field.data = value
    form_field.raw_data = None  # number and date inputs show raw_data first


def shown(form_field, value: object) -> str:
    """A value as the person reads it: the option's label, Yes/No, '—' for nothing."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    options = getattr(form_field, "choices", None)
    if options:
        labels = {str(k): str(v) for k, v in dict(options).items()}
        if isinstance(value, list | tuple | set):
            return ", ".join(labels.get(str(v), str(v)) for v in value)
        return labels.get(str(value), str(value))
    if hasattr(form_field, "shown"):
        return form_field.shown(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _clash(form: Versioned, theirs: Versioned, name: str) -> Clash:
    return Clash(
        name,
        str(form[name].label.text),
        shown(theirs[name], theirs[name].data),
        shown(form[name], form[name].data),
    )


def save_guard(form: Versioned, record: object, fresh: Callable[[], Versioned]) -> Conflict | None:
    """Call after the form validated, before writing. None: write the form's fields (its
    version is the record's and every clash has its choice, applied to the form; or the other
    save changed none of its fields). Otherwise the form now holds the merge and the new
    version: answer 409 with the Conflict shown.
    `fresh()` builds the same form from `record` as it is now (formdata=None)."""
    theirs = fresh()
    names = form.merged_fields()
    pending = [n for n in (form.clashes.data or "").split(",") if n in names]
    unresolved = []
    for name in pending:
        choice = request.form.get(f"choose-{name}")
        if choice == "theirs":  # keep what the other person saved: not a change of mine
            _set(form[name], theirs[name].data)
        elif choice != "mine":
            unresolved.append(name)
    if str(record.version) == (form.version.data or ""):
        if not unresolved:
            form.clashes.data = ""
            return None
        return Conflict(clashes=[_clash(form, theirs, n) for n in unresolved], unresolved=True)
    base = decode_base(form.base.data)
    merge = three_way(base, form.merge_values(), theirs.merge_values())
    form.version.data = record.version
    form.base.data = encode_base(theirs.merge_values())
    if base and not merge.theirs_taken and not merge.clashes:
        # the other save touched none of this form's fields: writing it loses nothing of theirs
        form.clashes.data = ""
        return None
    # without a base nothing is decided for the person: the screen, even with nothing to choose
    for name in merge.theirs_taken:
        _set(form[name], theirs[name].data)
    conflict = Conflict(
        taken=[str(form[n].label.text) for n in merge.theirs_taken],
        clashes=[_clash(form, theirs, n) for n in merge.clashes],
    )
    form.clashes.data = ",".join(merge.clashes)
    return conflict


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
