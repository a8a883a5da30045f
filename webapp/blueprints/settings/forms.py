from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.validators import Optional

from ...services.classification import GRADES
from ..formkit import IntegerField, Required, Versioned


def _days(label) -> IntegerField:
    return IntegerField(label, [Required()], minimum=1, maximum=365)


class StaleRulesForm(FlaskForm):
    """Days without a follow-up after which a customer of each grade shows as going stale."""

    stale_days_a = _days(_l("Grade A"))
    stale_days_b = _days(_l("Grade B"))
    stale_days_c = _days(_l("Grade C"))
    stale_days_d = _days(_l("Grade D"))


class SettingsForm(Versioned, StaleRulesForm):
    """The company settings page: stale rules, who sees which customers, the pool (公海)."""

    customer_visibility = RadioField(
        _l("Who sees which customers"),
        validators=[Optional()],  # left out of the post: unchanged
    )
    max_owned_customers = IntegerField(
        _l("Most customers one salesperson may own"),
        validators=[Optional()],
        minimum=1,
        maximum=100000,
        description=_l("Claiming from the pool is refused above it."),
    )

    POOL_FIELDS = {grade: (f"pool_days_{grade.lower()}", f"pool_warn_{grade.lower()}",
                           f"pool_cooldown_{grade.lower()}") for grade in GRADES}  # fmt: skip

    MERGED = ("stale_days_a", "stale_days_b", "stale_days_c", "stale_days_d",
              "customer_visibility", "max_owned_customers",
              *(name for names in POOL_FIELDS.values() for name in names))  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_visibility.choices = [
            ("own", _l("Salespeople see only their own customers and the pool")),
            ("all", _l("Everyone sees all customers")),
        ]

    def pool_values(self) -> dict[str, tuple[int | None, int | None, int | None]]:
        return {
            grade: tuple(self[name].data for name in names)
            for grade, names in self.POOL_FIELDS.items()
        }

    def pool_rows(self) -> list[tuple[str, tuple]]:
        return [
            (grade, tuple(self[name] for name in names))
            for grade, names in self.POOL_FIELDS.items()
        ]


for _grade, (_n, _m, _h) in SettingsForm.POOL_FIELDS.items():
    setattr(SettingsForm, _n, IntegerField(_l("Back to the pool after (days)"),
            validators=[Optional()], minimum=1, maximum=3650))  # fmt: skip
    setattr(SettingsForm, _m, IntegerField(_l("Warn the owner (days before)"),
            validators=[Optional()], maximum=365))  # fmt: skip
    setattr(SettingsForm, _h, IntegerField(_l("No reclaim by the last owner (hours)"),
            validators=[Optional()], maximum=8760))  # fmt: skip
