from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, Length, ValidationError

from ...services.accounts import password_problem
from ...services.countries import country_choices
from ...services.signup import slug_problem
from ..auth.forms import AccountPasswordMixin
from ..formkit import Required

# choices as {value: label}: the shape WTForms keeps after 3.4 drops tuple lists
LANGUAGE_CHOICES = {"zh": "中文", "en": "English"}


class CompanyForm(FlaskForm):
    """A new company: all a logged-in person gives to add one to their account."""

    company_name = StringField(_l("Company name"), validators=[Required(), Length(max=120)])
    slug = StringField(
        _l("Web address"),
        validators=[Required(), Length(min=3, max=40)],
        description=_l(
            "Lower-case letters, digits and dashes; your pages live at /t/your-address/."
        ),
    )
    home_country = SelectField(_l("Home country"), validators=[Required()])
    default_locale = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.home_country.choices = dict(country_choices())

    def validate_slug(self, field) -> None:
        field.data = (field.data or "").strip().lower()
        problem = slug_problem(field.data)
        if problem == "format":
            raise ValidationError(
                _l(
                    "Use 3–40 lower-case letters, digits or dashes, starting and ending with a "
                    "letter or digit."
                )
            )
        if problem == "reserved":
            raise ValidationError(_l("This address is reserved. Please choose another."))
        if problem == "taken":
            raise ValidationError(_l("This address is already taken. Please choose another."))


class CheckedPasswordMixin(AccountPasswordMixin):
    """The new account's password, checked against the rules and the e-mail it belongs to."""

    def password_owner(self) -> str | None:
        return None

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", self.password_owner())
        if problem:
            raise ValidationError(problem)


class SignupRequestForm(CompanyForm):
    """A visitor's signup when the server sends mail: the link mailed to the address asks for
    the password, so the answer here is the same whether or not the address has an account."""

    owner_name = StringField(_l("Your name"), validators=[Required(), Length(max=80)])
    email = EmailField(_l("Email"), validators=[Required(), Email(), Length(max=254)])


class SignupForm(CheckedPasswordMixin, SignupRequestForm):
    """A visitor's signup on a server without mail: the account is created at once."""

    def password_owner(self) -> str | None:
        return self.email.data


class ConfirmSignupForm(CheckedPasswordMixin, FlaskForm):
    """The page a mailed signup link opens: the new account's password."""

    def __init__(self, email: str, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def password_owner(self) -> str | None:
        return self.email
