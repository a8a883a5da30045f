"""Long text prints in bounded time: free text reaches WeasyPrint as short inline runs (its
layout of one unbroken paragraph grows with the square of its length), and a layout that runs
past PDF_TIME_LIMIT is stopped with a translated message instead of holding the worker."""

from __future__ import annotations

import html
import multiprocessing
import statistics
import time
from datetime import date

import pytest

from tests.factories import make_customer, make_followup
from webapp.pdf import LAYOUT_PROCESS, RUN_LENGTH, runs

SENTENCE = "客户比较两家供应商的价格，要求再寄两台样品并确认包装要求和交货期。"


def chinese(length: int) -> str:
    return (SENTENCE * (length // len(SENTENCE) + 1))[:length]


def _text_of(markup) -> str:
    return str(markup).replace("<span>", "").replace("</span>", "")


def test_runs_keep_the_text_and_escape_it():
    text = "<b>报价</b> & " + chinese(450)
    result = runs(text)
    assert "<b>" not in str(result)
    assert _text_of(result) == text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    pieces = [html.unescape(p.removeprefix("<span>")) for p in str(result).split("</span>") if p]
    assert len(pieces) >= 5 and all(len(piece) <= RUN_LENGTH for piece in pieces)
    assert runs(None) == "" and runs("") == ""


def test_runs_end_where_a_line_may_break_anyway():
    url = "https://www.nordlicht-projektoren-international-trading.example.com/catalogue/2026"
    text = f"{chinese(60)} {url} {chinese(60)}"
    pieces = [p for p in str(runs(text)).split("</span>") if p]
    # the URL is never cut: the run before it ends at the space in front of it
    assert any(url in piece for piece in pieces)
    # a token longer than a run is cut (nothing else could keep the run short)
    assert len(pieces_of := str(runs("x" * (RUN_LENGTH * 2 + 5))).split("</span>")) == 4, pieces_of


def test_runs_never_separate_a_combining_mark():
    text = ("e\u0301" * RUN_LENGTH) + "x"
    for piece in str(runs(text)).split("<span>")[1:]:
        assert not piece.startswith("\u0301")


def _log_seconds(client, url: str, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200
    return statistics.median(times)


def test_a_5000_character_followup_prints_within_3x_a_400_character_one(app, client_a, company_a):
    urls = {}
    for length in (400, 5000):
        customer = make_customer(app, company_a, f"深圳市华彩数码科技有限公司 {length}")
        make_followup(app, company_a, customer, "报价跟进", content=chinese(length),
                      on_date=date(2026, 11, 20))  # fmt: skip
        urls[length] = f"/t/{company_a.slug}/print/customers/{customer}/followups.pdf?lang=zh"
    _log_seconds(client_a, urls[400], repeat=1)  # warm-up: fonts, templates
    short, long = _log_seconds(client_a, urls[400]), _log_seconds(client_a, urls[5000])
    assert long <= 3 * short, f"5,000 chars {long:.2f} s vs 400 chars {short:.2f} s"


def test_a_layout_past_the_limit_is_stopped_with_a_message(app, client_a, company_a):
    from flask_babel import force_locale, gettext

    customer = make_customer(app, company_a, "Slow Print GmbH")
    make_followup(app, company_a, customer, "Call", content=chinese(2000))
    before, app.config["PDF_TIME_LIMIT"] = app.config["PDF_TIME_LIMIT"], 0.05
    try:
        url = f"/t/{company_a.slug}/print/customers/{customer}/followups.pdf?lang=en"
        response = client_a.get(url)
    finally:
        app.config["PDF_TIME_LIMIT"] = before
    assert response.status_code == 503 and response.mimetype == "text/html"
    with app.test_request_context(), force_locale("zh"):  # the page is in the member's language
        message = gettext(
            "This form is too long to print in one go and was stopped after %(seconds)d "
            "seconds. Print a shorter selection (fewer customers or records) and try again.",
            seconds=0,
        )
    assert message in response.get_data(as_text=True)
    # the layout was stopped, not left running (other tests' servers may be children too)
    assert not [p for p in multiprocessing.active_children() if p.name == LAYOUT_PROCESS]


def test_a_failed_layout_is_an_error_not_a_hang(app):
    from webapp.pdf import html_to_pdf

    with pytest.raises(RuntimeError):
        html_to_pdf(object(), app.static_folder, 30)  # not HTML: WeasyPrint fails in the child
