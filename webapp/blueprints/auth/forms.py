from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, Length

from ..formkit import Required


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[Required(), Email()])
    password = PasswordField(_l("Password"), validators=[Required()])
    remember = BooleanField(_l("Keep me logged in"))


def _password_twice(label: str, repeat_label: str) -> tuple[PasswordField, PasswordField]:
    """A password field and its repetition; the rules themselves are
    services.accounts.password_problem."""
    password = PasswordField(
        label,
        validators=[Required()],
        description=_l("At least 10 characters. A phrase only you would use is best."),
    )
    confirm = PasswordField(
        repeat_label,
        validators=[Required(), EqualTo("password", message=_l("Passwords do not match."))],
    )
    return password, confirm


class AccountPasswordMixin:
    """A new account's first password typed twice (signup, joining by invitation)."""

    password, confirm = _password_twice(_l("Password"), _l("Repeat password"))


class NewPasswordMixin:
    """A new password typed twice (reset link, password change)."""

    password, confirm = _password_twice(_l("New password"), _l("Repeat new password"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[Required(), Email(), Length(max=254)])


class ResetForm(NewPasswordMixin, FlaskForm):
    pass


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(_l("Current password"), validators=[Required()])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[Required(), Length(max=20)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )


class DisableTotpForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[Required()])
    code = StringField(_l("Code"), validators=[Required(), Length(max=20)])
