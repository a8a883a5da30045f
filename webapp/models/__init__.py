"""One module per aggregate; importing this package registers every model with the metadata."""

from .customer import Contact, Customer
from .tenant import Tenant
from .user import Membership, MembershipRole, User

__all__ = ["Contact", "Customer", "Membership", "MembershipRole", "Tenant", "User"]
