"""Login, logout, the company switcher, safe redirects, cookie flags and the login rate limit."""

import html
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, request

from tests.conftest import count_queries, login
from tests.factories import PASSWORD, add_member
from tests.html import FEEDBACK, without_csrf
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db, limiter
from webapp.models import User
from webapp.tenancy.context import acting_user

EN = {"Accept-Language": "en"}
HOME_A = "/t/alpha-trading/"


def password_errors(page: str) -> list[str]:
    start = page.index('id="password"')
    block = page[start : page.find('<div class="mb-3">', start)]
    return [html.unescape(m.strip()) for m in FEEDBACK.findall(block)]


def test_login_page(client):
    response = client.get("/login", headers=EN)
    assert response.status_code == 200
    assert 'id="login-form"' in response.get_data(as_text=True)


def test_login_goes_to_the_only_company(client, company_a):
    response = client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == HOME_A
    home = client.get(HOME_A)
    assert home.status_code == 200
    assert html.escape(company_a.name) in home.get_data(as_text=True)


def test_login_email_is_case_insensitive(client, company_a):
    response = client.post(
        "/login", data={"email": company_a.owner_email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.location == HOME_A


def test_user_with_two_companies_chooses(app, client, company_a, company_b):
    add_member(app, company_b, company_a.owner_email, {"sales"})
    response = client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/companies"

    page = client.get("/companies").get_data(as_text=True)
    assert html.escape(company_a.name) in page
    assert html.escape(company_b.name) in page
    assert 'href="/t/alpha-trading/"' in page
    assert 'href="/t/beta-export/"' in page

    for company in (company_a, company_b):
        home = client.get(f"/t/{company.slug}/")
        assert home.status_code == 200
        assert html.escape(company.name) in home.get_data(as_text=True)


def test_companies_needs_login(client):
    response = client.get("/companies")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("nobody@example.com", PASSWORD),
        ("owner@alpha-trading.example.com", "wrong password"),
    ],
    ids=["unknown-email", "wrong-password"],
)
def test_failed_login(client, company_a, email, password):
    response = client.post("/login", data={"email": email, "password": password}, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert password_errors(page) == ["Email or password is incorrect."]
    assert 'value="' + email + '"' in page  # the email stays in the form
    assert client.get(HOME_A).status_code == 302  # not logged in


def test_unknown_email_and_wrong_password_look_the_same(client, company_a):
    pages = []
    for email, password in [
        ("nobody@example.com", "wrong password"),
        (company_a.owner_email, "wrong password"),
    ]:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        page = without_csrf(page)  # a timestamped token: renders a second apart differ there
        pages.append(page.replace(html.escape(email), "EMAIL"))
    assert pages[0] == pages[1]


def test_inactive_user_cannot_log_in(app, client, company_a):
    with app.app_context(), acting_user(company_a.owner_id):
        db.session.get(User, company_a.owner_id).active = False
        db.session.commit()
    response = client.post(
        "/login", data={"email": company_a.owner_email, "password": PASSWORD}, headers=EN
    )
    assert response.status_code == 422
    assert password_errors(response.get_data(as_text=True)) == ["Email or password is incorrect."]


def test_deactivating_a_user_ends_their_sessions(app, client, company_a):
    """Flask-Login's UserMixin answers is_authenticated with is_active, so a deactivated user's
    session and remember-me cookie stop working at once (no epoch bump needed)."""
    remembered = app.test_client()
    remembered.post(
        "/login", data={"email": company_a.owner_email, "password": PASSWORD, "remember": "y"}
    )
    login(client, company_a.owner_email)
    assert client.get(HOME_A).status_code == 200
    with app.app_context(), acting_user(company_a.owner_id):
        db.session.get(User, company_a.owner_id).active = False
        db.session.commit()
    response = client.get(HOME_A)
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"
    with remembered.session_transaction() as sess:
        sess.clear()  # only the remember-me cookie is left
    assert remembered.get(HOME_A).status_code == 302


def test_empty_login_form(client):
    response = client.post("/login", data={})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/t/alpha-trading/customers/", "/t/alpha-trading/customers/"),
        (
            "/t/alpha-trading/customers/?q=acme&grade=A",
            "/t/alpha-trading/customers/?q=acme&grade=A",
        ),
        ("https://evil.example.com", HOME_A),
        ("https://evil.example.com/t/alpha-trading/", HOME_A),
        ("//evil.example.com", HOME_A),
        ("//evil.example.com/t/alpha-trading/", HOME_A),
        ("http:evil.example.com", HOME_A),
        ("javascript:alert(1)", HOME_A),
        ("evil.example.com", HOME_A),
        ("/\t/evil.example.com", HOME_A),
        ("", HOME_A),
    ],
)
def test_next_is_only_followed_to_relative_paths(client, company_a, next_url, expected):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": company_a.owner_email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == expected


def test_next_with_a_backslash_stays_on_this_site(client, company_a):
    # browsers read "/\evil.example.com" as "//evil.example.com"
    response = client.post(
        "/login",
        query_string={"next": "/\\evil.example.com"},
        data={"email": company_a.owner_email, "password": PASSWORD},
    )
    assert response.status_code == 302
    location = response.location
    assert urlsplit(location.replace("\\", "/")).netloc == ""
    assert not location.startswith(("//", "/\\"))


def test_anonymous_company_page_asks_for_login_and_comes_back(client, company_a):
    response = client.get("/t/alpha-trading/customers/?q=acme")
    assert response.status_code == 302
    target = urlsplit(response.location)
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == ["/t/alpha-trading/customers/?q=acme"]

    assert client.get(response.location).status_code == 200
    back = client.post(
        response.location, data={"email": company_a.owner_email, "password": PASSWORD}
    )
    assert back.status_code == 302
    assert back.location == "/t/alpha-trading/customers/?q=acme"
    assert client.get(back.location).status_code == 200


def test_anonymous_gets_login_for_an_unknown_company_too(client):
    response = client.get("/t/no-such-company/customers/")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/login"


def test_member_of_another_company_gets_404(client, company_a, company_b):
    login(client, company_b.owner_email)
    assert client.get(HOME_A).status_code == 404
    assert client.get("/t/alpha-trading/customers/").status_code == 404
    assert client.get("/t/no-such-company/").status_code == 404


def test_a_company_page_reads_the_user_once(app, client_a, company_a):
    """Flask-Login's user loader reads the user (one statement), then tenancy.web's
    resolve_tenant reads the membership for that user. Peeking at Flask-Login's private session
    key to merge the two saved that statement; issue 21 keeps to public APIs."""
    with count_queries(app) as statements:
        assert client_a.get(HOME_A).status_code == 200
    alone = [s for s in statements if "FROM user_account" in s and "membership" not in s]
    assert len(alone) == 1


def test_a_session_naming_a_member_with_an_old_epoch_is_sent_to_login(app, client, company_a,
                                                                     company_b):  # fmt: skip
    """The membership is read for the id in the session before the login check; a session
    whose epoch no longer matches must still get the login page, not that member's company."""
    login(client, company_b.owner_email)
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{company_a.owner_id}:999"  # A's owner, an epoch never issued
    response = client.get(HOME_A)
    assert response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_logout_is_post_only(client_a):
    assert client_a.get("/logout").status_code == 405
    assert client_a.get(HOME_A).status_code == 200  # still logged in


def test_logout(client_a):
    response = client_a.post("/logout")
    assert response.status_code == 302
    assert response.location == "/login"
    after = client_a.get(HOME_A)
    assert after.status_code == 302
    assert urlsplit(after.location).path == "/login"


def _cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


def _attributes(cookie: str) -> set[str]:
    return {part.strip().lower() for part in cookie.split(";")[1:]}


def test_session_cookie_is_httponly_and_samesite_lax(client, company_a):
    response = client.post("/login", data={"email": company_a.owner_email, "password": PASSWORD})
    assert response.status_code == 302
    attributes = _attributes(_cookie(response, "session"))
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" not in attributes  # TestConfig runs over http; ProductionConfig sets Secure


def test_remember_cookie_is_httponly_and_samesite_lax(client, company_a):
    response = client.post(
        "/login", data={"email": company_a.owner_email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    attributes = _attributes(_cookie(response, "remember_token"))
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_remember_me_keeps_the_user_logged_in_without_the_session(client, company_a):
    client.post(
        "/login", data={"email": company_a.owner_email, "password": PASSWORD, "remember": "y"}
    )
    client.delete_cookie("session")
    assert client.get(HOME_A).status_code == 200


def test_login_rehashes_a_weak_hash(app, client, company_a):
    from webapp.services.passwords import needs_rehash

    old = app.config["ARGON2_TIME_COST"]
    app.config["ARGON2_TIME_COST"] = old + 1
    try:
        with app.app_context(), acting_user(company_a.owner_id):
            before = db.session.get(User, company_a.owner_id).password_hash
            assert needs_rehash(before)
        login(client, company_a.owner_email)
        with app.app_context(), acting_user(company_a.owner_id):
            after = db.session.get(User, company_a.owner_id).password_hash
            assert after != before
            assert after.startswith("$argon2id$")
            assert not needs_rehash(after)
    finally:
        app.config["ARGON2_TIME_COST"] = old


# --- rate limit -----------------------------------------------------------------------------
#
# The limiter (webapp.extensions.limiter) is one object for the whole process, configured by
# init_app() when an app is created: flipping app.config["RATELIMIT_ENABLED"] on the running
# suite app changes nothing. These tests therefore create their own app with the limit switched
# on, and put the limiter back as it was afterwards so no other test is ever limited.


@contextmanager
def limited_app(database_url: str, storage_uri: str, limit: str) -> Iterator[Flask]:
    saved = dict(limiter.__dict__)
    config = type(
        "LimitedConfig",
        (TestConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage_uri,
            # our own keys: a shared Redis may hold other runs' counters
            "RATELIMIT_KEY_PREFIX": f"tradefollow-test-{uuid.uuid4().hex}",
            "LOGIN_RATE_LIMIT": limit,
        },
    )
    limited = create_app(config)
    try:
        yield limited
    finally:
        with limited.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.__dict__.clear()
        limiter.__dict__.update(saved)


def _bad_logins(limited: Flask, email: str, times: int, ip: str = "198.51.100.7") -> list[int]:
    client = limited.test_client()
    return [
        client.post(
            "/login",
            data={"email": email, "password": "wrong password"},
            environ_base={"REMOTE_ADDR": ip},
        ).status_code
        for _ in range(times)
    ]


def _check_login_limit(limited: Flask, email: str) -> None:
    assert _bad_logins(limited, email, 4) == [422, 422, 422, 429]

    client = limited.test_client()
    ip = {"REMOTE_ADDR": "198.51.100.7"}
    # the right password does not help once the limit is reached
    blocked = client.post(
        "/login", data={"email": email, "password": PASSWORD}, environ_base=ip, headers=EN
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    # showing the form is not limited, and other addresses are not affected
    assert client.get("/login", environ_base=ip).status_code == 200
    other = {"REMOTE_ADDR": "203.0.113.9"}
    ok = client.post("/login", data={"email": email, "password": PASSWORD}, environ_base=other)
    assert ok.status_code == 302


def test_login_rate_limit_in_memory(database_url, company_a):
    with limited_app(database_url, "memory://", "3 per minute") as limited:
        limiter.reset()
        _check_login_limit(limited, company_a.owner_email)


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_login_rate_limit_in_redis(database_url, company_a):
    with limited_app(database_url, os.environ["REDIS_URL"], "3 per minute") as limited:
        _check_login_limit(limited, company_a.owner_email)
        # the counters really live in Redis
        import redis

        prefix = limited.config["RATELIMIT_KEY_PREFIX"]
        connection = redis.Redis.from_url(os.environ["REDIS_URL"])
        try:
            keys = list(connection.scan_iter(match=f"*{prefix}*"))
            assert keys
            connection.delete(*keys)
        finally:
            connection.close()


def test_suite_app_is_not_limited_after_the_limited_app(app, client, company_a):
    with limited_app(app.config["SQLALCHEMY_DATABASE_URI"], "memory://", "1 per minute"):
        pass
    # more than the suite app's LOGIN_RATE_LIMIT (10 per minute) allows when limiting is on
    for _ in range(12):
        response = client.post(
            "/login", data={"email": company_a.owner_email, "password": "wrong password"}
        )
        assert response.status_code == 422


def test_signup_rate_limit(database_url):
    with limited_app(database_url, "memory://", "3 per minute") as limited:
        limited.config["SIGNUP_RATE_LIMIT"] = "2 per minute"
        client = limited.test_client()
        codes = [client.post("/signup", data={}).status_code for _ in range(3)]
        assert codes == [422, 422, 429]
        assert client.get("/signup").status_code == 200


def test_navbar_switcher_lists_every_company_of_the_user(app, client, company_a, company_b):
    add_member(app, company_b, company_a.owner_email, {"sales"})
    login(client, company_a.owner_email)
    # the layout holds a placeholder the user menu fills when first opened (htmx): no page
    # pays a query for the other companies
    page = client.get(f"/t/{company_a.slug}/").get_data(as_text=True)
    assert 'id="company-menu"' in page
    assert f"/companies/menu?current={company_a.slug}" in page
    assert f'href="/t/{company_b.slug}/"' not in page
    menu = client.get(f"/companies/menu?current={company_a.slug}").get_data(as_text=True)
    assert f'class="dropdown-item active" href="/t/{company_a.slug}/"' in menu
    assert f'class="dropdown-item " href="/t/{company_b.slug}/"' in menu
    assert company_b.name in menu
    assert client.get(f"/t/{company_b.slug}/").status_code == 200


@pytest.mark.parametrize("hops, expected", [(0, "127.0.0.9"), (1, "198.51.100.7")])
def test_client_address_behind_a_trusted_proxy(database_url, hops, expected):
    """TRUSTED_PROXIES=1 (nginx in front): rate limits and the audit log see the visitor's
    address from X-Forwarded-For; with 0 the header is ignored, as a visitor could forge it."""
    from webapp import create_app
    from webapp.config import TestConfig

    config = {"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": hops}
    app = create_app(type("ProxyConfig", (TestConfig,), config))
    app.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get(
        "/_seen",
        headers={"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "127.0.0.9"},
    )
    assert response.get_data(as_text=True) == f"{expected} {'https' if hops else 'http'}"


def test_slug_hint_is_rate_limited(database_url):
    """The signup form's address hint tells which addresses exist: limited like login."""
    with limited_app(database_url, "memory://", "3 per minute") as limited:
        limited.config["SLUG_RATE_LIMIT"] = "2 per minute"
        client = limited.test_client()
        codes = [client.get("/signup/slug?name=Blue+Ocean").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
