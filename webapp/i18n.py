"""The templates' gettext: Flask-Babel's, with the request's catalog looked up once.

Flask-Babel installs `_()` in Jinja as "find the request's Babel context, its domain, its locale
(as a string), then the catalog" on every call: ~10 µs, and a page calls it 100–300 times. Here
the catalog is kept on the request's Babel context beside the locale object it was found for,
so `force_locale()` (mails, PDFs, imports in another language) and `refresh()` (a language
change) still get the right one: either replaces that object.
"""

from __future__ import annotations

from babel.support import NullTranslations
from flask import Flask, g, has_app_context
from flask_babel import Domain, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

_KEY = "tradefollow_translations"


def _kept() -> NullTranslations | None:
    """The catalog kept on the request's Babel context, if it is still the context's locale's."""
    ctx = g.get("_flask_babel")
    if ctx is not None:
        kept = getattr(ctx, _KEY, None)
        locale = getattr(ctx, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is locale:
            return kept[1]
    return None


def request_translations() -> NullTranslations:
    kept = _kept()
    if kept is not None:
        return kept
    return get_translations()  # sets up the context and its locale; _RequestDomain keeps it


class _RequestDomain(Domain):
    """Flask-Babel's domain, whose catalog lookup is the kept one above: every gettext,
    pgettext and lazy string of the app (labels of the scales, form labels, flashes) went
    through Flask-Babel's per-call lookup (~5 µs; a card prints ~60 lazy labels)."""

    def get_translations(self) -> NullTranslations:
        kept = _kept() if has_app_context() else None
        if kept is not None:
            return kept
        translations = super().get_translations()
        ctx = g.get("_flask_babel") if has_app_context() else None
        if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
            setattr(ctx, _KEY, (ctx.babel_locale, translations))
        return translations


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, **variables) -> str:
    """`_()` and `gettext()` in templates, as Jinja's newstyle gettext: escaped variables in an
    autoescaped template, and the %(name)s formatting always applied ('%%' becomes '%')."""
    rv = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


@pass_eval_context
def template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables
) -> str:
    variables.setdefault("num", num)
    rv = request_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        rv = Markup(rv)
    return rv % variables


def install_template_gettext(app: Flask) -> None:
    """Put these in Jinja's globals in place of the callables Flask-Babel installed (its
    `pgettext`/`npgettext` stay: no template uses them). Jinja's own `_` called `gettext`
    through two more wrappers (~12 µs a call on this machine, against ~4)."""
    app.jinja_env.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
    # Babel.domain_instance is a cached property: this instance takes its place
    config = app.extensions["babel"]
    config.instance.domain_instance = _RequestDomain(domain=config.default_domain)
