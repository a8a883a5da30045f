"""Customer rules called directly, without a client: duplicate-check normalization and matching,
phone numbers, countries, the customer's local time and holidays, classification labels."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import gettext

from tests.factories import make_company, make_contact, make_customer
from webapp.extensions import db
from webapp.models import Customer
from webapp.normalize import email_domain, normalize_company_name, website_host
from webapp.services import classification, countries, localinfo, phones
from webapp.services.duplicates import find_duplicates
from webapp.tenancy.context import tenant_context

CJK = re.compile(r"[\u4e00-\u9fff]")

# --- normalize_company_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        ("Shenzhen Huacai Digital Co., Ltd.", "SHENZHEN HUACAI DIGITAL"),
        ("shenzhen huacai digital", "Shenzhen   Huacai   Digital"),  # case and spaces
        ("Shenzhen-Huacai, Digital!", "Shenzhen Huacai Digital"),  # punctuation
        ("Acme Inc.", "ACME"),
        ("Acme, Inc", "acme"),
        ("Acme Ltd.", "Acme"),
        ("Acme Co.", "Acme"),
        ("Acme GmbH", "acme"),
        ("Acme Co., Ltd.", "Acme"),
        ("深圳某某电子有限公司", "深圳某某电子"),
        ("深圳某某电子有限责任公司", "深圳某某电子"),
        ("深圳 某某 电子 有限公司", "深圳某某电子"),
        ("深圳某某电子有限公司", "深圳某某电子有限责任公司"),
        ("Ｓｈｅｎｚｈｅｎ Ｈｕａｃａｉ", "Shenzhen Huacai"),  # full-width letters
    ],
)
def test_normalize_company_name_ignores_case_spaces_punctuation_and_legal_forms(name, same_as):
    key = normalize_company_name(name)
    assert key
    assert key == normalize_company_name(same_as)


def test_normalize_company_name_values():
    assert normalize_company_name("Shenzhen Huacai Digital Co., Ltd.") == "shenzhenhuacaidigital"
    assert normalize_company_name("深圳某某电子有限公司") == "深圳某某电子"


@pytest.mark.parametrize("name", [None, "", "   ", "Co., Ltd.", "有限公司"])
def test_normalize_company_name_of_nothing_is_empty(name):
    assert normalize_company_name(name) == ""


@pytest.mark.parametrize(
    ("one", "other"),
    [("Acme GmbH", "Apex GmbH"), ("深圳某某电子有限公司", "深圳某某电器有限公司")],
)
def test_normalize_company_name_keeps_different_companies_apart(one, other):
    assert normalize_company_name(one) != normalize_company_name(other)


def test_normalize_company_name_gmbh_und_co_kg():
    # the German legal form must not leave the "and" of its "&" behind
    assert normalize_company_name("Acme GmbH & Co. KG") == normalize_company_name("Acme GmbH")
    # while "&" inside a name still equals "and"
    assert normalize_company_name("Smith & Jones Ltd") == normalize_company_name("Smith and Jones")


# --- website_host / email_domain -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.Example.com/en/", "example.com"),
        ("example.com", "example.com"),
        ("WWW.EXAMPLE.COM", "example.com"),
        ("http://shop.example.com:8080/path?q=1", "shop.example.com"),
        ("  example.com/contact  ", "example.com"),
        (None, None),
        ("", None),
        ("   ", None),
    ],
)
def test_website_host(url, host):
    assert website_host(url) == host


def test_website_host_of_a_malformed_address_is_none():
    # urlsplit raises ValueError ("Invalid IPv6 URL") for a stray "[": no host, no exception
    assert website_host("http://[acme.de") is None
    assert website_host("[acme.de") is None


@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("jonas@acme.de", "acme.de"),
        ("Jonas.Weber@ACME.DE", "acme.de"),
        ("buyer@gmail.com", None),
        ("12345@qq.com", None),
        ("sales@163.com", None),
        ("someone@outlook.com", None),
        ("not-an-email", None),
        ("", None),
        (None, None),
    ],
)
def test_email_domain_ignores_public_mail(email, domain):
    assert email_domain(email) == domain


# --- find_duplicates -----------------------------------------------------------------------


@pytest.fixture
def company(app):
    return make_company(app, "alpha-trading", "阿尔法贸易 Alpha Trading")


@pytest.fixture
def other_company(app):
    return make_company(app, "beta-export", "贝塔出口 Beta Export")


def duplicates(app, company, **kwargs) -> dict[int, list[str]]:
    """find_duplicates inside `company`: {customer id: reasons}."""
    with app.app_context(), tenant_context(company.id):
        return {m.customer.id: m.reasons for m in find_duplicates(**kwargs)}


@pytest.fixture
def known(app, company):
    acme = make_customer(app, company, "Acme Trading GmbH", website="https://www.acme.de/en/")
    make_contact(app, company, acme, "Jonas Weber", email="jonas@acme.de")
    make_contact(app, company, acme, "Free Mail", email="acme.buyer@gmail.com")
    shenzhen = make_customer(app, company, "深圳某某电子有限公司")
    make_contact(app, company, shenzhen, "王伟", mobile="+8613812345678", phone="+862155551234")
    return {"acme": acme, "shenzhen": shenzhen}


def test_duplicates_by_name(app, company, known):
    assert duplicates(app, company, name="ACME TRADING, GmbH") == {known["acme"]: ["name"]}
    assert duplicates(app, company, name="深圳某某电子有限责任公司") == {
        known["shenzhen"]: ["name"]
    }


def test_duplicates_by_website_host(app, company, known):
    assert duplicates(app, company, website="http://acme.de") == {known["acme"]: ["website"]}
    assert duplicates(app, company, website="ACME.DE/contact") == {known["acme"]: ["website"]}


def test_duplicates_by_email_domain(app, company, known):
    found = duplicates(app, company, emails=["purchasing@ACME.de", None])
    assert found == {known["acme"]: ["email"]}


def test_duplicates_ignore_public_mail_domains(app, company, known):
    assert duplicates(app, company, emails=["someone.else@gmail.com"]) == {}


def test_duplicates_by_phone(app, company, known):
    assert duplicates(app, company, phones=["+8613812345678"]) == {known["shenzhen"]: ["phone"]}
    assert duplicates(app, company, phones=[None, "+862155551234"]) == {
        known["shenzhen"]: ["phone"]
    }
    assert duplicates(app, company, phones=["+8613800000000"]) == {}


def test_duplicates_list_every_reason(app, company, known):
    found = duplicates(
        app, company, name="Acme Trading", website="acme.de", emails=["x@acme.de"], phones=[]
    )
    assert found == {known["acme"]: ["name", "website", "email"]}


def test_duplicates_of_several_customers(app, company, known):
    found = duplicates(app, company, name="Acme", phones=["+8613812345678"])
    assert found == {known["acme"]: ["name"], known["shenzhen"]: ["phone"]}


def test_duplicates_exclude_the_customer_itself(app, company, known):
    assert duplicates(app, company, name="Acme", exclude_id=known["acme"]) == {}
    assert duplicates(app, company, name="Acme", exclude_id=known["shenzhen"]) == {
        known["acme"]: ["name"]
    }


def test_duplicates_of_nothing(app, company, known):
    assert duplicates(app, company) == {}
    assert duplicates(app, company, name="", website="", emails=[], phones=[]) == {}
    assert duplicates(app, company, name="Completely Different Ltd") == {}


def test_duplicates_never_cross_companies(app, company, other_company):
    theirs = make_customer(app, other_company, "Acme Trading GmbH", website="acme.de")
    make_contact(app, other_company, theirs, "Jonas", email="j@acme.de", mobile="+8613812345678")
    query = {
        "name": "Acme Trading GmbH",
        "website": "acme.de",
        "emails": ["x@acme.de"],
        "phones": ["+8613812345678"],
    }
    assert duplicates(app, company, **query) == {}
    # the same question asked inside the other company finds it
    assert duplicates(app, other_company, **query) == {
        theirs: ["name", "website", "email", "phone"]
    }


def test_duplicates_see_the_same_name_only_in_its_own_company(app, company, other_company):
    ours = make_customer(app, company, "Acme Trading GmbH")
    make_customer(app, other_company, "Acme Trading GmbH")
    assert duplicates(app, company, name="Acme Trading GmbH") == {ours: ["name"]}


def test_name_key_and_website_host_are_kept_on_the_model(app, company):
    with app.app_context(), tenant_context(company.id):
        customer = Customer(name="Acme Trading Co., Ltd.", website="https://www.Acme.de/")
        assert (customer.name_key, customer.website_host) == ("acme", "acme.de")
        customer.name = "深圳某某电子有限公司"
        customer.website = None
        assert (customer.name_key, customer.website_host) == ("深圳某某电子", None)


def test_name_key_fits_its_column(app, company):
    # "&" -> "and" makes the key longer than the name; the column is String(200) (PostgreSQL
    # refuses longer values)
    name = "R&D " * 50
    assert len(name) == 200  # the form's maximum
    customer_id = make_customer(app, company, name)
    with app.app_context(), tenant_context(company.id):
        key = db.session.get(Customer, customer_id).name_key
    assert len(key) <= Customer.__table__.c.name_key.type.length


# --- phones --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("138 1234 5678", "CN", "+8613812345678"),
        ("138-1234-5678", "cn", "+8613812345678"),
        ("+86 138 1234 5678", None, "+8613812345678"),
        ("+86 138 1234 5678", "DE", "+8613812345678"),  # an explicit country code wins
        ("0086 138 1234 5678", "DE", "+8613812345678"),
        ("030 1234567", "DE", "+49301234567"),
        ("07911 123456", "GB", "+447911123456"),
        ("(212) 555-0100", "US", "+12125550100"),
        ("  +44 7911 123456  ", "CN", "+447911123456"),
    ],
)
def test_to_e164(raw, region, e164):
    assert phones.to_e164(raw, region) == e164


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_to_e164_of_nothing_is_none(raw):
    assert phones.to_e164(raw, "CN") is None


@pytest.mark.parametrize(
    ("raw", "region"),
    [
        ("12", "CN"),
        ("abc", "CN"),
        ("138 1234", "CN"),
        ("138 1234 5678", None),  # national number without a region
        ("+999 1234 5678", None),
        ("1234567890123456789", "DE"),
        ("+44 7700 900123", None),  # Ofcom's range for drama: not a real number
    ],
)
def test_to_e164_rejects_invalid_numbers(raw, region):
    with pytest.raises(phones.InvalidPhone):
        phones.to_e164(raw, region)


def test_invalid_phone_is_a_value_error():
    assert issubclass(phones.InvalidPhone, ValueError)


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+8613812345678", "+86 138 1234 5678"),
        ("+49301234567", "+49 30 1234567"),
        ("+447700900123", "+44 7700 900123"),
        (None, ""),
        ("", ""),
        ("not a number", "not a number"),
    ],
)
def test_display_is_international(e164, shown):
    assert phones.display(e164) == shown


@pytest.mark.parametrize(
    ("query", "digits"),
    [
        ("13812345678", ["13812345678"]),
        ("138-1234", ["1381234"]),
        ("+86 138 1234 5678", ["8613812345678"]),
        ("0086 138 1234 5678", ["8613812345678"]),
        ("(138) 1234.5678", ["13812345678"]),
        ("021 5555 1234", ["02155551234", "2155551234"]),
        ("138", []),  # too short to be a phone search
        ("1-2-3", []),
        ("acme", []),
        ("Acme 138", []),
        ("", []),
    ],
)
def test_search_digits(query, digits):
    assert phones.search_digits(query) == digits


# --- countries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["DE", "de", " De ", "德国", "Germany", "germany", "GERMANY", "德国 (DE)", "Germany (DE)"],
)
def test_parse_country_to_germany(text):
    assert countries.parse_country(text) == "DE"


@pytest.mark.parametrize(
    ("text", "code"),
    [("中国", "CN"), ("China", "CN"), ("日本", "JP"), ("United States", "US"), ("美国 (US)", "US")],
)
def test_parse_country(text, code):
    assert countries.parse_country(text) == code


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_country_of_nothing_is_none(text):
    assert countries.parse_country(text) is None


@pytest.mark.parametrize("text", ["Atlantis", "XX", "EU", "德", "Germ", "(ZZ)", "123"])
def test_parse_country_of_an_unknown_name_raises(text):
    with pytest.raises(ValueError):
        countries.parse_country(text)


def test_country_label_and_name():
    assert countries.country_label("de", "zh") == "德国 (DE)"
    assert countries.country_label("DE", "en") == "Germany (DE)"
    assert countries.country_name("DE", "zh") == "德国"
    assert countries.country_name(None, "zh") == ""
    # what the field re-renders is parsed back to the same code
    assert countries.parse_country(countries.country_label("CN", "zh")) == "CN"


# --- local time and holidays ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("US", "America/New_York"),
        ("us", "America/New_York"),
        ("CN", "Asia/Shanghai"),
        ("AU", "Australia/Sydney"),
        ("DE", "Europe/Berlin"),
    ],
)
def test_main_zone(country, zone):
    assert localinfo.main_zone(country) == ZoneInfo(zone)


@pytest.mark.parametrize("country", [None, "", "XX"])
def test_main_zone_unknown(country):
    assert localinfo.main_zone(country) is None
    assert localinfo.local_now(country) is None


def test_local_now_with_a_fixed_now():
    now = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    shanghai = localinfo.local_now("CN", now)
    assert (shanghai.hour, shanghai.minute, shanghai.utcoffset().total_seconds()) == (
        20,
        0,
        8 * 3600,
    )
    assert shanghai.tzinfo == ZoneInfo("Asia/Shanghai")
    new_york = localinfo.local_now("US", now)  # summer time: UTC-4
    assert (new_york.day, new_york.hour, new_york.utcoffset().total_seconds()) == (1, 8, -4 * 3600)
    sydney = localinfo.local_now("AU", now)  # winter there: UTC+10
    assert (sydney.hour, sydney.utcoffset().total_seconds()) == (22, 10 * 3600)
    assert shanghai == new_york == sydney == now  # the same instant


def test_local_now_without_now_is_the_current_time():
    before = datetime.now(ZoneInfo("UTC"))
    shown = localinfo.local_now("CN")
    after = datetime.now(ZoneInfo("UTC"))
    assert before <= shown <= after
    assert shown.tzinfo == ZoneInfo("Asia/Shanghai")


def test_chinese_holidays_in_chinese():
    found = localinfo.upcoming_holidays("CN", "zh", start=date(2026, 9, 28))
    assert localinfo.Holiday(date(2026, 10, 1), "国庆节") in found
    assert all(date(2026, 9, 28) <= h.day < date(2026, 10, 28) for h in found)
    assert found == sorted(found, key=lambda h: h.day)


def test_chinese_holidays_in_english():
    names = [h.name for h in localinfo.upcoming_holidays("CN", "en", start=date(2026, 9, 28))]
    assert "National Day" in names
    assert not any(CJK.search(name) for name in names)


def test_us_holidays_in_english():
    found = localinfo.upcoming_holidays("us", "en", start=date(2026, 11, 20))
    assert localinfo.Holiday(date(2026, 11, 26), "Thanksgiving Day") in found
    assert any("Thanksgiving" in h.name for h in found)


def test_holidays_window_is_start_inclusive_end_exclusive():
    found = localinfo.upcoming_holidays("CN", "zh", start=date(2026, 10, 1), days=1)
    assert [h.day for h in found] == [date(2026, 10, 1)]
    assert localinfo.upcoming_holidays("US", "en", start=date(2026, 11, 27), days=30)[0].day > (
        date(2026, 11, 26)
    )


def test_holidays_across_the_new_year():
    found = localinfo.upcoming_holidays("DE", "en", start=date(2026, 12, 20))
    days = [h.day for h in found]
    assert date(2026, 12, 25) in days
    assert date(2027, 1, 1) in days


@pytest.mark.parametrize("country", [None, "", "XX", "AQ"])
def test_holidays_of_an_unsupported_country_are_empty(country):
    assert localinfo.upcoming_holidays(country, "zh", start=date(2026, 9, 28)) == []


# --- classification labels ------------------------------------------------------------------

LABELS = [
    ("nature", "trading", "Trading company"),
    ("nature", "buying_office", "Buying office"),
    ("grade", "A", "A: strong buyer or repeat customer"),
    ("grade", "D", "D: inquired, never replied"),
    ("importance", "very_important", "Very important"),
    ("category", "ready", "Ready buyer"),
    ("category", "prospect", "Ordinary prospect"),
    ("status", "negotiating", "Negotiating"),
    ("outcome", "won", "Won"),
    ("gender", "female", "Female"),
]


@pytest.mark.parametrize(("scale", "code", "english"), LABELS)
def test_label_in_english(app, scale, code, english):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert classification.label_of(scale, code) == english


@pytest.mark.parametrize(("scale", "code", "english"), LABELS)
def test_label_in_chinese(app, scale, code, english):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = classification.label_of(scale, code)
        assert chinese == gettext(english)  # the catalog's word, whatever it is today
        if gettext(english) != english:  # translated (the catalog may still be incomplete)
            assert chinese != english


def test_a_translated_label_differs_between_languages(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        chinese = classification.label_of("grade", "A")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = classification.label_of("grade", "A")
    assert english == "A: strong buyer or repeat customer"
    assert chinese != english
    assert CJK.search(chinese)


@pytest.mark.parametrize("code", [None, ""])
def test_label_of_nothing_is_empty(app, code):
    with app.test_request_context():
        assert classification.label_of("grade", code) == ""


def test_label_of_an_unknown_code_is_the_code(app):
    with app.test_request_context():
        assert classification.label_of("category", "gone") == "gone"


def test_duplicate_reason_labels(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert classification.duplicate_reason("phone") == "same phone number"
        assert classification.duplicate_reason("other") == "other"


def test_choices_start_with_a_blank(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        pairs = classification.choices(classification.IMPORTANCE)
        assert pairs[0] == ("", "—")
        assert ("important", "Important") in pairs
        assert classification.choices(classification.IMPORTANCE, blank=False)[0][0] == "normal"


# --- development stages as bits ------------------------------------------------------------


def test_stage_bits_are_distinct_powers_of_two():
    bits = list(classification.STAGE_BITS.values())
    assert len(set(bits)) == len(classification.STAGES) == 7
    assert all(bit & (bit - 1) == 0 for bit in bits)


def test_stages_to_bits():
    assert classification.stages_to_bits([]) == 0
    assert classification.stages_to_bits(["quoted"]) == 1
    assert classification.stages_to_bits(["quoted", "sample"]) == 3
    assert classification.stages_to_bits({"shipped"}) == 64
    # duplicates and unknown codes do not count
    assert classification.stages_to_bits(["sample", "sample", "bogus"]) == 2


def test_bits_to_stages():
    assert classification.bits_to_stages(0) == []
    assert classification.bits_to_stages(None) == []
    assert classification.bits_to_stages(3) == ["quoted", "sample"]
    assert classification.bits_to_stages(64 | 4) == ["certification", "shipped"]


def test_stages_round_trip():
    every = list(classification.STAGES)
    assert classification.bits_to_stages(classification.stages_to_bits(every)) == every
    for code in every:
        assert classification.bits_to_stages(classification.stages_to_bits([code])) == [code]
    assert classification.bits_to_stages(classification.stages_to_bits(every[::2])) == every[::2]
