from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ...blueprints.formkit import OPTIONAL_TEXT


class AcceptForm(FlaskForm):
    """A logged-in person joins with one click (the form carries only the CSRF token)."""


class JoinSignupForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(), Length(max=80)], filters=OPTIONAL_TEXT
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        description=_l("At least 10 characters. A phrase only you would use is best."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("Passwords do not match."))],
    )
