"""Render every paper form of the demo company to PDF and PNG, in Chinese and English, short
(the demo's records), long (the longest values the forms accept: tests/pdf/longest.py) and
blank (records with nothing filled in), so reviewers can lay them beside the paper originals.
Each PDF is read back with the layout test's checks (tests/pdf/layout.py) and the result is
printed beside it.

    .venv/bin/python scripts/pdf_samples.py build/pdf-samples     (make pdf-samples)
    .venv/bin/python scripts/pdf_samples.py OUT --only order --variant long --no-png
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from tests.pdf.layout import check_form  # noqa: E402
from tests.pdf.longest import longest_records  # noqa: E402
from tests.pdf.test_layout import TABLE_HEADERS, form_title, form_urls, with_lang  # noqa: E402
from webapp import create_app  # noqa: E402
from webapp.config import TestConfig  # noqa: E402
from webapp.demo import DEMO_PASSWORD, MEMBERS, seed_demo  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import (  # noqa: E402
    CallPlan,
    Customer,
    ExportOrder,
    FollowUp,
    Membership,
    Tenant,
    User,
    WeeklyReport,
)
from webapp.tenancy.context import tenant_context  # noqa: E402


def demo_records(owner_id: int) -> dict:
    """The demo's own records: a customer with follow-ups and a visit, an order, a plan and
    a report (the first of each)."""
    visit = db.session.scalar(
        select(FollowUp).where(FollowUp.method.like("visit%")).order_by(FollowUp.id)
    )
    return {
        "customer": visit.customer_id,
        "visit": visit.id,
        "order": db.session.scalar(select(ExportOrder.id).order_by(ExportOrder.id)),
        "plan": db.session.scalar(select(CallPlan.id).order_by(CallPlan.id)),
        "report": db.session.scalar(select(WeeklyReport.id).order_by(WeeklyReport.id)),
        # the table forms: the demo salesperson's customers (the long ones are the owner's)
        "selection": "?owner="
        + str(
            db.session.scalar(
                select(Membership.id).join(Membership.user).where(User.email == MEMBERS[2][0])
            )
        ),
    }


def blank_records(owner_id: int) -> dict:
    """Records with nothing filled in but what the database requires."""
    from datetime import date
    from decimal import Decimal

    customer = Customer(name="—", owner_id=owner_id)
    db.session.add(customer)
    db.session.flush()
    order = ExportOrder(customer_id=customer.id, contract_no="—", contract_amount=Decimal(0),
                        currency="USD", created_by_id=owner_id, stage="draft")  # fmt: skip
    plan = CallPlan(member_id=owner_id, start_on=date(2030, 1, 7), weeks=3,
                    created_by_id=owner_id)  # fmt: skip
    report = WeeklyReport(member_id=owner_id, week_start=date(2030, 1, 7))
    db.session.add_all([order, plan, report])
    db.session.flush()
    return {
        "customer": customer.id,
        "order": order.id,
        "plan": plan.id,
        "report": report.id,
        "selection": "?country=ZZ",
    }  # a country nobody is in


def long_records(owner_id: int) -> dict:
    return {**longest_records(owner_id), "selection": "?owner=mine"}


VARIANTS = {"short": demo_records, "long": long_records, "blank": blank_records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="build/pdf-samples", type=Path)
    parser.add_argument("--only", action="append", help="a form (repeatable); default: all")
    parser.add_argument("--variant", action="append", choices=list(VARIANTS))
    parser.add_argument("--lang", action="append", choices=["zh", "en"])
    parser.add_argument("--no-png", action="store_true", help="PDFs only (faster)")
    args = parser.parse_args()
    if not args.no_png and not shutil.which("pdftoppm"):
        sys.exit("pdftoppm not found: apt-get install -y poppler-utils (make browser-deps)")
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        config = type("SampleConfig", (TestConfig,),
                      {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/samples.db"})  # fmt: skip
        app = create_app(config)
        with app.app_context():
            db.create_all()
            seed_demo()
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
            with tenant_context(tenant.id):
                owner_id = db.session.scalar(
                    select(Membership.id).join(Membership.user).where(User.email == MEMBERS[0][0])
                )
                ids = {name: build(owner_id) for name, build in VARIANTS.items()}
                db.session.commit()
        client = app.test_client()
        client.post("/login", data={"email": MEMBERS[0][0], "password": DEMO_PASSWORD})
        for variant in args.variant or VARIANTS:
            for form, url in form_urls("demo", ids[variant]).items():
                if url is None or (args.only and form not in args.only):
                    continue
                for lang in args.lang or ("zh", "en"):
                    start = time.perf_counter()
                    response = client.get(with_lang(url, lang))
                    seconds = time.perf_counter() - start
                    assert response.status_code == 200, (url, response.status_code)
                    pdf = args.out / f"{form}-{variant}-{lang}.pdf"
                    pdf.write_bytes(response.data)
                    try:
                        header = (
                            TABLE_HEADERS.get(form, {}).get(lang) if variant == "long" else None
                        )
                        pages = len(check_form(response.data, form_title(app, form, lang), header))
                        verdict = f"ok, {pages} page(s)"
                    except AssertionError as problem:
                        failures += 1
                        verdict = f"FAILS: {problem}"
                    if not args.no_png:
                        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf),
                                        str(pdf.with_suffix(""))], check=True)  # fmt: skip
                    print(f"{pdf}  {len(response.data) // 1024} KiB  {seconds:.2f} s  {verdict}")
    if failures:
        sys.exit(f"{failures} form(s) fail the layout checks")


if __name__ == "__main__":
    main()
