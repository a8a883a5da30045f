"""Team pages: invitations (create, join by signup or login, revoke, broken links), roles and
deactivation, the roles matrix, and the audit log (logins, failed logins, filters)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import login
from tests.factories import PASSWORD, add_member, make_customer, make_invitation
from tests.html import stamp_of, without_csrf
from webapp.extensions import db
from webapp.models import AuditEvent, Invitation, Membership, User
from webapp.tenancy.context import tenant_context

EN = {"Accept-Language": "en"}
NEW = "a brand new passphrase"


def _english(client) -> None:
    client.post("/lang", data={"lang": "en"})


def _events(app, company, action: str | None = None) -> list[AuditEvent]:
    """The company's events after its creation (every factory company opens with one)."""
    with app.app_context(), tenant_context(company.id):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        else:
            query = query.where(AuditEvent.action != "company.create")
        events = list(db.session.scalars(query))
        db.session.expunge_all()
        return events


def _link(html: str) -> str:
    return re.search(r"(/join/[a-z0-9-]+/[A-Za-z0-9_\-]+)", html).group(1)


# --- pages in both languages ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_team_pages_render_in_both_languages(app, client_a, company_a, lang):
    make_invitation(app, company_a, "pending@example.com")
    client_a.post("/lang", data={"lang": lang})
    slug = company_a.slug
    pages = {
        f"/t/{slug}/team/": "pending@example.com",
        f"/t/{slug}/team/roles": "audit.view",
        f"/t/{slug}/team/invite": 'name="email"',
        f"/t/{slug}/team/{company_a.owner_membership_id}/": 'name="roles"',
        f"/t/{slug}/audit/": "audit-filters",
    }
    for url, marker in pages.items():
        response = client_a.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert marker in html, url
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
    if lang == "en":
        roles = client_a.get(f"/t/{slug}/team/roles").get_data(as_text=True)
        assert "See the audit log" in roles and "Administrator" in roles


def test_roles_matrix_lists_every_permission(app, client_a, company_a):
    from webapp.services.roles import PERMISSIONS

    _english(client_a)
    html = client_a.get(f"/t/{company_a.slug}/team/roles").get_data(as_text=True)
    for action in PERMISSIONS:
        assert action in html
    # the export order's signature lines and who signs each, from orders.SIGNOFF_KINDS
    signoffs = html.split('id="signoff-roles"')[1]
    assert signoffs.count("<tr><td>") == 11
    assert "<td>General manager&#39;s signature</td><td>General manager</td>" in signoffs


def test_rights_are_asked_of_the_permission_table_only():
    """No view or service decides a right by naming roles itself: roles.PERMISSIONS does, and
    the roles page shows it. The exceptions are shown there too: the signature lines
    (orders.SIGNOFF_KINDS) and the rule that only an owner grants or removes the owner role."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "webapp"
    allowed = {
        "services/roles.py",
        "models/user.py",  # defines has_role
        "services/orders.py",  # SIGNOFF_KINDS
        "services/team.py",  # the owner role
        "blueprints/team/routes.py",  # the owner role
    }
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if str(path.relative_to(root)) not in allowed
        and "has_role(" in path.read_text(encoding="utf-8")
    ]
    assert offenders == [], offenders


@pytest.mark.parametrize("role", ["manager", "sales", "finance", "gm", "merchandiser"])
def test_only_owners_and_admins_manage_the_team(app, client, company_a, role):
    member = add_member(app, company_a, f"{role}@a.example.com", {role})
    invitation_id, _secret = make_invitation(app, company_a)
    login(client, f"{role}@a.example.com")
    slug = company_a.slug
    assert client.get(f"/t/{slug}/team/").status_code == 200
    assert client.get(f"/t/{slug}/team/roles").status_code == 200
    for url in (f"/t/{slug}/audit/", f"/t/{slug}/team/invite", f"/t/{slug}/team/{member}/"):
        assert client.get(url).status_code == 403, url
    writes = [
        (f"/t/{slug}/team/invite", {"email": "x@example.com", "roles": "sales"}),
        (f"/t/{slug}/team/invitations/{invitation_id}/revoke", {}),
        (f"/t/{slug}/team/{member}/roles", {"roles": "owner"}),
        (f"/t/{slug}/team/{company_a.owner_membership_id}/active", {"active": "0"}),
    ]
    for url, data in writes:
        assert client.post(url, data=data).status_code == 403, url
    page = client.get(f"/t/{slug}/team/").get_data(as_text=True)
    assert "invite-button" not in page and "invitations" not in page


# --- invitations ------------------------------------------------------------------------------


def test_invite_join_by_signup(app, client_a, client, company_a, mail):
    _english(client_a)
    response = client_a.post(
        f"/t/{company_a.slug}/team/invite",
        data={"email": "New.Person@Example.com", "name": "Nina", "roles": ["sales", "manager"]},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "It works once" in html
    link = _link(html)
    assert len(mail) == 1 and link in mail[0].get_content()
    assert mail[0]["To"] == "new.person@example.com"
    team_page = client_a.get(f"/t/{company_a.slug}/team/").get_data(as_text=True)
    assert "new.person@example.com" in team_page and "Open" in team_page

    visitor = app.test_client()
    page = visitor.get(link, headers=EN)
    assert page.status_code == 200 and "Create my account and join" in page.get_data(as_text=True)
    weak = visitor.post(
        link, data={"name": "Nina", "password": "1234567890", "confirm": "1234567890"}, headers=EN
    )
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    done = visitor.post(link, data={"name": "Nina", "password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.location.endswith(f"/t/{company_a.slug}/")
    assert visitor.get(f"/t/{company_a.slug}/").status_code == 200
    with app.app_context(), tenant_context(company_a.id):
        member = db.session.scalar(
            select(Membership).join(Membership.user).where(User.email == "new.person@example.com")
        )
        assert member.roles == {"sales", "manager"} and member.user.name == "Nina"
    # the link is spent: it says so, in the visitor's language
    again = app.test_client().get(link, headers=EN)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    assert [e.action for e in _events(app, company_a) if e.action.startswith("invitation")] == [
        "invitation.create",
        "invitation.accept",
    ]


def test_invite_an_existing_account_joins_after_login(app, client_a, company_a, company_b):
    _id, secret = make_invitation(app, company_a, company_b.owner_email, frozenset({"finance"}))
    link = f"/join/{company_a.slug}/{secret}"
    visitor = app.test_client()
    page = visitor.get(link, headers=EN).get_data(as_text=True)
    assert "Log in to join" in page and 'name="password"' not in page
    response = visitor.post(
        f"/login?next={link}", data={"email": company_b.owner_email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.location.endswith(link)
    _english(visitor)
    assert "accept-form" in visitor.get(link).get_data(as_text=True)
    joined = visitor.post(link)
    assert joined.status_code == 303
    assert visitor.get(f"/t/{company_a.slug}/").status_code == 200
    assert visitor.get(f"/t/{company_b.slug}/").status_code == 200  # still in their own


def test_a_link_for_someone_else_is_refused_to_the_logged_in_person(
    app, client_a, company_a, company_b
):
    _id, secret = make_invitation(app, company_a, "someone.else@example.com")
    other = app.test_client()
    login(other, company_b.owner_email)
    _english(other)
    link = f"/join/{company_a.slug}/{secret}"
    page = other.get(link).get_data(as_text=True)
    assert "someone.else@example.com" in page and "logged in as" in page
    assert other.post(link).status_code == 409
    assert other.get(f"/t/{company_a.slug}/").status_code == 404


@pytest.mark.parametrize("problem", ["expired", "revoked", "wrong_company", "unknown"])
def test_broken_links_say_why(app, client_a, company_a, company_b, problem, owner_engine):
    now = datetime.now(UTC) - timedelta(days=8) if problem == "expired" else None
    invitation_id, secret = make_invitation(app, company_a, now=now)
    slug = company_a.slug
    if problem == "revoked":
        revoke = client_a.post(f"/t/{slug}/team/invitations/{invitation_id}/revoke")
        assert revoke.status_code == 303
    elif problem == "wrong_company":
        slug = company_b.slug
    elif problem == "unknown":
        secret = secret[:-3] + "xyz"
    visitor = app.test_client()
    expected = {
        "expired": "has expired",
        "revoked": "was revoked",
        "wrong_company": "for another company",
        "unknown": "not valid",
    }[problem]
    for method in ("GET", "POST"):
        response = visitor.open(
            f"/join/{slug}/{secret}", method=method, headers=EN,
            data={"name": "X", "password": NEW, "confirm": NEW},
        )  # fmt: skip
        assert response.status_code == 410
        assert expected in response.get_data(as_text=True)
    zh = visitor.get(f"/join/{slug}/{secret}", headers={"Accept-Language": "zh"})
    assert zh.status_code == 410 and 'lang="zh-CN"' in zh.get_data(as_text=True)
    with owner_engine.connect() as owner:  # as the tables' owner: RLS would hide it anyway
        assert owner.scalar(text("SELECT count(*) FROM user_account WHERE name = 'X'")) == 0


def test_inviting_a_member_says_so(app, client_a, company_a):
    add_member(app, company_a, "already@example.com", {"sales"})
    _english(client_a)
    response = client_a.post(
        f"/t/{company_a.slug}/team/invite", data={"email": "already@example.com", "roles": "sales"}
    )
    assert response.status_code == 422
    assert "already a member" in response.get_data(as_text=True)


def test_an_admin_cannot_invite_an_owner(app, client, company_a):
    add_member(app, company_a, "admin@a.example.com", {"admin"})
    login(client, "admin@a.example.com")
    _english(client)
    response = client.post(
        f"/t/{company_a.slug}/team/invite", data={"email": "boss2@example.com", "roles": "owner"}
    )
    assert response.status_code == 422 and "Only an owner" in response.get_data(as_text=True)
    no_roles = client.post(f"/t/{company_a.slug}/team/invite", data={"email": "r@example.com"})
    assert no_roles.status_code == 422
    assert "Choose at least one role." in no_roles.get_data(as_text=True)


# --- roles and deactivation -------------------------------------------------------------------


def test_roles_change_and_the_last_owner_stays(app, client_a, company_a):
    sales = add_member(app, company_a, "sales@a.example.com", {"sales"})
    slug = company_a.slug
    _english(client_a)
    stamp = stamp_of(client_a, f"/t/{slug}/team/{sales}/")
    saved = client_a.post(
        f"/t/{slug}/team/{sales}/roles", data={"roles": ["sales", "manager"], **stamp}
    )
    assert saved.status_code == 303
    owner = company_a.owner_membership_id
    stamp = stamp_of(client_a, f"/t/{slug}/team/{owner}/", f"/t/{slug}/team/{owner}/roles")
    demote = client_a.post(f"/t/{slug}/team/{owner}/roles", data={"roles": ["admin"], **stamp})
    assert demote.status_code == 409
    assert "at least one active owner" in demote.get_data(as_text=True)
    deactivate = client_a.post(
        f"/t/{slug}/team/{company_a.owner_membership_id}/active", data={"active": "0"}
    )
    assert deactivate.status_code == 409
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(Membership, sales).roles == {"sales", "manager"}
        assert db.session.get(Membership, company_a.owner_membership_id).roles == {"owner"}
    [event] = _events(app, company_a, "member.roles")
    assert event.user_id == company_a.owner_id and event.target_id == sales


def test_a_deactivated_member_is_locked_out_and_keeps_their_name(app, client_a, client, company_a):
    sales = add_member(app, company_a, "sales@a.example.com", {"sales"}, "Zhang Wei")
    customer_id = make_customer(app, company_a, "Nordlicht GmbH", owner_id=sales)
    member_client = app.test_client()
    login(member_client, "sales@a.example.com")
    assert member_client.get(f"/t/{company_a.slug}/").status_code == 200
    off = client_a.post(f"/t/{company_a.slug}/team/{sales}/active", data={"active": "0"})
    assert off.status_code == 303
    assert member_client.get(f"/t/{company_a.slug}/").status_code == 404
    card = client_a.get(f"/t/{company_a.slug}/customers/{customer_id}").get_data(as_text=True)
    assert "Zhang Wei" in card
    on = client_a.post(f"/t/{company_a.slug}/team/{sales}/active", data={"active": "1"})
    assert on.status_code == 303
    assert member_client.get(f"/t/{company_a.slug}/").status_code == 200
    assert [e.action for e in _events(app, company_a) if e.action.startswith("member.")] == [
        "member.deactivate",
        "member.reactivate",
    ]


# --- audit log --------------------------------------------------------------------------------


def test_logins_and_failed_logins_are_recorded(app, client, company_a, company_b):
    add_member(app, company_b, company_a.owner_email, {"sales"})
    wrong = client.post(
        "/login",
        data={"email": company_a.owner_email, "password": "wrong password!"},
        environ_base={"REMOTE_ADDR": "203.0.113.5"},
    )
    assert wrong.status_code == 422
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "whatever1"})
    assert unknown.status_code == 422

    # the same answer for both (the email echoed back and the timestamped CSRF token aside)
    def page(response, email: str) -> str:
        text = response.get_data(as_text=True).replace(email, "X")
        return without_csrf(text)

    assert page(wrong, company_a.owner_email) == page(unknown, "nobody@example.com")
    login(client, company_a.owner_email)
    for company in (company_a, company_b):
        events = _events(app, company)
        assert [e.action for e in events] == ["login.failed", "login"]
        assert events[0].ip == "203.0.113.5" and events[0].user_id == company_a.owner_id
        assert '"password"' in events[0].detail
    # the unknown email left nothing anywhere
    with app.app_context():
        for company in (company_a, company_b):
            with tenant_context(company.id):
                details = db.session.scalars(select(AuditEvent.detail)).all()
                assert not any("nobody@example.com" in (d or "") for d in details)

    _english(client)
    page = client.get(f"/t/{company_a.slug}/audit/").get_data(as_text=True)
    assert "Failed login" in page and "Logged in" in page and "203.0.113.5" in page


def test_audit_log_filters_and_pages(app, client_a, company_a):
    from webapp.services import audit

    other = add_member(app, company_a, "lucy@a.example.com", {"sales"}, "Lucy")
    with app.app_context(), tenant_context(company_a.id):
        lucy = db.session.get(Membership, other).user_id
        for n in range(60):
            audit.record("export", detail={"kind": f"n{n}"}, user=lucy)
        audit.record("customer.delete", detail={"name": "Old GmbH"}, user=company_a.owner_id)
        # an event from last year, as it was written then
        db.session.add(
            AuditEvent(
                action="customer.delete",
                detail='{"name": "Ancient AG"}',
                user_id=lucy,
                created_at=datetime(2025, 3, 1, 12, tzinfo=UTC),
            )
        )
        db.session.commit()
    _english(client_a)
    slug = company_a.slug
    first = client_a.get(f"/t/{slug}/audit/").get_data(as_text=True)
    assert first.count("<tr data-action=") == 50 and "Next" in first
    deletions = client_a.get(f"/t/{slug}/audit/?action=customer.delete").get_data(as_text=True)
    # rows, not a bare "n1": the page's CSRF token is random text that may hold it
    assert "Old GmbH" in deletions and 'data-action="export"' not in deletions
    assert deletions.count("<tr data-action=") == 2
    by_lucy = client_a.get(f"/t/{slug}/audit/?action=customer.delete&user={lucy}")
    assert "Old GmbH" not in by_lucy.get_data(as_text=True)
    today = datetime.now(UTC).date()
    future = client_a.get(f"/t/{slug}/audit/?from={today + timedelta(days=2)}")
    assert "Nothing recorded" in future.get_data(as_text=True)
    past = client_a.get(f"/t/{slug}/audit/?to={today - timedelta(days=2)}&action=export")
    assert "Nothing recorded" in past.get_data(as_text=True)
    march = client_a.get(f"/t/{slug}/audit/?from=2025-03-01&to=2025-03-01").get_data(as_text=True)
    assert "Ancient AG" in march and "Old GmbH" not in march
    assert "Ancient AG" not in client_a.get(f"/t/{slug}/audit/?from={today}").get_data(as_text=True)
    # nonsense in the filters is ignored, not an error
    odd = client_a.get(f"/t/{slug}/audit/?from=2026-02-30&to=x&user=abc&action=drop&page=99999")
    assert odd.status_code == 200


def test_deletions_exports_and_invitations_are_recorded(app, client_a, company_a):
    customer_id = make_customer(app, company_a, "Gone GmbH")
    slug = company_a.slug
    assert client_a.post(f"/t/{slug}/customers/{customer_id}/delete").status_code == 302
    assert (
        client_a.post(f"/t/{slug}/imports/export.csv", data={"kind": "customers"}).status_code
        == 200
    )
    assert client_a.post(f"/t/{slug}/imports/export.xlsx", data={"grade": "A"}).status_code == 200
    actions = [e.action for e in _events(app, company_a)]
    assert actions[-3:] == ["customer.delete", "export", "export"]
    events = _events(app, company_a)
    assert "Gone GmbH" in events[-3].detail and '"grade": "A"' in events[-1].detail


def test_revoking_needs_an_open_invitation(app, client_a, company_a):
    invitation_id, _secret = make_invitation(app, company_a)
    url = f"/t/{company_a.slug}/team/invitations/{invitation_id}/revoke"
    assert client_a.post(url).status_code == 303
    _english(client_a)
    again = client_a.post(url, follow_redirects=True)
    assert "no longer open" in again.get_data(as_text=True)
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(Invitation, invitation_id).revoked_at is not None
    assert len(_events(app, company_a, "invitation.revoke")) == 1


def test_a_self_grant_is_shown_to_the_other_owners(app, client_a, company_a):
    """An admin gives themself the finance role: the log names it, and the other owners are
    told on the team page."""
    admin = add_member(app, company_a, "admin@a.example.com", {"admin"}, "Li Admin")
    client = app.test_client()
    login(client, "admin@a.example.com")
    _english(client)
    slug = company_a.slug
    stamp = stamp_of(client, f"/t/{slug}/team/{admin}/")
    granted = client.post(
        f"/t/{slug}/team/{admin}/roles", data={"roles": ["admin", "finance"], **stamp}
    )
    assert granted.status_code == 303
    [event] = _events(app, company_a, "member.self_grant")
    assert event.target_id == admin
    _english(client_a)
    page = client_a.get(f"/t/{slug}/team/").get_data(as_text=True)
    notice = page.split('id="self-grants"')[1].split("</div>")[0]
    assert "Li Admin" in notice and "Finance" in notice
    assert 'id="self-grants"' not in client.get(f"/t/{slug}/team/").get_data(as_text=True)
    log = client_a.get(f"/t/{slug}/audit/").get_data(as_text=True)
    assert "Gave themself roles" in log
