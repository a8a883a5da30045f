"""url_for() from a kept template of each route, for the URLs a page builds by the dozen.

A card links every follow-up twice (edit, delete) and the layout links twenty pages: ~100
url_for calls, each running the URL defaults and Werkzeug's rule builder, a quarter of the
card's rendering (docs/performance.md, "2026-12-03, last"). Most of those URLs differ only in an id.
So the first time a route is asked for with a given set of ids, Flask builds it once with a
stand-in number for each id, and the text around the stand-ins is kept; after that the URL is
that text joined with the ids.

Only the plain case takes the shortcut: inside a request, no _anchor/_external/_method/_scheme,
a route with one rule and no defaults, and every value a non-negative int that is a path
argument of that rule with Werkzeug's own int converter (so the rule cannot pick another form by
value, and `str(id)` is what the converter writes). Anything else goes to Flask's url_for. A test
builds every route of the app both ways and compares.
"""

from __future__ import annotations

from flask import Flask, g
from flask.globals import _cv_request
from werkzeug.routing import IntegerConverter
from werkzeug.routing.converters import NumberConverter

# Stand-ins far above any id the database holds (building does not check the converter's max),
# one per argument so each one's place in the built URL is known.
_STAND_IN = 9_876_543_210_000
# routes × companies kept by one process; past this the templates are made again as needed
_MOST_TEMPLATES = 20_000
_NO_TEMPLATE = ((), ())


class TradeFollowApp(Flask):
    """Flask with url_for's kept templates (above); nothing else differs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # (endpoint, argument names, company slug, script root) -> (pieces, argument order);
        # _NO_TEMPLATE for a route that cannot take the shortcut. Rules never change once
        # the app serves requests.
        self._url_templates: dict[tuple, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values,
    ) -> str:
        if _anchor is None and _method is None and _scheme is None and not _external:
            fast = self._from_template(endpoint, values)
            if fast is not None:
                return fast
        return super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )

    def _from_template(self, endpoint: str, values: dict) -> str | None:
        req_ctx = _cv_request.get(None)
        if req_ctx is None:
            return None
        for value in values.values():
            if type(value) is not int or value < 0:  # bool is an int subclass: not taken
                return None
        if endpoint[:1] == ".":
            blueprint = req_ctx.request.blueprint
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        # the company whose slug tenant_url_defaults puts in: part of what the URL is
        tenant = g.get("tenant")
        slug = None if tenant is None else tenant.slug
        key = (endpoint, tuple(values), slug, req_ctx.request.root_path)
        template = self._url_templates.get(key)
        if template is None:
            if len(self._url_templates) > _MOST_TEMPLATES:
                self._url_templates.clear()
            template = self._url_templates[key] = self._make_template(endpoint, tuple(values))
        pieces, order = template
        if not pieces:
            return None
        if not order:
            return pieces[0]
        parts = [pieces[0]]
        for name, piece in zip(order, pieces[1:], strict=True):
            parts.append(str(values[name]))
            parts.append(piece)
        return "".join(parts)

    def _make_template(
        self, endpoint: str, names: tuple[str, ...]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        rules = self.url_map._rules_by_endpoint.get(endpoint, [])
        if len(rules) != 1:
            return _NO_TEMPLATE
        rule = rules[0]
        if rule.defaults or rule.build_only or rule.redirect_to:
            return _NO_TEMPLATE
        for name in names:
            converter = rule._converters.get(name)
            if (
                converter is None  # not a path argument: it would go to the query string
                or not isinstance(converter, IntegerConverter)
                or converter.fixed_digits
                or type(converter).to_url is not NumberConverter.to_url
            ):
                return _NO_TEMPLATE
        stand_ins = {name: str(_STAND_IN + i) for i, name in enumerate(names)}
        built = super().url_for(endpoint, **{n: int(v) for n, v in stand_ins.items()})
        if "://" in built or any(built.count(number) != 1 for number in stand_ins.values()):
            return _NO_TEMPLATE  # another host's URL, or a stand-in not exactly once
        # cut the built URL at each stand-in, in the order they appear in it
        found = sorted((built.index(number), name) for name, number in stand_ins.items())
        pieces, order, start = [], [], 0
        for at, name in found:
            pieces.append(built[start:at])
            order.append(name)
            start = at + len(stand_ins[name])
        pieces.append(built[start:])
        return tuple(pieces), tuple(order)
