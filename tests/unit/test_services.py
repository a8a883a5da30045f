"""The business rules of webapp/services/ called directly, without the web layer."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text

from tests.factories import PASSWORD, add_member, make_company
from webapp.extensions import db
from webapp.models import Membership, Tenant, User
from webapp.services import classification, countries, lookups, passwords, roles, signup
from webapp.tenancy.context import acting_user, cross_tenant, tenant_context

# --- signup: slugs -------------------------------------------------------------------------


def test_slugify_turns_chinese_into_pinyin():
    assert signup.slugify("蓝海贸易") == "lan-hai-mao-yi"


def test_slugify_english_name():
    assert signup.slugify("  Blue Ocean Trading Co., Ltd.  ") == "blue-ocean-trading-co-ltd"
    assert signup.slugify("Müller & Söhne GmbH") == "muller-sohne-gmbh"


def test_suggest_slug_for_a_chinese_name_is_pinyin(app):
    with app.app_context():
        slug = signup.suggest_slug("蓝海贸易")
        assert slug.replace("-", "") == "lanhaimaoyi"
        assert signup.slug_problem(slug) is None


def test_suggest_slug_for_a_long_chinese_name_stays_valid(app):
    with app.app_context():
        slug = signup.suggest_slug("深圳市蓝海进出口贸易有限公司")
        assert slug.startswith("shenzhenshilanhai")
        assert len(slug) <= 30
        assert signup.slug_problem(slug) is None


def test_suggest_slug_for_an_english_name(app):
    with app.app_context():
        assert signup.suggest_slug("Blue Ocean Trading") == "blue-ocean-trading"


@pytest.mark.parametrize("name", ["", "A", "Ab", "   ", "!!!", "ア"])
def test_suggest_slug_gives_nothing_for_too_short_names(app, name):
    with app.app_context():
        assert signup.suggest_slug(name) == ""


def test_suggest_slug_skips_a_taken_slug(app):
    make_company(app, "blue-ocean")
    with app.app_context():
        assert signup.suggest_slug("Blue Ocean") == "blue-ocean-2"
    make_company(app, "blue-ocean-2")
    with app.app_context():
        assert signup.suggest_slug("Blue Ocean") == "blue-ocean-3"


@pytest.mark.parametrize("name", ["Admin", "Support", "New", "Static"])
def test_suggest_slug_avoids_reserved_words(app, name):
    with app.app_context():
        slug = signup.suggest_slug(name)
        assert slug == f"{name.lower()}-2"
        assert slug not in signup.RESERVED_SLUGS
        assert signup.slug_problem(slug) is None


@pytest.mark.parametrize(
    "slug",
    ["ab", "-abc", "abc-", "ABC", "lan hai", "lan_hai", "蓝海", "a" * 41, "", "abc/def"],
)
def test_slug_problem_format(app, slug):
    with app.app_context():
        assert signup.slug_problem(slug) == "format"


@pytest.mark.parametrize("slug", ["abc\n", "\nabc", "ab\nc", "abc "])
def test_slug_problem_refuses_whitespace(app, slug):
    with app.app_context():
        assert signup.slug_problem(slug) == "format"


def test_create_company_refuses_a_slug_with_a_trailing_newline(app):
    with app.app_context():
        with pytest.raises(signup.SignupError) as err:
            signup.create_company(
                company_name="Gamma Imports",
                slug="gamma\n",
                home_country="DE",
                default_locale="en",
                owner_name="Greta",
                email="greta@gamma.example.com",
                password="a long enough password",
            )
        db.session.rollback()
        assert lookups.company_ids() == []
    assert (err.value.field, err.value.code) == ("slug", "format")


@pytest.mark.parametrize("slug", ["admin", "login", "signup", "static", "api", "www"])
def test_slug_problem_reserved(app, slug):
    with app.app_context():
        assert signup.slug_problem(slug) == "reserved"


def test_slug_problem_taken_and_free(app, company_a):
    with app.app_context():
        assert signup.slug_problem(company_a.slug) == "taken"
        assert signup.slug_problem("gamma-imports") is None
        assert signup.slug_problem("abc") is None
        assert signup.slug_problem("a" * 40) is None


# --- signup: create_company ----------------------------------------------------------------


def _create(app, **overrides):
    data = {
        "company_name": "  Gamma Imports  ",
        "slug": "gamma-imports",
        "home_country": "de",
        "default_locale": "en",
        "owner_name": " Greta Gamma ",
        "email": " Greta@Gamma.Example.com ",
        "password": "a long enough password",
    }
    data.update(overrides)
    with app.app_context():
        tenant, user = signup.create_company(**data)
        ids = tenant.id, user.id  # before the commit expires them (RLS: nobody is named after)
        db.session.commit()
        return ids


def _memberships(app, user_id):
    with app.app_context(), cross_tenant(), acting_user(user_id):
        rows = db.session.scalars(
            select(Membership).where(Membership.user_id == user_id).order_by(Membership.id)
        ).unique()
        return [(m.tenant.slug, m.roles, m.active) for m in rows]


def test_create_company_with_a_new_owner(app):
    tenant_id, user_id = _create(app)
    with app.app_context(), tenant_context(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        user = db.session.get(User, user_id)
        assert (tenant.slug, tenant.name, tenant.home_country, tenant.default_locale) == (
            "gamma-imports",
            "Gamma Imports",
            "DE",
            "en",
        )
        assert (user.email, user.name) == ("greta@gamma.example.com", "Greta Gamma")
        assert user.password_hash.startswith("$argon2id$")
        assert passwords.verify_password(user.password_hash, "a long enough password")
    assert _memberships(app, user_id) == [("gamma-imports", {"owner"}, True)]


def test_add_company_to_an_existing_account(app, company_a, owner_engine):
    with app.app_context(), acting_user(company_a.owner_id):
        owner = db.session.get(User, company_a.owner_id)
        tenant = signup.add_company(
            owner, company_name=" Gamma Imports ", slug="gamma-imports", home_country="de",
            default_locale="en",
        )  # fmt: skip
        db.session.commit()
        assert (tenant.name, tenant.home_country) == ("Gamma Imports", "DE")
    assert _memberships(app, company_a.owner_id) == [
        ("alpha-trading", {"owner"}, True),
        ("gamma-imports", {"owner"}, True),
    ]
    with owner_engine.connect() as owner:  # every account, as the tables' owner sees them
        assert owner.scalar(text("SELECT count(*) FROM user_account")) == 1


@pytest.mark.parametrize("password", [PASSWORD, "not the password"])
def test_create_company_never_adds_to_an_existing_account(app, company_a, password):
    """Not even with the right password: that was a login without the second factor."""
    with app.app_context():
        with pytest.raises(signup.SignupError) as err:
            signup.create_company(
                company_name="Gamma Imports",
                slug="gamma-imports",
                home_country="DE",
                default_locale="en",
                owner_name="Mallory",
                email=company_a.owner_email.upper(),
                password=password,
            )
        db.session.rollback()
    assert (err.value.field, err.value.code) == ("email", "exists")
    with app.app_context():
        assert lookups.company_id("gamma-imports") is None
    assert _memberships(app, company_a.owner_id) == [("alpha-trading", {"owner"}, True)]


def test_signup_token_round_trip_and_tampering(app):
    data = dict.fromkeys(signup.SIGNUP_FIELDS, "x")
    token = signup.signup_token(data, "key")
    assert signup.read_signup_token(token, "key") == data
    assert signup.read_signup_token(token, "another key") is None
    assert signup.read_signup_token(token[:-2] + "AA", "key") is None
    assert signup.read_signup_token("", "key") is None


@pytest.mark.parametrize(
    ("slug", "code"), [("alpha-trading", "taken"), ("admin", "reserved"), ("A B", "format")]
)
def test_create_company_refuses_a_bad_slug(app, company_a, slug, code):
    with app.app_context():
        with pytest.raises(signup.SignupError) as err:
            signup.create_company(
                company_name="Gamma Imports",
                slug=slug,
                home_country="DE",
                default_locale="en",
                owner_name="Greta",
                email="greta@gamma.example.com",
                password="a long enough password",
            )
        db.session.rollback()
        assert len(lookups.company_ids()) == 1
    assert (err.value.field, err.value.code) == ("slug", code)


def test_memberships_of_lists_active_companies_only(app, company_a, company_b):
    add_member(app, company_b, company_a.owner_email, {"sales"})
    with app.app_context(), acting_user(company_a.owner_id):
        user = db.session.get(User, company_a.owner_id)
        # ordered by company name; the order of Chinese names depends on the database collation
        assert sorted(m.tenant.slug for m in signup.memberships_of(user)) == [
            "alpha-trading",
            "beta-export",
        ]
        with tenant_context(company_b.id):
            membership = db.session.scalar(
                select(Membership).where(Membership.user_id == company_a.owner_id)
            )
            membership.active = False
            db.session.commit()
        assert [m.tenant.slug for m in signup.memberships_of(user)] == ["alpha-trading"]


# --- passwords ----------------------------------------------------------------------------


def test_hash_is_argon2id_and_verifies(app):
    with app.app_context():
        hashed = passwords.hash_password("s3cret password")
        assert hashed.startswith("$argon2id$")
        assert hashed != passwords.hash_password("s3cret password")  # salted
        assert passwords.verify_password(hashed, "s3cret password") is True
        assert passwords.verify_password(hashed, "wrong password") is False
        assert passwords.verify_password(hashed, "") is False


def test_verify_without_a_hash_is_false(app):
    with app.app_context():
        assert passwords.verify_password(None, "not-a-real-password") is False
        assert passwords.verify_password(None, "anything") is False
        assert passwords.verify_password("", "anything") is False


def test_verify_with_a_broken_hash_is_false(app):
    with app.app_context():
        assert passwords.verify_password("$argon2id$garbage", "anything") is False
        assert passwords.verify_password("plain text", "plain text") is False


def test_needs_rehash_when_parameters_change(app):
    with app.app_context():
        hashed = passwords.hash_password("s3cret password")
        assert passwords.needs_rehash(hashed) is False
        old = app.config["ARGON2_TIME_COST"]
        app.config["ARGON2_TIME_COST"] = old + 1
        try:
            assert passwords.needs_rehash(hashed) is True
        finally:
            app.config["ARGON2_TIME_COST"] = old


# --- countries ----------------------------------------------------------------------------


def test_country_choices_in_chinese():
    choices = countries.country_choices("zh")
    assert ("DE", "德国") in choices
    assert ("CN", "中国") in choices
    assert len(choices) > 200


def test_country_choices_in_english():
    choices = countries.country_choices("en")
    assert ("DE", "Germany") in choices
    assert ("US", "United States") in choices
    names = [name for _, name in choices]
    assert names.index("Austria") < names.index("Germany") < names.index("Zimbabwe")


def test_country_choices_in_chinese_are_in_pinyin_order():
    names = [name for _, name in countries.country_choices("zh")]
    assert names.index("阿尔巴尼亚") < names.index("德国") < names.index("中国")


def test_country_choices_in_english_are_in_alphabetical_order():
    names = [name for _, name in countries.country_choices("en")]
    # accented letters sort with their base letter, not after Z
    assert names.index("Costa Rica") < names.index("Côte d’Ivoire") < names.index("Croatia")
    assert names.index("Åland Islands") < names.index("Albania")


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_country_choices_hold_countries_only(locale):
    codes = [code for code, _ in countries.country_choices(locale)]
    assert "EU" not in codes
    assert "001" not in codes
    assert "ZZ" not in codes
    assert "UN" not in codes
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in codes)
    assert len(codes) == len(set(codes))


def test_country_name():
    assert countries.country_name("DE", "zh") == "德国"
    assert countries.country_name("de", "en") == "Germany"
    assert countries.country_name("", "en") == ""
    assert countries.country_name(None, "en") == ""
    assert countries.country_name("QQ", "en") == "QQ"  # unknown codes shown as they are
    assert countries.is_country("fr")
    assert not countries.is_country("EU")


def test_country_functions_follow_the_current_locale(app):
    with app.test_request_context(), force_locale("en"):
        assert countries.country_name("DE") == "Germany"
        assert ("DE", "Germany") in countries.country_choices()
    with app.test_request_context(), force_locale("zh"):
        assert countries.country_name("DE") == "德国"


# --- classification -----------------------------------------------------------------------


def test_label_of(app):
    with app.test_request_context(), force_locale("en"):
        assert classification.label_of("nature", "trading") == "Trading company"
        assert classification.label_of("grade", "A") == "A: strong buyer or repeat customer"
        assert classification.label_of("importance", "very_important") == "Very important"
        assert classification.label_of("category", "intent") == "Intent customer"
        assert classification.label_of("grade", None) == ""
        assert classification.label_of("grade", "") == ""
        assert classification.label_of("nature", "unknown-code") == "unknown-code"


def test_choices_have_a_blank_first(app):
    with app.test_request_context(), force_locale("en"):
        pairs = classification.choices(classification.GRADES)
        assert pairs[0] == ("", "—")
        assert [code for code, _ in pairs[1:]] == ["A", "B", "C", "D"]
        assert classification.choices(classification.GRADES, blank=False)[0][0] == "A"


# --- roles --------------------------------------------------------------------------------


def test_roles_can(app, company_a):
    sales_id = add_member(app, company_a, "sales@alpha.example.com", {"sales"})
    manager_id = add_member(app, company_a, "manager@alpha.example.com", {"manager"})
    with app.app_context(), tenant_context(company_a.id):
        owner = db.session.get(Membership, company_a.owner_membership_id)
        sales = db.session.get(Membership, sales_id)
        manager = db.session.get(Membership, manager_id)
        assert roles.can(owner, "customers.archive") is True
        assert roles.can(manager, "customers.archive") is True
        assert roles.can(sales, "customers.archive") is False
        assert roles.can(sales, "customers.edit") is True
        assert roles.can(sales, "customers.view") is True
        assert roles.can(owner, "no.such.action") is False
        assert roles.can(None, "customers.view") is False

        owner.active = False  # not saved: only the object's state matters
        for action in roles.PERMISSIONS:
            assert roles.can(owner, action) is False
        db.session.rollback()


def test_role_labels(app):
    with app.test_request_context(), force_locale("en"):
        assert roles.role_labels({"sales", "owner"}) == ["Owner", "Salesperson"]
        assert roles.role_labels(set()) == []
