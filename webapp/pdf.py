"""PDF rendering of the paper forms with WeasyPrint.

Print templates carry their own small stylesheet (inlined: no CSS framework, no fetch). The URL
fetcher serves only files inside the app's static folder, so a form can never make WeasyPrint
read a local file or reach the network.
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from flask import current_app, g, render_template, request, send_file
from flask_babel import force_locale, get_locale
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


def render_pdf(template: str, locale: str, **context) -> bytes:
    """Render a print template to PDF bytes in the given language (zh or en)."""
    with force_locale(locale):
        html = render_template(template, print_locale=locale, print_date=print_today(), **context)
    static = current_app.static_folder
    document = HTML(
        string=html,
        base_url=Path(static).resolve().as_uri() + "/",
        url_fetcher=StaticOnlyFetcher(static),
    )
    return document.write_pdf()


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
    pdf = render_pdf(template, locale, form_title=heading, **context)
    filename = f"{heading}-{name}.pdf".replace("/", "-")
    return pdf_response(pdf, filename, download=request.args.get("download") == "1")
