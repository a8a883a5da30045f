"""The customer search index (services/search.py): kept on every write of a customer or a
contact, folded like the search term, one company's rows only, rebuilt after bulk loads."""

from __future__ import annotations

from sqlalchemy import delete, select

from tests.factories import make_contact, make_customer, make_followup
from webapp.extensions import db
from webapp.models import Contact, Customer, CustomerSearch
from webapp.services import search
from webapp.services.customers import CustomerFilters, customer_query
from webapp.tenancy.context import tenant_context


def _found(app, company, q: str) -> list[str]:
    with app.app_context(), tenant_context(company.id):
        stmt = customer_query(CustomerFilters.from_args({"q": q}, viewer=None))
        return [c.name for c in db.session.scalars(stmt)]


def _text(app, company, customer_id: int) -> str | None:
    with app.app_context(), tenant_context(company.id):
        return db.session.scalar(
            select(CustomerSearch.text).where(CustomerSearch.customer_id == customer_id)
        )


def test_search_text_folds_every_field_one_per_line():
    text = search.search_text(
        ("MÜLLER Lighting GmbH", None, "Königstraße 1"),
        [("Anna Weiß", "Anna@Mueller.DE", "+4915112345678", None, "12345", "Anna_WX")],
    )
    assert text == (
        "muller lighting gmbh\nkonigstrasse 1\nanna weiss\nanna@mueller.de\n+4915112345678"
        "\n12345\nanna_wx"
    )


def test_address_qq_and_wechat_are_searched(app, company_a):
    """Issue 25: a customer's address and a contact's QQ and WeChat id found nothing."""
    acme = make_customer(app, company_a, "Acme", address="深圳市南山区科技园路 12 号")
    make_contact(app, company_a, acme, "Li Lei", qq="87654321", wechat="lilei_sz")
    make_customer(app, company_a, "Other Ltd")
    for q in ("南山区", "科技园路", "87654321", "LiLei_SZ"):
        assert _found(app, company_a, q) == ["Acme"], q


def test_accents_and_case_are_folded_in_every_script(app, company_a):
    """Issue 25: "muller" did not find "Müller"."""
    names = ["Müller GmbH", "Ωμέγα Α.Ε.", "ПЁТР ООО", "Straße AG", "São Paulo Ltda", "Nguyễn Co"]
    for name in names:
        make_customer(app, company_a, name)
    for q, name in [("muller", "Müller GmbH"), ("MULLER", "Müller GmbH"), ("müller", "Müller GmbH"),
                    ("ωμεγα", "Ωμέγα Α.Ε."), ("ΩΜΕΓΑ", "Ωμέγα Α.Ε."), ("пётр", "ПЁТР ООО"),
                    ("петр", "ПЁТР ООО"), ("STRASSE", "Straße AG"), ("sao", "São Paulo Ltda"),
                    ("nguyen", "Nguyễn Co"), ("ｍｕｌｌｅｒ", "Müller GmbH")]:  # fmt: skip
        assert _found(app, company_a, q) == [name], q


def test_a_contact_address_qq_edit_rewrites_the_row(app, company_a):
    acme = make_customer(app, company_a, "Acme")
    contact = make_contact(app, company_a, acme, "Li Lei", qq="111")
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Contact, contact).qq = "222"
        db.session.get(Customer, acme).address = "Hafenstraße 9"
        db.session.commit()
    assert _found(app, company_a, "111") == []
    assert _found(app, company_a, "222") == ["Acme"]
    assert _found(app, company_a, "hafenstrasse") == ["Acme"]


def test_a_customer_and_its_contacts_are_found_by_any_field(app, company_a):
    acme = make_customer(app, company_a, "MÜLLER Lighting GmbH", website="https://mueller.example")
    make_contact(
        app, company_a, acme, "张伟", email="zhang@mueller.example", phone="+8613812345678"
    )
    make_customer(app, company_a, "Other Ltd")
    for q in ("müller", "MÜLLER", "Mueller.Example", "张伟", "zhang@", "138-1234", "+86 138 1234"):
        assert _found(app, company_a, q) == ["MÜLLER Lighting GmbH"], q
    assert _found(app, company_a, "100%") == []  # the user's % is a character, not a wildcard


def test_contact_edits_moves_and_deletes_rewrite_the_rows(app, company_a):
    first = make_customer(app, company_a, "First Co")
    second = make_customer(app, company_a, "Second Co")
    contact = make_contact(app, company_a, first, "Lucy Chen", email="lucy@old.example")
    with app.app_context(), tenant_context(company_a.id):
        row = db.session.get(Contact, contact)
        row.email = "lucy@new.example"
        db.session.commit()
    assert _found(app, company_a, "old.example") == []
    assert _found(app, company_a, "new.example") == ["First Co"]
    with app.app_context(), tenant_context(company_a.id):
        db.session.get(Contact, contact).customer_id = second  # moved to another customer
        db.session.commit()
    assert _found(app, company_a, "lucy") == ["Second Co"]
    assert "lucy" not in _text(app, company_a, first)
    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Contact, contact))
        db.session.get(Customer, first).name = "Renamed First"
        db.session.commit()
    assert _found(app, company_a, "lucy") == []
    assert _found(app, company_a, "renamed") == ["Renamed First"]
    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Customer, second))
        db.session.commit()
    assert _text(app, company_a, second) is None


def test_a_follow_up_does_not_rewrite_the_search_row(app, company_a):
    """Every follow-up changes its customer's dates; only searched fields rewrite the row."""
    customer = make_customer(app, company_a, "Quiet Co")
    with app.app_context(), tenant_context(company_a.id):
        db.session.execute(
            CustomerSearch.__table__.update()
            .values(text="marker")
            .where(CustomerSearch.customer_id == customer)
        )
        db.session.commit()
    make_followup(app, company_a, customer, "called")
    assert _text(app, company_a, customer) == "marker"


def test_search_never_crosses_companies(app, company_a, company_b):
    make_customer(app, company_a, "Shared Name Trading")
    make_customer(app, company_b, "Shared Name Trading B")
    assert _found(app, company_a, "shared name") == ["Shared Name Trading"]
    assert _found(app, company_b, "shared name") == ["Shared Name Trading B"]


def test_rebuild_after_a_bulk_insert_matches_the_hooks(app, company_a):
    kept = make_customer(app, company_a, "Hooked GmbH")
    make_contact(app, company_a, kept, "Hans", email="hans@hooked.example")
    before = _text(app, company_a, kept)
    with app.app_context(), tenant_context(company_a.id):
        db.session.execute(delete(CustomerSearch))
        assert search.rebuild(db.session.connection(), company_a.id) == 1
        db.session.commit()
    assert _text(app, company_a, kept) == before


def _found_once(app, company, q: str, cap: int) -> tuple[list[int] | None, list[str]]:
    """As the list does it: the matches found once (when at most `cap`), then the page."""
    with app.app_context(), tenant_context(company.id):
        filters = CustomerFilters.from_args({"q": q}, viewer=None)
        filters.matched_ids = search.few_matches(q, cap)
        return filters.matched_ids, [c.name for c in db.session.scalars(customer_query(filters))]


def test_few_matches_gives_the_ids_or_none_and_the_same_customers(app, company_a, company_b):
    names = ["Lumen Lighting", "Lumos Lamps", "Luminous GmbH", "Other Ltd"]
    ids = {name: make_customer(app, company_a, name) for name in names}
    make_customer(app, company_b, "Lumen Lighting B")  # another company's: never among the ids
    found, page = _found_once(app, company_a, "lum", cap=3)
    assert sorted(found) == sorted(ids[n] for n in names[:3])
    assert sorted(page) == sorted(names[:3])
    # more than the cap: no ids, the page comes from the subquery and is the same
    many, page = _found_once(app, company_a, "lum", cap=2)
    assert many is None and sorted(page) == sorted(names[:3])
    assert _found_once(app, company_a, "nothing like it", cap=3) == ([], [])
    # the user's % and _ are characters here too (a substring test, not a pattern)
    assert _found_once(app, company_a, "l_men", cap=3) == ([], [])
    assert _found_once(app, company_a, "%", cap=3) == ([], [])
