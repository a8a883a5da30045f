"""A large company for the page benchmark and the load test (not a test, not the demo).

    .venv/bin/python scripts/seed_large.py [--db sqlite:///instance/large.db | postgresql://...]
        [--customers 100000] [--seed 7]

One company ("large", 30 members: an owner, 2 managers, 20 salespeople, merchandisers, finance, a
GM) with 100,000 customers, 3 contacts each (300,000), 10 follow-ups each on average (1,000,000
over ten years) and 20,000 export orders; and a second small company ("small", 200 customers) so
that isolation and "query count does not grow with the data" can be compared on one database.
Every member's password is `bench password 123`; the owner is owner@large.example.com, the
salespeople sales01@… to sales20@…, the managers manager1@/manager2@.

Rows go in through SQLAlchemy Core in chunks of one executemany each (no ORM units of work), so
the whole data set takes minutes. The database is upgraded first with the app's migrations; an
existing company called "large" is refused rather than doubled. Names are realistic mixes of
Chinese and English company names, people's names in both scripts, E.164 phone numbers and
emails, so searches by a Chinese substring or a phone fragment hit what a real company would.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench password 123"
TODAY = date(2026, 11, 28)
CHUNK = 5_000

CN_PREFIX = [
    "华东",
    "华南",
    "蓝海",
    "金辉",
    "远洋",
    "鑫达",
    "恒通",
    "宏图",
    "瑞丰",
    "东方",
    "长城",
    "海天",
    "新锐",
    "嘉禾",
    "永盛",
    "天成",
]
CN_TRADE = ["贸易", "进出口", "电子", "照明", "机械", "纺织", "家居", "五金", "光电", "塑胶"]
CN_SUFFIX = ["有限公司", "股份有限公司", "实业有限公司", "国际贸易有限公司"]
EN_WORDS = [
    "Global",
    "Atlantic",
    "Nordic",
    "Pacific",
    "Prime",
    "Star",
    "Delta",
    "Summit",
    "Royal",
    "Bright",
    "Crown",
    "Eagle",
    "Falcon",
    "Harbor",
    "Horizon",
    "Lion",
    "Meridian",
    "Orbit",
    "Pioneer",
    "Silver",
    "Unity",
    "Vertex",
    "Zenith",
    "Alpine",
    "Baltic",
]
EN_TRADE = [
    "Trading",
    "Imports",
    "Lighting",
    "Electronics",
    "Supplies",
    "Distribution",
    "Projectors",
    "Retail",
]
EN_SUFFIX = ["GmbH", "Ltd", "LLC", "S.A.", "B.V.", "Pty Ltd", "S.r.l.", "Inc."]
COUNTRIES = [
    "DE",
    "US",
    "GB",
    "FR",
    "IT",
    "ES",
    "NL",
    "PL",
    "AU",
    "BR",
    "MX",
    "AE",
    "SA",
    "IN",
    "RU",
    "TR",
    "ZA",
    "NG",
    "KR",
    "JP",
    "CN",
    "HK",
]
CN_SURNAMES = [
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
]
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀",
    "霞",
    "平",
]
EN_FIRST = [
    "Anna",
    "Ben",
    "Carla",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hans",
    "Ivan",
    "Julia",
    "Karl",
    "Laura",
    "Mark",
    "Nina",
    "Omar",
]
EN_LAST = [
    "Müller",
    "Smith",
    "Rossi",
    "Garcia",
    "Novak",
    "Jansen",
    "Silva",
    "Kowalski",
    "Dubois",
    "Brown",
    "Ivanov",
    "Khan",
]
METHODS = ["phone", "email", "chat", "sms", "visit", "other"]
TOPICS = [
    "报价 LCD 投影仪",
    "Reply RFQ",
    "send quotation about LED panels",
    "样品反馈",
    "催款 balance payment",
    "展会后跟进",
    "price negotiation",
    "拜访客户工厂",
]
GRADES = ["A", "B", "C", "D", None]
CATEGORIES = ["potential", "intent", "deal", "lost", None]
IMPORTANCE = ["normal", "important", "very_important"]
NATURES = ["trading", "buying_office", "importer", "retailer", "end_user", "personal"]


# addresses as people write them, in several scripts and with accents (the search folds them:
# "konigstrasse" finds "Königstraße")
STREETS = [
    ("Königstraße", "Stuttgart"),
    ("Hauptstraße", "München"),
    ("Rua São Bento", "São Paulo"),
    ("Calle de Alcalá", "Madrid"),
    ("Rue de la République", "Lyon"),
    ("Market Street", "San Francisco, CA"),
    ("Collins Street", "Melbourne VIC"),
    ("科技园路", "广东省深圳市南山区"),
    ("Østergade", "København"),
    ("Piotrkowska", "Łódź"),
]


def address(rng: random.Random) -> str:
    street, city = rng.choice(STREETS)
    return f"{street} {rng.randrange(1, 400)}, {city}"


def company_name(rng: random.Random, i: int) -> str:
    if rng.random() < 0.45:
        return f"{rng.choice(CN_PREFIX)}{rng.choice(CN_TRADE)}{rng.choice(CN_SUFFIX)}{i}"
    return f"{rng.choice(EN_WORDS)} {rng.choice(EN_TRADE)} {rng.choice(EN_SUFFIX)} {i}"


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN) + rng.choice(["", *CN_GIVEN])
    return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"


def phone(rng: random.Random) -> str:
    return f"+49{rng.randrange(1500000000, 1799999999)}"


def chunks(rows: Iterator[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(url: str, customers: int, seed_value: int) -> None:
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import func, select, text

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import (
        Contact,
        Customer,
        ExportOrder,
        FollowUp,
        Membership,
        MembershipRole,
        Tenant,
        User,
    )
    from webapp.normalize import normalize_company_name
    from webapp.services import search
    from webapp.services.passwords import hash_password
    from webapp.services.signup import create_company
    from webapp.tenancy.context import cross_tenant, tenant_context

    app = create_app()
    rng = random.Random(seed_value)
    started = time.perf_counter()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        with cross_tenant():
            if db.session.scalar(select(Tenant.id).where(Tenant.slug == "large")):
                sys.exit("a company called 'large' is already in this database: use an empty one")
        password_hash = hash_password(PASSWORD)
        companies = [("large", "大型外贸有限公司 Large Trading", customers, 30)]
        companies.append(("small", "Small Exports Ltd", 200, 3))
        for slug, name, n_customers, n_members in companies:
            tenant, _owner = create_company(
                company_name=name,
                slug=slug,
                home_country="CN",
                default_locale="zh",
                owner_name="老板 Owner",
                email=f"owner@{slug}.example.com",
                password=PASSWORD,
            )
            db.session.commit()
            with tenant_context(tenant.id):
                members = _members(db, tenant.id, slug, n_members, password_hash)
                db.session.commit()
                sales = [m for m, role in members if role in {"sales", "owner"}]
                _bulk(
                    db, tenant.id, n_customers, sales, members, rng, normalize_company_name,
                    Customer, Contact, FollowUp, ExportOrder,
                )  # fmt: skip
                # bulk inserts bypass the flush hook that keeps the search index
                search.rebuild(db.session.connection(), tenant.id)
                db.session.commit()
                counts = {
                    model.__tablename__: db.session.scalar(
                        select(func.count()).select_from(model).where(model.tenant_id == tenant.id)
                    )
                    for model in (Customer, Contact, FollowUp, ExportOrder, Membership)
                }
            print(f"{slug}: {counts} after {time.perf_counter() - started:.0f} s", flush=True)
        # planner statistics for the bulk-loaded tables now, not when the server gets to it
        # (PostgreSQL: autovacuum's analyze; SQLite: extensions._sqlite_optimize, hourly)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    del User, MembershipRole  # imported for the metadata only


def _members(db, tenant_id: int, slug: str, n: int, password_hash: str) -> list[tuple[int, str]]:
    """The owner (already there) plus managers, salespeople and back office up to n members."""
    from sqlalchemy import select

    from webapp.models import Membership, User

    owner_id = db.session.scalar(select(Membership.id).where(Membership.tenant_id == tenant_id))
    plan: list[tuple[str, str, set[str]]] = []
    if n >= 30:
        plan += [(f"manager{i}", f"经理{i} Manager", {"manager"}) for i in (1, 2)]
        plan += [(f"sales{i:02d}", f"业务员{i:02d} Sales", {"sales"}) for i in range(1, 21)]
        plan += [(f"docs{i}", f"跟单{i} Docs", {"merchandiser"}) for i in range(1, 5)]
        plan += [(f"finance{i}", f"财务{i} Finance", {"finance"}) for i in (1, 2)]
        plan += [("gm", "总经理 GM", {"gm"})]
    else:
        plan += [(f"sales{i:02d}", f"Sales {i}", {"sales"}) for i in range(1, n)]
    members = [(owner_id, "owner")]
    for local, name, roles in plan[: n - 1]:
        user = User(email=f"{local}@{slug}.example.com", name=name, password_hash=password_hash)
        membership = Membership(tenant_id=tenant_id, user=user)
        membership.set_roles(roles)
        db.session.add(membership)
        db.session.flush()
        members.append((membership.id, next(iter(roles))))
    return members


def _bulk(db, tenant_id, n_customers, sales, members, rng, normalize, *models) -> None:
    from sqlalchemy import func, insert, select

    Customer, Contact, FollowUp, ExportOrder = models
    now = datetime.now(UTC)
    from webapp.models.customer import month_day  # bulk inserts skip the model's validator
    from webapp.tenancy.context import cross_tenant

    with cross_tenant():  # ids are global: start after every company's customers
        first_id = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
    # customers first: ids are assigned explicitly so the children can point at them in the
    # same run without reading them back (PostgreSQL's sequence is moved past them below)
    plan: list[tuple[int, int, list[date]]] = []

    # addresses, QQ and WeChat ids (issue 25) from their own generator: the rest of the data is
    # the same as before they were added, for comparisons with earlier runs
    extra = random.Random(n_customers)

    def customer_rows() -> Iterator[dict]:
        for i in range(n_customers):
            cid = first_id + i
            owner = rng.choice(sales)
            n_followups = rng.randint(0, 20)  # 10 on average: 1,000,000 for 100,000
            start = TODAY - timedelta(days=rng.randrange(30, 3650))
            days = sorted(
                start + timedelta(days=rng.randrange(0, (TODAY - start).days + 1))
                for _ in range(n_followups)
            )
            plan.append((cid, owner, days))
            name = company_name(rng, i)
            yield {
                "id": cid,
                "tenant_id": tenant_id,
                "name": name,
                "name_key": normalize(name),
                "address": address(extra) if extra.random() < 0.7 else None,
                "country": rng.choice(COUNTRIES),
                "nature": rng.choice(NATURES),
                "grade": rng.choice(GRADES),
                "importance": rng.choice(IMPORTANCE),
                "category": rng.choice(CATEGORIES),
                "owner_id": owner,
                "products": rng.choice(["LCD projector", "LED 面板", "投影仪", "lighting"]),
                "stages": 0,
                "last_followup_on": days[-1] if days else None,
                "next_followup_on": (
                    TODAY + timedelta(days=rng.randrange(-10, 30)) if rng.random() < 0.3 else None
                ),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }

    for batch in chunks(customer_rows()):
        db.session.execute(insert(Customer), batch)

    def contact_rows() -> Iterator[dict]:
        for cid, _owner, _days in plan:
            for k in range(3):
                name = person_name(rng)
                # one contact in five has a birthday on the card, as on the paper form
                born = date(1960, 1, 1) + timedelta(days=rng.randrange(16000))
                birthday = born if rng.random() < 0.2 else None
                yield {
                    "birthday": birthday,
                    "birthday_md": month_day(birthday),
                    "tenant_id": tenant_id,
                    "customer_id": cid,
                    "name": name,
                    "email": f"c{cid}.{k}@example{cid % 97}.com",
                    "phone": phone(rng),
                    "mobile": phone(rng) if rng.random() < 0.5 else None,
                    "qq": str(extra.randrange(10**7, 10**10)) if extra.random() < 0.3 else None,
                    "wechat": f"wx_{cid}_{k}" if extra.random() < 0.4 else None,
                    "is_primary": k == 0,
                    "decision_maker": k == 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }

    for batch in chunks(contact_rows()):
        db.session.execute(insert(Contact), batch)

    def followup_rows() -> Iterator[dict]:
        for cid, owner, days in plan:
            for seq, on_date in enumerate(days, start=1):
                method = rng.choice(METHODS)
                yield {
                    "tenant_id": tenant_id,
                    "customer_id": cid,
                    "seq": seq,
                    "method": method,
                    "topic": rng.choice(TOPICS),
                    "content": "客户回复需要新报价 / customer asked for a new quotation",
                    "followed_by_id": owner,
                    "author_id": owner,
                    "on_date": on_date,
                    "purposes": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }

    for batch in chunks(followup_rows()):
        db.session.execute(insert(FollowUp), batch)

    merchandisers = [m for m, role in members if role == "merchandiser"] or [members[0][0]]
    n_orders = max(1, n_customers // 5)

    def order_rows() -> Iterator[dict]:
        for i in range(n_orders):
            cid, owner, _days = plan[rng.randrange(len(plan))]
            ordered = TODAY - timedelta(days=rng.randrange(0, 3650))
            yield {
                "tenant_id": tenant_id,
                "customer_id": cid,
                "contract_no": f"TF{ordered:%Y}-{i:06d}",
                "contract_amount": Decimal(rng.randrange(2_000, 400_000)),
                "currency": rng.choice(["USD", "EUR", "HKD"]),
                "customer_order_date": ordered,
                "customer_delivery_date": ordered + timedelta(days=45),
                "merchandiser_id": rng.choice(merchandisers),
                "payment_method": rng.choice(["TT", "LC"]),
                "stage": "archived" if ordered < TODAY - timedelta(days=120) else "draft",
                "archived_docs": False,
                "archived_data": False,
                "archived_samples": False,
                "created_by_id": owner,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }

    for batch in chunks(order_rows()):
        db.session.execute(insert(ExportOrder), batch)
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('customer', 'id'), "
                "(SELECT max(id) FROM customer))"
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:///instance/large.db")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    seed(args.db, args.customers, args.seed)


if __name__ == "__main__":
    main()
