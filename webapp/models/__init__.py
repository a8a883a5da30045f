"""One module per aggregate; importing this package registers every model with the metadata."""

from .customer import Contact, Customer
from .followup import FollowUp, FollowUpColleague, FollowUpContact
from .order import ExportOrder, OrderClaim, OrderEvent, OrderInspection, OrderPayment, OrderSignoff
from .tenant import Tenant
from .user import Membership, MembershipRole, User

__all__ = [
    "Contact",
    "Customer",
    "ExportOrder",
    "FollowUp",
    "FollowUpColleague",
    "FollowUpContact",
    "Membership",
    "OrderClaim",
    "OrderEvent",
    "OrderInspection",
    "OrderPayment",
    "OrderSignoff",
    "MembershipRole",
    "Tenant",
    "User",
]
