"""A year of example history for the demo, so the transparency page has charts, a map and open data to show.

Every tip and comment below is example text written for the demo and starts with "[Example]"; none of it is real
data and none of it is ever used for training. The tips are stored as the intake and casework services would leave
them after a year of work (placed, triaged, verified, routed, answered and closed), with the dates moved back.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from tipline.extensions import db
from tipline.models import Assignment, Feedback, Tip
from tipline.models.types import utcnow
from tipline.services import casework, events, routing, transparency, triage

MARK = "[Example] "
MONTHS = 12
TIPS_PER_MONTH = (24, 40)
LANGUAGE_WEIGHTS = {"en": 40, "es": 34, "ht": 10, "fr": 8, "ar": 8}
SMS_SHARE = 0.35
# Points inside the demo's areas (city, county, highway corridor, border zone) and nowhere in particular.
POINTS = [(31.78, -106.45), (31.70, -106.30), (31.77, -106.25), (31.66, -106.45), (31.90, -106.60), (None, None)]
EXAMPLE_TEXTS = {
    "en": [
        ("smuggling", "Boxes carried from a small boat to a pickup near the old bridge after midnight."),
        ("suspicious_vehicle", "A black sedan without plates circles the school parking lot every afternoon."),
        ("person_in_distress", "An older man is sleeping by the canal and seems confused and dehydrated."),
        ("drugs", "People come and go from the yellow house on 5th Street all night, a few minutes each."),
        ("misconduct", "An officer at the checkpoint shouted at my neighbour and kept her papers for an hour."),
        (None, "Streetlights on the river road have been out for two weeks; it is very dark at night."),
    ],
    "es": [
        ("smuggling", "Una lancha descarga bultos cerca del puente viejo casi todas las noches."),
        ("human_trafficking", "Llevan a varias jóvenes a una casa del camino del rancho y no las dejan salir."),
        ("suspicious_vehicle", "Una camioneta blanca sin placas se estaciona junto a la estación de bombeo."),
        ("person_in_distress", "Hay una familia caminando por la carretera sin agua, con dos niños pequeños."),
        (None, "Quiero saber si puedo enviar información por mensaje de texto."),
    ],
    "fr": [
        ("suspicious_vehicle", "Une voiture grise suit le bus scolaire depuis trois jours près de la sortie 34."),
        ("drugs", "Des jeunes vendent quelque chose derrière la gare routière tous les soirs."),
        ("person_in_distress", "Une femme blessée attend seule près du pont, elle a besoin d'aide."),
    ],
    "ar": [
        ("smuggling", "شاحنة بيضاء تفرغ صناديق قرب محطة الضخ في الليل."),
        ("person_in_distress", "رجل مسن تائه قرب محطة الحافلات ويحتاج إلى مساعدة."),
        (None, "أريد أن أعرف كيف أتابع بلاغي السابق."),
    ],
    "ht": [
        ("person_in_distress", "Gen yon fanm ak de timoun bò wout la, yo pa gen dlo ni manje."),
        ("human_trafficking", "Yo fè moun travay nan yon jaden san yo pa peye yo, yo pa ka soti."),
        ("suspicious_vehicle", "Yon machin nwa san plak ap pase devan lekòl la chak maten."),
    ],
}
# (outcome, share): verified tips are routed; the others were unfounded, duplicates or never answered; all closed.
OUTCOMES = [("verified", 0.5), ("unfounded", 0.25), ("duplicate", 0.1), ("needs_info", 0.15)]
EVENT_TITLES = [
    {"en": "Community safety forum", "es": "Foro de seguridad comunitaria"},
    {"en": "Coffee with the liaison officers", "es": "Café con los oficiales de enlace", "ht": "Kafe ak ofisye yo"},
    {"en": "Know your rights at the checkpoint", "es": "Conozca sus derechos en el retén", "ar": "اعرف حقوقك"},
    {"en": "Neighbourhood watch training", "fr": "Formation de vigilance de quartier"},
]
EXAMPLE_COMMENTS = [
    "[Example] Clear answers, thank you.",
    "[Example] Please hold it in Spanish too.",
    "[Example] Too short; more time for questions.",
]


def seed_history(rng: random.Random | None = None) -> int:
    """Seed a year of example tips and past events once (after the demo's current tips); returns tips made."""
    rng = rng or random.Random(2026)  # noqa: S311 - example data, not a secret
    now = utcnow()
    if db.session.scalar(select(func.count(Tip.id)).where(Tip.created_at < now - timedelta(days=40))):
        return 0
    tips = [_tip(rng, now - timedelta(days=30 * month + rng.uniform(0, 30))) for month in range(1, MONTHS + 1)
            for _ in range(rng.randint(*TIPS_PER_MONTH))]  # fmt: skip
    db.session.flush()
    _triage(tips)
    for previous, tip in zip([None, *tips], tips, strict=False):
        _settle(rng, tip, previous)
    db.session.commit()
    _events(rng)
    return len(tips)


def publish_figures(app: Flask) -> threading.Thread:
    """Compute the transparency figures of the months that changed in a background thread (about 2 s a month)."""

    def run() -> None:
        with app.app_context():
            started = time.monotonic()
            try:
                months = transparency.refresh()
            finally:
                db.session.remove()
            click.echo(f"Transparency figures ready: {len(months)} months in {time.monotonic() - started:.0f} s")

    thread = threading.Thread(target=run, name="demo-transparency", daemon=True)
    thread.start()
    return thread


def _tip(rng: random.Random, created: datetime) -> Tip:
    """One example tip as the intake service stores it (no receipt: nobody follows up on example history)."""
    language = rng.choices(list(LANGUAGE_WEIGHTS), weights=list(LANGUAGE_WEIGHTS.values()))[0]
    category, text = rng.choice(EXAMPLE_TEXTS[language])
    lat, lon = rng.choice(POINTS)
    tip = Tip(
        public_id=secrets.token_hex(5).upper(),
        channel="sms" if rng.random() < SMS_SHARE else "web",
        language=language,
        ui_language=language,
        text=MARK + text,
        lat=lat,
        lon=lon,
        category_code=category if rng.random() < 0.7 else None,  # not every sender picks one
        status_code="received",
        triage_state="pending",
        created_at=created,
    )
    casework.place_new_tip(tip)
    db.session.add(tip)
    return tip


def _triage(tips: list[Tip]) -> None:
    """Score every example tip in one batch with the demo's model (left pending when there is none)."""
    model = triage.model()
    if model is None or not tips:
        return
    for tip, result in zip(tips, model.score([t.text for t in tips], attachments=[0] * len(tips)), strict=True):
        triage.store_result(tip, result)
        tip.triage_state = "done"


def _settle(rng: random.Random, tip: Tip, previous: Tip | None) -> None:
    """Give a tip the outcome, routing, answer and closing time a year of casework would have."""
    outcome = rng.choices([o for o, _ in OUTCOMES], weights=[w for _, w in OUTCOMES])[0]
    if outcome == "duplicate":
        if previous is None:
            outcome = "unfounded"
        else:
            tip.duplicate_of_id = previous.id
    answered = tip.created_at + timedelta(hours=rng.uniform(1, 60))
    tip.verification, tip.first_response_at = outcome, answered
    tip.status_code = outcome if outcome in ("unfounded", "duplicate") else "closed"  # no answer came: closed
    if outcome == "verified" and tip.queue_state == "liaison":
        decision = routing.decide(tip.lat, tip.lon, tip.category_code, None, tip.text)
        if decision.lead:
            tip.assignments.append(Assignment(agency_code=decision.lead, role="lead", created_at=answered))
            for agency in decision.supporting:
                tip.assignments.append(Assignment(agency_code=agency, role="support", created_at=answered))
            tip.queue_state = "routed"
    tip.closed_at = answered + timedelta(days=rng.uniform(0.5, 21))  # the year's work is done: the queues stay short


def _events(rng: random.Random) -> None:
    """One past example event a month, with a few ratings and an example comment now and then."""
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    today = datetime.now(ZoneInfo(zone)).replace(hour=18, minute=0, second=0, microsecond=0, tzinfo=None)
    for month in range(1, MONTHS + 1):
        titles = {lang: MARK + title for lang, title in EVENT_TITLES[month % len(EVENT_TITLES)].items()}
        starts = today - timedelta(days=30 * month + rng.randint(0, 20))
        draft = events.EventDraft(
            titles, {"en": MARK + "Example outreach event."}, starts, zone, "Rio Verde Community Center", ["liaison"]
        )
        event = events.create_event(draft)
        for _ in range(rng.randint(5, 12)):  # its feedback window closed long ago: stored as it was taken then
            ratings = {q: rng.choice([3, 4, 4, 5, 5]) for q in events.QUESTIONS}
            comment = rng.choice(EXAMPLE_COMMENTS) if rng.random() < 0.15 else None
            db.session.add(
                Feedback(event_id=event.id, ratings=ratings, text=comment, language="en" if comment else "und",
                         channel=rng.choice(["web", "sms"]), created_at=event.starts_at + timedelta(hours=2))
            )  # fmt: skip
    db.session.commit()
