from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
)
from wtforms.validators import Length, Optional, ValidationError

from ...extensions import db
from ...models import ExportOrder
from ...services.money import currency_choices
from ...services.orders import INSPECTION_RESULTS, PAYMENT_KINDS, PAYMENT_METHODS
from ..formkit import OPTIONAL_TEXT, DecimalField, IntegerField, Required, Versioned
from ..pickers import RolePickerSelect


def _text(label, max_length: int) -> StringField:
    return StringField(
        label, filters=OPTIONAL_TEXT, validators=[Optional(), Length(max=max_length)]
    )


def _money(label, required: bool = False) -> DecimalField:
    checks = [Required()] if required else [Optional()]
    return DecimalField(label, checks, digits=16, places=2)  # models.order.Money


def _date(label) -> DateField:
    return DateField(label, validators=[Optional()])


def _yes_no(label) -> SelectField:
    # choices are set per request (translated labels): see SectionForm.__init__
    return SelectField(
        label,
        coerce=lambda v: None if v in ("", None, "None") else v in ("1", True, "True"),
        validate_choice=False,
    )


def labels(choices: dict) -> dict[str, str]:
    """{value: label} with lazy labels made plain strings: WTForms reads a dict whose values
    are not str as option groups."""
    return {value: str(label) for value, label in choices.items()}


class SectionForm(Versioned, FlaskForm):
    """A panel of the order page: its fields map one-to-one onto the order's columns."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if field.type == "SelectField" and field.choices is None:
                field.choices = labels({"": "—", "1": _l("Yes"), "0": _l("No")})

    FIELDS: tuple[str, ...] = ()


class BasicsForm(SectionForm):
    contract_no = StringField(_l("Contract no."), validators=[Required(), Length(max=60)])
    contract_amount = _money(_l("Contract amount"), required=True)
    currency = SelectField(_l("Currency"), validators=[Required()])
    customer_order_date = _date(_l("Customer order date"))
    factory_order_date = _date(_l("Factory production-order date"))
    customer_delivery_date = _date(_l("Customer delivery date"))
    factory_delivery_date = _date(_l("Factory delivery date"))
    merchandiser_id = SelectField(
        _l("Merchandiser"), coerce=lambda v: int(v) if v else None, widget=RolePickerSelect()
    )
    FIELDS = ("contract_no", "contract_amount", "currency", "customer_order_date",
              "factory_order_date", "customer_delivery_date", "factory_delivery_date",
              "merchandiser_id")  # fmt: skip

    def __init__(self, *args, members=None, order_id: int | None = None, **kwargs) -> None:
        # members: the merchandiser picker's choices (blueprints/pickers.role_picker)
        super().__init__(*args, **kwargs)
        self.order_id = order_id
        self.currency.choices = currency_choices()
        self.merchandiser_id.choices = members or {"": "—"}

    def validate_contract_no(self, field) -> None:
        # unique per company (the tenant guard scopes the query); other companies may reuse it
        stmt = select(func.count(ExportOrder.id)).where(
            ExportOrder.contract_no == field.data.strip()
        )
        if self.order_id:
            stmt = stmt.where(ExportOrder.id != self.order_id)
        if db.session.scalar(stmt):
            raise ValidationError(_l("This contract number is already used by another order."))


class NewOrderForm(BasicsForm):
    customer_id = SelectField(_l("Customer"), coerce=int, validators=[Required()])
    payment_method = SelectField(_l("Payment method"), choices=PAYMENT_METHODS)
    payment_ratio = _text(_l("Payment ratio"), 60)
    FIELDS = ("customer_id", *BasicsForm.FIELDS, "payment_method", "payment_ratio")

    def __init__(self, *args, customers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_id.choices = dict(customers)


class PaymentTermsForm(SectionForm):
    payment_method = SelectField(_l("Payment method"), choices=PAYMENT_METHODS)
    payment_ratio = _text(_l("Payment ratio"), 60)
    FIELDS = ("payment_method", "payment_ratio")


class InspectionDocsForm(SectionForm):
    docs_sent_date = _date(_l("Documents sent"))
    FIELDS = ("docs_sent_date",)


class FreightForm(SectionForm):
    forwarder = _text(_l("Forwarder"), 200)
    freight_currency = SelectField(_l("Currency"), validators=[Optional()])
    freight_amount = _money(_l("Freight"))
    terminal_charges = _money(_l("Terminal charges"))
    cbm = DecimalField(_l("Volume (CBM)"), [Optional()], digits=10, places=3)
    cartons = IntegerField(_l("Cartons (CTNS)"), [Optional()])
    other_charges = _money(_l("Other charges"))
    finance_remittance = _text(_l("Finance remittance"), 300)
    FIELDS = ("forwarder", "freight_currency", "freight_amount", "terminal_charges", "cbm",
              "cartons", "other_charges", "finance_remittance")  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.freight_currency.choices = {"": "—", **currency_choices()}


class DocumentsForm(SectionForm):
    form_a_status = _text(_l("FORM A / C/O status"), 200)
    form_a_applied = _date(_l("FORM A / C/O applied"))
    form_a_issued = _date(_l("FORM A / C/O issued"))
    other_certificates = _text(_l("Other certificates"), 300)
    port_filed = _yes_no(_l("Port filing done"))
    port_filing_date = _date(_l("Port filing date"))
    pre_entry = _text(_l("Pre-entry"), 200)
    customs_amount = _money(_l("Customs declaration amount"))
    customs_date = _date(_l("Customs declaration date"))
    customs_no = _text(_l("Customs declaration no."), 60)
    verification_no = _text(_l("Verification form no."), 60)
    verification_returned_date = _date(_l("Verification form returned"))
    verification_returned = _yes_no(_l("Verification form back"))
    FIELDS = ("form_a_status", "form_a_applied", "form_a_issued", "other_certificates",
              "port_filed", "port_filing_date", "pre_entry", "customs_amount", "customs_date",
              "customs_no", "verification_no", "verification_returned_date",
              "verification_returned")  # fmt: skip


class SalesListForm(SectionForm):
    supplier = _text(_l("Supplier"), 200)
    invoice_no = _text(_l("Invoice no."), 60)
    delivered_date = _date(_l("Delivered"))
    purchase_total = _money(_l("Purchase total (RMB)"))
    actual_purchase_amount = _money(_l("Actual purchase amount (RMB)"))
    sales_list_received_date = _date(_l("Sales list received"))
    FIELDS = ("supplier", "invoice_no", "delivered_date", "purchase_total",
              "actual_purchase_amount", "sales_list_received_date")  # fmt: skip


class ShippingForm(SectionForm):
    shipped_on = _date(_l("Shipped on"))
    FIELDS = ("shipped_on",)


class ArchiveForm(SectionForm):
    archived_docs = BooleanField(_l("a. All order documents filed"))
    archived_data = BooleanField(_l("b. Computer data filed"))
    archived_samples = BooleanField(_l("c. Samples / shipment samples filed"))
    FIELDS = ("archived_docs", "archived_data", "archived_samples")


SECTIONS: dict[str, tuple[object, type[SectionForm]]] = {
    "basics": (_l("1. Basics"), BasicsForm),
    "payment_terms": (_l("2. Payment"), PaymentTermsForm),
    "inspection": (_l("3. Inspection"), InspectionDocsForm),
    "freight": (_l("4. Freight"), FreightForm),
    "documents": (_l("5. FORM A / C/O, customs, verification"), DocumentsForm),
    "sales_list": (_l("5. Factory sales list and B/L"), SalesListForm),
    "shipping": (_l("Shipment"), ShippingForm),
    "archive": (_l("5. Documents filed"), ArchiveForm),
}


class PaymentForm(FlaskForm):
    FIELDS = ("kind", "amount", "currency", "paid_on")  # the OrderPayment's columns it sets

    kind = SelectField(_l("Payment"))
    amount = _money(_l("Amount"), required=True)
    currency = SelectField(_l("Currency"), validators=[Required()])
    paid_on = DateField(_l("Date"), validators=[Required()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = labels(PAYMENT_KINDS)
        self.currency.choices = currency_choices()


class InspectionForm(FlaskForm):
    FIELDS = ("inspected_on", "result", "note")

    inspected_on = DateField(_l("Inspection date"), validators=[Required()])
    result = SelectField(_l("Result"), choices=INSPECTION_RESULTS)
    note = _text(_l("Note"), 500)


class ClaimForm(FlaskForm):
    FIELDS = ("party", "reason", "amount", "currency")

    party = StringField(_l("Party"), validators=[Required(), Length(max=200)])
    reason = StringField(_l("Reason"), validators=[Required(), Length(max=500)])
    amount = _money(_l("Amount"), required=True)
    currency = SelectField(_l("Currency"), validators=[Required()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.currency.choices = currency_choices()


class SignForm(FlaskForm):
    kind = HiddenField(validators=[Required()])
    target_id = HiddenField()
    comment = _text(_l("Comment"), 500)
