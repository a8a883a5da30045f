"""The import pages show times in the company's time zone like every other page (issue 25),
not the stored UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import make_import
from webapp.extensions import db
from webapp.models import ImportBatch, Tenant
from webapp.tenancy.context import tenant_context

UPLOADED = datetime(2026, 11, 20, 2, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("country", "shown"), [("CN", "2026-11-20 10:05"), ("DE", "2026-11-20 03:05")]
)
def test_import_times_are_the_companys(app, client_a, company_a, country, shown):
    batch_id = make_import(app, company_a)
    with app.app_context(), tenant_context(company_a.id):  # RLS: a company's row in it only
        db.session.get(Tenant, company_a.id).home_country = country
        batch = db.session.get(ImportBatch, batch_id)
        batch.created_at = UPLOADED
        batch.status = "done"
        db.session.commit()
    listing = client_a.get(f"/t/{company_a.slug}/imports/").get_data(as_text=True)
    assert shown in listing and "2026-11-20 02:05" not in listing
    result = client_a.get(f"/t/{company_a.slug}/imports/{batch_id}").get_data(as_text=True)
    assert shown in result and "2026-11-20 02:05" not in result
