"""The customer card at scale: the newest follow-ups first with "show older", the folded "log a
follow-up" form fetched when unfolded, and a query count that does not grow with the log."""

from __future__ import annotations

import re

from tests.conftest import count_queries
from tests.factories import company_today, make_contact, make_customer, make_followup
from webapp.services.followups import TIMELINE_FIRST

HX = {"HX-Request": "true"}


def _numbers(page: str) -> list[int]:
    return [
        int(n) for n in re.findall(r'<span class="badge text-bg-dark me-1"[^>]*>(\d+)</span>', page)
    ]


def _customer_with_log(app, company, n: int) -> int:
    customer = make_customer(app, company, "Nordlicht Handel")
    make_contact(app, company, customer, "Jonas Weber", is_primary=True)
    for i in range(n):
        make_followup(app, company, customer, f"Call {i + 1}", method="email" if i % 2 else "phone")
    return customer


def test_the_card_shows_the_newest_and_offers_the_older(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer = _customer_with_log(app, company_a, TIMELINE_FIRST + 5)
    url = f"/t/{company_a.slug}/customers/{customer}"
    page = client_a.get(url).get_data(as_text=True)
    assert _numbers(page) == list(range(TIMELINE_FIRST + 5, 5, -1))  # 25 … 6
    assert "Show 5 older follow-ups" in page
    # htmx swaps the whole log in place; without htmx the link opens the card with all of it
    partial = client_a.get(url + "?all=1", headers=HX | {"HX-Target": "timeline"})
    body = partial.get_data(as_text=True)
    assert "<html" not in body and _numbers(body) == list(range(TIMELINE_FIRST + 5, 0, -1))
    assert "older follow-up" not in body
    full = client_a.get(url + "?all=1").get_data(as_text=True)
    assert _numbers(full) == list(range(TIMELINE_FIRST + 5, 0, -1))
    # a method filter counts only its own kind: 13 phone calls, 12 e-mails
    phones = client_a.get(url + "?method=phone", headers=HX | {"HX-Target": "timeline"})
    body = phones.get_data(as_text=True)
    assert len(_numbers(body)) == TIMELINE_FIRST - 7 and "older follow-up" not in body


def test_a_short_log_has_no_show_older(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer = _customer_with_log(app, company_a, 3)
    page = client_a.get(f"/t/{company_a.slug}/customers/{customer}").get_data(as_text=True)
    assert _numbers(page) == [3, 2, 1] and "older follow-up" not in page


def test_the_folded_form_is_fetched_when_unfolded(app, client_a, company_a):
    client_a.post("/lang", data={"lang": "en"})
    customer = _customer_with_log(app, company_a, 1)
    base = f"/t/{company_a.slug}/customers/{customer}"
    page = client_a.get(base).get_data(as_text=True)
    new_url = f"{base}/followups/new"
    assert 'id="followup-form"' not in page
    assert f'hx-get="{new_url}"' in page and 'hx-trigger="toggle from:#add-followup once"' in page
    assert f'href="{base}?log=1#add-followup"' in page  # no JavaScript: the card with it open

    form = client_a.get(new_url, headers=HX).get_data(as_text=True)
    assert "<html" not in form and 'id="followup-form"' in form
    assert f'value="{company_today(app, company_a).isoformat()}"' in form  # today, prefilled
    assert re.search(r'<option selected value="phone">|<option value="phone" selected', form)
    assert "Jonas Weber" in form

    plain = client_a.get(new_url)
    assert plain.status_code == 302 and plain.location.endswith("?log=1#add-followup")
    opened = client_a.get(base + "?log=1").get_data(as_text=True)
    assert 'id="followup-form"' in opened
    assert re.search(r'<details[^>]*id="add-followup"[^>]*\sopen', opened)


def test_card_queries_do_not_grow_with_the_log(app, client_a, company_a):
    short = _customer_with_log(app, company_a, 2)
    long = _customer_with_log(app, company_a, 2 * TIMELINE_FIRST + 10)  # 25 calls, 25 e-mails
    client_a.post("/lang", data={"lang": "en"})
    client_a.get(f"/t/{company_a.slug}/customers/{short}")
    with count_queries(app) as few:
        client_a.get(f"/t/{company_a.slug}/customers/{short}")
    with count_queries(app) as many:
        page = client_a.get(f"/t/{company_a.slug}/customers/{long}").get_data(as_text=True)
    assert len(_numbers(page)) == TIMELINE_FIRST
    # as many: the newest record's number is the count of the older ones (numbers have no
    # gaps); a method filter has to count, and only when there are more than a page
    assert len(many) == len(few), many
    assert f"Show {TIMELINE_FIRST + 10} older follow-ups" in page
    with count_queries(app) as phones:
        page = client_a.get(f"/t/{company_a.slug}/customers/{long}?method=phone")
    assert len(phones) == len(few) + 1, phones
    assert "Show 5 older follow-ups" in page.get_data(as_text=True)
    with count_queries(app) as everything:
        client_a.get(f"/t/{company_a.slug}/customers/{long}?all=1")
    assert len(everything) == len(few), everything
