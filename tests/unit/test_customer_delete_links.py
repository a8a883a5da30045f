"""Deleting a customer with issue 7's records attached: inquiries and report lines keep their
text and lose the link, samples and plan rows go with it. Composite foreign keys cannot
SET NULL one column, so the model hooks unlink first (and a raw delete is refused)."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tests.factories import (
    make_contact,
    make_customer,
    make_inquiry,
    make_plan,
    make_report,
    make_report_row,
    make_sample,
)
from webapp.extensions import db
from webapp.models import CallPlanRow, Customer, Inquiry, Sample, WeeklyReportLine
from webapp.tenancy.context import tenant_context


@pytest.fixture
def linked(app, company_a):
    customer = make_customer(app, company_a, "Doomed GmbH")
    contact = make_contact(app, company_a, customer, "Jonas")
    inquiry = make_inquiry(app, company_a, customer_id=customer, contact_id=contact)
    sample = make_sample(app, company_a, customer_id=customer)
    plan = make_plan(app, company_a, customer_ids=(customer,))
    report = make_report(app, company_a)
    line = make_report_row(app, company_a, report, "line", customer_id=customer, notes="call")
    return customer, contact, inquiry, sample, plan, line


def test_orm_delete_unlinks_and_cascades(app, company_a, linked):
    customer, _contact, inquiry, sample, plan, line = linked
    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Customer, customer))
        db.session.commit()
        kept = db.session.get(Inquiry, inquiry)
        assert (kept.customer_id, kept.contact_id, kept.tenant_id) == (None, None, company_a.id)
        report_line = db.session.get(WeeklyReportLine, line)
        assert report_line.customer_id is None and report_line.notes == "call"
        assert db.session.get(Sample, sample) is None
        assert (
            db.session.scalars(select(CallPlanRow).where(CallPlanRow.plan_id == plan)).all() == []
        )


def test_removing_a_contact_unlinks_the_inquiry(app, company_a, linked):
    from webapp.models import Contact

    _customer, contact, inquiry, *_ = linked
    with app.app_context(), tenant_context(company_a.id):
        db.session.delete(db.session.get(Contact, contact))
        db.session.commit()
        assert db.session.get(Inquiry, inquiry).contact_id is None


def test_a_delete_around_the_orm_is_refused_not_corrupting(app, company_a, linked):
    customer, *_ = linked
    with app.app_context(), tenant_context(company_a.id):
        with pytest.raises(IntegrityError):
            db.session.execute(
                delete(Customer).where(Customer.id == customer),
                execution_options={"synchronize_session": False},
            )
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Customer, customer) is not None
