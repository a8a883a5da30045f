"""One module per aggregate; importing this package registers every model with the metadata."""

from .customer import Contact, Customer
from .followup import FollowUp, FollowUpColleague, FollowUpContact
from .tenant import Tenant
from .user import Membership, MembershipRole, User

__all__ = [
    "Contact",
    "Customer",
    "FollowUp",
    "FollowUpColleague",
    "FollowUpContact",
    "Membership",
    "MembershipRole",
    "Tenant",
    "User",
]
