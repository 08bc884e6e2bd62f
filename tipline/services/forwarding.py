"""Forwarding to an agency's own system: a JSON payload with a published schema, HMAC-signed, retried."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request

from sqlalchemy import select

from tipline.extensions import db
from tipline.models import Agency, ForwardAttempt, Tip
from tipline.services import audit, routing

SIGNATURE_HEADER = "X-Tipline-Signature"
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "/officer/forwarding-schema.json",
    "title": "Tip forwarded by the community tip line",
    "type": "object",
    "required": ["tip_id", "received_at", "language", "text", "category", "status", "from_agency"],
    "properties": {
        "tip_id": {"type": "string", "description": "Public id of the tip"},
        "received_at": {"type": "string", "format": "date-time"},
        "occurred_at": {"type": ["string", "null"], "format": "date-time", "description": "When, as the sender said"},
        "language": {"type": "string", "description": "ISO 639-1 code or 'und'"},
        "text": {"type": "string"},
        "place": {"type": ["string", "null"]},
        "lat": {"type": ["number", "null"]},
        "lon": {"type": ["number", "null"]},
        "category": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "from_agency": {"type": "string"},
        "attachments": {"type": "integer", "minimum": 0},
    },
    "additionalProperties": False,
}


class ForwardFailed(RuntimeError):
    """The receiving system did not accept the tip (the task retries)."""


def payload(tip: Tip, from_agency: str) -> dict:
    """The JSON document sent to the agency (see SCHEMA)."""
    return {
        "tip_id": tip.public_id,
        "received_at": tip.created_at.isoformat(),
        "occurred_at": tip.occurred_at.isoformat() if tip.occurred_at else None,
        "language": tip.language,
        "text": tip.text,
        "place": tip.place,
        "lat": tip.lat,
        "lon": tip.lon,
        "category": tip.category_code,
        "status": tip.status_code,
        "from_agency": from_agency,
        "attachments": len(tip.attachments),
    }


def sign(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the body, as the header value 'sha256=<hex>'."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def enqueue(tip_id: int, agency: str, from_agency: str) -> bool:
    """Schedule delivery by the worker (inline when no broker)."""
    from tipline import tasks

    return tasks.dispatch(tasks.forward_tip, tip_id, agency, from_agency)


def latest_attempt(tip_id: int, agency_code: str) -> ForwardAttempt | None:
    """The last recorded attempt to deliver the tip to the agency's system (None while none was made)."""
    query = select(ForwardAttempt).where(ForwardAttempt.tip_id == tip_id, ForwardAttempt.agency_code == agency_code)
    return db.session.scalar(query.order_by(ForwardAttempt.id.desc()).limit(1))


def has_system(agency_code: str) -> bool:
    """Whether the agency has a system of its own that tips can be forwarded to."""
    agency = db.session.get(Agency, agency_code)
    return agency is not None and bool(agency.forward_url)


def may_receive(tip: Tip, agency: Agency) -> bool:
    """True while the agency still holds the tip, and a complaint (oversight) goes to the oversight body only."""
    holds = any(a.agency_code == agency.code and a.active for a in tip.assignments)
    return holds and (not routing.oversight_only(tip) or agency.kind == "oversight")


def deliver(tip_id: int, agency_code: str, attempt: int, from_agency: str = "liaison", timeout: float = 10.0) -> None:
    """POST the tip once, record the attempt, raise ForwardFailed on failure.

    A retry checks again who may hold the tip: if it became a complaint or the agency lost access meanwhile,
    nothing is sent and the withdrawal is audited.
    """
    tip, agency = db.session.get(Tip, tip_id), db.session.get(Agency, agency_code)
    if not may_receive(tip, agency):
        audit.record("system", "tip.forward_withdrawn", tip.public_id, agency=agency_code, attempt=attempt)
        db.session.commit()
        return
    secret = os.environ.get(agency.forward_secret_env or "", "")
    if not secret:  # an unsigned tip could be forged or altered on the way: never send one
        error = f"{ForwardAttempt.UNSIGNED}{agency.forward_secret_env or 'the agency forward_secret_env'} to sign it"
        db.session.add(ForwardAttempt(tip_id=tip_id, agency_code=agency_code, attempt=attempt, error=error[:200]))
        db.session.commit()
        return
    body = json.dumps(payload(tip, from_agency), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 - the URL comes from the deployment configuration
        agency.forward_url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret)},
    )
    record = ForwardAttempt(tip_id=tip_id, agency_code=agency_code, attempt=attempt)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            record.status_code, record.ok = response.status, 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        record.status_code, record.error = exc.code, str(exc.reason)[:200]
    except (urllib.error.URLError, OSError) as exc:
        record.error = str(exc)[:200]
    db.session.add(record)
    if record.ok:
        audit.record("system", "tip.forwarded", tip.public_id, agency=agency_code, attempt=attempt)
    db.session.commit()
    if not record.ok:
        raise ForwardFailed(f"attempt {attempt} to {agency_code} failed")
