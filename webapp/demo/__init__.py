"""The demo company a newcomer clicks through after `make run` (only seeded into an empty DB)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    AuditEvent,
    Contact,
    Customer,
    CustomerOwnerChange,
    ExportOrder,
    FollowUp,
    Membership,
    OrderInspection,
    OrderPayment,
    Tenant,
    User,
)
from ..services import lookups, pool, team
from ..services import orders as rules
from ..services.classification import purposes_to_bits, stages_to_bits
from ..services.countries import country_name
from ..services.followups import Links, company_today, save_followup
from ..services.passwords import hash_password
from ..services.phones import InvalidPhone, to_e164
from ..tenancy.context import tenant_context
from .inquiries import seed_inquiries
from .plans import seed_plans
from .reports import seed_reports

DEMO_PASSWORD = "tradefollow-demo"

MEMBERS = [
    # email, name, roles, locale
    ("boss@demo.example.com", "王建国", {"owner", "gm"}, "zh"),
    ("manager@demo.example.com", "李娜", {"manager"}, "zh"),
    ("sales@demo.example.com", "张伟", {"sales"}, "zh"),
    ("lucy@demo.example.com", "Lucy Chen", {"sales"}, "en"),
    ("finance@demo.example.com", "刘芳", {"finance"}, None),
    ("docs@demo.example.com", "陈静", {"merchandiser"}, None),
]

# name, website, country, nature, grade, importance, category, owner index, remarks, contacts
CUSTOMERS = [
    (
        "Nordlicht Projektoren GmbH",
        "nordlicht-projektoren.de",
        "DE",
        "buyer",
        "A",
        "very_important",
        "ready",
        2,
        "Repeat orders of LCD projectors; wants CE documents early.",
        [
            (
                "Jonas Weber",
                "Purchasing Manager",
                "j.weber@nordlicht-projektoren.de",
                "+49 30 5557 1201",
                True,
            ),
            ("Anna Schulz", "Quality Engineer", "a.schulz@nordlicht-projektoren.de", None, False),
        ],
    ),
    (
        "Sunrise Electronics Trading LLC",
        "sunrise-trading.ae",
        "AE",
        "trading",
        "B",
        "important",
        "intent",
        3,
        "3/11 sent quotation about LCD projector; 3/10 replied RFQ.",
        [("Ahmed Al Mansouri", "Owner", "ahmed@sunrise-trading.ae", "+971 4 555 0188", True)],
    ),
    (
        "Pacific Home Supply Inc.",
        "pacifichomesupply.com",
        "US",
        "buying_office",
        "B",
        "important",
        "quality_prospect",
        3,
        "Buying office for two retail chains; samples of BC5 sent.",
        [
            (
                "Emily Johnson",
                "Sourcing Specialist",
                "emily.j@pacifichomesupply.com",
                "+1 213 555 0147",
                True,
            )
        ],
    ),
    (
        "Comercial Andina S.A.",
        "comercialandina.cl",
        "CL",
        "trading",
        "C",
        "normal",
        "prospect",
        2,
        "Slow to answer; price-driven.",
        [("Carlos Muñoz", "Gerente de Compras", "cmunoz@comercialandina.cl", None, True)],
    ),
    (
        "Tokyo Visual Systems K.K.",
        "tokyo-visual.jp",
        "JP",
        "manufacturer",
        "A",
        "very_important",
        "ready",
        2,
        "Strict on packaging requirements; certification done.",
        [("佐藤 健", "購買部長", "sato@tokyo-visual.jp", "+81 3 5555 0199", True)],
    ),
    (
        "Lagos Bright Imports Ltd",
        None,
        "NG",
        "personal",
        "D",
        "normal",
        "prospect",
        3,
        "Inquiry from Alibaba, no reply yet: send new catalogue monthly.",
        [("Chinedu Okafor", "Director", "chinedu.okafor@example.ng", None, True)],
    ),
    (
        "深圳市华彩数码科技有限公司",
        "huacai-digital.cn",
        "CN",
        "trading",
        "B",
        "important",
        "intent",
        2,
        "国内贸易商，转口到东南亚；关注交期。",
        [
            ("黄海涛", "采购经理", "huanght@huacai-digital.cn", "138 2655 0110", True),
            ("周敏", "跟单", "zhoumin@huacai-digital.cn", "139 2655 0123", False),
        ],
    ),
    (
        "Maple Leaf AV Distribution",
        "mapleleafav.ca",
        "CA",
        "buyer",
        "C",
        "normal",
        "quality_prospect",
        3,
        "Communicates well, no concrete need yet.",
        [("Olivia Tremblay", "Category Manager", "olivia@mapleleafav.ca", "+1 514 555 0173", True)],
    ),
    (
        "São Paulo Tech Importadora",
        "sptech.com.br",
        "BR",
        "trading",
        "B",
        "important",
        "intent",
        2,
        "Asked for ANATEL certification costs.",
        [("Mariana Souza", "Compradora", "mariana@sptech.com.br", "+55 11 5555 0134", True)],
    ),
    (
        "Riyadh Smart Classroom Co.",
        None,
        "SA",
        "buyer",
        "A",
        "very_important",
        "ready",
        3,
        "School projector tender, decision in one month.",
        [("Fahad Al Qahtani", "Procurement Head", "fahad@riyadh-smartclass.sa", None, True)],
    ),
    (
        "Hanoi Office Solutions JSC",
        "hanoioffice.vn",
        "VN",
        "trading",
        "C",
        "normal",
        "prospect",
        3,
        None,
        [("Nguyễn Văn An", "Sales Director", "an.nguyen@hanoioffice.vn", None, True)],
    ),
    (
        "Melbourne Event Hire Pty Ltd",
        "melbourne-eventhire.com.au",
        "AU",
        "buyer",
        "C",
        "normal",
        "quality_prospect",
        2,
        "Rental company; needs bright outdoor projectors.",
        [("Jack Wilson", "Operations Manager", "jack@melbourne-eventhire.com.au", None, True)],
    ),
]


# Progress details cycled over the sample customers, so filters and the card have data.
PROGRESS = [
    {
        "industry": "Projectors and AV equipment distribution",
        "products": "LCD projectors, BC5",
        "status": "negotiating",
        "sincerity": 90,
        "stages": stages_to_bits(["quoted", "sample"]),
        "turnover_current": Decimal("1250000"),
        "turnover_previous": Decimal("980000"),
        "turnover_currency": "HKD",
        "reorder_count": 3,
    },
    {
        "industry": "Consumer electronics retail",
        "products": "Portable projectors",
        "status": "awaiting_order",
        "sincerity": 70,
        "stages": stages_to_bits(["quoted", "catalogue", "following"]),
        "turnover_current": Decimal("320000"),
        "turnover_currency": "HKD",
    },
    {
        "industry": "Education technology",
        "products": "Interactive displays",
        "status": "pending",
        "sincerity": 40,
        "stages": stages_to_bits(["catalogue"]),
    },
    {
        "industry": "Event equipment rental",
        "products": "Outdoor LED screens",
        "status": "factory_visit",
        "sincerity": 60,
        "stages": stages_to_bits(["quoted", "certification", "packaging"]),
    },
]


def _phone_field(phone: str | None, country: str) -> dict[str, str | None]:
    """Sample numbers stored as the app stores them (E.164): mobiles for China, else phones."""
    try:
        number = to_e164(phone, country)
    except InvalidPhone:
        number = None
    return {"mobile": number} if country == "CN" else {"phone": number}


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo members still in the database, with their roles (empty without a demo company)."""
    tenant_id = lookups.company_id("demo")
    if tenant_id is None:
        return []
    with tenant_context(tenant_id):
        emails = [email for email, *_ in MEMBERS]
        members = db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .options(selectinload(Membership.role_rows))
            .where(Membership.tenant_id == tenant_id, User.email.in_(emails))
        ).unique()
        by_email = {m.user.email: m for m in members}
    return [
        (email, by_email[email].user.name, ", ".join(sorted(by_email[email].roles)))
        for email in emails
        if email in by_email
    ]


def seed_demo(force: bool = False) -> list[tuple[str, str, str]] | None:
    """Create the demo company; returns the logins, or None if the database is not empty."""
    if not force and lookups.company_ids():
        return None
    if lookups.company_id("demo") is not None:
        return None
    tenant = Tenant(
        id=lookups.reserve_id(Tenant),  # PostgreSQL: written inside its own company (rls.py)
        slug="demo",
        name="蓝海进出口贸易有限公司",
        home_country="CN",
        default_locale="zh",
    )
    db.session.add(tenant)
    with tenant_context(tenant.id):
        db.session.flush()
    logins = []
    with tenant_context(tenant.id):
        password_hash = hash_password(DEMO_PASSWORD)
        memberships = []
        for email, name, roles, locale in MEMBERS:
            user = lookups.add_account(
                User(email=email, name=name, password_hash=password_hash, locale=locale)
            )
            membership = Membership(tenant_id=tenant.id, user=user)
            membership.set_roles(roles)
            db.session.add(membership)
            memberships.append(membership)
            logins.append((email, name, ", ".join(sorted(roles))))
        db.session.flush()
        for index, (
            name,
            website,
            country,
            nature,
            grade,
            importance,
            category,
            owner,
            remarks,
            contacts,
        ) in enumerate(CUSTOMERS):
            customer = Customer(
                name=name,
                website=website,
                country=country,
                nature=nature,
                grade=grade,
                importance=importance,
                category=category,
                owner_id=memberships[owner].id,
                remarks=remarks,
                **PROGRESS[index % len(PROGRESS)],
            )
            for c_name, title, email, phone, primary in contacts:
                customer.contacts.append(
                    Contact(
                        name=c_name,
                        title=title,
                        email=email,
                        is_primary=primary,
                        decision_maker=primary,
                        **_phone_field(phone, country),
                    )
                )
            db.session.add(customer)
        db.session.flush()
        _seed_followups(tenant, memberships)
        _seed_orders(tenant, memberships)
        _seed_weekly_work(tenant, memberships)
        _seed_pool(tenant, memberships)
        _seed_team(tenant, memberships)
        db.session.commit()
    return logins


# the shared pool (公海): rules per grade (N days, warn M days before, H hours no reclaim)
POOL_RULES = {"A": (30, 5, 48), "B": (45, 7, 48), "C": (60, 10, 72), "D": (90, 10, 72)}
# name, country, grade, how it got there (None: never owned), from member index, reason
POOL_CUSTOMERS = [
    ("Pacific Rim Imports Pty Ltd", "AU", "C", "release", 3,
     "Buys only on price; no reply to the last three quotations."),
    ("Andes Comercial S.A.", "CL", "B", "auto_return", 2, None),
    ("Baltic Home Supplies OÜ", "EE", "D", None, None, None),
]  # fmt: skip


def _seed_pool(tenant: Tenant, memberships: list[Membership]) -> None:
    """Rules per grade, three customers in the pool (released, returned automatically, never
    owned) and one of 张伟's customers four days from going back (a warning on his "my day")."""

    pool.save_rules(POOL_RULES)
    now = datetime.now(UTC)
    for days_ago, (name, country, grade, how, member, reason) in enumerate(POOL_CUSTOMERS, 3):
        customer = Customer(name=name, country=country, grade=grade, nature="buyer", stages=0)
        db.session.add(customer)
        db.session.flush()
        if how:
            db.session.add(
                CustomerOwnerChange(
                    customer_id=customer.id,
                    kind=how,
                    from_member_id=memberships[member].id,
                    by_member_id=memberships[member].id if how == "release" else None,
                    reason=reason,
                    idle_days=POOL_RULES[grade][0] if how == "auto_return" else None,
                    at=now - timedelta(days=days_ago),
                )
            )
    # 张伟's customer: last follow-up 41 days ago, grade B returns after 45 days
    zhang = memberships[2]
    customer = Customer(
        name="Kilimanjaro Office Trading Ltd",
        country="TZ",
        grade="B",
        nature="trading",
        category="intent",
        owner_id=zhang.id,
        owned_since=now - timedelta(days=90),
        stages=0,
    )
    customer.contacts.append(Contact(name="Neema Mushi", title="Director", is_primary=True))
    db.session.add(customer)
    db.session.flush()
    record = FollowUp(
        method="email",
        topic="Quotation for A4 paper and toner",
        content="Sent the quotation; they compare with a supplier in Dubai.",
        followed_by_id=zhang.id,
        author_id=zhang.id,
        on_date=company_today(tenant) - timedelta(days=41),
    )
    save_followup(customer, record, Links(contact_ids=[customer.contacts[0].id], colleague_ids=[]))


def _seed_team(tenant: Tenant, memberships: list[Membership]) -> None:
    """One open invitation and a few audit events, so the team page and the log show something.
    (The invitation's link is not printed: only its hash is stored, as for every invitation.)"""
    from datetime import UTC, datetime, timedelta

    boss, manager, sales = memberships[0], memberships[1], memberships[2]
    now = datetime.now(UTC)
    team.create_invitation(
        boss, "new.sales@demo.example.com", {"sales"}, "赵磊", now - timedelta(days=1)
    )
    events = [
        # days ago, who, action, detail, address (documentation ranges)
        (3, boss, "login", None, "203.0.113.10"),
        (3, boss, "member.roles", {"member": manager.user.name, "before": ["sales"],
                                   "after": ["manager"]}, "203.0.113.10"),
        (2, sales, "login.failed", {"reason": "password"}, "198.51.100.23"),
        (2, sales, "login", None, "198.51.100.23"),
        (1, manager, "login", None, "203.0.113.44"),
        (1, manager, "export", {"format": "xlsx", "kind": "customers", "filters": {}},
         "203.0.113.44"),
    ]  # fmt: skip
    for days, member, action, detail, address in events:
        db.session.add(
            AuditEvent(
                tenant_id=tenant.id,
                created_at=now - timedelta(days=days, hours=2),
                action=action,
                user_id=member.user_id,
                target_type="user" if action.startswith("login") else None,
                target_id=member.user_id if action.startswith("login") else None,
                detail=json.dumps(detail, ensure_ascii=False) if detail else None,
                ip=address,
            )
        )


def _seed_weekly_work(tenant: Tenant, memberships: list[Membership]) -> None:
    """Inquiries and samples, call/visit plans and weekly inquiry reports over a few weeks."""

    today = company_today(tenant)
    seed_inquiries(tenant, memberships, today)  # samples too
    seed_plans(tenant, memberships, today)
    seed_reports(tenant, memberships, today)


# (customer index, days ago, method, topic, what happened, category, next in days, next action)
FOLLOWUPS = [
    (
        0,
        40,
        "email",
        "Reply RFQ",
        "Sent price list for LCD projectors, FOB Shenzhen.",
        "intent",
        None,
        None,
    ),
    (
        0,
        12,
        "visit_invited",
        "Factory visit",
        "Jonas and Anna visited the factory and the assembly line; asked about CE documents.",
        "ready",
        -2,
        "Send CE certificate and PI",
    ),
    (
        1,
        9,
        "phone",
        "Quotation follow-up",
        "Ahmed compares two suppliers; price is the issue.",
        "intent",
        0,
        "Call back with the revised price",
    ),
    (
        2,
        20,
        "email",
        "Samples of BC5",
        "Samples shipped by DHL.",
        "quality_prospect",
        5,
        "Ask for sample feedback",
    ),
    (
        4,
        3,
        "visit_direct",
        "Quarterly meeting in Tokyo",
        "Reviewed packaging requirements.",
        "ready",
        14,
        "Confirm carton marks",
    ),
    (
        6,
        2,
        "chat",
        "微信沟通交期",
        "客户确认下月出货，需要提前安排生产。",
        "ready",
        1,
        "确认生产排期",
    ),
    (8, 35, "email", "ANATEL costs", "Sent certification cost estimate.", "intent", None, None),
    (
        9,
        1,
        "phone",
        "Tender documents",
        "Fahad needs the tender documents by Friday.",
        "ready",
        3,
        "Send tender documents",
    ),
]


def _seed_followups(tenant: Tenant, memberships: list[Membership]) -> None:
    """A few weeks of follow-ups, so the timelines and "my day" have something to show."""

    today = company_today(tenant)
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    for index, ago, method, topic, content, category, next_in, action in FOLLOWUPS:
        customer = customers[index]
        visit = method.startswith("visit")
        record = FollowUp(
            method=method,
            topic=topic,
            content=content,
            category=category,
            followed_by_id=customer.owner_id,
            author_id=customer.owner_id,
            on_date=today - timedelta(days=ago),
            next_date=None if next_in is None else today + timedelta(days=next_in),
            next_action=action,
            place=(customer.address or country_name(customer.country, "zh")) if visit else None,
            purposes=purposes_to_bits(["recommend", "objections"]) if visit else 0,
        )
        primary = [c.id for c in customer.contacts if c.is_primary]
        colleagues = [memberships[1].id] if visit else []
        save_followup(customer, record, Links(contact_ids=primary, colleague_ids=colleagues))
    # a birthday coming up, for "my day"
    customers[1].contacts[0].birthday = (today + timedelta(days=4)).replace(year=1978)


def _seed_orders(tenant: Tenant, memberships: list[Membership]) -> None:
    """Two export orders: one approved for production and inspected, one fresh draft."""

    today = company_today(tenant)
    boss, manager, _sales, _lucy, finance, docs = memberships
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    first = ExportOrder(
        customer_id=customers[0].id, contract_no="LH-2026-018", contract_amount=Decimal("48600"),
        currency="USD", customer_order_date=today - timedelta(days=30),
        factory_order_date=today - timedelta(days=26),
        customer_delivery_date=today + timedelta(days=20),
        factory_delivery_date=today + timedelta(days=10), merchandiser_id=docs.id,
        payment_method="TT", payment_ratio="30% / 70%", created_by_id=manager.id,
    )  # fmt: skip
    db.session.add(first)
    db.session.flush()
    rules.record(first, manager, "created", None, None, first.contract_no)
    first.payments.append(
        OrderPayment(
            kind="deposit1",
            amount=Decimal("14580"),
            currency="USD",
            paid_on=today - timedelta(days=28),
        )  # fmt: skip
    )
    db.session.flush()
    rules.sign(first, "payment_verified", finance, "到账确认", first.payments[0].id)
    rules.sign(first, "production_approval", manager, "经审核确认，同意布单生产")
    rules.sign(first, "gm_signature", boss)
    first.inspections.append(
        OrderInspection(inspected_on=today - timedelta(days=3), result="pass", note="AQL 2.5")
    )
    rules.refresh(first)

    second = ExportOrder(
        customer_id=customers[9].id, contract_no="LH-2026-021", contract_amount=Decimal("126000"),
        currency="USD", customer_order_date=today - timedelta(days=2), merchandiser_id=docs.id,
        payment_method="LC", created_by_id=manager.id,
    )  # fmt: skip
    db.session.add(second)
    db.session.flush()
    rules.record(second, manager, "created", None, None, second.contract_no)
    rules.refresh(second)
