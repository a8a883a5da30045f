"""The sample form: parses what was typed; services/samples.py decides what may be saved."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ...services.money import currency_choices
from ...services.samples import CHARGE_LABELS, SampleInput
from ..formkit import OPTIONAL_TEXT, DecimalField, Required, Versioned


def _id(value):
    return int(value) if value not in (None, "", "None") else None


def _text(label, max_length: int) -> StringField:
    return StringField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


class SampleForm(Versioned, FlaskForm):
    customer_id = SelectField(_l("Customer"), coerce=_id, validate_choice=False)
    inquiry_id = HiddenField(filters=[_id])
    name = StringField(
        _l("Sample name"),
        filters=OPTIONAL_TEXT,
        validators=[Required(message=_l("Enter the sample's name.")), Length(max=200)],
    )
    quantity = _text(_l("Quantity"), 60)
    charge = SelectField(_l("Charge"), validators=[Required()])
    amount = DecimalField(
        _l("Amount"), [Optional()], digits=16, places=2,
        render_kw={"step": "0.01"},
    )  # fmt: skip
    currency = SelectField(_l("Currency"), validators=[Optional()])
    sent_on = DateField(_l("Sent on"), validators=[Optional()])
    courier = _text(_l("Courier"), 100)
    tracking_no = _text(_l("Tracking number"), 100)
    feedback = TextAreaField(
        _l("Feedback"), filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=5000)]
    )
    sent_by_id = SelectField(_l("Salesperson"), coerce=_id, validate_choice=False)
    MERGED = ("customer_id", "name", "quantity", "charge", "amount", "currency", "sent_on",
              "courier", "tracking_no", "feedback", "sent_by_id")  # fmt: skip

    def __init__(self, *args, customers=(), members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_id.choices = [("", "—")] + [(str(c), n) for c, n in customers]
        self.charge.choices = {code: str(label) for code, label in CHARGE_LABELS.items()}
        self.currency.choices = {"": "—", **currency_choices()}
        self.sent_by_id.choices = [(str(m), n) for m, n in members]

    def to_input(self) -> SampleInput:
        return SampleInput(
            name=self.name.data or "",
            charge=self.charge.data,
            sent_by_id=self.sent_by_id.data,
            customer_id=self.customer_id.data,
            inquiry_id=self.inquiry_id.data,
            quantity=self.quantity.data,
            amount=self.amount.data,
            currency=self.currency.data or None,
            sent_on=self.sent_on.data,
            courier=self.courier.data,
            tracking_no=self.tracking_no.data,
            feedback=self.feedback.data,
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]
