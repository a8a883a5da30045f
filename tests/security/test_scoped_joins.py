"""Pages whose query reaches a tenant table only through a join or a subquery: the person filter
of the audit log (users joined to memberships) and every pager's total (db.paginate counts over a
subquery). Both once showed other companies' rows on SQLite; PostgreSQL's RLS hid it there."""

from __future__ import annotations

from tests.factories import add_member, make_customer


def _english(client) -> None:
    client.post("/lang", data={"lang": "en"})


def test_audit_person_filter_lists_only_this_companys_people(app, client_a, company_a, company_b):
    add_member(app, company_b, "bertha@beta.example.com", {"sales"}, "Bertha Beta")
    page = client_a.get(f"/t/{company_a.slug}/audit/").get_data(as_text=True)
    assert "Bertha Beta" not in page and "Owner beta-export" not in page
    assert "Owner alpha-trading" in page


def test_pager_totals_count_only_this_companys_rows(app, client_a, company_a, company_b):
    make_customer(app, company_a, "Alpha Pooled", owner_id=None)
    for i in range(5):
        make_customer(app, company_b, f"Beta Pooled {i}", owner_id=None)
        make_customer(app, company_b, f"Beta Owned {i}")
    _english(client_a)
    for path in ("pool/", "customers/"):
        page = client_a.get(f"/t/{company_a.slug}/{path}").get_data(as_text=True)
        assert "Beta " not in page
        assert "1–1 of 1" in page, path
