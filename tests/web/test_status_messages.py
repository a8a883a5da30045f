"""Saved messages reach htmx requests too (issue 25): the message flashed by a save travels in
HX-Trigger-After-Settle as the event tf:status (non-ASCII escaped: a header is Latin-1), with
tf:focus naming the entry saved; plain posts keep the flash for the page they land on."""

from __future__ import annotations

import json

from flask_babel import force_locale, gettext

from tests.factories import make_customer
from tests.web.test_followups import HX, form_data, today_of

ZH = {"Accept-Language": "zh-CN"}


def saved_text(app) -> str:
    """The follow-up route's message for record no. 1, in Chinese (the test company's)."""
    with app.test_request_context(), force_locale("zh"):
        return gettext("Follow-up no. %(seq)s saved.", seq=1)


def _events(response) -> dict:
    header = response.headers["HX-Trigger-After-Settle"]
    assert header.isascii()
    return json.loads(header)


def test_htmx_follow_up_save_sends_its_message_and_focus(app, client_a, company_a) -> None:
    customer = make_customer(app, company_a, "Hamburg Import GmbH", country="DE")
    url = f"/t/{company_a.slug}/customers/{customer}/followups"
    response = client_a.post(url, data=form_data(company_a, today_of(app, company_a)), headers=HX)
    assert response.status_code == 200
    events = _events(response)
    (message,) = events["tf:status"]["messages"]
    assert message["category"] == "success"
    assert message["text"] == saved_text(app)  # in the company's language (Chinese)
    assert events["tf:focus"]["selector"].startswith("#followup-")
    assert response.headers["HX-Trigger"] == "followupsChanged"  # untouched
    # announced once: the next page does not show it again
    assert message["text"] not in client_a.get(f"/t/{company_a.slug}/").get_data(True)


def test_htmx_contact_save_in_chinese(app, client_a, company_a) -> None:
    customer = make_customer(app, company_a, "Hamburg Import GmbH", country="DE")
    url = f"/t/{company_a.slug}/customers/{customer}/contacts"
    data = {"name": "王芳", "version": ""}
    response = client_a.post(url, data=data, headers={**HX, **ZH})
    assert response.status_code == 200, response.get_data(True)[:500]
    events = _events(response)
    (message,) = events["tf:status"]["messages"]
    assert "王芳" in message["text"]
    assert events["tf:focus"]["selector"].startswith("#contact-")


def test_refused_htmx_form_sends_no_message(app, client_a, company_a) -> None:
    customer = make_customer(app, company_a, "Hamburg Import GmbH", country="DE")
    url = f"/t/{company_a.slug}/customers/{customer}/followups"
    data = form_data(company_a, today_of(app, company_a), topic="")
    response = client_a.post(url, data=data, headers=HX)
    assert response.status_code == 422
    assert "HX-Trigger-After-Settle" not in response.headers


def test_plain_post_keeps_the_flash_for_the_card(app, client_a, company_a) -> None:
    customer = make_customer(app, company_a, "Hamburg Import GmbH", country="DE")
    url = f"/t/{company_a.slug}/customers/{customer}/followups"
    response = client_a.post(url, data=form_data(company_a, today_of(app, company_a)))
    assert response.status_code == 302
    assert "HX-Trigger-After-Settle" not in response.headers
    card = client_a.get(response.headers["Location"]).get_data(True)
    assert saved_text(app) in card
