"""The weekly report screens: who may read and write what, submitting (on time / late), the
tables' lines, comments, the discussed lock, the team page and its query bound."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import count_queries, login
from tests.factories import PASSWORD, add_member, make_inquiry, make_report, make_report_row
from tests.html import stamp_of
from webapp.extensions import db
from webapp.models import Tenant, WeeklyReport, WeeklyReportComment, WeeklyReportLine
from webapp.services import weeks
from webapp.tenancy.context import tenant_context

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """These tests read English messages; the test companies default to Chinese."""
    client.post("/lang", data={"lang": "en"})


@pytest.fixture
def base(company_a):
    return f"/t/{company_a.slug}/reports"


@pytest.fixture
def zhang(app, company_a):
    return add_member(app, company_a, "zhang@alpha.example.com", {"sales"}, "张伟")


@pytest.fixture
def lucy(app, company_a):
    return add_member(app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy Chen")


def _as(client, email):
    client.post("/logout")
    login(client, email, PASSWORD)
    client.post("/lang", data={"lang": "en"})


def _report(app, company, report_id) -> WeeklyReport:
    with app.app_context(), tenant_context(company.id):
        report = db.session.get(WeeklyReport, report_id)
        db.session.expunge(report)
        return report


def _this_monday(app, company) -> date:
    with app.app_context(), tenant_context(company.id):
        return weeks.current_week_start(db.session.get(Tenant, company.id))


def _open_mine(client, base, week) -> int:
    response = client.get(f"{base}/week/{week}")
    assert response.status_code == 302, response.status_code
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


# --- the salesperson --------------------------------------------------------------------------


def _stamp(client, base: str, report_id: int) -> dict[str, str]:
    """The version and base the report's summary form was opened with."""
    return stamp_of(client, f"{base}/{report_id}", f"{base}/{report_id}")


def test_salesperson_opens_fills_and_submits_on_time(app, client, company_a, base, zhang):
    monday = _this_monday(app, company_a)
    make_inquiry(
        app,
        company_a,
        "Nordlicht",
        received_at=datetime.now(UTC),
        assigned_to_id=zhang,
        worth_following=True,
    )
    _as(client, "zhang@alpha.example.com")
    assert "Start this week" in client.get(f"{base}/").get_data(as_text=True)
    report_id = _open_mine(client, base, weeks.week_label(monday))
    assert _open_mine(client, base, weeks.week_label(monday)) == report_id  # same report
    page = client.get(f"{base}/{report_id}").get_data(as_text=True)
    assert 'data-count="received">1<' in page and 'data-count="worth">1<' in page
    assert "Customers sent samples" in page and "Deals closed" in page
    assert "How far from the target" in page and "before 8:30 pm on Sunday" in page
    assert "Due by" in page and "20:30" in page  # Sunday 20:30, company time
    data = {"overview": "Busy week", "market_text": "Prices up", "action": "submit"}
    response = client.post(f"{base}/{report_id}", data={**data, **_stamp(client, base, report_id)})
    assert response.status_code == 302
    report = _report(app, company_a, report_id)
    assert report.overview == "Busy week" and report.market_text == "Prices up"
    assert report.submitted_at is not None
    # the week is the current one, so it cannot be after its Sunday 20:30 (unless it is now)
    late_now = datetime.now(UTC) > weeks.report_deadline(
        _tenant(app, company_a), monday
    ).astimezone(UTC)
    assert report.late is late_now
    page = client.get(f"{base}/{report_id}").get_data(as_text=True)
    assert "Submitted late" in page if late_now else "Submitted on time" in page
    # still correctable until discussed; the first submission time stays
    stamp = _stamp(client, base, report_id)
    client.post(f"{base}/{report_id}", data={"overview": "Corrected", "action": "save", **stamp})
    again = _report(app, company_a, report_id)
    assert again.overview == "Corrected" and again.submitted_at == report.submitted_at
    listing = client.get(f"{base}/").get_data(as_text=True)
    assert weeks.week_label(monday) in listing


def _tenant(app, company) -> Tenant:
    with app.app_context(), tenant_context(company.id):
        tenant = db.session.get(Tenant, company.id)
        db.session.expunge(tenant)
        return tenant


def test_submitting_a_past_week_is_late_but_accepted(app, client, company_a, base, zhang):
    _as(client, "zhang@alpha.example.com")
    report_id = _open_mine(client, base, "2026-W40")
    response = client.post(
        f"{base}/{report_id}",
        data={"action": "submit", **_stamp(client, base, report_id)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "deadline" in response.get_data(as_text=True)
    report = _report(app, company_a, report_id)
    assert report.late is True and report.submitted_at is not None


def test_bad_week_is_404(client_a, base):
    for week in ("2026-W99", "2026-48", "nonsense", "2026-W00"):
        assert client_a.get(f"{base}/week/{week}").status_code == 404
        assert client_a.get(f"{base}/team/{week}").status_code == 404


def test_summary_validation_keeps_typed_text(app, client, company_a, base, zhang):
    _as(client, "zhang@alpha.example.com")
    report_id = _open_mine(client, base, "2026-W47")
    typed = "x" * 4001
    response = client.post(
        f"{base}/{report_id}",
        data={"overview": "keep me", "buyers_text": typed, "action": "submit"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Field cannot be longer than 4000 characters." in body
    assert "keep me" in body and typed in body
    report = _report(app, company_a, report_id)
    assert report.submitted_at is None and report.overview is None


def test_lines_add_edit_remove_with_htmx(app, client, company_a, base, zhang):
    _as(client, "zhang@alpha.example.com")
    report_id = _open_mine(client, base, "2026-W47")
    # an empty line is refused with a message, the typed-in blank form comes back
    response = client.post(
        f"{base}/{report_id}/lines", headers=HX, data={"section": "deal", "add-deal-country": ""}
    )
    assert response.status_code == 422
    assert "Fill in at least one column of the line." in response.get_data(as_text=True)
    too_long = "q" * 101
    response = client.post(
        f"{base}/{report_id}/lines",
        headers=HX,
        data={"section": "deal", "add-deal-item": "LED screen", "add-deal-quantity": too_long},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Field cannot be longer than 100 characters." in body
    assert too_long in body and "LED screen" in body
    response = client.post(
        f"{base}/{report_id}/lines",
        headers=HX,
        data={
            "section": "deal",
            "add-deal-item": "LED screen",
            "add-deal-quantity": "200 pcs",
            "add-deal-terms": "USD 30/pc",
            "add-deal-expected_close": "ignored",
        },
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="section-deal"') and "200 pcs" in body
    with app.app_context(), tenant_context(company_a.id):
        line = db.session.scalar(select(WeeklyReportLine))
        line_id, expected_close = line.id, line.expected_close
    assert expected_close is None  # a column the deals table does not have is not stored
    form = client.get(f"{base}/lines/{line_id}/edit", headers=HX).get_data(as_text=True)
    assert f'id="edit-line-{line_id}-item"' in form and 'value="LED screen"' in form
    response = client.post(
        f"{base}/lines/{line_id}/edit",
        headers=HX,
        data={
            **stamp_of(client, f"{base}/lines/{line_id}/edit"),
            f"line-{line_id}-item": "LED wall",
            f"line-{line_id}-notes": "Second order: 30% of customers reorder",
        },
    )
    assert response.status_code == 200 and "LED wall" in response.get_data(as_text=True)
    response = client.post(f"{base}/lines/{line_id}/delete", headers=HX)
    assert response.status_code == 200 and "Nothing this week." in response.get_data(as_text=True)
    # without JavaScript: post and come back to the table
    response = client.post(
        f"{base}/{report_id}/lines", data={"section": "sample", "add-sample-item": "Lamp"}
    )
    assert response.status_code == 302 and response.location.endswith("#section-sample")


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "read", "review", "target"),
    [
        ("sales", False, False, False),
        ("finance", False, False, False),
        ("merchandiser", False, False, False),
        ("gm", True, True, False),
        ("manager", True, True, True),
    ],
)
def test_roles_on_a_colleagues_report(
    app, client, company_a, base, zhang, role, read, review, target
):
    report_id = make_report(
        app,
        company_a,
        date(2026, 11, 16),
        member_id=zhang,
        submitted_at=datetime(2026, 11, 20, tzinfo=UTC),
        overview="Secret",
    )
    line_id = make_report_row(app, company_a, report_id, "line", notes="Line")
    add_member(app, company_a, f"{role}@alpha.example.com", {role})
    _as(client, f"{role}@alpha.example.com")
    expected = 200 if read else 403
    assert client.get(f"{base}/{report_id}").status_code == expected
    assert client.get(f"{base}/{report_id}.pdf").status_code == expected
    assert client.get(f"{base}/team/2026-W47").status_code == (200 if review else 403)
    # nobody but the salesperson writes the report's content
    assert client.post(f"{base}/{report_id}", data={"overview": "x"}).status_code == 403
    assert client.post(f"{base}/lines/{line_id}/delete").status_code == 403
    assert (
        client.post(
            f"{base}/{report_id}/lines", data={"section": "deal", "add-deal-item": "x"}
        ).status_code
        == 403
    )
    response = client.post(f"{base}/{report_id}/comments", data={"body": "Well done"})
    assert response.status_code == (302 if review else 403)
    url = f"{base}/team/2026-W47/targets/{zhang}"
    stamp = stamp_of(client, f"{base}/team/2026-W47", url) if target else {}
    response = client.post(url, data={"target-{zhang}-target": "9", **stamp})
    assert response.status_code == (302 if target else 403)
    response = client.post(f"{base}/{report_id}/discussed")
    assert response.status_code == (302 if review else 403)
    report = _report(app, company_a, report_id)
    assert report.overview == "Secret"
    assert (report.discussed_at is not None) is review


def test_discussed_report_is_read_only(app, client, company_a, base, zhang):
    report_id = make_report(
        app,
        company_a,
        date(2026, 11, 16),
        member_id=zhang,
        submitted_at=datetime(2026, 11, 20, tzinfo=UTC),
        overview="Done",
        discussed_at=datetime(2026, 11, 23, 2, tzinfo=UTC),
    )
    line_id = make_report_row(app, company_a, report_id, "line", notes="Keep")
    _as(client, "zhang@alpha.example.com")
    page = client.get(f"{base}/{report_id}").get_data(as_text=True)
    assert "read-only" in page and 'name="overview"' not in page and "Add a line" not in page
    response = client.post(f"{base}/{report_id}", data={"overview": "Changed", "action": "save"})
    assert response.status_code == 409 and "read-only" in response.get_data(as_text=True)
    assert client.post(f"{base}/lines/{line_id}/delete", headers=HX).status_code == 409
    assert (
        client.post(f"{base}/lines/{line_id}/edit", data={f"line-{line_id}-notes": "x"}).status_code
        == 409
    )
    response = client.post(
        f"{base}/{report_id}/lines", data={"section": "deal", "add-deal-item": "x"}
    )
    assert response.status_code == 409
    assert _report(app, company_a, report_id).overview == "Done"
    with app.app_context(), tenant_context(company_a.id):
        assert db.session.get(WeeklyReportLine, line_id).notes == "Keep"


def test_draft_cannot_be_marked_discussed(app, client_a, company_a, base, zhang):
    report_id = make_report(app, company_a, date(2026, 11, 16), member_id=zhang)
    response = client_a.post(f"{base}/{report_id}/discussed")
    assert response.status_code == 422
    assert "Only a submitted report can be marked discussed." in response.get_data(as_text=True)


# --- comments ---------------------------------------------------------------------------------


def test_manager_comments_and_only_the_author_deletes(app, client, company_a, base, zhang):
    report_id = make_report(app, company_a, date(2026, 11, 16), member_id=zhang)
    add_member(app, company_a, "li@alpha.example.com", {"manager"}, "李娜")
    _as(client, "li@alpha.example.com")
    response = client.post(f"{base}/{report_id}/comments", headers=HX, data={"body": "  "})
    assert response.status_code == 422 and "Write the comment first." in response.get_data(
        as_text=True
    )
    response = client.post(
        f"{base}/{report_id}/comments", headers=HX, data={"body": "Follow the Dubai trial order"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="report-comments"')
    assert "Follow the Dubai trial order" in body and "李娜" in body
    with app.app_context(), tenant_context(company_a.id):
        comment_id = db.session.scalar(select(WeeklyReportComment.id))
    _as(client, "zhang@alpha.example.com")
    page = client.get(f"{base}/{report_id}", follow_redirects=True).get_data(as_text=True)
    assert "Follow the Dubai trial order" in page
    assert client.post(f"{base}/comments/{comment_id}/delete").status_code == 403
    # the salesperson may answer on their own report
    assert client.post(f"{base}/{report_id}/comments", data={"body": "OK"}).status_code == 302
    _as(client, "li@alpha.example.com")
    assert client.post(f"{base}/comments/{comment_id}/delete", headers=HX).status_code == 200
    with app.app_context(), tenant_context(company_a.id):
        assert [c.body for c in db.session.scalars(select(WeeklyReportComment))] == ["OK"]


# --- the team page ----------------------------------------------------------------------------


def test_team_page_targets_status_and_navigation(app, client_a, company_a, base, zhang, lucy):
    monday = date(2026, 11, 16)
    make_report(
        app,
        company_a,
        monday,
        member_id=zhang,
        submitted_at=datetime(2026, 11, 22, 13, tzinfo=UTC),
        late=True,
    )
    make_inquiry(
        app,
        company_a,
        "Lagos",
        received_at=datetime(2026, 11, 17, 3, tzinfo=UTC),
        assigned_to_id=lucy,
    )
    page = client_a.get(f"{base}/team/2026-W47").get_data(as_text=True)
    assert "张伟" in page and "Lucy Chen" in page
    assert f'id="team-row-{zhang}" data-status="late"' in page
    assert f'id="team-row-{lucy}" data-status="missing"' in page
    assert "/team/2026-W46" in page and "/team/2026-W48" in page
    # a target before Lucy opened her report; htmx answers with her row
    response = client_a.post(
        f"{base}/team/2026-W47/targets/{lucy}", headers=HX, data={f"target-{lucy}-target": "15"}
    )
    row = response.get_data(as_text=True)
    assert response.status_code == 200 and row.lstrip().startswith(f'<tr id="team-row-{lucy}"')
    assert 'value="15"' in row
    # invalid: the typed value stays with the message
    response = client_a.post(
        f"{base}/team/2026-W47/targets/{lucy}", headers=HX, data={f"target-{lucy}-target": "lots"}
    )
    row = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="lots"' in row
    assert "Not a valid integer value." in row
    response = client_a.post(
        f"{base}/team/2026-W47/targets/{lucy}", data={f"target-{lucy}-target": "-3"}
    )
    assert response.status_code == 422
    assert "Number must be between 0 and 9999." in response.get_data(as_text=True)
    with app.app_context(), tenant_context(company_a.id):
        report = db.session.scalar(select(WeeklyReport).where(WeeklyReport.member_id == lucy))
        assert report.target_inquiries == 15 and not report.prefilled
    # Lucy opens it later: the target is there and the tables get pre-filled then
    _as(client_a, "lucy@alpha.example.com")
    # straight to the report's address: it goes through "my week" once, to be pre-filled
    response = client_a.get(f"{base}/{report.id}")
    assert response.status_code == 302 and response.location.endswith("/week/2026-W47")
    report_id = _open_mine(client_a, base, "2026-W47")
    assert report_id == report.id
    assert client_a.get(f"{base}/{report_id}").status_code == 200
    page = client_a.get(f"{base}/{report_id}").get_data(as_text=True)
    assert 'data-count="target">15<' in page and 'data-count="received">1<' in page
    assert client_a.get(f"{base}/team").status_code == 403


def test_team_page_without_salespeople(client_a, base):
    page = client_a.get(f"{base}/team/2026-W47").get_data(as_text=True)
    assert "No salespeople yet" in page
    assert client_a.get(f"{base}/team").status_code == 302


def test_team_page_query_count_is_bounded(app, client_a, company_a, base):
    def build(n):
        for i in range(n):
            member = add_member(app, company_a, f"s{n}-{i}@alpha.example.com", {"sales"})
            report_id = make_report(
                app, company_a, date(2026, 11, 16), member_id=member, target_inquiries=10
            )
            make_report_row(app, company_a, report_id, "comment")
            make_inquiry(
                app,
                company_a,
                f"Inq {n}-{i}",
                received_at=datetime(2026, 11, 18, 3, tzinfo=UTC),
                assigned_to_id=member,
            )

    build(2)
    with count_queries(app) as few:
        assert client_a.get(f"{base}/team/2026-W47").status_code == 200
    build(12)
    with count_queries(app) as many:
        assert client_a.get(f"{base}/team/2026-W47").status_code == 200
    assert len(many) == len(few), many
    assert len(many) <= 15


def test_my_reports_are_paginated_newest_first(app, client, company_a, base, zhang):
    first = date(2026, 11, 16)
    for n in range(30):
        make_report(app, company_a, first - timedelta(weeks=n), member_id=zhang)
    _as(client, "zhang@alpha.example.com")
    page1 = client.get(f"{base}/").get_data(as_text=True)
    assert "2026-W47" in page1 and "1–25 of 30" in page1
    page2 = client.get(f"{base}/?page=2").get_data(as_text=True)
    table = page2.split('id="my-reports"', 1)[1]
    assert "26–30 of 30" in page2 and "2026-W47<" not in table and "2026-W42<" not in table


def test_a_managers_target_does_not_stop_the_summary_and_two_tabs_merge(
    app, client, company_a, base, zhang
):
    """The weekly report carries its version: a target set meanwhile touches none of the
    summary's fields (saved as typed); a second tab's older form is merged, never written over."""
    _as(client, "zhang@alpha.example.com")
    report_id = _open_mine(client, base, "2026-W47")
    first, second = _stamp(client, base, report_id), _stamp(client, base, report_id)
    with app.app_context(), tenant_context(company_a.id):
        report = db.session.get(WeeklyReport, report_id)
        report.target_inquiries = 12  # the manager, meanwhile
        db.session.commit()
    saved = client.post(f"{base}/{report_id}", data={"overview": "Tab one", **first})
    assert saved.status_code == 302
    stale = client.post(
        f"{base}/{report_id}", data={"overview": "Tab two", "market_text": "Up", **second}
    )
    assert stale.status_code == 409
    page = stale.get_data(as_text=True)
    assert 'name="choose-overview"' in page and "Tab one" in page
    report = _report(app, company_a, report_id)
    assert (report.overview, report.market_text, report.target_inquiries) == ("Tab one", None, 12)
