"""Import benchmark (not a test): a generated 10,000-row .xlsx sheet with contacts and dated logs
(scripts/make_import_sample.py) imported into an empty company, next to a 1,000-row sheet, in one
run. Each size is timed end to end (upload check + header detection, preview with duplicate
check, commit), then imported again under tracemalloc for the peak of Python memory.

    .venv/bin/python scripts/bench_import.py [--rows 10000] [--small 1000] [--db sqlite|URL]

Target: 10,000 rows in < 20 s, and peak memory that does not grow with the file (the ratio of
the two peaks, against a 10x ratio of rows). Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_babel import force_locale  # noqa: E402
from make_import_sample import sample_rows, to_xlsx  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.config import TestConfig  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Customer, FollowUp, ImportBatch  # noqa: E402
from webapp.services import importing  # noqa: E402
from webapp.services.signup import create_company  # noqa: E402
from webapp.tenancy.context import tenant_context  # noqa: E402

TODAY = date(2026, 11, 28)


def run_once(app, data: bytes, slug: str) -> dict[str, float | int]:
    """One import into a new company: seconds per phase, rows, customers, follow-ups."""
    with app.app_context():
        tenant, user = create_company(
            company_name=slug, slug=slug, home_country="CN", default_locale="zh",
            owner_name="Bench", email=f"{slug}@bench.example.com", password="bench-password-1",
        )  # fmt: skip
        db.session.commit()
        tenant_id = tenant.id
    with app.test_request_context(), force_locale("en"), tenant_context(tenant_id):
        from webapp.models import Membership

        owner = db.session.scalar(select(Membership.id))
        t0 = time.perf_counter()
        batch = importing.create_batch(data, "bench.xlsx", owner)  # limits, header, row count
        db.session.flush()
        t1 = time.perf_counter()
        preview = importing.build_preview(batch, TODAY)  # validation and duplicate check
        importing.save_settings(batch, preview={"total": preview.total})
        db.session.commit()
        t2 = time.perf_counter()
        batch_id = batch.id
        importing.claim(batch)
        importing.execute(batch_id, TODAY, "en")  # the all-or-nothing commit
        t3 = time.perf_counter()
        batch = db.session.get(ImportBatch, batch_id)
        if batch.status != "done":
            raise SystemExit(f"import failed: {batch.status} {batch.error}")
        result = {
            "upload": t1 - t0,
            "preview": t2 - t1,
            "commit": t3 - t2,
            "total": t3 - t0,
            "rows": preview.total,
            "customers": db.session.scalar(select(func.count(Customer.id))),
            "followups": db.session.scalar(select(func.count(FollowUp.id))),
        }
        db.session.remove()
    return result


def measure(app, data: bytes, slug: str) -> dict[str, float | int]:
    result = run_once(app, data, slug)
    tracemalloc.start()
    run_once(app, data, slug + "-mem")
    result["peak"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (a temp file) or a database URL")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    url = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else args.db
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()

    results = {}
    for label, n in (("small", args.small), ("large", args.rows)):
        data = to_xlsx(sample_rows(n))
        r = measure(app, data, f"bench-{label}")
        results[label] = r
        print(
            f"{r['rows']:>6} rows ({len(data) / 2**20:.1f} MB .xlsx): {r['total']:6.2f} s "
            f"(upload check {r['upload']:.2f} + preview {r['preview']:.2f} + commit "
            f"{r['commit']:.2f}), {r['rows'] / r['total']:5.0f} rows/s end to end, "
            f"{r['rows'] / r['commit']:5.0f} rows/s commit; {r['customers']} customers, "
            f"{r['followups']} follow-ups; peak Python memory {r['peak']:5.1f} MB"
        )
    small, large = results["small"], results["large"]
    print(
        f"ratio large/small: rows x{large['rows'] / small['rows']:.1f}, "
        f"time x{large['total'] / small['total']:.1f}, peak memory x{large['peak'] / small['peak']:.2f}"  # noqa: E501
    )
    print(f"target: {args.rows} rows < 20 s -> {'OK' if large['total'] < 20 else 'TOO SLOW'}")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
