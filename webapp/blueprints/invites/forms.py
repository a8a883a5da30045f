from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from ...blueprints.formkit import OPTIONAL_TEXT, Required
from ..auth.forms import AccountPasswordMixin


class AcceptForm(FlaskForm):
    """A logged-in person joins with one click (the form carries only the CSRF token)."""


class JoinSignupForm(AccountPasswordMixin, FlaskForm):
    name = StringField(
        _l("Your name"), validators=[Required(), Length(max=80)], filters=OPTIONAL_TEXT
    )
