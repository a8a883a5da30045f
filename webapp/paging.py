"""Pages of a list: one whose total is not counted (a search with very many matches: counting
would scan again what the page itself found after a few rows), and one whose total the caller
already knows (the customer list's counts per grade)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, request
from sqlalchemy import Select

from .blueprints.formkit import bounded_int
from .extensions import db


@dataclass
class OpenPage:
    """What the pagination macro reads, for a list known only to have "more than `at_least`"
    rows: "next" is offered when one row more than the page came back."""

    items: list
    page: int
    per_page: int
    has_next: bool
    at_least: int | None
    total: int | None = None
    pages: int | None = None

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def open_page(stmt: Select, page: int, per_page: int, at_least: int) -> OpenPage:
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)))
    return OpenPage(rows[:per_page], page, per_page, len(rows) > per_page, at_least)


def counted_page(items: list, page: int, per_page: int, total: int) -> OpenPage:
    """A page of `total` rows, whose items the caller read itself."""
    pages = max(1, -(-total // per_page))
    return OpenPage(items, page, per_page, page < pages, None, total, pages)


def requested_page(stmt: Select, per_page: int | None = None, **options):
    """The page of `stmt` that ?page= asks for, Flask-SQLAlchemy's own pagination (counted),
    of the app's PAGE_SIZE rows unless `per_page`. A page past the end, or a page number that
    is not one, gives an empty page or the first, never an error."""
    return db.paginate(
        stmt,
        page=request.args.get("page", 1, type=bounded_int),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        **options,
    )


def render_list(area: str, name: str, **context) -> str:
    """A list page (`<area>/index.html`), or only its results (`<area>/_results.html`) when
    htmx asks for them: the filter bar targets `#<name>-results` (macros/filters.html)."""
    if request.htmx and request.htmx.target == f"{name}-results":
        return render_template(f"{area}/_results.html", **context)
    return render_template(f"{area}/index.html", **context)
