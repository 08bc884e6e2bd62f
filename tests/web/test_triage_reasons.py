"""The officer reads why a tip scored as it did, in the officer's language, and a tip in a language the model
was never trained on is not pushed down the queue for its language alone."""

from __future__ import annotations

import html

from tests.helpers import login, make_officer, submit_tip, tip_by_text
from tipline.extensions import db
from tipline.models import Tip


def test_an_arabic_request_for_help_is_not_scored_below_the_average_tip(app):
    text = "نحتاج إلى الماء والطعام، انهار منزلنا وثلاثة أطفال مصابون."
    submit_tip(app.test_client(), lang="ar", text=text)
    tip_id = tip_by_text(app, "انهار منزلنا")
    with app.app_context():
        tip = db.session.query(Tip).filter_by(public_id=tip_id).one()
        assert tip.language == "ar"
        assert tip.triage.actionability >= 0.2351
    client = app.test_client()
    login(client, make_officer(app, "desk.reasons"))
    page = html.unescape(client.get(f"/officer/tips/{tip_id}?lang=es").get_data(as_text=True))
    assert "El modelo no tiene ejemplos etiquetados en este idioma" in page
    assert "El mensaje da detalles concretos: número de personas." in page  # "وثلاثة أطفال": and three children


def test_the_officer_reads_whether_a_tip_is_about_something_the_desk_handles(app):
    text = "Armed men broke into the clinic near the market last night and two people are injured, send help."
    submit_tip(app.test_client(), lang="en", text=text)
    tip_id = tip_by_text(app, "broke into the clinic")
    with app.app_context():
        tip = db.session.query(Tip).filter_by(public_id=tip_id).one()
        assert tip.triage.relevance >= 0.5
    client = app.test_client()
    login(client, make_officer(app, "desk.relevance"))
    page = html.unescape(client.get(f"/officer/tips/{tip_id}?lang=fr").get_data(as_text=True))
    assert "Le message porte sur un sujet que traite un service de sécurité publique" in page
