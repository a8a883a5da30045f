"""Lost updates: every POST route is walked. A form that edits a record must carry the version
and the base it was opened with (blueprints/formkit.py: Versioned, opened, save_guard) and answer
409 when the record moved on meanwhile; every other POST route is named below with the reason it
edits no shared record's fields. A new POST route fails here until it is one or the other."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import login
from tests.html import page_forms
from tests.security.routes import build_values, rules, url_for_rule

# POST routes whose form edits a record's fields: the page the form is on (None: the same URL
# answers GET with it), given the URL values of the POST route.
VERSIONED: dict[str, str | None] = {
    "customers.edit": None,
    "customers.edit_contact": None,
    "followups.edit": None,
    "inquiries.edit": None,
    "samples.edit": None,
    "orders.edit_section": None,
    "plans.edit_goal": "plans.page",
    "plans.edit_row": None,
    "inquiries.assign": "inquiries.detail",
    "settings.index": None,
    "team.change_roles": "team.member",
    "reports.save": "reports.page",
    "reports.edit_line": None,
    "reports.set_target": "reports.team",
}

# Routes that add a new record: nobody else's values to overwrite.
APPEND_ONLY = {
    "customers.create": "a new customer",
    "customers.add_contact": "a new contact",
    "followups.add": "a new follow-up",
    "orders.create": "a new order",
    "orders.add_payment": "a payment row (rows are never edited in place)",
    "orders.add_inspection": "an inspection row (a re-inspection is a new row)",
    "orders.add_claim": "a claim row",
    "orders.sign": "a sign-off row (signatures are never edited; gates decide, services/orders.py)",
    "plans.create": "a new plan",
    "plans.add_row": "a new customer row of a plan",
    "reports.add_comment": "a new comment",
    "reports.add_line": "a new report line",
    "samples.create": "a new sample",
    "inquiries.create": "a new inquiry",
    "team.invite": "a new invitation (a new one to the same email revokes the open one)",
    "imports.index": "an uploaded file becomes a new import",
}

# Routes that delete a whole record after a confirmation (no field written), or move it from
# one state to another that the request names, checked against the state it is in now.
ACTIONS = {
    "customers.delete": "deletes the customer after a confirmation page",
    "customers.delete_contact": "deletes the contact",
    "followups.delete": "deletes the follow-up (the others are renumbered)",
    "inquiries.delete": "deletes the inquiry after a confirmation page",
    "samples.delete": "deletes the sample after a confirmation page",
    "plans.delete": "deletes the plan after a confirmation page",
    "plans.remove_row": "removes a customer row after a confirmation page",
    "orders.delete_payment": "removes a payment row (refused while finance's verification stands)",
    "orders.delete_claim": "removes a claim row",
    "reports.delete_comment": "deletes a comment",
    "reports.delete_line": "deletes a report line",
    "customers.archive": "the form names the state it wants (archived=1/0): a double click or "
    "a colleague's click cannot flip it back",
    "orders.withdraw": "withdraws the caller's own sign-off; refused once withdrawn",
    "plans.cycle": "carries the code the person saw and answers 409 when the cell moved on "
    "(tests/web/test_plans_web.py)",
    "pool.claim": "ownership moves lock the customer and check its owner now (services/pool.py)",
    "pool.release": "ownership move, as above, with a reason",
    "pool.transfer": "ownership move, as above, with a reason",
    "inquiries.convert": "creates the customer once; a second conversion is refused",
    "imports.commit": "runs an import once; a second run is refused",
    "reports.mark_discussed": "stamps the report discussed once",
    "team.set_active": "the form names the state it wants; the last owner rule is checked now",
    "team.reset_link": "creates a one-time link",
    "team.revoke": "revokes an open invitation; refused once used or revoked",
    "customers.duplicates": "reads only: the duplicate check while typing",
    "imports.export_csv": "reads only (POST for the CSRF token)",
    "imports.export_xlsx": "reads only (POST for the CSRF token)",
    "imports.mapping": "the uploader's own draft of an import that has not run: it builds a "
    "preview shown before the one-time commit, and edits no company record",
    "imports.revise": "the uploader's own draft, as imports.mapping: the answers to the preview",
    "imports.encoding": "the uploader's own draft, as imports.mapping: how to read the file",
    "imports.restart": "starts again, once, an import whose runner died (refused unless stale)",
    "customers.time_zone": "the form names the one value it sets (the zone); it writes no other "
    "field, and the customer's version moves, so an open edit form merges",
}

# Outside a company: the person's own account, or public pages.
PERSONAL = {
    "account.change_password": "the person's own password",
    "account.logout_everywhere": "the person's own sessions",
    "account.recovery_codes": "the person's own codes",
    "account.totp_disable": "the person's own second factor",
    "account.totp_setup": "the person's own second factor",
    "auth.forgot_password": "public",
    "auth.login": "public",
    "auth.logout": "the person's own session",
    "auth.reset_password": "a one-time link",
    "auth.second_factor": "the person's own login",
    "invites.join": "a one-time link",
    "public.confirm_signup": "a one-time link",
    "public.set_language": "the visitor's own language",
    "public.signup": "a new account or company",
}

NOT_VERSIONED = APPEND_ONLY | ACTIONS | PERSONAL


def _post_endpoints(app) -> set[str]:
    return {r.endpoint for r in rules(app) if "POST" in r.methods}


def test_every_post_route_is_versioned_or_named(app):
    named = [*VERSIONED, *APPEND_ONLY, *ACTIONS, *PERSONAL]
    assert len(named) == len(set(named)), "a route named twice"
    posts = _post_endpoints(app)
    unnamed = posts - set(named)
    assert not unnamed, f"POST routes neither versioned nor named: {sorted(unnamed)}"
    gone = set(named) - posts
    assert not gone, f"named routes that no longer exist: {sorted(gone)}"


def _rule(app, endpoint: str):
    return next(r for r in rules(app) if r.endpoint == endpoint and "POST" in r.methods)


def _the_form(client, page_url: str, target: str) -> dict[str, list[str]]:
    response = client.get(page_url, follow_redirects=True)
    assert response.status_code == 200, (page_url, response.status_code)
    path = urlsplit(target).path
    forms = [
        values
        for _id, action, method, values in page_forms(response.get_data(as_text=True), page_url)
        if method == "post" and urlsplit(action).path == path
    ]
    assert forms, f"no form posting to {target} on {page_url}"
    return forms[0]


@pytest.mark.parametrize("endpoint", sorted(VERSIONED))
def test_every_edit_form_checks_its_version(app, client, company_a, endpoint):
    login(client, company_a.owner_email)
    rule = _rule(app, endpoint)
    values = build_values(app, rule, company_a, company_a.slug)
    target = url_for_rule(app, rule, values)
    page = VERSIONED[endpoint]
    page_url = target
    if page:
        page_rule = next(r for r in rules(app) if r.endpoint == page and "GET" in r.methods)
        page_url = url_for_rule(app, page_rule, {k: values[k] for k in page_rule.arguments})

    form = _the_form(client, page_url, target)
    if any(k.endswith("version") and not v[0] for k, v in form.items()):
        # the record does not exist yet (a target before the report is opened): the first
        # save creates it, and from then on its form carries its version
        assert client.post(target, data=form).status_code in (200, 204, 302, 303)
        form = _the_form(client, page_url, target)
    # a prefixed form ("line-7-version") carries them under its prefix
    version = next((k for k in form if k.endswith("version")), None)
    base = next((k for k in form if k.endswith("base")), None)
    assert version and base and form[version][0], f"{endpoint}: no version or base"

    # someone else saved meanwhile, and this form knows nothing of what it was opened with:
    # never written as it stands
    stale = {**form, version: ["0"], base: [""]}
    response = client.post(target, data=stale)
    assert response.status_code == 409, (endpoint, response.status_code)

    # the same form, current: saved (the walker posts a form that is valid as shown)
    response = client.post(target, data=_the_form(client, page_url, target))
    assert response.status_code in (200, 204, 302, 303), (endpoint, response.status_code)
