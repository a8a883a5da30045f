"""Labels that used to show raw codes or the wrong language (issue 25): the roles table's
permission keys and the company switcher's header."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login
from tests.factories import add_member, make_company
from webapp.services.roles import PERMISSION_LABELS, PERMISSIONS


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_roles_table_shows_no_permission_keys(client_a, company_a, lang):
    client_a.post("/lang", data={"lang": lang})
    html = client_a.get(f"/t/{company_a.slug}/team/roles").get_data(as_text=True)
    table = re.search(r'id="roles-matrix">(.*?)</table>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", " ", table)  # what the reader sees, not the attributes
    for action in PERMISSIONS:
        assert action not in text
        assert f'data-action="{action}"' in table  # still there for tests and tools
    if lang == "en":
        assert str(PERMISSION_LABELS["customers.view"]) in text


def test_company_switcher_speaks_the_companys_language(app, client, company_a):
    """A user without a language of their own, an English browser, a Chinese company (zh by
    default): the page is Chinese, so the switcher loaded into it is Chinese too."""
    english = make_company(app, "gamma-goods", "Gamma Goods", locale="en")
    add_member(app, english, company_a.owner_email, {"sales"})
    login(client, company_a.owner_email)
    browser = {"Accept-Language": "en"}
    page = client.get(f"/t/{company_a.slug}/", headers=browser).get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    menu = client.get(f"/companies/menu?current={company_a.slug}", headers=browser)
    assert "切换公司" in menu.get_data(as_text=True)
    # opened in the English company, the same switcher is English
    menu = client.get(f"/companies/menu?current={english.slug}", headers=browser)
    assert "Switch company" in menu.get_data(as_text=True)
    # a slug that is not one of the user's companies changes nothing: the browser's language
    menu = client.get("/companies/menu?current=beta-export", headers=browser)
    assert "Switch company" in menu.get_data(as_text=True)
