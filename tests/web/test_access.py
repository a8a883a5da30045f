"""The areas' permission maps (blueprints/access.permissions): each names real views and real
actions, and a member whose roles lack the action gets 403 on that view before any record is
read (the record's id is another company's: a view that loaded first would answer 404)."""

from __future__ import annotations

from tests.conftest import login
from tests.factories import PASSWORD, add_member
from tests.security.routes import build_values, rules, url_for_rule
from webapp.blueprints.access import AREA_PERMISSIONS
from webapp.models.user import ROLES
from webapp.services.roles import PERMISSIONS


def test_permission_maps_name_real_views_and_actions(app):
    assert {"customers", "inquiries", "reports", "team", "audit", "settings"} <= set(
        AREA_PERMISSIONS
    )
    for area, actions in AREA_PERMISSIONS.items():
        for view, action in actions.items():
            assert f"{area}.{view}" in app.view_functions, f"{area}: no view {view}"
            assert action in PERMISSIONS, f"{area}.{view}: no action {action}"


def test_a_member_without_the_action_is_refused_first(app, client, company_a, company_b):
    guarded = {
        f"{area}.{view}": action
        for area, actions in AREA_PERMISSIONS.items()
        for view, action in actions.items()
        if set(ROLES) - PERMISSIONS[action]  # an action every role holds refuses nobody
    }
    assert len(guarded) >= 15
    members = {}
    failures = []
    walked = set()
    for rule in rules(app):
        action = guarded.get(rule.endpoint)
        if action is None:
            continue
        role = sorted(set(ROLES) - PERMISSIONS[action])[0]
        if role not in members:
            members[role] = f"only-{role}@{company_a.slug}.example.com"
            add_member(app, company_a, members[role], {role}, f"Only {role}")
        login(client, members[role], PASSWORD)
        # objects of company B under A's slug: only a check before loading answers 403
        url = url_for_rule(app, rule, build_values(app, rule, company_b, company_a.slug))
        for method in sorted(rule.methods & {"GET", "POST"}):
            status = client.open(url, method=method, data={}).status_code
            if status != 403:
                failures.append(f"{role}: {method} {url} -> {status} (needs {action})")
        walked.add(rule.endpoint)
    assert walked == set(guarded)
    assert not failures, "\n".join(failures)
