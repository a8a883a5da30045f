from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from ...services.classification import CATEGORIES, GRADES, IMPORTANCE, NATURES, choices
from ...services.countries import country_choices
from ...services.customers import team_choices


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
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    nature = SelectField(_l("Nature"), validators=[Optional()])
    grade = SelectField(_l("Grade"), validators=[Optional()])
    importance = SelectField(_l("Importance"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    owner_id = SelectField(_l("Salesperson"), coerce=lambda v: int(v) if v else None)
    remarks = TextAreaField(_l("Remarks"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "—"), *country_choices()]
        self.nature.choices = choices(NATURES)
        self.grade.choices = choices(GRADES)
        self.importance.choices = choices(IMPORTANCE)
        self.category.choices = choices(CATEGORIES)
        self.owner_id.choices = [("", "—"), *team_choices()]


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Title"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=60)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=60)])
    wechat = StringField(_l("WeChat"), validators=[Optional(), Length(max=60)])
    is_primary = BooleanField(_l("Primary contact"))
