"""services/team.py and services/audit.py: the last-owner rule, who may change which roles,
deactivation, invitation states at their boundaries, and what an audit event holds."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from tests.factories import add_member, make_invitation
from webapp.extensions import db
from webapp.models import AuditEvent, Invitation, Membership
from webapp.services import audit, team
from webapp.services.roles import PERMISSION_LABELS, PERMISSIONS, permission_matrix
from webapp.tenancy.context import acting_user, tenant_context

ROOT = Path(__file__).resolve().parent.parent.parent

EN = {"Accept-Language": "en"}  # the messages asserted below are the English ones


# --- roles page and labels --------------------------------------------------------------------


def test_every_permission_has_a_label():
    assert set(PERMISSION_LABELS) == set(PERMISSIONS)


def test_the_matrix_follows_permissions(app):
    with app.test_request_context(headers=EN):
        rows = {action: allowed for action, _label, allowed in permission_matrix()}
    assert set(rows) == set(PERMISSIONS)
    # ROLES order: owner, admin, manager, sales, merchandiser, finance, gm
    assert rows["audit.view"] == [True, True, False, False, False, False, False]
    assert rows["customers.view"] == [True] * 7


def test_every_recorded_action_has_a_label():
    """audit.record("x.y", ...) anywhere in the app: "x.y" must be in ACTION_LABELS."""
    pattern = re.compile(r"""audit\.record(?:_for_user)?\(\s*"([a-z_.]+)\"""")
    recorded = set()
    for path in (ROOT / "webapp").rglob("*.py"):
        recorded |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert {"login", "login.failed", "invitation.create", "customer.delete", "export"} <= recorded
    assert recorded <= set(audit.ACTION_LABELS), recorded - set(audit.ACTION_LABELS)
    # the shared pool's and transfers' codes are labelled before their screens exist
    assert {"customer.transfer", "pool.release", "pool.claim", "pool.return"} <= set(
        audit.ACTION_LABELS
    )


# --- roles and the last owner -----------------------------------------------------------------


@pytest.fixture
def team_a(app, company_a):
    """Company A with an admin, a manager and a salesperson (membership ids)."""
    return {
        "owner": company_a.owner_membership_id,
        "admin": add_member(app, company_a, "admin@a.example.com", {"admin"}),
        "manager": add_member(app, company_a, "manager@a.example.com", {"manager"}),
        "sales": add_member(app, company_a, "sales@a.example.com", {"sales"}),
    }


def _refusal(app, company, actor_id, member_id, roles):
    with app.test_request_context(headers=EN), tenant_context(company.id):
        actor, member = db.session.get(Membership, actor_id), db.session.get(Membership, member_id)
        return team.roles_refusal(actor, member, set(roles))


def test_the_only_owner_cannot_be_demoted_or_deactivated(app, company_a, team_a):
    assert "at least one active owner" in _refusal(
        app, company_a, team_a["owner"], team_a["owner"], {"admin"}
    )
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        owner = db.session.get(Membership, team_a["owner"])
        admin = db.session.get(Membership, team_a["admin"])
        # an owner may not deactivate themselves, and an admin may not deactivate an owner
        assert team.active_refusal(owner, owner, False)
        assert "Only an owner" in team.active_refusal(admin, owner, False)
        with pytest.raises(team.TeamRefused):
            team.change_roles(owner, owner, {"admin"})
        db.session.rollback()


def test_a_second_owner_makes_demotion_possible(app, company_a, team_a):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        owner = db.session.get(Membership, team_a["owner"])
        admin = db.session.get(Membership, team_a["admin"])
        assert team.change_roles(owner, admin, {"owner", "admin"}) is True
        db.session.commit()
        assert team.roles_refusal(admin, owner, {"gm"}) is None
        assert team.active_refusal(admin, owner, False) is None
        team.change_roles(admin, owner, {"gm"})
        db.session.commit()
        # now admin is the last owner: nobody can take it away
        assert "at least one active owner" in team.roles_refusal(admin, admin, {"admin"})


def test_a_deactivated_owner_does_not_count(app, company_a, team_a):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        owner = db.session.get(Membership, team_a["owner"])
        second = db.session.get(Membership, team_a["manager"])
        team.change_roles(owner, second, {"owner"})
        db.session.commit()
        team.set_active(owner, second, False)
        db.session.commit()
        assert team.active_owner_ids() == {owner.id}
        assert team.roles_refusal(owner, owner, {"admin"})  # the last active one
        # reactivating the second owner is allowed, and then the first may step down
        team.set_active(owner, second, True)
        db.session.commit()
        assert team.roles_refusal(owner, owner, {"admin"}) is None


@pytest.mark.parametrize(
    ("actor", "target", "roles", "allowed"),
    [
        ("owner", "sales", {"manager"}, True),
        ("owner", "sales", {"owner"}, True),  # an owner grants owner
        ("admin", "sales", {"sales", "manager"}, True),
        ("admin", "manager", {"admin"}, True),
        ("admin", "sales", {"owner"}, False),  # only an owner grants owner
        ("admin", "owner", {"gm"}, False),  # ... or removes it
        ("admin", "owner", {"owner", "gm"}, True),  # other roles of an owner: allowed
        ("manager", "sales", {"manager"}, False),
        ("sales", "sales", {"admin"}, False),
        ("owner", "sales", set(), False),  # at least one role
        ("owner", "sales", {"emperor"}, False),
    ],
)
def test_role_changes_per_actor(app, company_a, team_a, actor, target, roles, allowed):
    refusal = _refusal(app, company_a, team_a[actor], team_a[target], roles)
    assert (refusal is None) is allowed, refusal


def test_a_role_change_is_recorded(app, company_a, team_a):
    request = app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.9"})
    with request, tenant_context(company_a.id):
        app.preprocess_request()  # the web layer notes the client's address for the log
        owner = db.session.get(Membership, team_a["owner"])
        sales = db.session.get(Membership, team_a["sales"])
        team.change_roles(owner, sales, {"sales", "manager"})
        db.session.commit()
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.roles"))
        # no logged-in user in this request: the event says nobody rather than guessing
        assert event.target_id == sales.id and event.ip == "192.0.2.9"
        assert json.loads(event.detail)["after"] == ["manager", "sales"]
        assert json.loads(event.detail)["before"] == ["sales"]


def test_granting_oneself_roles_is_a_distinct_event(app, company_a, team_a):
    """An admin who gives themself finance and GM roles: recorded as a self-grant (not as an
    ordinary role change), with what was added."""
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        admin = db.session.get(Membership, team_a["admin"])
        team.change_roles(admin, admin, {"admin", "finance", "gm"})
        db.session.commit()
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("member.%")))
        assert event.action == "member.self_grant" and event.target_id == admin.id
        detail = json.loads(event.detail)
        assert detail["added"] == ["finance", "gm"] and detail["before"] == ["admin"]
        # dropping one's own role is an ordinary change: nothing to warn anyone about
        team.change_roles(admin, admin, {"admin", "finance"})
        db.session.commit()
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("member.%"))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["member.self_grant", "member.roles"]


def test_other_owners_see_recent_self_grants(app, company_a, team_a):
    second = add_member(app, company_a, "owner2@a.example.com", {"owner"})
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        owner = db.session.get(Membership, team_a["owner"])
        admin = db.session.get(Membership, team_a["admin"])
        team.change_roles(admin, admin, {"admin", "finance"})
        team.change_roles(owner, owner, {"owner", "gm"})
        db.session.commit()
        other = db.session.get(Membership, second)
        seen = {(g.member, tuple(g.added)) for g in team.recent_self_grants(other)}
        assert seen == {(admin.user.name, ("finance",)), (owner.user.name, ("gm",))}
        # the owner who granted themself sees only the others' grants; non-owners see none
        assert [g.member for g in team.recent_self_grants(owner)] == [admin.user.name]
        assert team.recent_self_grants(admin) == []
        # shown for a period, then left to the audit log
        later = datetime.now(UTC) + team.SELF_GRANT_SHOWN + timedelta(minutes=1)
        assert team.recent_self_grants(other, now=later) == []


# --- invitations ------------------------------------------------------------------------------


T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_invitation_states_at_the_exact_boundary(app, company_a):
    invitation_id, secret = make_invitation(app, company_a, now=T0)
    expires = T0 + timedelta(days=7)
    with app.test_request_context(headers=EN):
        just_before = team.check_invitation(company_a.slug, secret, expires - timedelta(seconds=1))
        at_expiry = team.check_invitation(company_a.slug, secret, expires)
    assert just_before.problem is None and just_before.invitation.id == invitation_id
    assert at_expiry.problem == "expired"


def test_a_link_works_once(app, company_a, company_b):
    from webapp.models import User

    _id, secret = make_invitation(app, company_a, company_b.owner_email, {"manager", "sales"})
    with app.test_request_context(headers=EN):
        check = team.check_invitation(company_a.slug, secret)
        with acting_user(company_b.owner_id):
            user = db.session.get(User, company_b.owner_id)
            membership_id = team.accept_invitation(check.invitation, user).id
            db.session.commit()
        with tenant_context(company_a.id):
            assert db.session.get(Membership, membership_id).roles == {"manager", "sales"}
        again = team.check_invitation(company_a.slug, secret)
        assert again.problem == "accepted"
        with pytest.raises(team.TeamRefused):  # the same object, spent meanwhile
            team.accept_invitation(check.invitation, user)
        db.session.rollback()


def test_revoked_wrong_company_and_unknown_links(app, company_a, company_b):
    invitation_id, secret = make_invitation(app, company_a)
    with app.test_request_context(headers=EN):
        assert team.check_invitation(company_b.slug, secret).problem == "wrong_company"
        assert team.check_invitation("no-such-company", secret).problem == "wrong_company"
        assert team.check_invitation(company_a.slug, secret + "x").problem == "unknown"
        assert team.check_invitation(company_a.slug, "").problem == "unknown"
        with tenant_context(company_a.id):
            owner = db.session.get(Membership, company_a.owner_membership_id)
            team.revoke_invitation(owner, db.session.get(Invitation, invitation_id))
            db.session.commit()
        assert team.check_invitation(company_a.slug, secret).problem == "revoked"


def test_a_new_invitation_replaces_the_open_one(app, company_a):
    first_id, first = make_invitation(app, company_a, "x@example.com")
    _second_id, second = make_invitation(app, company_a, "x@example.com", {"manager"})
    with app.test_request_context(headers=EN):
        assert team.check_invitation(company_a.slug, first).problem == "revoked"
        assert team.check_invitation(company_a.slug, second).problem is None


def test_only_the_hash_of_the_link_is_stored(app, company_a):
    invitation_id, secret = make_invitation(app, company_a)
    with app.app_context(), tenant_context(company_a.id):
        stored = db.session.get(Invitation, invitation_id).token_hash
    assert secret not in stored and len(stored) == 64


def test_inviting_members_is_refused_with_a_reason(app, company_a, team_a):
    with app.test_request_context(headers=EN), tenant_context(company_a.id):
        owner = db.session.get(Membership, team_a["owner"])
        admin = db.session.get(Membership, team_a["admin"])
        sales = db.session.get(Membership, team_a["sales"])
        assert "already a member" in team.invite_refusal(owner, "SALES@a.example.com", {"sales"})
        assert team.invite_refusal(admin, "new@example.com", {"owner"})  # only owners invite owners
        assert team.invite_refusal(sales, "new@example.com", {"sales"})  # no team.invite
        assert team.invite_refusal(admin, "new@example.com", {"sales"}) is None
        team.set_active(owner, sales, False)
        db.session.commit()
        assert "deactivated" in team.invite_refusal(owner, "sales@a.example.com", {"sales"})


def test_join_refusals(app, company_a, company_b):
    from webapp.models import User

    _id, secret = make_invitation(app, company_a, company_b.owner_email)
    with app.test_request_context(headers=EN):
        invitation = team.check_invitation(company_a.slug, secret).invitation
        with acting_user(company_a.owner_id):
            other = db.session.get(User, company_a.owner_id)
            assert "logged in as" in team.join_refusal(invitation, other)
        with acting_user(company_b.owner_id):
            invited = db.session.get(User, company_b.owner_id)
            assert team.join_refusal(invitation, invited) is None


# --- audit events -----------------------------------------------------------------------------


def test_an_event_holds_who_when_what_and_the_address(app, company_a):
    from webapp.models import User

    request = app.test_request_context(
        environ_base={"REMOTE_ADDR": "198.51.100.7"}, headers={"Accept-Language": "en"}
    )
    with request, tenant_context(company_a.id):
        app.preprocess_request()  # the web layer notes the client's address for the log
        user = db.session.get(User, company_a.owner_id)
        before = datetime.now(UTC)
        event = audit.record(
                "customer.delete", target_type="customer", target_id=42,
                detail={"name": "Acme 张"}, user=user,
            )  # fmt: skip
        db.session.commit()
        stored = db.session.get(AuditEvent, event.id)
        created = stored.created_at.replace(tzinfo=stored.created_at.tzinfo or UTC)
        assert (stored.tenant_id, stored.user_id) == (company_a.id, company_a.owner_id)
        assert (stored.action, stored.target_type, stored.target_id) == (
                "customer.delete", "customer", 42,
            )  # fmt: skip
        assert stored.ip == "198.51.100.7"
        assert json.loads(stored.detail) == {"name": "Acme 张"}
        assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)
        assert [value for _label, value in audit.detail_items(stored)] == ["Acme 张"]
        exported = audit.record("export", detail={"format": "csv", "kind": "followups"})
        assert audit.detail_items(exported) == [("Format", "csv"), ("Kind", "Follow-ups")]


def test_an_event_for_another_company_and_outside_requests(app, company_a, company_b):
    with app.app_context():
        with tenant_context(company_a.id):
            audit.record("login", user=company_a.owner_id, tenant_id=company_b.id)
            db.session.commit()
        with tenant_context(company_b.id):
            event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login"))
            assert event.tenant_id == company_b.id and event.ip is None
        with pytest.raises(Exception, match="company"):
            audit.record("login")


def test_audit_events_are_append_only(app, company_a):
    with app.app_context(), tenant_context(company_a.id):
        event = audit.record("export", detail="all customers")
        db.session.commit()
        event.action = "login"
        with pytest.raises(RuntimeError, match="never updated"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event.id))
        with pytest.raises(RuntimeError, match="never updated"):
            db.session.commit()
        db.session.rollback()


def test_postgresql_refuses_to_change_audit_rows(app, company_a, owner_engine):
    """Even SQL around the ORM, even the tables' owner: the trigger refuses UPDATE and DELETE."""
    if owner_engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    from sqlalchemy.exc import DBAPIError

    with app.app_context(), tenant_context(company_a.id):
        audit.record("export", detail="all")
        db.session.commit()
    with owner_engine.connect() as conn:
        for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()


def test_record_for_user_reaches_each_company(app, company_a, company_b):
    add_member(app, company_b, company_a.owner_email, {"sales"})
    from webapp.models import User

    with app.test_request_context(headers=EN), acting_user(company_a.owner_id):
        user = db.session.get(User, company_a.owner_id)
        assert audit.record_for_user("login", user) == 2
        db.session.commit()
        for company in (company_a, company_b):
            with tenant_context(company.id):
                login = select(AuditEvent.user_id).where(AuditEvent.action == "login")
                assert db.session.scalar(login) == user.id


def test_erasing_a_company_takes_its_audit_rows_with_it(app, company_a, owner_engine):
    """The trigger's one exception: the cascade when the company itself is deleted."""
    if owner_engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with app.app_context(), tenant_context(company_a.id):
        audit.record("export", detail="all")
        db.session.commit()
    with owner_engine.begin() as conn:
        conn.execute(text("DELETE FROM invitation"))
        conn.execute(text("DELETE FROM tenant WHERE id = :t"), {"t": company_a.id})
        assert conn.scalar(text("SELECT count(*) FROM audit_event")) == 0
