"""Service levels: the overdue digest sent to each agency's supervisors."""

from __future__ import annotations

from tipline.extensions import db
from tipline.services import audit, queue


def remind() -> dict[str, list[str]]:
    """Overdue tips per agency as digest lines; the digest is recorded in the audit log."""
    digest = {
        agency: [f"{t.public_id} due {t.sla_due_at:%Y-%m-%d %H:%M} UTC" for t in tips]
        for agency, tips in queue.overdue_by_agency().items()
    }
    for agency, lines in digest.items():
        audit.record("system", "sla.remind", of_agency=agency, agency=agency, overdue=len(lines))
    db.session.commit()
    return digest
