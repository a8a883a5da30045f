"""The templates' cached filters (webapp/filters.py) give what Flask-Babel gives, in each
language, switching back and forth within one request."""

from datetime import UTC, date, datetime

from flask import render_template_string
from flask_babel import force_locale, format_date

from webapp.filters import country_options, date_skeleton, dateformat, grade_badge
from webapp.services.classification import label_of


def test_filters_in_both_languages(app):
    day = date(2026, 12, 8)
    with app.test_request_context("/"):
        for locale, badge_title, label, skeleton in [
            ("zh", "等级 A", "电话跟进", "12月8日周二"),
            ("en", "Grade A", "Phone", "Tue, Dec 8"),
            ("zh", "等级 A", "电话跟进", "12月8日周二"),  # back again: nothing kept from "en"
        ]:
            with force_locale(locale):
                assert str(grade_badge("A")) == (
                    f'<span class="grade grade-a" title="{badge_title}">A</span>'
                )
                assert label_of("method", "phone") == label
                assert date_skeleton(day, "MMMEd") == skeleton
                for fmt in (None, "full", "short"):
                    assert dateformat(day, fmt) == format_date(day, fmt)
        assert grade_badge(None) == "" and date_skeleton(None) == ""
        # datetimes are Flask-Babel's every time (moved to the user's zone first)
        moment = datetime(2026, 12, 8, 23, 30, tzinfo=UTC)
        assert dateformat(moment) == format_date(moment)


def test_template_filters_are_these(app):
    with app.test_request_context("/"), force_locale("en"):
        html = render_template_string(
            "{{ 'B' | grade_badge }} {{ d | dateformat('full') }} {{ d | skeleton('MMMd') }}",
            d=date(2026, 1, 31),
        )
    assert html == (
        '<span class="grade grade-b" title="Grade B">B</span> Saturday, January 31, 2026 Jan 31'
    )


def test_country_options_mark_the_selected_one(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            plain = str(country_options())
            chosen = str(country_options("DE"))
            assert '<option value="DE">Germany</option>' in plain and "selected" not in plain
            assert chosen.count(" selected") == 1
            assert '<option value="DE" selected>Germany</option>' in chosen
            # a value no option has changes nothing, and is never written into the page
            assert str(country_options('"><script>')) == plain
        with force_locale("zh"):
            assert '<option value="DE" selected>德国</option>' in str(country_options("DE"))
