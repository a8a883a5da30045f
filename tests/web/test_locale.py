"""Language choice: the user's own choice, then the company default, then the browser, then zh.

Chinese catalogs may still be incomplete, so Chinese pages are recognised by the <html lang>
the base template sets ("zh-CN" or "en"), English pages also by their English words.
"""

import re

import pytest

from tests.conftest import login
from tests.factories import make_company
from webapp.extensions import db
from webapp.models import User
from webapp.services import lookups
from webapp.tenancy.context import acting_user


def page_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)">', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[:300]
    return match.group(1)


def user_locale(app, email: str) -> str | None:
    with app.app_context():
        user_id = lookups.account_id(email)
        with acting_user(user_id):  # RLS shows a person's row to that person (or colleagues)
            return db.session.get(User, user_id).locale


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en-US", "en"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("zh-CN", "zh-CN"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en;q=0.5,zh;q=0.9", "zh-CN"),
        ("fr-FR", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_browser_language(client, accept, lang):
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/login", headers=headers)
    assert response.status_code == 200
    assert page_lang(response) == lang


def test_english_page_is_in_english(client):
    page = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "Log in" in page
    assert "Sign up your company" in page
    # the switch offers the other language
    assert 'name="lang" value="zh"' in page


def test_chinese_page_offers_english(client):
    page = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'name="lang" value="en"' in page


def test_language_switch_sticks_for_a_visitor(client):
    response = client.post("/lang", data={"lang": "en", "next": "/signup"})
    assert response.status_code == 302
    assert response.location == "/signup"
    zh = {"Accept-Language": "zh-CN"}
    assert page_lang(client.get("/login", headers=zh)) == "en"
    assert page_lang(client.get("/", headers=zh)) == "en"

    client.post("/lang", data={"lang": "zh"})
    assert page_lang(client.get("/login", headers={"Accept-Language": "en"})) == "zh-CN"


def test_language_switch_ignores_unknown_languages_and_foreign_next(client):
    response = client.post("/lang", data={"lang": "fr", "next": "https://evil.example.com/"})
    assert response.status_code == 302
    assert response.location == "/"
    assert page_lang(client.get("/login", headers={"Accept-Language": "en"})) == "en"


def test_logged_in_choice_is_stored_on_the_user(app, client_a, company_a):
    assert user_locale(app, company_a.owner_email) is None
    home = "/t/alpha-trading/"
    assert page_lang(client_a.get(home)) == "zh-CN"  # company default

    client_a.post("/lang", data={"lang": "en", "next": home})
    assert user_locale(app, company_a.owner_email) == "en"
    assert page_lang(client_a.get(home, headers={"Accept-Language": "zh"})) == "en"

    # a new session (another browser): the stored choice still wins
    client_a.post("/logout")
    assert page_lang(client_a.get("/login", headers={"Accept-Language": "zh"})) == "zh-CN"
    login(client_a, company_a.owner_email)
    assert page_lang(client_a.get(home, headers={"Accept-Language": "zh"})) == "en"


def test_users_choice_wins_over_the_company_default(app, client):
    company = make_company(app, "gamma-imports", "Gamma Imports", locale="en")
    login(client, company.owner_email)
    home = "/t/gamma-imports/"
    assert page_lang(client.get(home)) == "en"
    client.post("/lang", data={"lang": "zh"})
    assert user_locale(app, company.owner_email) == "zh"
    assert page_lang(client.get(home, headers={"Accept-Language": "en"})) == "zh-CN"


def test_visitor_choice_is_kept_at_login(app, client, company_a):
    client.post("/lang", data={"lang": "en"})
    login(client, company_a.owner_email)
    # the company default is zh, but the visitor had chosen English before logging in
    assert page_lang(client.get("/t/alpha-trading/")) == "en"
    assert user_locale(app, company_a.owner_email) is None


def test_company_default_beats_the_browser(app, client):
    company = make_company(app, "gamma-imports", "Gamma Imports", locale="en")
    login(client, company.owner_email)
    response = client.get("/t/gamma-imports/", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 200
    assert page_lang(response) == "en"
    assert "Customers" in response.get_data(as_text=True)
    # outside the company's pages there is no company default: the browser decides
    assert page_lang(client.get("/companies", headers={"Accept-Language": "zh-CN"})) == "zh-CN"


def test_chinese_company_default_beats_an_english_browser(client_a):
    response = client_a.get("/t/alpha-trading/", headers={"Accept-Language": "en-US"})
    assert page_lang(response) == "zh-CN"
