"""PDF benchmark (not a test), two ratios measured in one run (the machine is shared: the
ratios are what to compare):

1. the filled export-order form in Chinese vs. the same template with Latin-only content in
   DejaVu Sans. Target: ratio <= 2.0 and the Chinese form <= 400 ms.
2. the follow-up log holding one 5,000-character Chinese follow-up vs. one of 400 characters.
   Target: ratio <= 3.0 (WeasyPrint's layout of one unbroken paragraph grows with the square
   of its length; webapp/pdf.py runs() keeps it linear).

    .venv/bin/python scripts/bench_pdf.py [-n 15]

Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import g  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.config import TestConfig  # noqa: E402
from webapp.doctor import check_harfbuzz_subset  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import (  # noqa: E402
    Customer,
    ExportOrder,
    Membership,
    OrderClaim,
    OrderInspection,
    OrderPayment,
)
from webapp.pdf import render_pdf  # noqa: E402
from webapp.services import orders as rules  # noqa: E402
from webapp.services.signup import create_company  # noqa: E402
from webapp.tenancy.context import tenant_context  # noqa: E402

CHINESE = {
    "company": "蓝海进出口贸易有限公司", "slug": "bench-zh",
    "customer": "深圳市华彩数码科技有限公司",
    "members": {"manager": "李娜", "finance": "刘芳", "gm": "王建国", "merchandiser": "陈静"},
    "comment": "经审核确认，同意布单生产", "forwarder": "深圳市环球货运代理有限公司",
    "supplier": "东莞市光明电子厂", "claim": ("货代公司", "延误交货，扣款"),
}  # fmt: skip
LATIN = {
    "company": "Blue Ocean Trading Ltd", "slug": "bench-en",
    "customer": "Nordlicht Projektoren GmbH",
    "members": {"manager": "Anna Lee", "finance": "Frank Liu", "gm": "George Wang",
                "merchandiser": "Mary Chen"},
    "comment": "Reviewed and approved, start production", "forwarder": "Global Freight Ltd",
    "supplier": "Bright Electronics Factory", "claim": ("Forwarder", "Late delivery, deduction"),
}  # fmt: skip


def build_order(spec: dict) -> tuple[int, int, int]:
    """A filled order with payments, inspections, claims and sign-offs; returns ids."""
    tenant, _owner = create_company(
        company_name=spec["company"], slug=spec["slug"], home_country="CN",
        default_locale="zh", owner_name="Owner", email=f"owner@{spec['slug']}.example.com",
        password="benchmark-password",
    )  # fmt: skip
    db.session.flush()
    with tenant_context(tenant.id):
        members = {}
        for role, name in spec["members"].items():
            from webapp.models import User

            user = User(email=f"{role}@{spec['slug']}.example.com", name=name, password_hash="x")
            member = Membership(tenant_id=tenant.id, user=user)
            member.set_roles({role})
            db.session.add(member)
            members[role] = member
        customer = Customer(name=spec["customer"], country="DE", owner_id=None)
        db.session.add(customer)
        db.session.flush()
        order = ExportOrder(
            customer_id=customer.id, contract_no="SC-2026-018", contract_amount=Decimal("48600"),
            currency="USD", customer_order_date=date(2026, 10, 29),
            factory_order_date=date(2026, 11, 2), customer_delivery_date=date(2026, 12, 18),
            factory_delivery_date=date(2026, 12, 8), merchandiser_id=members["merchandiser"].id,
            payment_method="TT", payment_ratio="30% / 70%", forwarder=spec["forwarder"],
            freight_currency="USD", freight_amount=Decimal("1200"), cbm=Decimal("28.5"),
            cartons=420, supplier=spec["supplier"], invoice_no="INV-7781",
            purchase_total=Decimal("286000"), actual_purchase_amount=Decimal("281500"),
            customs_amount=Decimal("48600"), customs_no="531620261118001",
            created_by_id=members["manager"].id, stage="draft",
        )  # fmt: skip
        db.session.add(order)
        db.session.flush()
        order.payments += [
            OrderPayment(kind="deposit1", amount=Decimal("14580"), currency="USD",
                         paid_on=date(2026, 10, 31)),
            OrderPayment(kind="balance", amount=Decimal("34020"), currency="USD",
                         paid_on=date(2026, 11, 25)),
        ]  # fmt: skip
        order.inspections += [
            OrderInspection(inspected_on=date(2026, 11, 20), result="fail", note=spec["comment"]),
            OrderInspection(inspected_on=date(2026, 11, 24), result="pass", note="AQL 2.5"),
        ]
        order.claims.append(OrderClaim(party=spec["claim"][0], reason=spec["claim"][1],
                                       amount=Decimal("300"), currency="USD"))  # fmt: skip
        db.session.flush()
        rules.sign(order, "payment_verified", members["finance"], spec["comment"],
                   order.payments[0].id)  # fmt: skip
        rules.sign(order, "production_approval", members["manager"], spec["comment"])
        rules.sign(order, "gm_signature", members["gm"])
        rules.sign(order, "bl_review", members["merchandiser"])
        rules.sign(order, "bank_presentation", members["manager"], spec["comment"])
        db.session.commit()
        return tenant.id, order.id, members["manager"].id


def render(app, tenant_id: int, order_id: int, member_id: int, locale: str, font: str | None):
    from webapp.blueprints.orders.forms import SECTIONS
    from webapp.blueprints.orders.routes import section_form
    from webapp.blueprints.printing.routes import ORDER_HEADINGS
    from webapp.models import Tenant
    from webapp.services.printing import claims_total

    with app.test_request_context():
        g.tenant = db.session.get(Tenant, tenant_id)
        g.membership = db.session.get(Membership, member_id)
        order = db.session.scalar(rules.load_order_query().where(ExportOrder.id == order_id))
        extra = {"font_family": font} if font else {}
        return render_pdf(
            "print/order.html", locale, form_title="Export order", order=order,
            totals=rules.totals(order), sections=SECTIONS,
            section_form=lambda name: section_form(name, order), headings=ORDER_HEADINGS,
            claims_total=claims_total(order),
            signoff_kinds=rules.SIGNOFF_KINDS, payment_kinds=rules.PAYMENT_KINDS,
            order_stage_labels=rules.STAGES, **extra,
        )  # fmt: skip


LONG_TEXT_LENGTHS = (400, 5000)  # characters of one follow-up's 跟进情况


def build_followups(tenant_id: int, member_id: int) -> dict[int, int]:
    """A customer per length, each with one follow-up of that many Chinese characters."""
    from webapp.models import FollowUp
    from webapp.services.followups import Links, save_followup

    sentence = "客户比较两家供应商的价格，要求再寄两台样品并确认包装要求和交货期。"
    customers = {}
    with tenant_context(tenant_id):
        for length in LONG_TEXT_LENGTHS:
            customer = Customer(name=f"深圳市华彩数码科技有限公司 {length}", country="DE")
            db.session.add(customer)
            db.session.flush()
            record = FollowUp(method="phone", topic="报价跟进", on_date=date(2026, 11, 20),
                              content=(sentence * (length // len(sentence) + 1))[:length],
                              followed_by_id=member_id, author_id=member_id)  # fmt: skip
            save_followup(customer, record, Links(contact_ids=[], colleague_ids=[]))
            customers[length] = customer.id
        db.session.commit()
    return customers


def render_log(app, tenant_id: int, member_id: int, customer_id: int) -> bytes:
    from webapp.models import Tenant
    from webapp.services.followups import timeline

    with app.test_request_context():
        g.tenant = db.session.get(Tenant, tenant_id)
        g.membership = db.session.get(Membership, member_id)
        customer = db.session.get(Customer, customer_id)
        return render_pdf("print/followup_log.html", "zh", form_title="客户跟踪记录表",
                          customer=customer, records=timeline(customer.id))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="renders per variant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = type("BenchConfig", (TestConfig,),
                      {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db"})  # fmt: skip
        app = create_app(config)
        with app.app_context():
            db.create_all()
            print("HarfBuzz subsetter:", check_harfbuzz_subset().detail)
            zh = build_order(CHINESE)
            en = build_order(LATIN)
            variants = {
                "chinese (Noto Sans CJK SC)": (zh, "zh", None),
                "latin (DejaVu Sans)": (en, "en", '"DejaVu Sans"'),
            }
            timings: dict[str, list[float]] = {name: [] for name in variants}
            for ids, locale, font in variants.values():  # warm-up: fonts, templates
                render(app, *ids, locale, font)
            for _ in range(args.n):  # interleaved, so machine noise hits both alike
                for name, (ids, locale, font) in variants.items():
                    start = time.perf_counter()
                    pdf = render(app, *ids, locale, font)
                    timings[name].append(time.perf_counter() - start)
                    assert pdf.startswith(b"%PDF")
            tenant_id, _order_id, member_id = zh
            logs = build_followups(tenant_id, member_id)
            long_timings: dict[int, list[float]] = {length: [] for length in logs}
            for customer_id in logs.values():  # warm-up
                render_log(app, tenant_id, member_id, customer_id)
            for _ in range(args.n):
                for length, customer_id in logs.items():
                    start = time.perf_counter()
                    render_log(app, tenant_id, member_id, customer_id)
                    long_timings[length].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) * 1000 for name, values in timings.items()}
    for name, value in medians.items():
        print(f"{name:<28} median {value:7.1f} ms  (n={args.n})")
    zh_ms, en_ms = medians["chinese (Noto Sans CJK SC)"], medians["latin (DejaVu Sans)"]
    print(f"ratio chinese/latin          {zh_ms / en_ms:7.2f}  (target <= 2.0; chinese <= 400 ms)")
    short, long = (statistics.median(long_timings[n]) * 1000 for n in LONG_TEXT_LENGTHS)
    print(f"follow-up log, {LONG_TEXT_LENGTHS[0]:>5} chars   median {short:7.1f} ms  (n={args.n})")
    print(f"follow-up log, {LONG_TEXT_LENGTHS[1]:>5} chars   median {long:7.1f} ms  (n={args.n})")
    print(f"ratio 5000/400 characters    {long / short:7.2f}  (target <= 3.0)")


if __name__ == "__main__":
    main()
