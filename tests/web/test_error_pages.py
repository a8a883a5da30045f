"""Every 4xx/5xx answer is a page in the user's language with the site's layout."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import InternalServerError

from tests.conftest import login

ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def _layout(html: str) -> bool:
    return "<nav" in html and "navbar" in html and "</html>" in html


@pytest.mark.parametrize(("lang", "title"), [(EN, "Page not found"), (ZH, "页面不存在")])
def test_404_is_translated(client, lang, title):
    response = client.get("/no/such/page", headers=lang)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert title in html and _layout(html)


def test_405_400_413_pages(app, client, company_a):
    wrong = client.put("/login", headers=EN)
    assert wrong.status_code == 405 and "Not available this way" in wrong.get_data(as_text=True)
    nul = client.post("/login", data={"email": "a\x00b@example.com", "password": "x"}, headers=EN)
    assert nul.status_code == 400 and "NUL character" in nul.get_data(as_text=True)
    login(client, company_a.owner_email)
    client.post("/lang", data={"lang": "en"})  # company pages default to the company's zh
    big = client.post(
        f"/t/{company_a.slug}/customers/new",
        data={"name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)},
        headers=EN,
    )
    html = big.get_data(as_text=True)
    assert big.status_code == 413 and "larger than 20 MB" in html and _layout(html)
    client.post("/lang", data={"lang": "zh"})
    big_zh = client.post(
        f"/t/{company_a.slug}/customers/new",
        data={"name": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)},
    )
    assert big_zh.status_code == 413 and "超过 20 MB" in big_zh.get_data(as_text=True)


@pytest.mark.parametrize(("lang", "title"), [(EN, "Something went wrong"), (ZH, "出错了")])
def test_500_page_is_translated(app, lang, title):
    handler = app.error_handler_spec[None][500][InternalServerError]
    with app.test_request_context("/", headers=lang):
        body, status = handler(InternalServerError())
    assert status == 500 and title in body and _layout(body)


def _database_down(*_args, **_kwargs):
    from sqlalchemy.exc import OperationalError

    raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))


@pytest.mark.parametrize(("lang", "title"), [(EN, "Temporarily unavailable"), (ZH, "暂时无法访问")])
def test_database_down_gives_a_friendly_503(app, client, monkeypatch, lang, title):
    """A PostgreSQL restart (or a SQLite lock outlasting busy_timeout) is a 503 that says nothing
    was saved and asks the browser to retry, not a 500."""
    from webapp.extensions import db

    monkeypatch.setattr(db.session, "execute", _database_down)
    response = client.get("/healthz", headers=lang)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert title in html
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200  # and the next request works again


def _detached(*_args, **_kwargs):
    from sqlalchemy.orm.exc import DetachedInstanceError

    # what the logged-in user raises once the failed rollback has detached it (seen in the
    # load test's PostgreSQL restart)
    raise DetachedInstanceError("Instance <User> is not bound to a Session")


@pytest.mark.parametrize("failure", [_database_down, _detached])
def test_503_without_the_layout_when_the_layout_needs_the_database(
    app, client, monkeypatch, failure
):
    import webapp

    def layout_fails(name, **context):
        if name == "errors.html":
            failure()
        return real_render(name, **context)

    real_render = webapp.render_template
    monkeypatch.setattr(webapp, "render_template", layout_fails)
    from webapp.extensions import db

    monkeypatch.setattr(db.session, "execute", _database_down)
    response = client.get("/healthz", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and "Temporarily unavailable" in html
    assert "<nav" not in html and "Try again" in html


def test_a_connection_lost_after_the_response_does_not_turn_it_into_a_500(app, client, monkeypatch):
    """PostgreSQL restarting between the response and the session's closing rollback (seen in
    the load test): the page the user already got stays a 200."""
    from sqlalchemy.orm import Session

    real_close = Session.close

    def close_fails(self):
        real_close(self)
        _database_down()

    monkeypatch.setattr(Session, "close", close_fails)
    assert client.get("/healthz").status_code == 200
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200
