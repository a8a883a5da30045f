from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    Length,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ...services.classification import (
    CATEGORIES,
    GENDERS,
    GRADES,
    IMPORTANCE,
    NATURES,
    OUTCOMES,
    STAGES,
    STATUSES,
    bits_to_stages,
    choices,
)
from ...services.countries import country_label, parse_country
from ...services.money import currency_choices
from ...services.phones import InvalidPhone, to_e164
from ..formkit import OPTIONAL_TEXT, DecimalField, IntegerField, Required, Versioned
from ..pickers import RolePickerSelect, role_picker


def _text(label, max_length: int, **kwargs) -> StringField:
    return StringField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)], **kwargs
    )


def _area(label, max_length: int = 5000) -> TextAreaField:
    return TextAreaField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


def _money(label) -> DecimalField:
    return DecimalField(label, [Optional()], digits=16, places=2, render_kw={"step": "0.01"})


class CountryField(StringField):
    """Typed or picked from the list ('德国 (DE)', 'Germany', 'DE'); the data is the ISO code."""

    def process_formdata(self, valuelist) -> None:
        self.raw = valuelist[0] if valuelist else ""
        try:
            self.data = parse_country(self.raw)
        except ValueError:
            self.data = None
            raise ValueError(_l("Unknown country or region: pick one from the list.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return country_label(self.data) if self.data else ""

    def shown(self, value: str) -> str:
        """A code as the conflict screen names it (formkit.shown)."""
        return country_label(value)


class CustomerForm(Versioned, FlaskForm):
    name = StringField(_l("Company name"), validators=[Required(), Length(max=200)])
    website = StringField(
        _l("Website"),
        filters=OPTIONAL_TEXT,
        validators=[
            Optional(),
            Length(max=255),
            Regexp(r"^\S+\.\S+$", message=_l("Not a web address.")),
        ],
    )
    country = CountryField(_l("Country / region"))
    address = _text(_l("Address"), 500)
    industry = _text(_l("Industry and main business"), 500)
    nature = SelectField(_l("Nature"), validators=[Optional()])
    products = _text(_l("Products"), 500)
    needs = _area(_l("Needs and intent"))
    grade = SelectField(_l("Grade"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    importance = SelectField(_l("Importance"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    stages = SelectMultipleField(
        _l("Development stages"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    sincerity = IntegerField(
        _l("Sincerity index"),
        validators=[Optional()],
        maximum=100,
        description=_l("How likely the deal is, in percent (0–100)."),
    )
    owner_id = SelectField(
        _l("Salesperson"), coerce=lambda v: int(v) if v else None, widget=RolePickerSelect()
    )

    forecast_product = _text(_l("Product and model"), 200)
    forecast_unit_price = DecimalField(_l("Unit price"), [Optional()], digits=14, places=4)
    forecast_currency = SelectField(_l("Currency"), validators=[Optional()])
    forecast_deal_date = DateField(_l("Expected deal date"), validators=[Optional()])
    forecast_purchase_method = _text(_l("Purchase method"), 200)

    turnover_current = _money(_l("Current turnover"))
    turnover_previous = _money(_l("Previous turnover"))
    turnover_currency = SelectField(_l("Turnover currency"), validators=[Optional()])

    first_deal_date = DateField(_l("First deal date"), validators=[Optional()])
    order_amount = _money(_l("Order amount"))
    order_currency = SelectField(_l("Order currency"), validators=[Optional()])
    reorder_count = IntegerField(_l("Reorders"), [Optional()])
    order_remarks = _area(_l("Order remarks"))

    outcome = SelectField(_l("Outcome"), validators=[Optional()])
    give_up_reason = _area(_l("Reason for giving up"))
    win_notes = _area(_l("What won the deal"))
    self_review = _area(_l("Self-review"))
    remarks = _area(_l("Remarks"))

    confirm_duplicates = HiddenField(default="")

    # fields the model takes as they are (the rest: stages, contact)
    MODEL_FIELDS = (
        "name", "website", "country", "address", "industry", "nature", "products", "needs",
        "grade", "category", "importance", "status", "sincerity", "owner_id", "forecast_product",
        "forecast_unit_price", "forecast_currency", "forecast_deal_date",
        "forecast_purchase_method", "turnover_current", "turnover_previous", "turnover_currency",
        "first_deal_date", "order_amount", "order_currency", "reorder_count", "order_remarks",
        "outcome", "give_up_reason", "win_notes", "self_review", "remarks",
    )  # fmt: skip
    # compared on a conflict: an existing customer's owner is not edited here
    MERGED = (*(f for f in MODEL_FIELDS if f != "owner_id"), "stages")

    def __init__(self, *args, keep_owner_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        record = kwargs.get("obj")
        if record is not None and self.stages.data is None:  # not posted: the customer's bits
            self.stages.data = bits_to_stages(record.stages)
        blank = {"": "—"}
        self.nature.choices = dict(choices(NATURES))
        self.grade.choices = dict(choices(GRADES))
        self.category.choices = dict(choices(CATEGORIES))
        self.importance.choices = dict(choices(IMPORTANCE))
        self.status.choices = dict(choices(STATUSES))
        self.outcome.choices = dict(choices(OUTCOMES))
        self.stages.choices = {code: str(label) for code, label in STAGES.items()}
        self.owner_id.choices = role_picker("sales", keep_owner_id)
        currencies = currency_choices()
        for field in (self.forecast_currency, self.turnover_currency, self.order_currency):
            field.choices = blank | currencies


class FirstContactForm(FlaskForm):
    """The first contact, typed with a new customer (optional): one form instead of two."""

    class Meta:
        csrf = False  # part of the customer form, which carries the token

    contact_name = _text(_l("Contact name"), 120)
    contact_title = _text(_l("Title"), 120)
    contact_email = EmailField(
        _l("Email"), filters=OPTIONAL_TEXT, validators=[Optional(), Email(), Length(max=254)]
    )
    contact_mobile = _text(_l("Mobile"), 40)

    def validate(self, extra_validators=None) -> bool:
        # a form-level rule: Optional() on the empty name would stop a field-level check
        valid = super().validate(extra_validators)
        details = (self.contact_title.data, self.contact_email.data, self.contact_mobile.data)
        if not self.contact_name.data and any(details):
            self.contact_name.errors = [
                _l("Enter the contact's name, or clear the contact fields.")
            ]
            return False
        return valid


class ContactForm(Versioned, FlaskForm):
    name = StringField(_l("Name"), validators=[Required(), Length(max=120)])
    title = _text(_l("Title"), 120)
    gender = SelectField(_l("Gender"), validators=[Optional()])
    age = IntegerField(_l("Age"), [Optional()], minimum=10, maximum=120)
    birthday = DateField(_l("Birthday"), validators=[Optional()])
    email = EmailField(
        _l("Email"), filters=OPTIONAL_TEXT, validators=[Optional(), Email(), Length(max=254)]
    )
    mobile = _text(_l("Mobile"), 40)
    phone = _text(_l("Phone"), 40)
    qq = StringField(
        _l("QQ"),
        filters=OPTIONAL_TEXT,
        validators=[Optional(), Regexp(r"^\d{5,12}$", message=_l("A QQ number has 5–12 digits."))],
    )
    wechat = _text(_l("WeChat"), 60)
    other = _text(_l("Other (WhatsApp, Skype…)"), 200)
    address = _text(_l("Address"), 500)
    role_in_deal = _text(_l("Relationship and role in the deal"), 500)
    decision_maker = BooleanField(_l("Decision maker"))
    hobbies = _text(_l("Hobbies"), 500)
    is_primary = BooleanField(_l("Primary contact"))

    MODEL_FIELDS = (
        "name", "title", "gender", "age", "birthday", "email", "mobile", "phone", "qq", "wechat",
        "other", "address", "role_in_deal", "decision_maker", "hobbies", "is_primary",
    )  # fmt: skip
    MERGED = MODEL_FIELDS

    def __init__(self, *args, region: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.region = region
        self.gender.choices = dict(choices(GENDERS))

    def validate_mobile(self, field) -> None:
        field.data = phone_or_error(field.data, self.region)

    def validate_phone(self, field) -> None:
        field.data = phone_or_error(field.data, self.region)


def phone_or_error(value: str | None, region: str | None) -> str | None:
    """E.164 for a valid number; a ValidationError in the user's language otherwise."""
    from wtforms.validators import ValidationError

    try:
        return to_e164(value, region)
    except InvalidPhone:
        raise ValidationError(
            _l("Not a valid phone number. Include the country code, e.g. +49 30 1234567.")
        ) from None
