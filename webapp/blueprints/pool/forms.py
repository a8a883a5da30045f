from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from ..formkit import OPTIONAL_TEXT, Required
from ..pickers import RolePickerSelect, role_picker


class ReasonForm(FlaskForm):
    """Release to the pool: why (kept in the customer's ownership history)."""

    reason = TextAreaField(
        _l("Reason"), filters=OPTIONAL_TEXT, validators=[Required(), Length(max=500)]
    )


class TransferForm(ReasonForm):
    """Give one or more customers to another salesperson."""

    to_member_id = SelectField(
        _l("New salesperson"), coerce=int, validators=[Required()], widget=RolePickerSelect()
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.to_member_id.choices = role_picker("sales", blank=None)
