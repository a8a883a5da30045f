"""Which language a page speaks and which time zone it shows: the rules of the app's
Flask-Babel selectors, shared with the fragments a page loads outside its company's URL (the
company switcher)."""

from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from ..models import Tenant
from ..services.followups import company_zone


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


def page_timezone(tenant: Tenant | None) -> str | None:
    """The zone Flask-Babel's datetimeformat moves stored (UTC) moments to: the company's, as
    its "today" (services/followups.company_zone); None outside a company (the default)."""
    return company_zone(tenant).key if tenant is not None else None
