"""Password reset, changing the password, logging out everywhere, two-factor login and the
reset links owners and admins hand out (blueprints auth, account, team)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import text

from tests.conftest import login
from tests.factories import PASSWORD, add_member, make_company, make_invitation
from tests.html import stamp_of
from webapp.extensions import db
from webapp.models import User
from webapp.services import accounts
from webapp.tenancy.context import acting_user

EN = {"Accept-Language": "en"}
NEW = "a brand new passphrase"


def _reset_links(owner_engine) -> int:
    """Every reset link in the database, read as the tables' owner (RLS hides them from the
    application role unless it names their person: an empty answer there would prove nothing)."""
    with owner_engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM password_reset_token"))


def _link(text: str) -> str:
    return re.search(r"(/password/reset/[A-Za-z0-9_\-]+)", text).group(1)


def test_forgot_gives_the_same_answer_for_known_and_unknown_emails(client, company_a, mail):
    known = client.post("/password/forgot", data={"email": company_a.owner_email}, headers=EN)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.com"}, headers=EN)

    def strip(response) -> str:
        text = response.get_data(as_text=True)
        return text.replace(company_a.owner_email, "X").replace("nobody@example.com", "X")

    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert len(mail) == 1 and mail[0]["To"] == company_a.owner_email


def test_without_mail_no_link_is_made_and_the_page_says_ask_an_admin(
    app, client, company_a, owner_engine
):
    page = client.post("/password/forgot", data={"email": company_a.owner_email}, headers=EN)
    assert "Ask an owner or administrator" in page.get_data(as_text=True)
    assert _reset_links(owner_engine) == 0


def test_reset_by_mailed_link_logs_out_other_sessions(app, client, company_a, mail):
    other = app.test_client()
    login(other, company_a.owner_email)
    assert other.get(f"/t/{company_a.slug}/").status_code == 200
    client.post("/password/forgot", data={"email": company_a.owner_email})
    link = _link(mail[0].get_content())
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "1234567890", "confirm": "1234567890"}, headers=EN)
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.location.endswith("/login")
    # the other session ends, the old password fails, the new one works, the link is spent
    assert other.get(f"/t/{company_a.slug}/").status_code == 302
    assert (
        client.post(
            "/login", data={"email": company_a.owner_email, "password": PASSWORD}
        ).status_code
        == 422
    )
    login(client, company_a.owner_email, NEW)
    again = client.get(link, headers=EN)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)


def test_expired_and_unknown_links_say_so(app, client, company_a):
    with app.app_context(), acting_user(company_a.owner_id):
        user = db.session.get(User, company_a.owner_id)
        secret = accounts.create_reset_token(user, now=datetime.now(UTC) - timedelta(days=2))
        db.session.commit()
    expired = client.get(f"/password/reset/{secret}", headers=EN)
    assert expired.status_code == 410 and "expired" in expired.get_data(as_text=True)
    unknown = client.get("/password/reset/made-up", headers=EN)
    assert unknown.status_code == 410 and "not valid" in unknown.get_data(as_text=True)
    assert (
        client.post("/password/reset/made-up", data={"password": NEW, "confirm": NEW}).status_code
        == 410
    )


def test_change_password_keeps_this_session_and_ends_the_others(app, client, company_a):
    other = app.test_client()
    login(other, company_a.owner_email)
    login(client, company_a.owner_email)
    wrong = client.post(
        "/account/password",
        data={"pw-current": "not it", "pw-password": NEW, "pw-confirm": NEW},
        headers=EN,
    )
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(
        as_text=True
    )
    assert f'value="{NEW}"' not in wrong.get_data(as_text=True)  # passwords are never echoed
    ok = client.post(
        "/account/password", data={"pw-current": PASSWORD, "pw-password": NEW, "pw-confirm": NEW}
    )
    assert ok.status_code == 302
    assert client.get(f"/t/{company_a.slug}/").status_code == 200
    assert other.get(f"/t/{company_a.slug}/").status_code == 302


def test_logout_everywhere_ends_remembered_sessions_too(app, client, company_a):
    remembered = app.test_client()
    remembered.post(
        "/login", data={"email": company_a.owner_email, "password": PASSWORD, "remember": "y"}
    )
    assert remembered.get(f"/t/{company_a.slug}/").status_code == 200
    login(client, company_a.owner_email)
    assert client.post("/account/logout-everywhere").status_code == 302
    assert client.get(f"/t/{company_a.slug}/").status_code == 302
    # the session cookie is gone on this client; the remembered one must fail too
    with remembered.session_transaction() as sess:
        sess.clear()  # only the remember-me cookie is left
    assert remembered.get(f"/t/{company_a.slug}/").status_code == 302


def _enable_totp(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    assert "<svg" in page
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", done.get_data(as_text=True))
    return secret, codes


def test_two_factor_login(app, client, company_a):
    login(client, company_a.owner_email)
    wrong = client.post("/account/two-factor", data={"code": "000000"}, headers=EN)
    assert wrong.status_code == 422 and "not valid" in wrong.get_data(as_text=True)
    secret, codes = _enable_totp(client)
    assert len(codes) == 10
    client.post("/logout")
    # the password alone no longer logs in
    step = client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert step.status_code == 302 and step.location.endswith("/login/code")
    assert client.get(f"/t/{company_a.slug}/").status_code == 302
    bad = client.post("/login/code", data={"code": "123456"}, headers=EN)
    assert bad.status_code == 422
    code = pyotp.TOTP(secret).now()
    ok = client.post("/login/code", data={"code": code})
    assert ok.status_code == 302 and client.get(f"/t/{company_a.slug}/").status_code == 200
    # a recovery code works once
    client.post("/logout")
    client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 422


def test_code_step_without_a_password_step_goes_back_to_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.location.endswith("/login")


def test_turning_two_factor_off_needs_password_and_code(app, client, company_a):
    login(client, company_a.owner_email)
    secret, _codes = _enable_totp(client)
    refused = client.post(
        "/account/two-factor/off", data={"off-password": PASSWORD, "off-code": "000000"}
    )
    assert refused.status_code == 422
    later = datetime.now(UTC) + timedelta(seconds=30)  # the setup code's step is spent
    done = client.post(
        "/account/two-factor/off",
        data={"off-password": PASSWORD, "off-code": pyotp.TOTP(secret).at(later)},
    )
    assert done.status_code == 302
    with app.app_context(), acting_user(company_a.owner_id):
        assert not db.session.get(User, company_a.owner_id).has_totp


@pytest.fixture
def staff(app, company_a):
    return {
        "admin": add_member(app, company_a, "admin@alpha.example.com", {"admin"}, "Ada"),
        "sales": add_member(app, company_a, "sales@alpha.example.com", {"sales"}, "Sam"),
    }


def test_admin_hands_out_a_reset_link(app, client, company_a, staff):
    login(client, "admin@alpha.example.com")
    page = client.post(f"/t/{company_a.slug}/team/{staff['sales']}/reset-link", headers=EN)
    assert page.status_code == 200
    link = _link(page.get_data(as_text=True))
    fresh = app.test_client()
    assert fresh.post(link, data={"password": NEW, "confirm": NEW}).status_code == 302
    login(fresh, "sales@alpha.example.com", NEW)


@pytest.mark.parametrize(
    ("who", "target", "status", "message"),
    [
        ("sales@alpha.example.com", "admin", 403, None),
        ("admin@alpha.example.com", "owner", 409, "Only an owner"),
        ("admin@alpha.example.com", "admin", 409, "Login security"),
    ],
)
def test_reset_link_refusals(app, client, company_a, staff, who, target, status, message):
    target_id = company_a.owner_membership_id if target == "owner" else staff[target]
    login(client, who)
    client.post("/lang", data={"lang": "en"})  # company pages default to the company's zh
    response = client.post(f"/t/{company_a.slug}/team/{target_id}/reset-link", headers=EN)
    assert response.status_code == status
    if message:
        assert message in response.get_data(as_text=True)


def test_no_reset_link_for_someone_who_works_elsewhere_too(
    app, client, company_a, staff, owner_engine
):
    other = make_company(app, "gamma-co")
    add_member(app, other, "sales@alpha.example.com", {"owner"})
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})
    response = client.post(f"/t/{company_a.slug}/team/{staff['sales']}/reset-link", headers=EN)
    assert response.status_code == 409 and "another company" in response.get_data(as_text=True)
    assert _reset_links(owner_engine) == 0


@pytest.mark.parametrize("change", ["joins another company", "roles", "deactivated"])
def test_an_admins_reset_link_ends_when_the_persons_memberships_change(
    app, client, company_a, staff, change
):
    """The admin's reason to hand out a link (the person works only here, in this role) may
    be gone: joining a second company, a new role or deactivation spends the open link."""
    login(client, "admin@alpha.example.com")
    page = client.post(f"/t/{company_a.slug}/team/{staff['sales']}/reset-link", headers=EN)
    link = _link(page.get_data(as_text=True))
    if change == "joins another company":
        other = make_company(app, "gamma-co")
        _id, secret = make_invitation(app, other, "sales@alpha.example.com")
        sales = app.test_client()
        login(sales, "sales@alpha.example.com")
        assert sales.post(f"/join/gamma-co/{secret}").status_code == 303
    else:
        owner = app.test_client()
        login(owner, company_a.owner_email)
        url = f"/t/{company_a.slug}/team/{staff['sales']}"
        if change == "roles":
            stamp = stamp_of(owner, f"{url}/", f"{url}/roles")
            response = owner.post(f"{url}/roles", data={"roles": ["sales", "manager"], **stamp})
        else:
            response = owner.post(f"{url}/active", data={"active": "0"})
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
    fresh = app.test_client()
    assert fresh.get(link).status_code == 410
    assert fresh.post(link, data={"password": NEW, "confirm": NEW}).status_code == 410


def test_signup_refuses_a_common_password(client):
    from tests.web.test_signup import signup_data

    data = signup_data(password="password123", confirm="password123")
    response = client.post("/signup", data=data, headers=EN)
    assert response.status_code == 422 and "too common" in response.get_data(as_text=True)


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_reset_and_code_steps_are_rate_limited(database_url, company_a, storage):
    import os

    from tests.web.test_auth import limited_app

    if storage == "redis" and not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set")
    uri = "memory://" if storage == "memory" else os.environ["REDIS_URL"]
    with limited_app(database_url, uri, "3 per minute") as limited:
        limited.config["RESET_RATE_LIMIT"] = "2 per minute"
        client = limited.test_client()
        forgot = [
            client.post("/password/forgot", data={"email": "x@example.com"}).status_code
            for _ in range(3)
        ]
        assert forgot == [200, 200, 429]
        resets = [client.post("/password/reset/made-up", data={}).status_code for _ in range(3)]
        assert resets == [410, 410, 429]


def test_the_company_menu_of_a_one_company_user_links_the_company_list(client, company_a):
    login(client, company_a.owner_email)
    menu = client.get("/companies/menu").get_data(as_text=True)
    assert 'href="/companies"' in menu
    assert "/t/alpha-trading/" not in menu
    client.post("/logout")
    assert client.get("/companies/menu").status_code == 302  # to the login page
