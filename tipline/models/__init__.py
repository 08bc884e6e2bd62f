"""SQLAlchemy models, one module per domain."""

from tipline.models.catalog import Agency, Area, Category, Status
from tipline.models.tips import Attachment, Message, Receipt, Tip, TriageRecord

__all__ = ["Agency", "Area", "Attachment", "Category", "Message", "Receipt", "Status", "Tip", "TriageRecord"]
