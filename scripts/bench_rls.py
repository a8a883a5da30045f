"""What row-level security costs (not a test): the same pages on PostgreSQL requested N times
each, interleaved, by two apps in one run —

  * rls: the application role, subject to the policies, with guard.sync_rls setting
    app.tenant_id in every transaction (production);
  * owner: the tables' owner, which bypasses RLS, with sync_rls switched off (no set_config).

    .venv/bin/python scripts/bench_rls.py \
        --url postgresql://postgres@127.0.0.1:5432/bench_rls [-n 200]

The database is emptied and filled (one company, 2,000 customers with contacts and follow-ups).
Prints the median per page for both and the ratio rls/owner; the machine is shared, so the ratio
is what to compare. Results go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.config import TestConfig, normalize_db_url  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Contact, Customer, FollowUp, Membership  # noqa: E402
from webapp.services.signup import create_company  # noqa: E402
from webapp.tenancy import guard, rls  # noqa: E402
from webapp.tenancy.context import tenant_context  # noqa: E402

PASSWORD = "bench password 123"


def build(owner_url: str) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        rls.disable_global(conn)  # its policies' subqueries depend on the tables
        db.metadata.drop_all(conn)
        db.metadata.create_all(conn)
        rls.enable(conn)
        rls.enable_global(conn)
        rls.grant_app_role(conn, TestConfig.DATABASE_APP_ROLE)
    engine.dispose()
    app = create_app(type("Seed", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": owner_url}))
    with app.app_context():
        tenant, user = create_company(
            company_name="Bench Trading", slug="bench", home_country="CN", default_locale="en",
            owner_name="Bench", email="bench@example.com", password=PASSWORD,
        )  # fmt: skip
        db.session.flush()
        with tenant_context(tenant.id):
            owner_id = db.session.scalar(
                db.select(Membership.id).where(Membership.user_id == user.id)
            )
            for i in range(2000):
                customer = Customer(
                    name=f"Customer {i:04d} GmbH", owner_id=owner_id, grade="ABCD"[i % 4]
                )
                customer.contacts.append(Contact(name=f"Contact {i}", is_primary=True))
                db.session.add(customer)
            db.session.flush()
            first = db.session.scalar(db.select(Customer.id).order_by(Customer.id))
            for n in range(50):
                db.session.add(
                    FollowUp(
                        customer_id=first, seq=n + 1, method="phone", topic=f"Call {n}",
                        on_date=date(2026, 1, 1) + timedelta(days=n), followed_by_id=owner_id,
                        author_id=owner_id,
                    )
                )  # fmt: skip
            db.session.commit()
        db.engine.dispose()
    # fresh statistics, as autovacuum would have them: bulk-loaded tables otherwise look empty
    # to the planner and it picks nested loops over 2,000 rows
    engine = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def client_for(url: str):
    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return app, client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="PostgreSQL URL of the tables' owner")
    parser.add_argument("-n", type=int, default=200)
    args = parser.parse_args()
    owner_url = normalize_db_url(args.url)
    app_url = make_url(owner_url).set(username=TestConfig.DATABASE_APP_ROLE, password=None)
    build(owner_url)
    _, rls_client = client_for(app_url.render_as_string(hide_password=False))
    _, owner_client = client_for(owner_url)
    with create_app(type("Q", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": owner_url})).app_context():
        first = db.session.execute(text("SELECT min(id) FROM customer")).scalar()
    pages = {
        "customer list": "/t/bench/customers/",
        "search": "/t/bench/customers/?q=0042",
        "card (50 follow-ups)": f"/t/bench/customers/{first}",
        "my day": "/t/bench/",
    }
    real_sync = guard.sync_rls
    results: dict[str, dict[str, list[float]]] = {p: {"rls": [], "owner": []} for p in pages}
    for _ in range(args.n):
        for name, path in pages.items():
            for mode, client in (("rls", rls_client), ("owner", owner_client)):
                guard.sync_rls = real_sync if mode == "rls" else (lambda session: None)
                started = time.perf_counter()
                response = client.get(path)
                results[name][mode].append(time.perf_counter() - started)
                assert response.status_code == 200, (name, mode, response.status_code)
    guard.sync_rls = real_sync
    print(f"{'page':<24}{'rls ms':>10}{'owner ms':>10}{'ratio':>8}")
    for name, times in results.items():
        a, b = statistics.median(times["rls"]) * 1000, statistics.median(times["owner"]) * 1000
        print(f"{name:<24}{a:>10.1f}{b:>10.1f}{a / b:>8.2f}")


if __name__ == "__main__":
    main()
