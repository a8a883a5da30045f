"""Templates' gettext is Flask-Babel's own: it follows a forced or refreshed locale within one
request, with Jinja's newstyle escaping and formatting."""

from flask_babel import force_locale, refresh


def render(app, source: str) -> str:
    return app.jinja_env.from_string(source).render()


def test_template_translations_follow_the_locale_within_one_request(app):
    with app.test_request_context("/", headers={"Accept-Language": "zh"}):
        assert render(app, "{{ _('Customers') }}") == "客户"
        with force_locale("en"):  # mails and PDFs in another language
            assert render(app, "{{ _('Customers') }}") == "Customers"
        assert render(app, "{{ _('Customers') }}") == "客户"
        with force_locale("en"):
            refresh()  # a language changed mid-request is read again
            assert render(app, "{{ _('Customers') }}") == "Customers"


def test_template_translations_escape_variables_and_format_like_jinja(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render(app, "{{ _('Select %(name)s', name='<b>') }}") == "Select &lt;b&gt;"
        plural = "{{ ngettext('%(num)d recovery code left.', '%(num)d recovery codes left.', 3) }}"
        assert render(app, plural) == "3 recovery codes left."
        escaped_off = (
            "{% autoescape false %}{{ _('Select %(name)s', name='<b>') }}{% endautoescape %}"
        )
        assert render(app, escaped_off) == "Select <b>"
