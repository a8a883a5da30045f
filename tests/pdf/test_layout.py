"""Every paper form, in both languages, filled with the longest values the forms accept and
printed blank: no character outside the content box, the title and the table header on every
page, a CJK font embedded, no page wasted (tests/pdf/layout.py)."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from tests.factories import make_customer, make_order, make_plan, make_report
from tests.pdf.layout import check_form
from tests.pdf.longest import longest_records
from webapp.extensions import db
from webapp.tenancy.context import tenant_context


def form_urls(slug: str, ids: dict) -> dict[str, str]:
    """Each form's URL for the records in `ids`."""
    base = f"/t/{slug}"
    return {
        "followup_log": f"{base}/print/customers/{ids['customer']}/followups.pdf",
        "customer_sheet": f"{base}/print/customers/{ids['customer']}/sheet.pdf",
        "visit": f"{base}/print/followups/{ids['visit']}/visit.pdf" if ids.get("visit") else None,
        "order": f"{base}/print/orders/{ids['order']}/order.pdf",
        "contacts": f"{base}/print/contacts.pdf",
        "plan": f"{base}/plans/{ids['plan']}.pdf",
        "weekly_report": f"{base}/reports/{ids['report']}.pdf",
        # the customer list's filters select the customers (`selection`: the list's URL args)
        **{
            form: f"{base}/print/customers/{form.removesuffix('_table')}.pdf"
            + ids.get("selection", "")
            for form in ("staff_table", "tracking", "grades")
        },
    }


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def form_title(app, form: str, lang: str) -> str:
    from webapp.blueprints.plans.routes import PDF_TITLE as PLAN_TITLE
    from webapp.blueprints.printing.routes import FORM_TITLES
    from webapp.blueprints.reports.routes import PDF_TITLE as REPORT_TITLE

    titles = {**FORM_TITLES, "plan": PLAN_TITLE, "weekly_report": REPORT_TITLE}
    with app.test_request_context(), force_locale(lang):
        return str(titles[form])


# the table header that must repeat on every page a long form runs onto
TABLE_HEADERS = {
    "followup_log": {"zh": "跟进人", "en": "Followed up by"},
    "visit": {"zh": "拜访准备", "en": "Preparation"},
    "plan": {"zh": "客户", "en": "Customer"},
    "tracking": {"zh": "网站", "en": "Website"},
    "grades": {"zh": "公司名称", "en": "Company name"},
}


@pytest.fixture
def longest(app, company_a):
    with app.app_context(), tenant_context(company_a.id):
        ids = longest_records(company_a.owner_membership_id)
        db.session.commit()
    return ids


@pytest.fixture
def blank(app, company_a):
    customer = make_customer(app, company_a, "空白客户")
    return {
        "customer": customer,
        "order": make_order(app, company_a, customer, "BLANK-1"),
        "plan": make_plan(app, company_a),
        "report": make_report(app, company_a),
        "selection": "?country=ZZ",  # a country nobody is in: the forms print blank
    }


FORMS = ("followup_log", "customer_sheet", "visit", "order", "contacts", "plan", "weekly_report",
         "staff_table", "tracking", "grades")  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", FORMS)
def test_longest_values_stay_inside_the_page(app, client_a, company_a, longest, form, lang):
    response = client_a.get(with_lang(form_urls(company_a.slug, longest)[form], lang))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    header = TABLE_HEADERS.get(form, {}).get(lang)
    check_form(response.data, form_title(app, form, lang), header)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("form", [f for f in FORMS if f != "visit"])
def test_blank_form_stays_inside_the_page(app, client_a, company_a, blank, form, lang):
    response = client_a.get(with_lang(form_urls(company_a.slug, blank)[form], lang))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    check_form(response.data, form_title(app, form, lang))
