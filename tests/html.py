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


def field_errors(page: str, field_id: str) -> list[str]:
    """Error messages shown right under the field (macros/forms.html puts them in its block)."""
    start = re.search(rf'id="(?:[cf]\d+-)?{re.escape(field_id)}"', page).start()
    ends = [
        i for i in (page.find('<div class="mb-3">', start), page.find("</form>", start)) if i > 0
    ]
    block = page[start : min(ends)]
    return [
        html.unescape(m.strip())
        for m in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', block, re.S)
    ]


_CSRF_HEADER = re.compile(r'"X-CSRFToken": "[^"]+"')
_CSRF_INPUT = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')


def without_csrf(page: str) -> str:
    """The page with its CSRF tokens blanked: a token carries a timestamp, so two renders a
    second apart differ there and nowhere else."""
    return _CSRF_HEADER.sub('"X-CSRFToken": ""', _CSRF_INPUT.sub(r'\1"', page))


class _FormValues(HTMLParser):
    """What a browser would post for the first form (or the one with id `form_id`) of a page,
    as it stands: inputs' values, checked boxes and radios, selected options, textareas."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__()
        self.form_id, self.inside, self.done = form_id, False, False
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if (
            tag == "form"
            and not self.done
            and (self.form_id is None or a.get("id") == self.form_id)
        ):
            self.inside = True
        if not self.inside or not a.get("name") and tag != "option":
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
            self.values.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(a["name"], "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # the HTML parser drops no leading newline; a browser does
            text = self.values[self._textarea][-1]
            self.values[self._textarea][-1] = text.removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_values(page: str, form_id: str | None = None) -> dict[str, list[str]]:
    parser = _FormValues(form_id)
    parser.feed(page)
    assert parser.done, f"no form {form_id or ''} on the page"
    return {k: v for k, v in parser.values.items() if v}
