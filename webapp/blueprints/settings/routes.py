"""Company settings (owner/admin): the follow-up rules behind "my day", who sees which
customers, and the shared pool's limit and auto-return rules (services/pool.py)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...models.base import utcnow
from ...services import pool
from ...services.roles import can
from ...services.visibility import VISIBILITY_CHOICES
from ...tenancy.web import tenant_blueprint
from ..access import permissions
from ..formkit import opened, save_guard
from .forms import SettingsForm

bp = tenant_blueprint("settings", __name__, "/settings")
permissions(bp, {"index": "settings.edit"})


def _settings_form(pool_rules: bool, **kwargs) -> SettingsForm:
    """The settings form; with formdata=None, filled from the company as it is now."""
    form = SettingsForm(obj=g.tenant, **kwargs)
    if not pool_rules:
        pool_names = [n for names in SettingsForm.POOL_FIELDS.values() for n in names]
        for name in ("customer_visibility", "max_owned_customers", *pool_names):
            del form[name]
    elif kwargs.get("formdata", True) is None or not form.is_submitted():
        for grade, rule in pool.rules_for().items():
            n, m, h = SettingsForm.POOL_FIELDS[grade]
            form[n].data, form[m].data, form[h].data = (
                rule.return_days,
                rule.warn_days,
                rule.cooldown_hours,
            )
    return form


@bp.route("/", methods=["GET", "POST"])
def index():
    pool_rules = can(g.membership, "pool.settings")
    form = _settings_form(pool_rules)
    conflict = None
    if request.method == "GET":
        opened(form, g.tenant)
    valid = form.validate_on_submit()
    if valid:
        conflict = save_guard(form, g.tenant, lambda: _settings_form(pool_rules, formdata=None))
    if valid and not conflict:
        for name in ("stale_days_a", "stale_days_b", "stale_days_c", "stale_days_d"):
            setattr(g.tenant, name, form[name].data)
        if pool_rules:
            # a field left out of the post keeps its value (the form always sends them all)
            if form.customer_visibility.data in VISIBILITY_CHOICES:
                g.tenant.customer_visibility = form.customer_visibility.data
            if form.max_owned_customers.data is not None:
                g.tenant.max_owned_customers = form.max_owned_customers.data
            if any(name in request.form for name in SettingsForm.POOL_FIELDS["A"]):
                pool.save_rules(form.pool_values())
        # the pool rules are rows of their own: the company's row moves with them, so the
        # version the form carries covers the whole page
        g.tenant.updated_at = utcnow()
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for(".index"))
    status = 409 if conflict else 422 if form.errors else 200
    return render_template(
        "settings/index.html", form=form, pool_rules=pool_rules, conflict=conflict
    ), status
