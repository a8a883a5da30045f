"""Inquiry forms: record/edit, assign, convert. Rules live in services/inquiries.py; the form
parses what was typed and shows the service's messages next to the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, Optional

from ...services.inquiries import CHANNEL_LABELS, WORTH_LABELS, WORTH_VALUES, InquiryInput
from ..customers.forms import CountryField, phone_or_error
from ..formkit import OPTIONAL_TEXT, Required, Versioned
from ..pickers import RolePickerSelect, role_picker


def labels(choices: dict) -> dict[str, str]:
    """WTForms wants plain str labels (a dict of lazy strings reads as option groups)."""
    return {value: str(label) for value, label in choices.items()}


def _member(value):
    return int(value) if value not in (None, "", "None") else None


def _text(label, max_length: int) -> StringField:
    return StringField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


class InquiryForm(Versioned, FlaskForm):
    received_local = DateTimeLocalField(
        _l("Received"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Required(message=_l("Enter when the inquiry arrived."))],
        description=_l("Date and time in the company's time zone."),
    )
    channel = SelectField(_l("Channel"), validators=[Required()])
    country = CountryField(_l("Country / region"))
    company = _text(_l("Company"), 200)
    contact_name = _text(_l("Contact name"), 120)
    email = EmailField(
        _l("Email"), filters=OPTIONAL_TEXT, validators=[Optional(), Email(), Length(max=254)]
    )
    phone = _text(_l("Phone"), 40)
    product = _text(_l("Product"), 300)
    message = TextAreaField(
        _l("Message"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=10000)]
    )
    worth_following = SelectField(_l("Worth following"), validate_choice=True)
    worth_reason = _text(_l("Reason"), 500)
    assigned_to_id = SelectField(
        _l("Salesperson"), coerce=_member, validate_choice=False, widget=RolePickerSelect()
    )
    MERGED = ("received_local", "channel", "country", "company", "contact_name", "email",
              "phone", "product", "message", "worth_following", "worth_reason",
              "assigned_to_id")  # fmt: skip

    def __init__(self, *args, keep_id: int | None = None, region: str | None = None,
                 **kwargs) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.region = region
        self.channel.choices = labels(CHANNEL_LABELS)
        self.worth_following.choices = labels(
            {"": WORTH_LABELS[""], "yes": WORTH_LABELS["yes"], "no": WORTH_LABELS["no"]}
        )
        self.assigned_to_id.choices = role_picker("sales", keep_id, text_keys=True)

    def validate_phone(self, field) -> None:
        field.data = phone_or_error(field.data, self.country.data or self.region)

    def to_input(self) -> InquiryInput:
        return InquiryInput(
            received_local=self.received_local.data,
            channel=self.channel.data,
            country=self.country.data,
            company=self.company.data,
            contact_name=self.contact_name.data,
            email=self.email.data,
            phone=self.phone.data,
            product=self.product.data,
            message=self.message.data,
            worth_following=WORTH_VALUES.get(self.worth_following.data or ""),
            worth_reason=self.worth_reason.data,
            assigned_to_id=self.assigned_to_id.data,
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]


class AssignForm(Versioned, FlaskForm):
    assigned_to_id = SelectField(
        _l("Salesperson"), coerce=_member, validate_choice=False, widget=RolePickerSelect()
    )
    FIELDS = ("assigned_to_id",)

    def __init__(self, *args, keep_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.assigned_to_id.choices = role_picker("sales", keep_id, text_keys=True)
