"""Render every paper form of the demo company to PDF and PNG, in Chinese and English, so
reviewers can lay them beside the paper originals.

    .venv/bin/python scripts/pdf_samples.py build/pdf-samples     (make pdf-samples)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.config import TestConfig  # noqa: E402
from webapp.demo import DEMO_PASSWORD, MEMBERS, seed_demo  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import ExportOrder, FollowUp, Tenant  # noqa: E402
from webapp.tenancy.context import tenant_context  # noqa: E402


def main(out: Path) -> None:
    if not shutil.which("pdftoppm"):
        sys.exit("pdftoppm not found: apt-get install -y poppler-utils (make browser-deps)")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        config = type("SampleConfig", (TestConfig,),
                      {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/samples.db"})  # fmt: skip
        app = create_app(config)
        with app.app_context():
            db.create_all()
            seed_demo()
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == "demo"))
            with tenant_context(tenant.id):
                order_id = db.session.scalar(select(ExportOrder.id).order_by(ExportOrder.id))
                visit_id = db.session.scalar(
                    select(FollowUp.id).where(FollowUp.method.like("visit%")).order_by(FollowUp.id)
                )
        client = app.test_client()
        client.post("/login", data={"email": MEMBERS[0][0], "password": DEMO_PASSWORD})
        forms = {
            "followup_log": "/t/demo/print/customers/1/followups.pdf",
            "customer_sheet": "/t/demo/print/customers/1/sheet.pdf",
            "visit": f"/t/demo/print/followups/{visit_id}/visit.pdf",
            "order": f"/t/demo/print/orders/{order_id}/order.pdf",
            "contacts": "/t/demo/print/contacts.pdf",
        }
        for name, url in forms.items():
            for lang in ("zh", "en"):
                response = client.get(f"{url}?lang={lang}")
                assert response.status_code == 200, (url, response.status_code)
                pdf = out / f"{name}-{lang}.pdf"
                pdf.write_bytes(response.data)
                subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(pdf.with_suffix(""))],
                               check=True)  # fmt: skip
                print(f"{pdf}  ({len(response.data) // 1024} KiB)")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/pdf-samples"))
