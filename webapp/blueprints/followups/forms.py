from datetime import timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ...models.followup import VISIT_METHODS
from ...services.classification import CATEGORIES, METHODS, VISIT_PURPOSES, choices
from ..formkit import OPTIONAL_TEXT, Required, Versioned


def _area(label, max_length: int = 5000) -> TextAreaField:
    return TextAreaField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


def _checkboxes(label, coerce=str) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        coerce=coerce,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


class FollowUpForm(Versioned, FlaskForm):
    method = SelectField(_l("Method"), validators=[Required()])
    topic = StringField(_l("Topic"), validators=[Required(), Length(max=200)])
    content = _area(_l("What happened"))
    category = SelectField(_l("Customer category now"), validators=[Optional()])
    followed_by_id = SelectField(_l("Followed up by"), coerce=int, validators=[Required()])
    on_date = DateField(_l("Date"), validators=[Required()])
    contact_ids = _checkboxes(_l("Contacts involved"), coerce=int)
    next_date = DateField(_l("Next follow-up"), validators=[Optional()])
    next_action = StringField(
        _l("What to do then"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=500)]
    )
    # visit details
    time_from = TimeField(_l("From"), validators=[Optional()])
    time_to = TimeField(_l("To"), validators=[Optional()])
    place = StringField(
        _l("Place"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=300)]
    )
    colleague_ids = _checkboxes(_l("Colleagues who came along"), coerce=int)
    purposes = _checkboxes(_l("Purpose of the visit"))
    goal = _area(_l("Goal"))
    preparation = _area(_l("Preparation"))
    result = _area(_l("Result and what was achieved"))
    questions = _area(_l("Customer's questions"))
    answers = _area(_l("Our answers"))
    intelligence = _area(_l("Intelligence gained"))
    action_plan = _area(_l("Action plan"))

    RECORD_FIELDS = ("method", "topic", "content", "category", "followed_by_id", "on_date",
                     "next_date", "next_action")  # fmt: skip
    VISIT_FIELDS = ("time_from", "time_to", "place", "goal", "preparation", "result",
                    "questions", "answers", "intelligence", "action_plan")  # fmt: skip
    MERGED = (*RECORD_FIELDS, *VISIT_FIELDS, "contact_ids", "colleague_ids", "purposes")

    def __init__(self, *args, members, contacts, today, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.method.choices = dict(choices(METHODS, blank=False))
        self.category.choices = dict(choices(CATEGORIES))
        self.followed_by_id.choices = dict(members)
        self.colleague_ids.choices = dict(members)
        self.contact_ids.choices = {
            c.id: c.name + (f" · {c.title}" if c.title else "") for c in contacts
        }
        self.purposes.choices = {code: str(label) for code, label in VISIT_PURPOSES.items()}

    @property
    def is_visit(self) -> bool:
        return self.method.data in VISIT_METHODS

    def validate_on_date(self, field) -> None:
        # one day of slack: a colleague abroad may already be in "tomorrow"
        if field.data and field.data > self.today + timedelta(days=1):
            raise ValidationError(_l("A follow-up cannot be dated in the future."))

    def validate_next_date(self, field) -> None:
        if field.data and self.on_date.data and field.data < self.on_date.data:
            raise ValidationError(_l("The next follow-up cannot be before this one."))

    def validate_time_to(self, field) -> None:
        if field.data and self.time_from.data and field.data < self.time_from.data:
            raise ValidationError(_l("The visit cannot end before it starts."))
