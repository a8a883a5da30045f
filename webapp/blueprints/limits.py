"""Rate-limit keys and limits that fit offices. A team shares one public address, so a step a
whole team takes together (joining by invitation, signing up) is limited per invitation or per
account, under a per-address ceiling an office meeting fits beneath (OFFICE_RATE_LIMIT). Login
counts only the attempts that fail: guessing is stopped, colleagues getting in are not."""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import limiter


def _config(key: str) -> str:
    return current_app.config[key]


def by_link_token() -> str:
    """The secret in the URL (/join/<slug>/<token>, /signup/confirm/<token>): one link hammered
    is limited, ten colleagues each with their own are not."""
    return f"link:{(request.view_args or {}).get('token', '')}"


def by_account() -> str:
    """The person signing up: the logged-in account, else the address typed in the form (which
    also keeps the signup mail from being sent to one address over and over)."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    email = (request.form.get("email") or "").strip().lower()
    return f"email:{email}" if email else f"addr:{get_remote_address()}"


def office_step(key_func):
    """A step a team takes together: limited by `key_func` (SIGNUP_RATE_LIMIT) and by the
    address (OFFICE_RATE_LIMIT), POSTs only."""

    def decorate(view):
        per_key = limiter.limit(
            lambda: _config("SIGNUP_RATE_LIMIT"), key_func=key_func, methods=["POST"]
        )
        per_address = limiter.limit(lambda: _config("OFFICE_RATE_LIMIT"), methods=["POST"])
        return per_address(per_key(view))

    return decorate


def login_guesses(view):
    """LOGIN_RATE_LIMIT per address, counting the attempts that do not get in (a redirect is a
    login, or its second step): the check still runs first, so a blocked address stays blocked
    even with the right password."""
    return limiter.limit(
        lambda: _config("LOGIN_RATE_LIMIT"),
        methods=["POST"],
        deduct_when=lambda response: response.status_code != 302,
    )(view)
