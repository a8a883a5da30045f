"""The one way into a session. Every route that logs a person in calls `start_login` once the
password (or a new account's creation) is settled; the second factor, the fresh session and the
audit event are decided here, so no page can skip them. `tests/security/test_login_paths.py`
fails when `login_user` is called anywhere else.

- `start_login(user, …)`: a fresh session; a person with two-factor login goes on to
  /login/code, anyone else is logged in now.
- `finish_second_factor(user)`: the code was right; log in as `start_login` asked.
- `renew_session(user)`: the person already logged in (second factor included) changed their
  password; their session takes the new epoch so it outlives the others it just ended.
"""

from __future__ import annotations

import time

from flask import redirect, session, url_for
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from ...extensions import db
from ...models import User
from ...services import audit
from ...services.signup import memberships_of
from ...tenancy.context import remember_request_user

PENDING_2FA = "pending_2fa"
PENDING_2FA_SECONDS = 300


def fresh_session() -> None:
    """A new session at login (no fixation of a pre-login session); the language choice stays."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def start_login(user: User, *, remember: bool = False, next_url: str | None = None) -> Response:
    """Log `user` in, through the second factor when they have one. The caller has checked the
    password (or just created the account) and commits nothing for us."""
    fresh_session()
    if user.has_totp:
        session[PENDING_2FA] = {
            "user": user.get_id(),
            "at": time.time(),
            "remember": remember,
            "next": next_url,
        }
        return redirect(url_for("auth.second_factor"))
    return _complete(user, remember, next_url)


def pending_second_factor() -> dict | None:
    """What `start_login` left for /login/code, or None when absent or older than 5 minutes."""
    pending = session.get(PENDING_2FA)
    if not pending or time.time() - pending["at"] > PENDING_2FA_SECONDS:
        session.pop(PENDING_2FA, None)
        return None
    return pending


def finish_second_factor(user: User) -> Response:
    """The code was right: log in as the pending login asked."""
    pending = session.pop(PENDING_2FA)
    if pending["user"] != user.get_id():  # the session's pending login is someone else's
        raise PermissionError("second factor for another login")
    return _complete(user, pending["remember"], pending["next"])


def _complete(user: User, remember: bool, next_url: str | None) -> Response:
    login_user(user, remember=remember)
    remember_request_user(user.id)
    audit.record_for_user("login", user)
    db.session.commit()
    return redirect(next_url or home_for(user))


def renew_session(user: User) -> None:
    """Give the current, fully logged-in session `user`'s new epoch (after a password change).
    Refuses anyone but the person already logged in: it is no way to log in."""
    if not current_user.is_authenticated or current_user.id != user.id:
        raise PermissionError("renew_session is only for the logged-in person")
    login_user(user)


def home_for(user: User) -> str:
    memberships = memberships_of(user)
    if len(memberships) == 1:
        return url_for("dashboard.home", tenant_slug=memberships[0].tenant.slug)
    return url_for("auth.companies")
