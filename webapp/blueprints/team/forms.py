from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectMultipleField, StringField
from wtforms.validators import Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ...blueprints.formkit import OPTIONAL_TEXT, Required, Versioned
from ...services.roles import ROLE_LABELS


def _role_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ROLE_LABELS.items()]


class _RolesMixin:
    roles = SelectMultipleField(
        _l("Roles"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )

    def set_role_choices(self) -> None:
        self.roles.choices = _role_choices()


class InviteForm(_RolesMixin, FlaskForm):
    email = EmailField(_l("Email"), validators=[Required(), Email(), Length(max=254)])
    name = StringField(
        _l("Name"),
        validators=[Optional(), Length(max=80)],
        filters=OPTIONAL_TEXT,
        description=_l("Optional: filled in for them when they sign up."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_role_choices()


class RolesForm(Versioned, _RolesMixin, FlaskForm):
    FIELDS = ("roles",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.set_role_choices()


class ActiveForm(FlaskForm):
    active = HiddenField()
