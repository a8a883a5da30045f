"""The company's members and their roles (read-only here; invitations come with the team work)."""

from __future__ import annotations

from flask import abort, g, render_template
from sqlalchemy import select

from ...extensions import db
from ...models import Membership, User
from ...services.roles import can
from ...tenancy import tenant_blueprint

bp = tenant_blueprint("team", __name__, "/team")


@bp.get("/")
def index():
    if not can(g.membership, "team.view"):
        abort(403)
    members = db.session.scalars(
        select(Membership).join(Membership.user).order_by(Membership.active.desc(), User.name)
    ).unique()
    return render_template("team/index.html", members=list(members))
