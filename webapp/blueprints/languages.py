"""Which language a page speaks: the one rule, shared by the app's locale selector and the
fragments a page loads outside its company's URL (the company switcher)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from ..models import Tenant


def page_locale(tenant: Tenant | None) -> str:
    """User's own choice → company default → browser's Accept-Language → zh."""
    languages = tuple(current_app.config["LANGUAGES"])
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    if tenant is not None and tenant.default_locale in languages:
        return tenant.default_locale
    return request.accept_languages.best_match(languages) or languages[0]
