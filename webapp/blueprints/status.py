"""Saved messages ("Follow-up no. 3 saved.") for htmx requests.

A full page shows flashed messages as alerts (base.html). An htmx request swaps only part of a
page, so whatever was flashed and not drawn travels in the HX-Trigger-After-Settle header as
the event `tf:status`; static/js/app.js writes it into the page's live region (#live-status),
which screen readers announce; `focus_after_swap` names the entry that gets focus after it.
"""

from __future__ import annotations

import json

from flask import Flask, Response, get_flashed_messages, request

STATUS_EVENT = "tf:status"
FOCUS_EVENT = "tf:focus"
HEADER = "HX-Trigger-After-Settle"


def _events(header: str | None) -> dict:
    """The events a header already names: a JSON object, or names separated by commas."""
    if not header:
        return {}
    if header.lstrip().startswith("{"):
        return json.loads(header)
    return {name.strip(): None for name in header.split(",") if name.strip()}


def focus_after_swap(response: Response, selector: str) -> Response:
    """After the swap, app.js moves focus to `selector` (the entry just saved), so keyboard and
    screen reader users carry on from there rather than from the top of the page."""
    events = _events(response.headers.get(HEADER))
    events[FOCUS_EVENT] = {"selector": selector}
    response.headers[HEADER] = json.dumps(events)
    return response


def _status_for_htmx(response: Response) -> Response:
    if not request.headers.get("HX-Request") or response.is_streamed:
        return response
    # a redirect is followed by the browser: the page it lands on shows the messages
    if 300 <= response.status_code < 400 or "HX-Redirect" in response.headers:
        return response
    # a whole page (base.html) has drawn them already
    if response.mimetype == "text/html" and response.get_data()[:15].lower() == b"<!doctype html>":
        return response
    messages = get_flashed_messages(with_categories=True)
    if not messages:
        return response
    events = _events(response.headers.get(HEADER))
    events[STATUS_EVENT] = {
        "messages": [{"category": category, "text": str(text)} for category, text in messages]
    }
    # json.dumps escapes non-ASCII (\u4e2d…): a header is Latin-1, JSON.parse restores it
    response.headers[HEADER] = json.dumps(events)
    return response


def register_status_messages(app: Flask) -> None:
    app.after_request(_status_for_htmx)
