"""Every form uses the shared bounded fields and validators (issue 22), so a new form cannot
bring back a number the database cannot hold or a date message hidden behind "required"."""

from __future__ import annotations

import wtforms
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired

import webapp.blueprints as blueprints
from webapp.blueprints import formkit

RAW_NUMBERS = (wtforms.DecimalField, wtforms.IntegerField, wtforms.FloatField)
BOUNDED = (formkit.DecimalField, formkit.IntegerField)


def _form_classes(app) -> list[type]:
    assert blueprints  # every blueprint (and its forms) is imported by the app factory
    found, todo = [], [FlaskForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("webapp."):
                found.append(sub)
    return found


def _fields(form_class: type) -> list[tuple[str, UnboundField]]:
    return [
        (name, value)
        for klass in form_class.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, UnboundField)
    ]


def test_the_walk_finds_the_forms(app):
    names = {cls.__name__ for cls in _form_classes(app)}
    assert {"BasicsForm", "CustomerForm", "SettingsForm", "PaymentForm"} <= names


def test_every_number_field_is_bounded(app):
    raw = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes(app)
        for name, field in _fields(cls)
        if issubclass(field.field_class, RAW_NUMBERS) and not issubclass(field.field_class, BOUNDED)
    ]
    assert raw == [], "use formkit.DecimalField / formkit.IntegerField"


def test_no_form_hides_a_parse_message_behind_required(app):
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _form_classes(app)
        for name, field in _fields(cls)
        for check in (field.kwargs.get("validators") or (field.args[1:2] or [None])[0] or [])
        if type(check) is DataRequired
    ]
    assert plain == [], "use formkit.Required"
