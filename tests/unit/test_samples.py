"""Sample rules called directly: charge and amount, customer or inquiry, filters, delete."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests.factories import Company, add_member, make_customer, make_inquiry, make_sample
from webapp.extensions import db
from webapp.models import Inquiry, Sample
from webapp.services import samples as rules
from webapp.tenancy.context import tenant_context


@pytest.fixture
def ctx(app: Flask, company_a: Company):
    with app.test_request_context(), tenant_context(company_a.id):
        yield


def ext(factory, *args, **kwargs):
    """A factory (own session) runs between our transactions (SQLite snapshots)."""
    db.session.commit()
    return factory(*args, **kwargs)


def data(company: Company, **overrides) -> rules.SampleInput:
    values = {"name": "LCD projector P-200", "charge": "free",
              "sent_by_id": company.owner_membership_id}  # fmt: skip
    values.update(overrides)
    return rules.SampleInput(**values)


def test_charge_labels(ctx):
    assert rules.charge_label("freight_collect") == str(rules.CHARGE_LABELS["freight_collect"])
    assert rules.charge_label(None) == ""


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"charge": "charged"}, {"amount", "currency"}),
        ({"charge": "charged", "amount": Decimal("0"), "currency": "USD"}, {"amount"}),
        ({"charge": "charged", "amount": Decimal("35"), "currency": None}, {"currency"}),
        ({"charge": "gift"}, {"charge"}),
        ({"name": "  "}, {"name"}),
        ({"customer_id": None}, {"customer_id"}),
        ({"customer_id": 9999}, {"customer_id"}),
        ({"inquiry_id": 9999}, {"inquiry_id"}),
        ({"sent_by_id": 9999}, {"sent_by_id"}),
    ],
)
def test_problems(app, ctx, company_a, overrides, fields):
    customer = ext(make_customer, app, company_a)
    overrides = {"customer_id": customer, **overrides}
    assert set(rules.sample_problems(data(company_a, **overrides))) == fields


def test_charged_sample_keeps_amount_and_free_one_drops_it(app, ctx, company_a):
    customer = ext(make_customer, app, company_a)
    sample = rules.create_sample(data(company_a, customer_id=customer, charge="charged",
                                      amount=Decimal("35.50"), currency="USD"))  # fmt: skip
    db.session.commit()
    assert (sample.amount, sample.currency) == (Decimal("35.50"), "USD")
    rules.apply_sample(sample, data(company_a, customer_id=customer, charge="freight_collect",
                                    amount=Decimal("35.50"), currency="USD"))  # fmt: skip
    assert (sample.charge, sample.amount, sample.currency) == ("freight_collect", None, None)


def test_invalid_sample_is_not_saved(app, ctx, company_a):
    with pytest.raises(rules.SampleInvalid) as err:
        rules.create_sample(data(company_a, charge="charged"))
    assert "amount" in err.value.problems
    assert db.session.query(Sample).count() == 0


def test_sample_for_a_converted_inquiry_goes_to_its_customer(app, ctx, company_a):
    customer = ext(make_customer, app, company_a, "Nordlicht GmbH")
    linked = ext(make_inquiry, app, company_a, customer_id=customer)
    loose = ext(make_inquiry, app, company_a, "Not yet a customer")
    one = rules.create_sample(data(company_a, inquiry_id=linked))
    two = rules.create_sample(data(company_a, inquiry_id=loose))
    db.session.commit()
    assert (one.customer_id, one.inquiry_id) == (customer, linked)
    assert (two.customer_id, two.inquiry_id) == (None, loose)
    assert db.session.get(Inquiry, loose).customer_id is None


def test_another_companys_customer_is_refused(app, ctx, company_a, company_b):
    foreign = ext(make_customer, app, company_b)
    assert "customer_id" in rules.sample_problems(data(company_a, customer_id=foreign))


def test_filters(app, ctx, company_a):
    lucy = ext(add_member, app, company_a, "lucy@alpha.example.com", {"sales"}, "Lucy")
    c1 = ext(make_customer, app, company_a, "One GmbH")
    c2 = ext(make_customer, app, company_a, "Two Ltd")
    inquiry = ext(make_inquiry, app, company_a)
    a = ext(make_sample, app, company_a, "Lamp A", customer_id=c1, sent_on=date(2026, 11, 2))
    b = ext(make_sample, app, company_a, "Lamp B", customer_id=c2, sent_on=date(2026, 11, 20),
            charge="charged", amount=Decimal("10"), currency="USD", sent_by_id=lucy,
            tracking_no="DHL123")  # fmt: skip
    c = ext(make_sample, app, company_a, "Screen", inquiry_id=inquiry, charge="freight_collect")
    db.session.commit()

    def ids(**args) -> list[int]:
        filters = rules.SampleFilters.from_args(MultiDict(args), mine_id=lucy)
        return [s.id for s in db.session.scalars(rules.sample_query(filters))]

    assert ids() == [c, b, a]  # not sent yet first, then newest sent
    assert ids(customer=str(c1)) == [a]
    assert ids(inquiry=str(inquiry)) == [c]
    assert ids(sent_by="mine") == [b]
    assert ids(sent_by=str(company_a.owner_membership_id)) == [c, a]
    assert ids(charge="charged") == [b]
    assert ids(charge="freight_collect") == [c]
    assert ids(charge="bogus") == [c, b, a]
    assert ids(**{"from": "2026-11-10"}) == [b]
    assert ids(to="2026-11-10") == [a]
    assert ids(q="dhl1") == [b]
    assert ids(q="lamp") == [b, a]
    assert [s.id for s in rules.samples_for(customer_id=c2)] == [b]


def test_delete(app, ctx, company_a):
    sample_id = ext(make_sample, app, company_a)
    rules.delete_sample(db.session.get(Sample, sample_id))
    db.session.commit()
    assert db.session.get(Sample, sample_id) is None


def test_samples_stay_in_their_company(app, company_a, company_b):
    make_sample(app, company_b, "Secret sample")
    with app.test_request_context(), tenant_context(company_a.id):
        assert rules.samples_for(customer_id=None) == []
        assert db.session.scalars(rules.sample_query(rules.SampleFilters())).all() == []
