"""Company signup through the web form (/signup) and the slug hint (/signup/slug)."""

import html
import re

import pytest
from sqlalchemy import select, text

from tests.conftest import login
from tests.factories import PASSWORD, make_company
from tests.html import field_errors, input_value
from webapp.extensions import db
from webapp.models import AuditEvent, Membership, Tenant, User
from webapp.services import accounts, lookups
from webapp.tenancy.context import acting_user, tenant_context

EN = {"Accept-Language": "en"}


def signup_data(**overrides) -> dict:
    data = {
        "company_name": "Blue Ocean Trading",
        "slug": "blue-ocean",
        "home_country": "CN",
        "default_locale": "zh",
        "owner_name": "Li Lan",
        "email": "li.lan@blue-ocean.example.com",
        "password": "a long enough password",
        "confirm": "a long enough password",
    }
    data.update(overrides)
    return data


def fields_with_errors(page: str) -> set[str]:
    return set(
        re.findall(r'<(?:input|select)[^>]*class="[^"]*is-invalid[^"]*"[^>]*id="([^"]+)"', page)
    )


def tenant_count(app) -> int:
    """Every company (RLS hides the others from the application role: ask the lookup)."""
    with app.app_context():
        return len(lookups.company_ids())


def test_signup_page(client):
    response = client.get("/signup", headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="signup-form"' in page
    assert 'name="company_name"' in page
    assert '<option selected value="CN">China</option>' in page


def test_signup_creates_the_company_and_logs_the_owner_in(app, client):
    response = client.post("/signup", data=signup_data())
    assert response.status_code == 302
    assert response.location == "/t/blue-ocean/"

    home = client.get("/t/blue-ocean/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Blue Ocean Trading" in page
    assert "Li Lan" in page

    with app.app_context():
        tenant_id = lookups.company_id("blue-ocean")
        user_id = lookups.account_id("li.lan@blue-ocean.example.com")
    with app.app_context(), tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        assert (tenant.name, tenant.home_country, tenant.default_locale) == (
            "Blue Ocean Trading",
            "CN",
            "zh",
        )
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user_id))
        assert membership.tenant_id == tenant.id
        assert membership.roles == {"owner"}


def test_signed_up_owner_can_log_out_and_in_again(client):
    assert client.post("/signup", data=signup_data(email="Li.Lan@Example.com")).status_code == 302
    client.post("/logout")
    assert client.get("/t/blue-ocean/").status_code == 302
    response = client.post(
        "/login", data={"email": "li.lan@example.com", "password": "a long enough password"}
    )
    assert response.status_code == 302
    assert response.location == "/t/blue-ocean/"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"slug": "Blue Ocean!"},
            "slug",
            "Use 3–40 lower-case letters, digits or dashes, starting and ending with a letter or "
            "digit.",
        ),
        ({"slug": "-blue"}, "slug", "Use 3–40 lower-case letters"),
        ({"slug": "admin"}, "slug", "This address is reserved. Please choose another."),
        ({"password": "short", "confirm": "short"}, "password", "10"),
        ({"confirm": "another long password"}, "confirm", "Passwords do not match."),
        ({"email": "not-an-email"}, "email", "email"),
        ({"owner_name": ""}, "owner_name", "required"),
    ],
    ids=[
        "slug-format",
        "slug-dash",
        "slug-reserved",
        "short-password",
        "mismatch",
        "email",
        "name",
    ],
)
def test_signup_errors_show_next_to_the_field(app, client, overrides, field, message):
    response = client.post("/signup", data=signup_data(**overrides), headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert fields_with_errors(page) == {field}
    errors = field_errors(page, field)
    assert len(errors) == 1
    assert message.lower() in errors[0].lower()
    # what the user typed is still there (passwords excepted)
    assert input_value(page, "company_name") == "Blue Ocean Trading"
    assert input_value(page, "owner_name") == overrides.get("owner_name", "Li Lan")
    assert input_value(page, "email") == overrides.get("email", "li.lan@blue-ocean.example.com")
    assert not input_value(page, "password")
    assert tenant_count(app) == 0


def test_signup_with_a_taken_slug(app, client, company_a):
    response = client.post("/signup", data=signup_data(slug=company_a.slug), headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "slug") == ["This address is already taken. Please choose another."]
    assert input_value(page, "company_name") == "Blue Ocean Trading"
    assert input_value(page, "slug") == company_a.slug
    assert tenant_count(app) == 1


EXISTS = "An account with this email exists. Log in, then add the company from its menu."


@pytest.mark.parametrize("password", ["wrong password!", PASSWORD])
def test_signup_with_an_existing_email_never_logs_in(app, client, company_a, password):
    """A password alone never opens a session: that would skip the second factor (and, before,
    it did: signup was a login without two-factor and without an audit event)."""
    data = signup_data(email=company_a.owner_email, password=password, confirm=password)
    response = client.post("/signup", data=data, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "email") == [EXISTS]
    assert input_value(page, "company_name") == "Blue Ocean Trading"
    assert tenant_count(app) == 1
    assert client.get(f"/t/{company_a.slug}/").status_code == 302  # to the login page
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_signup_with_the_password_of_a_two_factor_account_gives_no_session(app, client, company_a):
    with app.app_context(), acting_user(company_a.owner_id):
        user = db.session.get(User, company_a.owner_id)
        accounts.enable_totp(user, accounts.new_totp_secret())
        db.session.commit()
    data = signup_data(email=company_a.owner_email, password=PASSWORD, confirm=PASSWORD)
    client.post("/signup", data=data)
    assert client.get(f"/t/{company_a.slug}/").status_code == 302
    assert client.get("/companies").status_code == 302
    assert tenant_count(app) == 1


def test_a_logged_in_person_adds_a_company(app, client, company_a, owner_engine):
    login(client, company_a.owner_email)
    form = client.get("/signup", headers=EN).get_data(as_text=True)
    assert "Add a company" in form
    assert 'name="email"' not in form and 'name="password"' not in form
    data = {k: v for k, v in signup_data().items() if k not in ("email", "password", "confirm")}
    response = client.post("/signup", data=data)
    assert response.status_code == 303
    assert response.location == "/t/blue-ocean/"
    assert client.get("/t/blue-ocean/").status_code == 200
    assert client.get(f"/t/{company_a.slug}/").status_code == 200
    companies = client.get("/companies").get_data(as_text=True)
    assert "Blue Ocean Trading" in companies
    assert html.escape(company_a.name) in companies
    with owner_engine.connect() as owner:  # every account, as the tables' owner sees them
        assert owner.scalar(text("SELECT count(*) FROM user_account")) == 1
    with app.app_context():
        tenant_id = lookups.company_id("blue-ocean")
    with app.app_context(), tenant_context(tenant_id):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.create"))
        assert event.user_id == company_a.owner_id
        assert "Blue Ocean Trading" in event.detail


def test_adding_a_company_proposes_the_persons_own_language(app, client, company_a):
    """A logged-in person who chose Chinese is offered Chinese, whatever the browser sends
    (the session held no language, so the browser's English won)."""
    with app.app_context(), acting_user(company_a.owner_id):
        db.session.get(User, company_a.owner_id).locale = "zh"
        db.session.commit()
    login(client, company_a.owner_email)
    page = client.get("/signup", headers=EN).get_data(as_text=True)
    assert re.search(r'<option selected value="zh">', page)


def test_adding_a_company_with_a_taken_slug_keeps_the_input(app, client, company_a):
    login(client, company_a.owner_email)
    data = {"company_name": "Again", "slug": company_a.slug, "home_country": "CN",
            "default_locale": "en"}  # fmt: skip
    response = client.post("/signup", data=data, headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_errors(page, "slug") == ["This address is already taken. Please choose another."]
    assert input_value(page, "company_name") == "Again"
    assert tenant_count(app) == 1


# --- signup confirmed by mail: the same answer for a new and an existing address ------------


def _request_data(**overrides) -> dict:
    data = signup_data(**overrides)
    del data["password"], data["confirm"]
    return data


def _link(message) -> str:
    return re.search(r"http://localhost(/\S+)", message.get_content()).group(1)


def test_mailed_signup_answers_alike_for_new_and_existing_addresses(app, client, company_a, mail):
    form = client.get("/signup", headers=EN).get_data(as_text=True)
    assert 'name="email"' in form and 'name="password"' not in form
    new = client.post("/signup", data=_request_data(), headers=EN)
    existing = client.post(
        "/signup", data=_request_data(email=company_a.owner_email, slug="blue-ocean-2"), headers=EN
    )
    assert new.status_code == existing.status_code == 200
    strip = lambda r, email: r.get_data(as_text=True).replace(email, "EMAIL")  # noqa: E731
    assert strip(new, "li.lan@blue-ocean.example.com") == strip(existing, company_a.owner_email)
    assert tenant_count(app) == 1  # nothing is created before the link is opened
    assert [m["To"] for m in mail] == ["li.lan@blue-ocean.example.com", company_a.owner_email]
    assert "/signup/confirm/" in mail[0].get_content()
    assert "/signup/confirm/" not in mail[1].get_content()
    assert "already has an account" in mail[1].get_content()


def test_mailed_signup_link_sets_the_password_and_logs_in(app, client, mail):
    client.post("/signup", data=_request_data(), headers=EN)
    link = _link(mail[0])
    page = client.get(link, headers=EN)
    assert page.status_code == 200
    assert "Blue Ocean Trading" in page.get_data(as_text=True)
    weak = client.post(link, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422 and tenant_count(app) == 0
    done = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302 and done.location == "/t/blue-ocean/"
    assert client.get("/t/blue-ocean/").status_code == 200
    with app.app_context():
        user_id = lookups.account_id("li.lan@blue-ocean.example.com")
        with acting_user(user_id):
            assert db.session.get(User, user_id).name == "Li Lan"
    # the link works once: the account exists now
    client.post("/logout")
    again = client.get(link, headers=EN)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)


def test_mailed_signup_link_that_is_damaged_or_whose_address_was_taken(app, client, mail):
    client.post("/signup", data=_request_data(), headers=EN)
    link = _link(mail[0])
    assert client.get(link[:-3] + "xyz").status_code == 410
    make_company(app, "blue-ocean")  # someone else took the address meanwhile
    taken = client.get(link, headers=EN)
    assert taken.status_code == 410
    assert "/t/blue-ocean/ was taken" in taken.get_data(as_text=True)


def test_signup_refuses_a_deactivated_account(app, client, company_a):
    with app.app_context(), acting_user(company_a.owner_id):
        db.session.get(User, company_a.owner_id).active = False
        db.session.commit()
    data = signup_data(email=company_a.owner_email, password=PASSWORD, confirm=PASSWORD)
    response = client.post("/signup", data=data)
    assert tenant_count(app) == 1
    assert response.status_code == 422


def test_signup_without_slug_gets_one_suggested(app, client):
    response = client.post("/signup", data=signup_data(slug="", company_name="蓝海贸易"))
    assert response.status_code == 302
    slug = response.location.removeprefix("/t/").rstrip("/")
    assert slug.replace("-", "") == "lanhaimaoyi"
    assert client.get(response.location).status_code == 200
    with app.app_context(), tenant_context(lookups.company_id(slug)):
        assert db.session.scalar(select(Tenant.name).where(Tenant.slug == slug)) == "蓝海贸易"


def test_suggested_slug_is_shown_when_another_field_is_wrong(client):
    response = client.post(
        "/signup", data=signup_data(slug="", company_name="Blue Ocean Trading", confirm="x" * 12)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert input_value(page, "slug") == "blue-ocean-trading"
    assert fields_with_errors(page) == {"confirm"}


def test_signup_without_slug_and_an_unusable_name(app, client):
    response = client.post("/signup", data=signup_data(slug="", company_name="A"), headers=EN)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert fields_with_errors(page) == {"slug"}
    assert input_value(page, "company_name") == "A"
    assert tenant_count(app) == 0


def test_slug_hint_for_a_chinese_name(client):
    response = client.get("/signup/slug", query_string={"name": "蓝海贸易"})
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json()["slug"].replace("-", "") == "lanhaimaoyi"


def test_slug_hint_skips_taken_slugs(app, client):
    make_company(app, "blue-ocean")
    assert client.get("/signup/slug?name=Blue+Ocean").get_json() == {"slug": "blue-ocean-2"}
    assert client.get("/signup/slug?name=x").get_json() == {"slug": ""}
    assert client.get("/signup/slug").get_json() == {"slug": ""}


def test_slug_help_text_is_plain_text(client):
    # a "<…>" placeholder in a translatable string reaches the page unescaped (flask_babel's
    # LazyString.__html__) and the browser would swallow it as an HTML element
    page = client.get("/signup", headers=EN).get_data(as_text=True)
    start = page.index('id="slug"')
    help_text = re.search(r'<div class="form-text"[^>]*>(.*?)</div>', page[start:], re.S).group(1)
    assert "/t/" in help_text
    assert "<" not in help_text
    assert "<address" not in page
