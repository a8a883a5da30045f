"""Import benchmark (not a test): a generated 100,000-row .xlsx sheet with contacts and dated
logs (scripts/make_import_sample.py) imported into an empty company, next to a 10,000-row sheet,
in one run. Each size runs in a fresh process of its own, timed end to end (upload check + header
detection, preview with duplicate check, commit), in wall-clock and CPU seconds, with the
process's peak memory (peak RSS, and its growth over the process before the import began).
A file beyond the row limit is uploaded too: the time until it is refused.

    .venv/bin/python scripts/bench_import.py [--rows 100000] [--small 10000] [--db sqlite|URL]
    .venv/bin/python scripts/bench_import.py --traced   # also the Python heap (tracemalloc)

Targets (issue 23): 100,000 rows in < 60 s; peak memory of the large file <= 1.5x the small
one's; the oversized file refused within 2 s. Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
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
from webapp.services.importing import readers  # noqa: E402
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


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int, url: str, traced: bool) -> None:
    """One size in this (fresh) process; prints its numbers as JSON on the last line."""
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    data = to_xlsx(sample_rows(n))
    before = _peak_rss_mb()  # the app, the libraries and the generated file
    if traced:
        tracemalloc.start()
    cpu = time.process_time()
    result = run_once(app, data, f"bench-{n}")
    result["cpu"] = time.process_time() - cpu
    if traced:
        result["heap"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result |= {"rss": _peak_rss_mb(), "rss_before": before, "mb": len(data) / 2**20}
    print(json.dumps(result))


def refusal(n: int) -> tuple[float, str]:
    """Seconds from upload to the refusal of a sheet beyond the row limit."""
    app = create_app(TestConfig)
    data = to_xlsx(sample_rows(n))
    with app.test_request_context(), force_locale("en"):
        t0 = time.perf_counter()
        try:
            importing.open_sheet(data, "xlsx")
            readers.count_rows(data, "xlsx")
        except importing.ImportFileError as exc:
            return time.perf_counter() - t0, str(exc)
    return time.perf_counter() - t0, "NOT REFUSED"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite", help="sqlite (a temp file) or a database URL")
    parser.add_argument("--traced", action="store_true", help="also the tracemalloc peak")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.url, args.traced)
        return
    tmp = tempfile.mkdtemp(prefix="bench-import-")
    url = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else args.db
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        db.engine.dispose()

    results = {}
    for label, n in (("small", args.small), ("large", args.rows)):
        command = [sys.executable, __file__, "--child", str(n), "--url", url]
        done = subprocess.run(
            command + (["--traced"] if args.traced else []), capture_output=True, text=True
        )
        if done.returncode:
            raise SystemExit(f"{n} rows failed:\n{done.stderr[-3000:]}")
        out = done.stdout
        r = results[label] = json.loads(out.strip().splitlines()[-1])
        heap = f", Python heap peak {r['heap']:.1f} MB" if "heap" in r else ""
        print(
            f"{r['rows']:>6} rows ({r['mb']:.1f} MB .xlsx): {r['total']:6.2f} s wall, "
            f"{r['cpu']:6.2f} s CPU (upload check {r['upload']:.2f} + preview {r['preview']:.2f}"
            f" + commit {r['commit']:.2f}), {r['rows'] / r['total']:5.0f} rows/s; "
            f"{r['customers']} customers, {r['followups']} follow-ups; peak RSS "
            f"{r['rss']:.0f} MB ({r['rss'] - r['rss_before']:+.0f} MB over the process "
            f"before the import){heap}"
        )
    small, large = results["small"], results["large"]
    ratio = large["rss"] / small["rss"]
    growth = (large["rss"] - large["rss_before"]) / max(small["rss"] - small["rss_before"], 1)
    print(
        f"ratio large/small: rows x{large['rows'] / small['rows']:.1f}, "
        f"time x{large['total'] / small['total']:.1f}, peak RSS x{ratio:.2f} "
        f"(growth over the process before the import x{growth:.2f})"
    )
    print(
        f"target: {args.rows} rows < 60 s -> {'OK' if large['total'] < 60 else 'TOO SLOW'} "
        f"(CPU {large['cpu']:.1f} s); peak memory <= 1.5x -> {'OK' if ratio <= 1.5 else 'TOO MUCH'}"
    )
    seconds, message = refusal(readers.MAX_ROWS + 5_000)
    print(f"{readers.MAX_ROWS + 5_000} rows refused after {seconds:.2f} s: {message}")


if __name__ == "__main__":
    main()
