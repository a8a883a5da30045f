"""Forms of the weekly inquiry report: the summary (大体情况 + 本周总结), a table line, the
manager's target and comment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ...models.report import REPORT_SECTIONS, SUMMARY_FIELDS
from ...services.reports import SECTION_COLUMNS, SUMMARY_LABELS
from ..formkit import OPTIONAL_TEXT, IntegerField, Required, Versioned

PROSE_MAX = 4000  # one answer of 本周总结: a few paragraphs, not a novel


def _prose(label) -> TextAreaField:
    return TextAreaField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=PROSE_MAX)]
    )


class SummaryForm(Versioned, FlaskForm):
    overview = _prose(_l("Overall situation"))  # 大体情况
    sellers_text = _prose(SUMMARY_LABELS["sellers_text"])
    buyers_text = _prose(SUMMARY_LABELS["buyers_text"])
    market_text = _prose(SUMMARY_LABELS["market_text"])
    strengths_text = _prose(SUMMARY_LABELS["strengths_text"])
    success_text = _prose(SUMMARY_LABELS["success_text"])
    distance_text = _prose(SUMMARY_LABELS["distance_text"])
    FIELDS = ("overview", *SUMMARY_FIELDS)


def _text(label, max_length: int) -> StringField:
    return StringField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


class LineForm(Versioned, FlaskForm):
    """One row of a table; which columns count depends on the section (SECTION_COLUMNS)."""

    MERGED = ("country", "contact", "item", "quantity", "terms", "expected_close", "notes")

    section = HiddenField(validators=[Required()])
    country = _text(_l("Country"), 100)
    contact = _text(_l("Contact"), 300)
    item = _text(_l("Item"), 300)
    quantity = _text(_l("Quantity"), 100)
    terms = _text(_l("Terms"), 200)
    expected_close = _text(_l("Expected to close"), 100)
    notes = TextAreaField(
        _l("Notes"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=2000)]
    )

    def validate_section(self, field) -> None:
        if field.data not in REPORT_SECTIONS:
            raise ValidationError(_l("Unknown table."))

    def columns(self) -> tuple[str, ...]:
        return SECTION_COLUMNS.get(self.section.data, ())

    def values(self) -> dict[str, str | None]:
        """The section's columns; the others are cleared (a line never keeps hidden text)."""
        wanted = self.columns()
        return {
            name: (self[name].data if name in wanted else None)
            for name in ("country", "contact", "item", "quantity", "terms", "expected_close",
                         "notes")
        }  # fmt: skip

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not any(self[name].data for name in self.columns()):
            self.form_errors.append(str(_l("Fill in at least one column of the line.")))
            return False
        return ok


class TargetForm(Versioned, FlaskForm):
    FIELDS = ("target",)
    target = IntegerField(
        _l("Target inquiries"),
        validators=[Optional()],
        maximum=9999,
    )


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Comment"),
        filters=OPTIONAL_TEXT,
        validators=[
            Required(message=_l("Write the comment first.")),
            Length(max=2000),
        ],
    )
