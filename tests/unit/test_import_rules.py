"""Import rules without files: header and value mapping in both languages, dated logs, row
validation, and the in-memory duplicate index agreeing with find_duplicates()."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from tests.factories import make_contact, make_customer
from webapp.services.duplicates import find_duplicates
from webapp.services.importing.core import ExistingIndex
from webapp.services.importing.logs import parse_log
from webapp.services.importing.mapping import (
    field_for_header,
    grade_value,
    guess_mapping,
    scale_value,
)
from webapp.services.importing.rows import RowContext, parse_row
from webapp.tenancy.context import tenant_context

TODAY = date(2026, 11, 28)


@pytest.fixture
def en(app):
    with app.test_request_context(), force_locale("en"):
        yield


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("公司名称", "name"), ("Company", "name"), ("客户名称：", "name"), ("联系人", "contact_name"),  # noqa: E501
        ("Contact name", "contact_name"), ("E-mail", "contact_email"), ("邮箱", "contact_email"),
        ("国家/地区", "country"), ("Country", "country"), ("类型", "nature"), ("Type", "nature"),
        ("重要性", "importance"), ("等级", "grade"), ("手机", "contact_mobile"),
        ("跟进记录", "log"), ("Follow-up log", "log"), ("备注", "remarks"), ("业务员", "owner"),
        ("产品", "products"), ("Product", "products"), ("random header", None),
    ],
)  # fmt: skip
def test_headers_in_chinese_and_english(en, header, field):
    assert field_for_header(header) == field


def test_a_field_is_taken_by_its_first_column_only(en):
    assert guess_mapping(["公司", "Company", "x", "邮箱"]) == ["name", "", "", "contact_email"]


@pytest.mark.parametrize(
    ("field", "text", "code"),
    [
        ("importance", "一般", "normal"), ("importance", "重要", "important"),
        ("importance", "非常重要", "very_important"), ("importance", "Very important", "very_important"),  # noqa: E501
        ("importance", "★★", "important"), ("nature", "Trading company", "trading"),
        ("nature", "Buying office", "buying_office"), ("nature", "Personal", "personal"),
        ("nature", "个人", "personal"), ("category", "准客户", "ready"),
        ("category", "Intent customer", "intent"), ("status", "Negotiating", "negotiating"),
        ("importance", "whatever", None),
    ],
)  # fmt: skip
def test_scale_values_in_either_language(en, field, text, code):
    assert scale_value(field, text) == code


def test_grades(en):
    assert [grade_value(t) for t in ("A", "b", "C级", "Grade D", "E")] == ["A", "B", "C", "D", None]


def test_dated_log_entries_and_undated_remarks():
    entries, undated = parse_log(
        "3/11 send quotation about LCD projector; 3/10: reply RFQ; 3/4:Reply RFQ；"
        "met at Canton fair\n2024-01-05 call Tom; 3月12日 sample sent; 2/30 no such day",
        2026,
        TODAY,
    )
    assert [(e.on_date.isoformat(), e.text) for e in entries] == [
        ("2024-01-05", "call Tom"),
        ("2026-03-04", "Reply RFQ"),
        ("2026-03-10", "reply RFQ"),
        ("2026-03-11", "send quotation about LCD projector"),
        ("2026-03-12", "sample sent"),
    ]
    assert undated == ["met at Canton fair", "2/30 no such day"]
    assert entries[0].method == "phone" and entries[-1].method == "other"


def test_log_year_is_chosen_and_never_in_the_future():
    entries, _ = parse_log("12/20 xmas order; 11/2 visit", 2026, TODAY)
    assert [e.on_date for e in entries] == [date(2025, 12, 20), date(2026, 11, 2)]
    entries, _ = parse_log("12/20 xmas order", 2024, TODAY)
    assert entries[0].on_date == date(2024, 12, 20)
    # a full date after today is a plan, not a follow-up: kept word for word in the remarks
    entries, undated = parse_log("2027-05-01 visit the fair; 2026-11-02 quote", 2026, TODAY)
    assert [e.on_date for e in entries] == [date(2026, 11, 2)]
    assert undated == ["2027-05-01 visit the fair"]


def test_long_entries_keep_everything():
    text = "x" * 300
    (entry,), _ = parse_log(f"3/1 {text}", 2026, TODAY)
    assert len(entry.topic) == 200 and entry.content == text


def _ctx():
    return RowContext(year=2026, today=TODAY, default_owner_id=7, members={"lina": 9})


MAPPING = ["name", "country", "importance", "contact_name", "contact_email", "contact_mobile",
           "owner", "log", "grade"]  # fmt: skip


def test_a_valid_row(en):
    row = parse_row(
        5,
        ["Acme Inc", "美国", "重要", "John", "John@Acme.com; j2@acme.com", "202 555 0123", "Lina",
         "3/1 quote; hello", "a"],
        MAPPING,
        _ctx(),
    )  # fmt: skip
    assert row.errors == []
    assert row.customer["country"] == "US" and row.customer["owner_id"] == 9
    assert row.customer["grade"] == "A" and row.customer["remarks"] == "hello"
    assert row.contact["email"] == "john@acme.com" and row.contact["other"] == "j2@acme.com"
    assert row.contact["mobile"] == "+12025550123"
    assert [e.text for e in row.entries] == ["quote"]


def test_invalid_values_give_reasons_in_the_users_language(en):
    row = parse_row(
        9,
        ["", "Atlantis", "huge", None, "not-an-email", None, "Nobody", None, "Z"],
        MAPPING,
        _ctx(),
    )
    assert row.errors == [
        "Unknown grade “Z” (use A, B, C or D).",
        "Unknown importance “huge”.",
        "“not-an-email” is not an email address.",
    ]
    # an unknown country keeps the row: the cell goes to the remarks, the preview shows it
    assert row.warnings == [
        "Unknown country or region “Atlantis”: kept in the remarks, the country is left empty.",
        "Salesperson “Nobody” is not a member; the customer goes to you.",
    ]
    assert row.customer["owner_id"] == 7
    assert row.customer["country"] is None and "Atlantis" in row.customer["remarks"]


def test_missing_company_name_and_continuation_rows(en):
    assert parse_row(3, [None, "DE"], MAPPING, _ctx()).errors == ["The company name is missing."]
    follow = parse_row(4, [None, None, None, "Lukas"], MAPPING, _ctx())
    assert follow.errors == [] and not follow.own_values


def test_bad_phone_is_kept_not_lost(en):
    row = parse_row(3, ["Acme", "DE", None, "Jo", None, "ext. 12 ask for Jo"], MAPPING, _ctx())
    assert row.errors == [] and row.contact["other"] == "ext. 12 ask for Jo"


def test_overflowing_contact_details_are_refused_not_cut(en):
    """Second addresses and phone notes go to the contact's "other" (200 characters): more than
    fits makes the row invalid with the reason, instead of losing the end."""
    emails = "jo@acme.com; " + "; ".join(f"colleague{i}@acme.com" for i in range(12))
    row = parse_row(3, ["Acme", "DE", None, "Jo", emails], MAPPING, _ctx())
    assert row.errors == ["Contact other (WhatsApp, Skype…) is longer than 200 characters."]


def test_leading_apostrophe_of_neutralized_cells_is_dropped(en):
    row = parse_row(3, ["'=Acme", None, None, "Jo", None, "'+86 138 1234 5678"], MAPPING, _ctx())
    assert row.customer["name"] == "=Acme" and row.contact["mobile"] == "+8613812345678"


def test_existing_index_agrees_with_find_duplicates(app, company_a):
    by_name = make_customer(app, company_a, "Acme Trading Co., Ltd.")
    by_site = make_customer(app, company_a, "Other", website="https://www.nordlicht.de/en")
    by_mail = make_customer(app, company_a, "Third")
    make_contact(app, company_a, by_mail, "Jo", email="jo@third.example", mobile="+8613812345678")
    cases = [
        (["ACME TRADING", None, None, None, None, None], by_name, ["name"]),
        (["X", None, None, None, None, None, "nordlicht.de"], by_site, ["website"]),
        (["Y", None, None, "Jo", "a@third.example"], by_mail, ["email"]),
        (["Z", "CN", None, "Jo", None, "138 1234 5678"], by_mail, ["phone"]),
    ]
    mapping = [*MAPPING[:6], "website"]
    with app.test_request_context(), force_locale("en"), tenant_context(company_a.id):
        index = ExistingIndex()
        for values, expected, reasons in cases:
            row = parse_row(3, values, mapping, _ctx())
            keys = row.match_keys()
            (match,) = find_duplicates(
                name=row.name, website=row.customer.get("website"),
                emails=[(row.contact or {}).get("email")], phones=keys["phones"],
            )  # fmt: skip
            assert match.customer.id == expected and match.reasons == reasons
            assert index.match(row) == (expected, reasons)
        assert index.match(parse_row(3, ["Brand new"], mapping, _ctx())) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("NG-尼日利亚", "NG"), ("NG 尼日利亚", "NG"), ("尼日利亚(NG)", "NG"),
        ("尼日利亚（NG）", "NG"),
        ("Nigeria", "NG"), ("ng", "NG"), ("UK", "GB"), ("英国", "GB"), ("USA", "US"),
        ("Holland", "NL"), ("Korea", "KR"), ("韩国", "KR"), ("Ivory Coast", "CI"),
        ("Côte d’Ivoire", "CI"), ("New Zealand", "NZ"), ("El Salvador", "SV"), ("巴西", "BR"),
        ("刚果（金）", "CD"), ("Congo - Brazzaville", "CG"), ("CD-刚果", "CD"), ("BR/Brazil", "BR"),
    ],
)  # fmt: skip
def test_countries_in_every_form_a_sheet_uses(text, code):
    from webapp.services.importing.places import country_code

    assert country_code(text) == code


def test_congo_is_asked_and_atlantis_unknown():
    from webapp.services.importing.places import AmbiguousCountry, country_code

    for text in ("Congo", "刚果"):
        with pytest.raises(AmbiguousCountry) as exc:
            country_code(text)
        assert exc.value.codes == ("CG", "CD")
    with pytest.raises(ValueError):
        country_code("Atlantis")


def test_a_company_less_row_with_customer_values_is_its_own_customer(en):
    from webapp.services.importing.core import arranged

    mapping = ["name", "country", "contact_name", "contact_email", "log"]
    rows = [
        parse_row(2, ["Acme", "GB", "Roy", "roy@acme.example", None], mapping, _ctx()),
        parse_row(3, [None, None, "Ana", "ana@acme.example", None], mapping, _ctx()),
        parse_row(4, [None, "NG-尼日利亚", "Daudet", "d@yahoo.com", None], mapping, _ctx()),
        parse_row(5, [None, None, "Tom", "tom@gmail.com", None], mapping, _ctx()),
        parse_row(6, [None, None, "Lee", "lee@elsewhere.example", None], mapping, _ctx()),
        parse_row(7, [None, None, "Log", None, "3/1 called"], mapping, _ctx()),
    ]
    out = list(arranged(rows, {}))
    assert [r.extra_contact for r in out] == [False, True, False, True, False, False]
    assert [r.name for r in out] == ["Acme", "", "Daudet", "", "Lee", "Log"]
    flipped = list(arranged(
        [parse_row(2, ["Acme", "GB", "Roy", None, None], mapping, _ctx()),
         parse_row(3, [None, None, "Ana", None, None], mapping, _ctx())],
        {"3": "customer"},
    ))  # fmt: skip
    assert not flipped[1].extra_contact and flipped[1].name == "Ana"


def test_a_mobile_with_a_blank_country_is_read_in_the_home_country(en):
    ctx = RowContext(year=2026, today=TODAY, default_owner_id=7, home_country="CN")
    row = parse_row(2, ["Li's shop", None, None, "Li", None, "138 1234 5678"], MAPPING[:6], ctx)
    assert row.contact["mobile"] == "+8613812345678"


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "公司,国家\n蓝海贸易有限公司,德国\n" * 20),
        ("utf-8-sig", "公司,国家\n蓝海贸易有限公司,德国\n" * 20),
        ("gb18030", "公司,国家,联系人\n蓝海贸易有限公司,德国,王小明\n" * 20),
        ("big5", "公司,國家,聯絡人\n藍海貿易有限公司,德國,王小明\n" * 20),
        ("utf-16", "公司,国家\n蓝海贸易有限公司,德国\n" * 20),
    ],
)
def test_encodings_detected_with_charset_normalizer(encoding, text):
    from webapp.services.importing.readers import decode_text, detect_encoding

    data = text.encode(encoding)
    codec, sure = detect_encoding(data)
    assert sure and decode_text(data, codec) == text, codec
