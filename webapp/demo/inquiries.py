"""The demo company's inquiries (询盘) and samples: four weeks of them across the channels."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Customer, FollowUp, Inquiry, Membership, Sample, Tenant
from ..services.followups import Links, save_followup
from ..services.inquiries import convert_to_customer, received_moment

# days ago, hour, channel, country, company, contact, email, product, worth (None/True/False),
# reason, assignee index (2 张伟, 3 Lucy), demo customer index to link to (or None)
_DEMO_INQUIRIES = [
    (26, 9, "alibaba", "DE", "Nordlicht Projektoren GmbH", "Jonas Weber",
     "j.weber@nordlicht-projektoren.de", "LCD projector P-200, 300 pcs", True,
     "Repeat buyer", 2, 0),
    (24, 15, "made_in_china", "IN", "Shree Ganesh Traders", "Ravi Kumar", "ravi@sgtraders.in",
     "Mini projector, lowest price", False, "Only asks for the lowest price, no company site", 3,
     None),
    (21, 10, "global_sources", "PL", "Wisła Electronics Sp. z o.o.", "Piotr Nowak",
     "p.nowak@wisla-electronics.pl", "Interactive whiteboard 86\"", True, None, 2, None),
    (18, 22, "website", "US", "Pacific Home Supply Inc.", "Emily Johnson",
     "emily.j@pacifichomesupply.com", "BC5 speaker, private label", True, None, 3, 2),
    (15, 11, "alibaba", "AE", "Sunrise Electronics Trading LLC", "Ahmed Al Mansouri",
     "ahmed@sunrise-trading.ae", "LCD projector, revised price", True, None, 3, 1),
    (13, 8, "email", "CL", "Comercial Andina S.A.", "Carlos Muñoz", "cmunoz@comercialandina.cl",
     "Projector screens 100\"", None, None, 2, 3),
    (11, 16, "exhibition", "EE", "Baltic Light OÜ", "Kristjan Tamm", "kristjan@balticlight.ee",
     "LED panel lights, Canton Fair follow-up", True, "Met at the Canton Fair booth", 3, "new"),
    (10, 3, "alibaba", "NG", None, "Mr. James", "james.trade2024@gmail.com",
     "Projector, pay after delivery", False, "Asks to pay after delivery", 2, None),
    (8, 14, "made_in_china", "JP", "Tokyo Visual Systems K.K.", "Kenji Sato",
     "k.sato@tokyo-visual.jp", "Ceiling mounts for projectors", True, None, 2, 4),
    (7, 9, "alibaba", "BR", "Nova Imagem Ltda.", "Ana Souza", "ana@novaimagem.com.br",
     "4K projector, ANATEL certified", None, None, 3, None),
    (5, 20, "other", "SA", None, "Fahad", None, "Tender: 40 classroom projectors", True,
     "Government tender", 2, 9),
    (4, 10, "website", "MX", "Distribuidora Luz del Norte", "Luis Hernández",
     "compras@luzdelnorte.mx", "LED panel lights", True, None, 3, None),
    (3, 17, "alibaba", "VN", "Saigon Office Co.", "Nguyen Thi Lan", "lan@saigonoffice.vn",
     "Document camera", None, None, None, None),
    (2, 9, "global_sources", "KR", "Hanbit Display", "Park Min-jun", "mj.park@hanbit.kr",
     "Laser projector 5000 lm", True, None, 3, None),
    (1, 11, "email", "GB", "Thames AV Ltd", "Oliver Smith", "oliver@thamesav.co.uk",
     "Projector lamps, 50 pcs", False, "Lamps are not our product", 2, None),
]  # fmt: skip


def seed_inquiries(tenant: Tenant, memberships: list[Membership], today: date) -> None:
    """Four weeks of inquiries for 张伟 and Lucy across the channels (some linked to demo
    customers that were followed up after them, one converted into a new customer, some not
    worth following) and six samples. Runs inside tenant_context after customers,
    follow-ups and orders exist; flushes, does not commit."""
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    made: list[Inquiry] = []
    for (ago, hour, channel, country, company, contact, email, product, worth, reason,
         member, link) in _DEMO_INQUIRIES:  # fmt: skip
        local = datetime.combine(today - timedelta(days=ago), time(hour, 5 * (ago % 12)))
        received_at, received_on = received_moment(tenant, local)
        inquiry = Inquiry(
            received_at=received_at,
            received_on=received_on,
            channel=channel,
            country=country,
            company=company,
            contact_name=contact,
            email=email,
            product=product,
            message=f"Hello, please quote: {product}. Thanks.",
            worth_following=worth,
            worth_reason=reason,
            assigned_to_id=memberships[member].id if member is not None else None,
            created_by_id=memberships[member if member is not None else 1].id,
        )
        db.session.add(inquiry)
        made.append(inquiry)
        if isinstance(link, int) and link < len(customers):
            customer = customers[link]
            inquiry.customer_id = customer.id
            primary = [c for c in customer.contacts if c.is_primary]
            inquiry.contact_id = primary[0].id if primary else None
    db.session.flush()
    for inquiry, row in zip(made, _DEMO_INQUIRIES, strict=True):
        if row[-1] == "new":  # converted with one click, then followed up two days later
            result = convert_to_customer(inquiry, create_anyway=True)
            if result.customer is not None:
                member_id = inquiry.assigned_to_id or memberships[3].id
                record = FollowUp(
                    method="email",
                    topic="Catalogue and price list",
                    content="Sent the LED panel catalogue and FOB prices after the fair.",
                    category="intent",
                    followed_by_id=member_id,
                    author_id=member_id,
                    on_date=inquiry.received_on + timedelta(days=2),
                    next_date=today + timedelta(days=3),
                    next_action="Ask about the sample order",
                )
                contact_ids = [result.contact.id] if result.contact else []
                save_followup(
                    result.customer, record, Links(contact_ids=contact_ids, colleague_ids=[])
                )
    db.session.flush()
    seed_samples(tenant, memberships, today, inquiries=made)


def seed_samples(tenant: Tenant, memberships: list[Membership], today: date,
                 inquiries: list[Inquiry] | None = None) -> None:  # fmt: skip
    """Six samples over the last weeks: free, charged and freight collect, some with feedback,
    one not sent yet. Called by seed_inquiries (it passes the demo inquiries);
    flushes, does not commit."""
    customers = list(db.session.scalars(select(Customer).order_by(Customer.id)))
    inquiries = inquiries or []

    def customer(index: int) -> Customer | None:
        return customers[index] if index < len(customers) else None

    def add(name, *, to=None, inquiry=None, charge="free", amount=None, currency=None,
            sent_ago=None, courier=None, tracking=None, quantity=None, feedback=None):  # fmt: skip
        if to is None and inquiry is None:
            return
        owner = (to.owner_id if to is not None else None) or (
            inquiry.assigned_to_id if inquiry is not None else None
        )
        db.session.add(
            Sample(
                name=name,
                customer_id=to.id if to is not None else inquiry.customer_id,
                inquiry_id=inquiry.id if inquiry is not None else None,
                quantity=quantity,
                charge=charge,
                amount=Decimal(amount) if amount else None,
                currency=currency,
                sent_on=today - timedelta(days=sent_ago) if sent_ago is not None else None,
                courier=courier,
                tracking_no=tracking,
                feedback=feedback,
                sent_by_id=owner or memberships[2].id,
            )
        )

    by_company = {i.company: i for i in inquiries if i.company}
    add("BC5 speaker, black and white", to=customer(2), sent_ago=19, courier="DHL",
        tracking="DHL 4471 2290 31", quantity="2 pcs",
        feedback="Sound is good; wants a darker grey.", inquiry=by_company.get(
            "Pacific Home Supply Inc."))  # fmt: skip
    add("LCD projector P-200", to=customer(0), charge="charged", amount="85.00",
        currency="USD", sent_ago=16, courier="FedEx", tracking="7789 1203 5561",
        quantity="1 pc", feedback="Approved; CE documents requested.")  # fmt: skip
    add("LCD projector P-200 (revised lens)", to=customer(1), charge="freight_collect",
        sent_ago=9, courier="UPS", tracking="1Z 999 AA1 01 2345 6784", quantity="1 pc",
        inquiry=by_company.get("Sunrise Electronics Trading LLC"))  # fmt: skip
    add("LED panel 600×600", inquiry=by_company.get("Baltic Light OÜ"), sent_ago=6,
        courier="DHL", tracking="DHL 5520 8812 07", quantity="3 pcs")  # fmt: skip
    add("Ceiling mount CM-3", to=customer(4), sent_ago=4, courier="SF Express",
        tracking="SF 1302 4456 981", quantity="2 pcs",
        inquiry=by_company.get("Tokyo Visual Systems K.K."))  # fmt: skip
    add("Interactive whiteboard 86\" (colour swatches)",
        inquiry=by_company.get("Wisła Electronics Sp. z o.o."), charge="charged",
        amount="30.00", currency="USD", quantity="1 set")  # fmt: skip
    db.session.flush()
