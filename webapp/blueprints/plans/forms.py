"""Forms of the call/visit plan: a new plan, its goal line, and a customer row."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from ...services.weeks import parse_week
from ..formkit import OPTIONAL_TEXT, DecimalField, Required, Versioned
from ..pickers import RolePickerSelect


def _id_or_none(value) -> int | None:
    return int(value) if value not in ("", None, "None") else None


def _turnover(label) -> DecimalField:
    return DecimalField(label, [Optional()], digits=16, places=2)


class NewPlanForm(FlaskForm):
    member_id = SelectField(
        _l("Salesperson"), coerce=int, validators=[Required()], widget=RolePickerSelect()
    )
    # <input type="week"> sends '2026-W48'; typed text in that form works without it
    week = StringField(
        _l("First week"),
        validators=[Required()],
        description=_l("An ISO week such as 2026-W48; the plan starts on its Monday."),
    )
    weeks = SelectField(_l("Number of weeks"), coerce=int, validators=[Required()])
    goal = TextAreaField(_l("Goal"), filters=OPTIONAL_TEXT, validators=[Length(max=2000)])

    def __init__(self, *args, members: dict, **kwargs) -> None:
        # members: the salesperson picker's choices (blueprints/pickers.role_picker)
        super().__init__(*args, **kwargs)
        self.member_id.choices = members
        self.weeks.choices = {1: str(_l("1 week")), 2: str(_l("2 weeks")), 3: str(_l("3 weeks"))}

    def validate_week(self, field) -> None:
        if parse_week(field.data) is None:
            raise ValidationError(_l("Enter a week as 2026-W48."))


class GoalForm(Versioned, FlaskForm):
    goal = TextAreaField(_l("Goal"), filters=OPTIONAL_TEXT, validators=[Length(max=2000)])
    FIELDS = ("goal",)


class RowForm(Versioned, FlaskForm):
    """Turnover and target of a customer row (edit); AddRowForm adds the customer."""

    FIELDS = ("turnover_current", "turnover_previous", "target")

    turnover_current = _turnover(_l("Current turnover (HKD)"))
    turnover_previous = _turnover(_l("Previous turnover (HKD)"))
    target = StringField(_l("Target"), filters=OPTIONAL_TEXT, validators=[Length(max=300)])


class AddRowForm(RowForm):
    customer_id = SelectField(_l("Customer"), coerce=_id_or_none, validators=[Required()])

    def __init__(self, *args, customers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_id.choices = {"": "—", **dict(customers)}


class CellForm(FlaskForm):
    """One click on a Plan cell: the day and the code the user saw (to notice a concurrent
    change)."""

    day = StringField(validators=[Required()])
    seen = StringField()
