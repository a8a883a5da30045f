"""Reading form values and messages out of rendered pages."""

import html
import re


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
