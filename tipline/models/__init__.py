"""SQLAlchemy models, one module per domain."""

from tipline.models.audit import AuditEntry
from tipline.models.catalog import Agency, Area, Category, Place, Status
from tipline.models.conversations import Contact, Inbound, Outbound
from tipline.models.events import Event, Feedback, StatMonthly, StatRefresh
from tipline.models.learning import ModelVersion
from tipline.models.routing import Assignment, ForwardAttempt, MouRule
from tipline.models.tips import Attachment, Message, Receipt, Tip, TriageRecord
from tipline.models.users import LoginFailure, RecoveryCode, User

__all__ = [
    "Agency",
    "Area",
    "Assignment",
    "Attachment",
    "AuditEntry",
    "Category",
    "Contact",
    "Event",
    "Feedback",
    "ForwardAttempt",
    "Inbound",
    "LoginFailure",
    "Message",
    "ModelVersion",
    "MouRule",
    "Outbound",
    "Place",
    "Receipt",
    "RecoveryCode",
    "StatMonthly",
    "StatRefresh",
    "Status",
    "Tip",
    "TriageRecord",
    "User",
]
