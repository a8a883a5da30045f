from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ...services.classification import CATEGORIES, GRADES, IMPORTANCE, NATURES, choices
from ...services.countries import country_choices
from ...services.customers import team_choices
from ..formkit import OPTIONAL_TEXT


class CustomerForm(FlaskForm):
    name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    website = StringField(
        _l("Website"),
        validators=[
            Optional(),
            Length(max=255),
            Regexp(r"^\S+\.\S+$", message=_l("Not a web address.")),
        ],
    )
    country = SelectField(_l("Country / region"), validators=[Optional()])
    address = StringField(
        _l("Address"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=500)]
    )
    nature = SelectField(_l("Nature"), validators=[Optional()])
    grade = SelectField(_l("Grade"), validators=[Optional()])
    importance = SelectField(_l("Importance"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    owner_id = SelectField(_l("Salesperson"), coerce=lambda v: int(v) if v else None)
    remarks = TextAreaField(
        _l("Remarks"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=5000)]
    )
    version = HiddenField()

    def __init__(self, *args, keep_owner_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = {"": "—", **dict(country_choices())}
        self.nature.choices = dict(choices(NATURES))
        self.grade.choices = dict(choices(GRADES))
        self.importance.choices = dict(choices(IMPORTANCE))
        self.category.choices = dict(choices(CATEGORIES))
        self.owner_id.choices = {"": "—", **dict(team_choices(keep_owner_id))}


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(
        _l("Title"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=120)]
    )
    email = EmailField(
        _l("Email"), filters=OPTIONAL_TEXT, validators=[Optional(), Email(), Length(max=254)]
    )
    phone = StringField(_l("Phone"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=60)])
    mobile = StringField(
        _l("Mobile"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=60)]
    )
    wechat = StringField(
        _l("WeChat"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=60)]
    )
    is_primary = BooleanField(_l("Primary contact"))
