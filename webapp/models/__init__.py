"""One module per aggregate; importing this package registers every model with the metadata."""

from .customer import Contact, Customer
from .followup import FollowUp, FollowUpColleague, FollowUpContact
from .imports import ImportBatch
from .inquiry import Inquiry, Sample
from .jobs import ExportJob, JobState
from .order import ExportOrder, OrderClaim, OrderEvent, OrderInspection, OrderPayment, OrderSignoff
from .plan import CallPlan, CallPlanCell, CallPlanRow
from .pool import CustomerOwnerChange, PoolRule
from .report import WeeklyReport, WeeklyReportComment, WeeklyReportLine
from .search import CustomerSearch
from .tally import CustomerTally
from .team import AuditEvent, Invitation
from .tenant import Tenant
from .user import Membership, MembershipRole, PasswordResetToken, RecoveryCode, User

__all__ = [
    "AuditEvent",
    "CallPlan",
    "CallPlanCell",
    "CallPlanRow",
    "Contact",
    "Customer",
    "CustomerOwnerChange",
    "CustomerSearch",
    "CustomerTally",
    "ExportJob",
    "ExportOrder",
    "FollowUp",
    "FollowUpColleague",
    "FollowUpContact",
    "ImportBatch",
    "Inquiry",
    "Invitation",
    "JobState",
    "Membership",
    "MembershipRole",
    "OrderClaim",
    "OrderEvent",
    "OrderInspection",
    "OrderPayment",
    "OrderSignoff",
    "PasswordResetToken",
    "PoolRule",
    "RecoveryCode",
    "Sample",
    "Tenant",
    "User",
    "WeeklyReport",
    "WeeklyReportComment",
    "WeeklyReportLine",
]
