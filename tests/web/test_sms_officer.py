"""An SMS tip seen by the liaison desk: "Sender 7F3A" instead of the number, and the number erased the moment
the officer closes the tip (no sweep needed). Thrown at it: an officer page that must not reveal the number.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.helpers import login, make_officer, post_action, tip_by_text
from tests.sms_helpers import NUMBER, post_sms, post_status
from tipline.extensions import db
from tipline.models import Contact

pytestmark = pytest.mark.usefixtures("each_channel")  # every test once per registered channel
TIP = "Hay una camioneta gris sin placas junto al puente viejo todas las noches a las dos."


def test_officer_sees_a_sender_label_never_the_number_and_closing_erases_it(app, client):
    post_sms(client, app, TIP)
    tip_id = tip_by_text(app, "camioneta gris")
    officer = app.test_client()
    login(officer, make_officer(app, "desk.sms", "officer", "liaison"))
    page = officer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    label = re.search(r'id="sender">([^<]+)<', page).group(1)
    with app.app_context():
        digest = db.session.scalar(select(Contact.address_hash))
    assert label == "Sender " + digest[:4].upper()
    assert NUMBER not in page
    assert NUMBER[2:] not in page
    assert post_action(officer, tip_id, "close", note="handled", confirm_close="y").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Contact.address)) is None


def test_the_officer_is_told_when_a_texted_question_never_reached_the_phone(app, client, gateway):
    post_sms(client, app, TIP)
    tip_id = tip_by_text(app, "camioneta gris")
    officer = app.test_client()
    login(officer, make_officer(app, "desk.undelivered", "officer", "liaison"))
    post_action(officer, tip_id, "reply", body="¿De qué color es la camioneta?")
    assert 'id="sms-undelivered"' not in officer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    (sent,) = gateway.sent
    assert post_status(client, app, sent["sid"], "undelivered").status_code == 204
    page = officer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Texts to the sender not delivered: 1 (the last on" in page
