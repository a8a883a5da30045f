"""Reading form values and messages out of rendered pages."""

import html
import re
from html.parser import HTMLParser


def input_value(page: str, field_id: str) -> str | None:
    """The value attribute of the <input id=field_id> on the page (None without one)."""
    # inline edit forms prefix their ids ("c12-name", "f3-topic") to stay unique on the card
    tag = re.search(rf'<input[^>]*\bid="(?:[cf]\d+-)?{re.escape(field_id)}"[^>]*>', page)
    assert tag, f"no input #{field_id}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else None


# an error message under a field (the macro gives each an id for aria-describedby)
FEEDBACK = re.compile(r'<div class="invalid-feedback d-block"[^>]*>(.*?)</div>', re.S)


def field_errors(page: str, field_id: str) -> list[str]:
    """Error messages shown right under the field (macros/forms.html puts them in its block)."""
    start = re.search(rf'id="(?:[cf]\d+-)?{re.escape(field_id)}"', page).start()
    ends = [
        i
        for i in (
            page.find('<div class="mb-3"', start),
            page.find('<fieldset class="mb-3"', start),
            page.find("</form>", start),
        )
        if i > 0
    ]
    block = page[start : min(ends)]
    return [html.unescape(m.strip()) for m in FEEDBACK.findall(block)]


_CSRF_HEADER = re.compile(r'"X-CSRFToken": "[^"]+"')
_CSRF_INPUT = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def without_csrf(page: str) -> str:
    """The page with its CSRF tokens blanked: a token carries a timestamp, so two renders a
    second apart differ there and nowhere else."""
    return _CSRF_HEADER.sub('"X-CSRFToken": ""', _CSRF_INPUT.sub(r'\1"', page))


class _Forms(HTMLParser):
    """What a browser would post for each form of a page, as it stands: inputs' values, checked
    boxes and radios, selected options, textareas (also those outside the form's element that
    name it with form="id"). Each form: (id, target, method, values); the target is hx-post,
    else the action, else the page itself."""

    def __init__(self, page_url: str = "") -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, str, str, dict[str, list[str]]]] = []
        self._by_id: dict[str, dict[str, list[str]]] = {}
        self._inside: dict[str, list[str]] | None = None
        self._select: tuple[str, dict] | None = None
        self._textarea: tuple[str, dict] | None = None

    def _owner(self, form_id: str) -> dict[str, list[str]]:
        return self._by_id.setdefault(form_id, {})

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            target = a.get("hx-post") or a.get("action") or self.page_url
            self._inside = self._owner(a["id"]) if a.get("id") else {}
            self.forms.append((a.get("id", ""), target, method, self._inside))
            return
        values = self._owner(a["form"]) if a.get("form") else self._inside
        if tag == "option" and self._select and "selected" in a:
            name, into = self._select
            into.setdefault(name, []).append(a.get("value", ""))
        if values is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    values.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = (name, values)
            values.setdefault(name, [])
        elif tag == "textarea":
            self._textarea = (name, values)
            values.setdefault(name, []).append("")

    def handle_data(self, data):
        if self._textarea:
            name, into = self._textarea
            into[name][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # a browser drops the newline that starts a textarea's content
            name, into = self._textarea
            into[name][-1] = into[name][-1].removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self._inside = None


def page_forms(page: str, page_url: str = "") -> list[tuple[str, str, str, dict[str, list[str]]]]:
    """Every form of the page: (id, target, method, values as a browser would post them)."""
    parser = _Forms(page_url)
    parser.feed(page)
    return [(i, t, m, {k: v for k, v in values.items() if v}) for i, t, m, values in parser.forms]


def form_values(page: str, form_id: str | None = None) -> dict[str, list[str]]:
    """The values of the first form of the page, or of the one with id `form_id`."""
    found = [v for i, _t, _m, v in page_forms(page) if form_id is None or i == form_id]
    assert found, f"no form {form_id or ''} on the page"
    return found[0]


def stamp_of(client, page_url: str, target: str | None = None) -> dict[str, str]:
    """The version and base of the form on `page_url` (the one posting to `target`, else the
    first with a version), as a test posts them along with its own values: what the form was
    opened with (blueprints/formkit.py). Prefixed forms keep their prefix."""
    from urllib.parse import urlsplit

    page = client.get(page_url).get_data(as_text=True)
    for _id, action, _method, values in page_forms(page, page_url):
        if target and urlsplit(action).path != urlsplit(target).path:
            continue
        stamp = {k: v[0] for k, v in values.items() if k.endswith(("version", "base"))}
        if any(k.endswith("version") and v for k, v in stamp.items()):  # an opened record's
            return stamp
    raise AssertionError(f"no versioned form posting to {target or 'anywhere'} on {page_url}")
