"""Company settings (owner/admin): for now the follow-up rules behind "my day"."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from ...extensions import db
from ...services.roles import can
from ...tenancy import tenant_blueprint
from .forms import StaleRulesForm

bp = tenant_blueprint("settings", __name__, "/settings")


@bp.route("/", methods=["GET", "POST"])
def index():
    if not can(g.membership, "settings.edit"):
        abort(403)
    form = StaleRulesForm(obj=g.tenant)
    if form.validate_on_submit():
        form.populate_obj(g.tenant)
        db.session.commit()
        flash(_("Settings saved."), "success")
        return redirect(url_for(".index"))
    return render_template("settings/index.html", form=form), 422 if form.errors else 200
