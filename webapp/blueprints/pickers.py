"""Pickers that name someone of one role list that role's holders first, everyone else in an
"Others" group that the page keeps behind a "show everyone" toggle (macros/pickers.html, the
toggle in static/js/app.js; without JavaScript the group is simply listed after them)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup
from wtforms.widgets import Select

from ..services.customers import role_choices


def role_picker(
    role: str, keep_id: int | None = None, blank: str | None = "—", text_keys: bool = False
) -> dict:
    """WTForms choices (its shorthand dict: a nested dict is an <optgroup>) for a picker of
    `role`. No group when nobody holds the role, or nobody else is there: one plain list.
    `text_keys` for fields whose values are strings ("" for nobody)."""
    holders, others = role_choices(role, keep_id)

    def keyed(pairs: list[tuple[int, str]]) -> dict:
        return {str(mid) if text_keys else mid: name for mid, name in pairs}

    choices: dict = {"": blank} if blank is not None else {}
    if holders and others:
        choices.update(keyed(holders))
        choices[_("Others")] = keyed(others)
    else:
        choices.update(keyed(holders or others))
    return choices


class RolePickerSelect(Select):
    """A <select> whose "Others" group (role_picker) comes with its toggle right after it:
    shown ticked when the chosen person is one of the others, so the page never hides the
    current value. The toggle is plain markup; static/js/app.js makes it hide the group."""

    def __call__(self, field, **kwargs) -> Markup:
        html = super().__call__(field, **kwargs)
        groups = [(group, choices) for group, choices in field.iter_groups() if group is not None]
        if not field.has_groups() or not groups:
            return html
        chosen = any(choice.selected for _group, choices in groups for choice in choices)
        select_id = kwargs.get("id", field.id)
        return html + Markup(
            '<div class="form-check small mt-1"><input class="form-check-input" type="checkbox"'
            ' id="{box}" data-show-others="{select}"{checked}>'
            '<label class="form-check-label" for="{box}">{label}</label></div>'
        ).format(
            box=f"{select_id}-others",
            select=select_id,
            checked=Markup(" checked") if chosen else "",
            label=_("Show everyone else"),
        )
