"""Demo content: officers of every role with printed demo credentials, example tips taken through the workflow
and example outreach events (one past, with feedback).

The example tips are written for the demo and are labelled as such; they are never used as training data.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from tipline.extensions import db
from tipline.models import Event, Tip, User
from tipline.services import casework, events, intake, users

DEMO_USERS = [
    ("liaison.garcia", "officer", "liaison", "Officer Ana García (liaison desk)"),
    ("liaison.supervisor", "supervisor", "liaison", "Sgt. Paul Okafor (liaison supervisor)"),
    ("rvpd.nguyen", "officer", "rvpd", "Officer Linh Nguyen (City Police)"),
    ("rvso.baker", "officer", "rvso", "Deputy Sam Baker (Sheriff)"),
    ("fed.haddad", "officer", "fedliaison", "Agent Rania Haddad (Federal Liaison)"),
    ("oversight.joseph", "oversight", "oversight", "Marie Joseph (Oversight Board)"),
    ("admin", "admin", "liaison", "Deployment administrator"),
]

EXAMPLE_TIPS = [
    (
        "en",
        "A white van without plates has parked behind the pump station every night this week around 2 am. "
        "Two men load boxes from a boat. Call me back at 555-201-7788.",
        "smuggling",
        31.652,
        -106.40,
    ),
    (
        "es",
        "Una camioneta gris con placas de Chihuahua deja a unas 12 personas cerca del puente viejo cada "
        "madrugada. Parecen muy cansados y sin agua.",
        "human_trafficking",
        None,
        None,
    ),
    (
        "fr",
        "Une voiture rouge roule très vite sur l'autoroute 10 près de la sortie 34, plaque ABC-1234, "
        "tous les soirs vers 23 h.",
        "suspicious_vehicle",
        31.77,
        -106.30,
    ),
    (
        "ht",
        "Gen yon moun ki blese bò estasyon bis la, li pa ka mache, li bezwen èd kounye a.",
        "person_in_distress",
        31.78,
        -106.47,
    ),
    ("ar", "شاهدت شاحنة بيضاء تفرغ صناديق قرب محطة الضخ في الليل، ثلاث مرات هذا الأسبوع.", None, 31.80, -106.20),
    (
        "en",
        "A deputy stopped my cousin on Ranch Road 9 and asked for cash to let him go. This happened on "
        "Saturday at noon.",
        "misconduct",
        None,
        None,
    ),
    ("en", "WIN a FREE cruise!!! text YES to 80085 now to claim your prize", None, None, None),
]


def _demo_secret(username: str) -> str:
    """A fixed TOTP secret per demo user, so re-running the demo prints the same credentials."""
    return base64.b32encode(hashlib.sha256(f"tipline-demo-{username}".encode()).digest()[:20]).decode()


def demo_password(username: str) -> str:
    """The demo password of a demo user (demo only)."""
    return f"demo-{username}"


def seed_users() -> list[tuple[str, str, str, str]]:
    """Create the demo officers once; returns (username, role, password, TOTP secret) for printing."""
    out = []
    for username, role, agency, name in DEMO_USERS:
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            users.add(
                username, role, agency, name, password=demo_password(username), totp_secret=_demo_secret(username)
            )
        out.append((username, role, demo_password(username), _demo_secret(username)))
    return out


def seed_tips() -> int:
    """Submit the example tips and take some through the workflow, once."""
    if db.session.scalar(select(func.count(Tip.id))):
        return 0
    tips = []
    for lang, text, category, lat, lon in EXAMPLE_TIPS:
        sub = intake.Submission(text=text, ui_language=lang, category=category, lat=lat, lon=lon)
        tips.append(intake.submit_tip(sub)[0])
    liaison = db.session.scalar(select(User).where(User.username == "liaison.garcia"))
    first, second, third = tips[0], tips[1], tips[2]
    casework.verify(first, liaison, "verified", note="Matches two earlier reports.")
    casework.confirm_routing(first, liaison, first.routing["proposal"]["lead"], first.routing["proposal"]["supporting"])
    casework.reply(first, liaison, "Thank you. Which night did you last see the van?")
    casework.verify(second, liaison, "needs_info")
    casework.reply(second, liaison, "", status_template="needs_info")
    casework.verify(third, liaison, "verified")
    casework.verify(tips[-1], liaison, "unfounded", note="Advertising spam.")
    return len(tips)


# Example outreach events (demo content, not data): one past with feedback, two coming.
EXAMPLE_EVENTS = [
    (
        -7,
        {"en": "Town hall: safety at the river crossings", "es": "Reunión pública: seguridad en los cruces del río"},
        {"en": "The police, the sheriff and the border liaison unit answer residents' questions."},
        "Rio Verde Community Center",
        ["rvpd", "rvso", "fedliaison"],
        ["en", "es"],
    ),
    (
        10,
        {"en": "Neighbourhood watch meeting", "es": "Reunión de vigilancia vecinal", "fr": "Réunion de voisinage"},
        {"en": "How to report what you see, safely and anonymously."},
        "Eastside Library",
        ["rvpd"],
        ["en", "es", "fr"],
    ),
    (
        24,
        {
            "en": "Seminar: recognising human trafficking",
            "ht": "Seminè: rekonèt trafik moun",
            "ar": "ندوة: التعرف على الاتجار بالبشر",
        },
        {"en": "Signs to look for and where to get help."},
        "County Courthouse, Room 2",
        ["rvso", "liaison"],
        ["en", "ht", "ar"],
    ),
]
EXAMPLE_FEEDBACK = [({"overall": "5", "heard": "4", "would_report": "5"}, "Good answers about the bridge.")] * 3 + [
    ({"overall": "3", "heard": "2", "would_report": "4"}, None),
    ({"overall": "4", "heard": "4", "would_report": "3"}, "Please hold the next one in the evening."),
    ({"overall": "4", "heard": "5", "would_report": "5"}, None),
]


def seed_events() -> int:
    """Create the example events once, with feedback on the past one."""
    if db.session.scalar(select(func.count(Event.id))):
        return 0
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = datetime.now(ZoneInfo(zone)).replace(hour=18, minute=30, second=0, microsecond=0, tzinfo=None)
    created = []
    for days, titles, descriptions, place, organisers, languages in EXAMPLE_EVENTS:
        draft = events.EventDraft(
            titles, descriptions, today + timedelta(days=days), zone, place, organisers, languages
        )
        created.append(events.create_event(draft))
    for ratings, comment in EXAMPLE_FEEDBACK:
        events.submit_feedback(created[0].code, ratings, comment, "web")
    return len(created)
