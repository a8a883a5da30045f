"""Page benchmark (not a test) against the large company of scripts/seed_large.py.

    .venv/bin/python scripts/bench_pages.py [--db sqlite:///instance/large.db | postgresql://...]
        [-n 30] [--as sales01]

Logs in as a member of the "large" company and requests each page N times, interleaved (one
round visits every page once, so a noisy neighbour slows all pages alike), through the WSGI app
in-process: what is measured is the application and its database, not a network stack. Prints
per page p50, p99, SQL statements per request and the ratio of each p50 to /healthz's p50 — the
number to compare between runs on this shared machine. Targets (issue 11): list/card/my day
p50 ≤ 50 ms and ≤ 10× /healthz, search ≤ 100 ms, and a query count that does not grow with the
data (compare against the "small" company with --slug small).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchstats import percentile  # noqa: E402  scripts/ is on the path when run as a script

PASSWORD = "bench password 123"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:///instance/large.db")
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--slug", default="large")
    parser.add_argument("--as", dest="login", default="sales01")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument(
        "--team",
        action="store_true",
        help="also my day of the whole team (?member=all); log in as a manager (--as manager1)",
    )
    parser.add_argument(
        "--profile", metavar="PAGE", help="instead of timing, cProfile N requests of one page"
    )
    parser.add_argument(
        "--sql", metavar="PAGE", help="instead of timing pages, time each SQL statement of one page"
    )
    parser.add_argument("--full-sql", action="store_true", help="with --sql: whole statements")
    parser.add_argument(
        "--spin",
        metavar="PAGE",
        help="only request one page N times, for a sampling profiler outside (py-spy record -- …)",
    )
    parser.add_argument(
        "--scan-too",
        action="store_true",
        help="SQLite: time the searches a second time without the trigram index (scan)",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.db
    os.environ.setdefault("RATELIMIT_ENABLED", "false")

    from sqlalchemy import event, func, select

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Customer, ExportOrder, FollowUp, Membership
    from webapp.services import lookups
    from webapp.tenancy.context import acting_user, tenant_context

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    slug = args.slug
    email = f"{args.login}@{slug}.example.com"
    with app.app_context():
        # the lookup functions: under row-level security the app's role sees no company and
        # no account before one is chosen
        tenant_id = lookups.company_id(slug)
        if tenant_id is None:
            sys.exit(f"no company '{slug}': run scripts/seed_large.py --db {args.db} first")
        user_id = lookups.account_id(email)
        with tenant_context(tenant_id), acting_user(user_id):  # RLS: one's own membership
            member_id = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user_id)
            )
        with tenant_context(tenant_id):
            card_id = _card_with_followups(db, FollowUp, Customer, member_id, 50)
            order_id = db.session.scalar(  # one the member may see: an order of their own
                select(func.min(ExportOrder.id))
                .join(Customer, Customer.id == ExportOrder.customer_id)
                .where(Customer.owner_id == member_id)
            )
            plan_id = _plan(db, member_id)
            n_customers = db.session.scalar(select(func.count(Customer.id)))
            # the lowest id's: without an order the row (and so the searched term, and how
            # many customers it matches) changed with the planner's statistics
            chinese = db.session.scalar(
                select(Customer.name)
                .where(Customer.name.like("%贸易%"))
                .order_by(Customer.id)
                .limit(1)
            )

    pages_of_list = max(1, min(500, n_customers // app.config["PAGE_SIZE"]))
    base = f"/t/{slug}"
    pages = {
        "/healthz": "/healthz",
        # what every page of a company pays: login, company, layout, one small query (a
        # "show more" past the end of my day's due list)
        "layout only": f"{base}/my-day/due?after=9999-12-31_0",
        "customer list": f"{base}/customers/",
        "list, grade A": f"{base}/customers/?grade=A",
        f"list, page {pages_of_list}": f"{base}/customers/?page={pages_of_list}",
        "search 中文 substring": f"{base}/customers/?q={chinese[2:4] if chinese else '贸易'}",
        "search phone fragment": f"{base}/customers/?q=1612345",
        "search common word": f"{base}/customers/?q=有限公司",
        "search a contact name": f"{base}/customers/?q=zhang wei",
        # issue 25: an address typed without its accents, and a WeChat id
        "search address, folded": f"{base}/customers/?q=konigstrasse 12",
        "search a WeChat id": f"{base}/customers/?q=wx_{card_id}_1",
        "card, 50 follow-ups": f"{base}/customers/{card_id}",
        "my day": f"{base}/",
        "orders list": f"{base}/orders/",
        "plan grid": f"{base}/plans/{plan_id}",
    }
    if args.team:
        pages["my day, whole team"] = f"{base}/?member=all"
    if not args.skip_pdf and order_id:
        pages["order PDF"] = f"{base}/print/orders/{order_id}/order.pdf"
    scanning: set[str] = set()
    if args.scan_too:  # the same searches with the trigram index switched off, same run
        for name in [name for name in pages if name.startswith("search")]:
            pages[f"{name} (scan)"] = pages[name]
            scanning.add(f"{name} (scan)")

    statements = {"n": 0}

    @event.listens_for(_engine(app, db), "before_cursor_execute")
    def _count(*_a) -> None:
        statements["n"] += 1

    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if response.status_code not in (302, 303):
        sys.exit(f"login as {email} failed: {response.status_code}")
    if args.profile:
        _profile(client, pages[args.profile], args.n)
        return
    if args.spin:
        for _ in range(args.n):
            client.get(pages[args.spin]).close()
        return
    if args.sql:
        _sql_times(client, pages[args.sql], args.n, _engine(app, db), args.full_sql)
        return
    times: dict[str, list[float]] = {name: [] for name in pages}
    # this process's CPU time per request as well: the app (and SQLite) run in-process, so on a
    # shared machine it moves far less with the neighbours' load than the wall-clock time does
    # (PostgreSQL's own work is in its server process, not in it)
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    queries: dict[str, int] = {}
    for name, url in pages.items():  # warm-up round, and the statement count per page
        statements["n"] = 0
        with _trigram_off(name in scanning):
            response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{name}: {url} answered {response.status_code}")
        queries[name] = statements["n"]
    for _ in range(args.n):
        for name, url in pages.items():
            with _trigram_off(name in scanning):
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(url).close()
                times[name].append((time.perf_counter() - started) * 1000)
                cpu[name].append((time.process_time() - started_cpu) * 1000)

    healthz = statistics.median(times["/healthz"])
    print(f"{args.db.split('://')[0]}, company {slug} ({n_customers:,} customers), n={args.n}")
    print(f"{'page':26} {'p50 ms':>8} {'p99 ms':>8} {'SQL':>5} {'× healthz':>10} {'CPU p50':>8}")
    for name in pages:
        p50 = statistics.median(times[name])
        p99 = percentile(times[name], 0.99)
        cpu50 = statistics.median(cpu[name])
        print(
            f"{name:26} {p50:8.1f} {p99:8.1f} {queries[name]:5d} {p50 / healthz:10.1f} {cpu50:8.1f}"
        )


@contextmanager
def _trigram_off(off: bool) -> Iterator[None]:
    """Make the search scan as if SQLite had no trigram index (migration 0014)."""
    from webapp.services import search

    if not off:
        yield
        return
    kept = search._has_trigram_index
    search._has_trigram_index = lambda: False
    try:
        yield
    finally:
        search._has_trigram_index = kept


def _profile(client, url: str, n: int) -> None:
    """Where one page's time goes: the 25 functions with the most time of their own."""
    import cProfile
    import pstats

    client.get(url).close()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(url).close()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(int(os.environ.get("PROFILE_LINES", "40")))


def _sql_times(client, url: str, n: int, engine, verbose: bool = False) -> None:
    """Each statement of one page (in the order it runs): median ms over n requests, and the
    total against the page's own median, i.e. how much of the page is the database."""
    from sqlalchemy import event

    ran: list[tuple[str, float]] = []
    sqlite = engine.dialect.name == "sqlite"
    parameters: list = []

    def before(conn, cursor, statement, params, *_a) -> None:
        conn.info["started"] = time.perf_counter()
        if sqlite:
            parameters.append(params)

    def after(conn, cursor, statement, *_a) -> None:
        ran.append((statement, (time.perf_counter() - conn.info.pop("started")) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    client.get(url).close()
    per_statement: dict[int, list[float]] = {}
    texts: dict[int, str] = {}
    pages: list[float] = []
    for _ in range(n):
        ran.clear()
        parameters.clear()
        started = time.perf_counter()
        client.get(url).close()
        pages.append((time.perf_counter() - started) * 1000)
        if sqlite:  # sqlite3 runs a SELECT as its rows are fetched, after the execute event
            ran[:] = _sqlite_times(engine, ran, parameters)
        for i, (statement, ms) in enumerate(ran):
            per_statement.setdefault(i, []).append(ms)
            texts[i] = " ".join(statement.split())
    total = 0.0
    for i, values in per_statement.items():
        ms = statistics.median(values)
        total += ms
        print(f"{ms:7.2f} ms  {texts[i] if verbose else texts[i][:150]}")
    page = statistics.median(pages)
    print(f"SQL {total:.1f} ms of a {page:.1f} ms page ({100 * total / page:.0f} %)")


def _sqlite_times(engine, ran: list[tuple[str, float]], parameters: list) -> list:
    """Each statement run again on a raw sqlite3 connection, timed through its last row: the
    execute event alone ends before SQLite has done the work."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        timed = []
        for (statement, ms), params in zip(ran, parameters, strict=True):
            if statement.lstrip().upper().startswith("SELECT"):
                started = time.perf_counter()
                cursor.execute(statement, params)
                cursor.fetchall()
                ms = (time.perf_counter() - started) * 1000
            timed.append((statement, ms))
        return timed
    finally:
        raw.close()


def _engine(app, db):
    with app.app_context():
        return db.engine


def _card_with_followups(db, FollowUp, Customer, member_id: int, wanted: int) -> int:
    """A customer of this member with about `wanted` follow-ups (the seed gives at most 20, so the
    busiest one gets topped up to 50 once); a member who owns none (a manager) gets the card
    of the owner with the lowest membership id."""
    from sqlalchemy import func, insert, select

    count = func.count(FollowUp.id)
    if db.session.scalar(select(func.count()).where(Customer.owner_id == member_id)) == 0:
        member_id = db.session.scalar(select(func.min(Customer.owner_id)))
    row = db.session.execute(
        select(FollowUp.customer_id, count)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(Customer.owner_id == member_id)
        .group_by(FollowUp.customer_id)
        .order_by(count.desc())
        .limit(1)
    ).first()
    customer_id, have = row
    if have < wanted:
        tenant_id = db.session.scalar(select(Customer.tenant_id).where(Customer.id == customer_id))
        top = db.session.scalar(
            select(func.max(FollowUp.seq)).where(FollowUp.customer_id == customer_id)
        )
        start = date.today() - timedelta(days=400)
        db.session.execute(
            insert(FollowUp),
            [
                {
                    "tenant_id": tenant_id,
                    "customer_id": customer_id,
                    "seq": top + k,
                    "method": "email",
                    "topic": f"bench top-up {k}",
                    "followed_by_id": member_id,
                    "author_id": member_id,
                    "on_date": start + timedelta(days=k),
                    "purposes": 0,
                    "version": 1,
                }
                for k in range(1, wanted - have + 1)
            ],
        )
        db.session.commit()
    return customer_id


def _plan(db, member_id: int) -> int:
    """This member's plan for the current 3 weeks with 20 of their customers (made once)."""
    from sqlalchemy import select

    from webapp.models import CallPlan, CallPlanCell, CallPlanRow, Customer

    today = date.today()
    monday = today - timedelta(days=today.weekday())
    plan = db.session.scalar(
        select(CallPlan).where(CallPlan.member_id == member_id, CallPlan.start_on == monday)
    )
    if plan is not None:
        return plan.id
    plan = CallPlan(member_id=member_id, start_on=monday, weeks=3, created_by_id=member_id)
    customer_ids = db.session.scalars(
        select(Customer.id).where(Customer.owner_id == member_id).limit(20)
    )
    for position, customer_id in enumerate(customer_ids, start=1):
        row = CallPlanRow(customer_id=customer_id, position=position)
        for day in range(0, 21, 3):
            row.cells.append(CallPlanCell(on_date=monday + timedelta(days=day), code="C"))
        plan.rows.append(row)
    db.session.add(plan)
    db.session.commit()
    return plan.id


if __name__ == "__main__":
    main()
