"""The dashboard page: whose numbers each role sees, the SVG it draws, and its query count."""

from __future__ import annotations

import re

import pytest

from tests.conftest import count_queries, login
from tests.factories import add_member, make_customer, make_followup

SALES = "sales@alpha.example.com"
GM = "gm@alpha.example.com"


@pytest.fixture
def url(company_a) -> str:
    return f"/t/{company_a.slug}/charts/"


@pytest.fixture
def team(app, company_a) -> dict[str, int]:
    sales = add_member(app, company_a, SALES, {"sales"}, "Li Lei")
    gm = add_member(app, company_a, GM, {"gm"}, "Boss")
    mine = make_customer(app, company_a, "Owner's A", grade="A")
    theirs = make_customer(app, company_a, "Sales's B", grade="B", owner_id=sales)
    make_followup(app, company_a, mine, "owner call")
    make_followup(app, company_a, theirs, "sales call", author_membership_id=sales)
    return {"sales": sales, "gm": gm}


def _bars(html: str) -> dict[str, str]:
    """Bar label -> value as the hidden data table lists them."""
    return dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', html))


def test_salesperson_sees_own_numbers_even_when_asking_for_the_team(app, client, url, team):
    login(client, SALES)
    client.post("/lang", data={"lang": "en"})
    for query in ("", "?member=all", f"?member={team['gm']}"):
        html = client.get(url + query).get_data(as_text=True)
        assert _bars(html)["B"] == "1" and _bars(html)["A"] == "0"
        assert "Whole team" not in html  # no switch offered
    assert "<svg" in html and "Customers by grade" in html and "Li Lei" in html


def test_manager_roles_switch_between_me_the_team_and_a_colleague(app, client, url, team):
    login(client, GM)
    client.post("/lang", data={"lang": "en"})
    html = client.get(url + "?member=all").get_data(as_text=True)
    assert _bars(html)["A"] == "1" and _bars(html)["B"] == "1"
    assert "Li Lei" in html and "Owner alpha-trading" in html  # one line per member
    html = client.get(url + f"?member={team['sales']}").get_data(as_text=True)
    assert _bars(html)["A"] == "0" and _bars(html)["B"] == "1"
    html = client.get(url).get_data(as_text=True)  # the gm owns nothing
    assert _bars(html)["A"] == "0" and "Nothing recorded in this period yet." in html


def test_htmx_switch_returns_only_the_panels(client, url, team):
    login(client, GM)
    response = client.get(url + "?member=all", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="charts"') and "<nav" not in html


def test_unknown_colleague_is_404(client, url, team):
    login(client, GM)
    assert client.get(url + "?member=999999").status_code == 404


def test_bars_link_to_the_filtered_customer_list(client, url, team, company_a):
    login(client, GM)
    html = client.get(url + "?member=all").get_data(as_text=True)
    assert f'href="/t/{company_a.slug}/customers/?grade=A"' in html
    html = client.get(url + f"?member={team['sales']}").get_data(as_text=True)
    assert f"/customers/?grade=A&amp;owner={team['sales']}" in html


def test_page_is_chinese_by_default(client, url, team):
    login(client, SALES)
    html = client.get(url).get_data(as_text=True)
    assert "看板" in html and "按等级的客户" in html


def test_query_count_does_not_grow_with_customers_or_followups(app, client, url, team, company_a):
    login(client, GM)
    with count_queries(app) as few:
        client.get(url + "?member=all")
    for i in range(15):
        customer = make_customer(app, company_a, f"More {i}", grade="C")
        make_followup(app, company_a, customer, f"call {i}")
    with count_queries(app) as many:
        assert client.get(url + "?member=all").status_code == 200
    assert len(many) == len(few) <= 14


def test_plan_compliance_chart_reads_the_plans(app, client, url, team, company_a):
    from datetime import timedelta

    from tests.factories import company_today, make_plan

    today = company_today(app, company_a)
    monday = today - timedelta(days=today.weekday())
    customer = make_customer(app, company_a, "Planned", owner_id=team["sales"])
    make_plan(
        app, company_a, monday, member_id=team["sales"], weeks=1, customer_ids=(customer,),
        cells={(customer, monday): "C", (customer, monday + timedelta(days=1)): "C"},
    )  # fmt: skip
    make_followup(
        app, company_a, customer, "kept", on_date=monday, author_membership_id=team["sales"]
    )
    login(client, GM)
    client.post("/lang", data={"lang": "en"})
    html = client.get(url + "?member=all").get_data(as_text=True)
    assert "Plan compliance per week" in html
    assert re.search(r"<td>50(\.0)?%</td>\s*</tr>\s*</table>", html)  # this week: 1 of 2 kept
