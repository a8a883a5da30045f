from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired, NumberRange


def _days(label) -> IntegerField:
    return IntegerField(label, validators=[DataRequired(), NumberRange(min=1, max=365)])


class StaleRulesForm(FlaskForm):
    """Days without a follow-up after which a customer of each grade shows as going stale."""

    stale_days_a = _days(_l("Grade A"))
    stale_days_b = _days(_l("Grade B"))
    stale_days_c = _days(_l("Grade C"))
    stale_days_d = _days(_l("Grade D"))
