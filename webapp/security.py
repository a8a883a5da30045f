"""Response headers that close the usual browser holes. The policy allows only our own files:
no inline script or style, no eval (htmx is configured for that in base.html), no framing."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.datastructures import ImmutableMultiDict

from .normalize import strip_controls

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Bootstrap's form controls draw their arrows and ticks as data: SVG images
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _refuse_nul_characters() -> None:
    """PostgreSQL cannot store U+0000 in text and nobody types it: refuse the request with a
    message instead of failing deep in the database (the page with the form stays open)."""
    from flask import abort, request
    from flask_babel import gettext as _

    if request.method in ("GET", "HEAD", "OPTIONS"):
        values = request.args.values()
    else:
        values = list(request.args.values()) + list(request.form.values())
    if any("\x00" in value for value in values):
        abort(
            400,
            description=_("The text contains an invisible NUL character. Remove it and try again."),
        )


class _CleanedValues(ImmutableMultiDict):
    """Query and form values without control characters (NUL is kept: _refuse_nul_characters
    answers it with a message). Werkzeug builds args, form and files through the request's
    parameter_storage_class, so every entry point (WTForms, request.form.get in a route, a
    search) gets the cleaned text; files keep their bytes."""

    def __init__(self, mapping=None) -> None:
        if isinstance(mapping, list):
            mapping = [
                (key, strip_controls(value, nul=False) if isinstance(value, str) else value)
                for key, value in mapping
            ]
        super().__init__(mapping)


def register_security_headers(app: Flask) -> None:
    # on top of the request class extensions installed (htmx-flask's adds request.htmx)
    app.request_class = type(
        "CleanedRequest", (app.request_class,), {"parameter_storage_class": _CleanedValues}
    )
    app.before_request(_refuse_nul_characters)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        seconds = app.config.get("HSTS_SECONDS", 0)
        if seconds:  # production only: HTTPS must be in place before browsers remember it
            headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
        return response
