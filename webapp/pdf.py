"""PDF rendering of the paper forms with WeasyPrint.

Print templates carry their own small stylesheet (inlined: no CSS framework, no fetch). The URL
fetcher serves only files inside the app's static folder, so a form can never make WeasyPrint
read a local file or reach the network.

Two things keep a render bounded. Free text reaches the templates as inline runs of at most
RUN_LENGTH characters (`runs()`): WeasyPrint lays out one unbroken paragraph in time that grows
with the square of its length, and Chinese has no spaces to break it, so a 5,000-character
follow-up took close to a minute as one text node and well under a second as runs (the line
breaks are the same: an inline boundary is not a break opportunity). And the layout runs in a
forked child process that is killed after PDF_TIME_LIMIT seconds (`PdfTooSlow`), so no form,
whatever it holds, keeps a web worker past that limit.
"""

from __future__ import annotations

import multiprocessing
import unicodedata
from datetime import date
from io import BytesIO
from pathlib import Path

from flask import current_app, g, render_template, request, send_file
from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from .services.followups import company_today


class StaticOnlyFetcher(URLFetcher):
    """Serves file URLs inside the static folder; refuses everything else."""

    def __init__(self, static_folder: str) -> None:
        super().__init__(allowed_protocols={"file"})
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers=None):
        path = Path(url.removeprefix("file://").split("?")[0]).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"print templates may only load the app's static files: {url}")
        return super().fetch(url, headers)


def print_today() -> date:
    """The date a form is printed on: the company's day (a Chinese office printing at 01:00
    dates its paper the new day, although the server's clock still says yesterday)."""

    tenant = g.get("tenant")
    return company_today(tenant) if tenant is not None else date.today()


TOO_SLOW_TITLE = _l("Not printed")
LAYOUT_PROCESS = "pdf-layout"  # the child's name (tests check none is left running)
RUN_LENGTH = 100  # characters per inline run (see the module's docstring)


def _breakable_after(char: str) -> bool:
    """Whether a line may break after `char` anyway: a space, or a wide (CJK) character."""
    return char.isspace() or unicodedata.east_asian_width(char) in ("W", "F")


def runs(value: object) -> Markup:
    """Free text as inline runs of at most RUN_LENGTH characters, HTML-escaped: the same
    lines on paper, laid out in time that grows with the length instead of its square.
    A run ends at the last place in it where a line may break anyway (after a space or a CJK
    character), if any: WeasyPrint lets a word that crosses two runs overflow its cell by a
    letter. So a run is cut inside a word only when the word is longer than a run. A run
    never ends before a combining mark, so an accent stays with its letter."""
    if value is None:
        return Markup("")
    text = str(value)
    pieces, start = [], 0
    while start < len(text):
        end = min(start + RUN_LENGTH, len(text))
        if end < len(text):
            cut = next(
                (i for i in range(end, start, -1) if _breakable_after(text[i - 1])),
                end,
            )
            while cut > start + 1 and unicodedata.combining(text[cut]):
                cut -= 1
            end = cut
        pieces.append(Markup("<span>%s</span>") % escape(text[start:end]))
        start = end
    return Markup("").join(pieces)


class PdfTooSlow(Exception):
    """The layout ran past PDF_TIME_LIMIT seconds and was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"PDF layout stopped after {seconds} s")
        self.seconds = seconds


def _layout(html: str, static: str, sender) -> None:
    """In the child process: lay the form out and send back the PDF bytes (or the error)."""
    try:
        document = HTML(
            string=html,
            base_url=Path(static).resolve().as_uri() + "/",
            url_fetcher=StaticOnlyFetcher(static),
        )
        sender.send((True, document.write_pdf()))
    except Exception as error:  # the parent raises it again: the child has no one to tell
        sender.send((False, f"{type(error).__name__}: {error}"))
    finally:
        sender.close()


_warmed = False


def _warm_up() -> None:
    """Once per process, lay out a few characters here, in the parent: fontconfig and Pango
    then start initialised in every forked child instead of loading the fonts each time."""
    global _warmed
    if not _warmed:
        HTML(string="<p>字 A</p>").write_pdf()
        _warmed = True


def html_to_pdf(html: str, static: str, limit: float) -> bytes:
    """Lay out the HTML in a forked child; kill it and raise PdfTooSlow past `limit` seconds.
    Forked, not spawned: the child starts with the fonts and modules already loaded, and it
    exits with os._exit (multiprocessing's way), so it never touches the parent's database
    connections on the way out."""
    _warm_up()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_layout, args=(html, static, sender), name=LAYOUT_PROCESS, daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(limit):
            raise PdfTooSlow(limit)
        ok, result = receiver.recv()
    except EOFError:  # the child died without a word (killed by the system, out of memory)
        ok, result = False, f"the PDF process ended with code {child.exitcode}"
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if not ok:
        raise RuntimeError(result)
    return result


def render_pdf(template: str, locale: str, **context) -> bytes:
    """Render a print template to PDF bytes in the given language (zh or en), within the
    configured PDF_TIME_LIMIT (PdfTooSlow past it)."""
    with force_locale(locale):
        html = render_template(
            template, print_locale=locale, print_date=print_today(), runs=runs, **context
        )
    limit = float(current_app.config.get("PDF_TIME_LIMIT", 30))
    return html_to_pdf(html, current_app.static_folder, limit)


def pdf_response(pdf: bytes, filename: str, download: bool):
    """Open in the browser (inline) or download; the file name may be Chinese (RFC 6266)."""
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=download,
        download_name=filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_paper_form(template: str, title: object, name: str, **context):
    """A paper form as the PDF a route answers with: in ?lang=zh|en or the user's language,
    its title (a lazy string) translated in that language as heading and at the head of the
    file name (`<title>-<name>.pdf`), opened in the browser or saved with ?download=1."""
    lang = request.args.get("lang", "")
    locale = lang if lang in ("zh", "en") else str(get_locale())
    with force_locale(locale):
        heading = str(title)
    try:
        pdf = render_pdf(template, locale, form_title=heading, **context)
    except PdfTooSlow as slow:
        current_app.logger.warning("PDF %s stopped: %s", template, slow)
        message = gettext(
            "This form is too long to print in one go and was stopped after %(seconds)d "
            "seconds. Print a shorter selection (fewer customers or records) and try again.",
            seconds=slow.seconds,
        )
        page = render_template("errors.html", code=503, title=TOO_SLOW_TITLE, message=message)
        return page, 503
    filename = f"{heading}-{name}.pdf".replace("/", "-")
    return pdf_response(pdf, filename, download=request.args.get("download") == "1")
