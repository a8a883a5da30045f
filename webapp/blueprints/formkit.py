"""Small helpers shared by the blueprints' forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

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
