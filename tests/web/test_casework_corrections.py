"""What a walk through the officers' and residents' pages found, as the people involved would see it.

Thrown here: a mistaken 'Unfounded' corrected to 'Verified', a Close clicked without meaning it, a complaint
verified with the standard reply, a resident answering a question, a forward to a system that is down or has no
signing key, an Arabic keypad's decimal separator, a suspected complaint that is not one, and a session that
expired while a note was typed.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

from tests.helpers import (
    STATUS_RE,
    csrf_token,
    follow_up,
    free_port,
    log_in_again,
    login,
    make_officer,
    post_action,
    submit_tip,
    tip_by_text,
)
from tipline.extensions import db
from tipline.models import Agency, Assignment, Tip

SMUGGLING = "Two men unload boxes from a boat near the river every night at 2 am, a white van waits."
COMPLAINT = "A deputy asked my cousin for cash on Ranch Road 9 to let him go."


@pytest.fixture
def desk(app):
    return make_officer(app, "desk.fix", "officer", "liaison")


def _queue_ids(client) -> list[str]:
    return re.findall(r'href="/officer/tips/(\w+)"', client.get("/officer/queue").get_data(as_text=True))


def test_a_mistaken_unfounded_corrected_to_verified_reopens_the_tip(app, client, desk):
    receipt = submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Unfounded and Duplicate close the tip and tell the sender" in page
    post_action(client, tip_id, "verify", outcome="unfounded")
    assert tip_id not in _queue_ids(client)
    assert STATUS_RE.search(follow_up(app.test_client(), receipt).get_data(as_text=True)).group(1) != "Received"

    post_action(client, tip_id, "verify", outcome="verified")
    assert tip_id in _queue_ids(client)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Reply to the sender" in page and "Close the tip" in page
    assert "Verification saved · reopened" in page
    post_action(client, tip_id, "route", lead="rvpd", supporting=[], reason="patrol area")
    police = app.test_client()
    login(police, make_officer(app, "rvpd.fix", "officer", "rvpd"))
    assert tip_id in _queue_ids(police)
    assert post_action(police, tip_id, "reply", body="We are on it.").status_code == 302
    assert "We are on it." in follow_up(app.test_client(), receipt).get_data(as_text=True)


def test_close_needs_the_box_ticked_and_keeps_the_note(app, client, desk):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    refused = post_action(client, tip_id, "close", note="Handled by the night patrol")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Tick the box to confirm that the tip should be closed." in page
    assert "Handled by the night patrol</textarea>" in page
    assert tip_id in _queue_ids(client)
    closed = post_action(client, tip_id, "close", note="Handled by the night patrol", confirm_close="y")
    assert closed.status_code == 302
    assert tip_id not in _queue_ids(client)


def test_a_complainant_is_told_only_the_oversight_body_handles_the_complaint(app, client):
    receipt = submit_tip(client, text=COMPLAINT, category="misconduct", lang="es")
    sender = app.test_client()
    page = follow_up(sender, receipt, lang="es").get_data(as_text=True)
    assert "Solo el organismo de supervisión independiente la lee" in page
    assert "oficial de enlace" not in page

    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.fix", "oversight", "oversight"))
    tip_id = tip_by_text(app, "asked my cousin")
    post_action(reviewer, tip_id, "verify", outcome="verified")
    assert post_action(reviewer, tip_id, "reply", template="verified", body="").status_code == 302
    page = follow_up(app.test_client(), receipt, lang="es").get_data(as_text=True)
    assert page.count("Su queja fue verificada.") == 2  # the status notice and the reply
    assert "agencia responsable" not in page


def test_an_ordinary_tip_keeps_the_ordinary_replies(app, client, desk):
    receipt = submit_tip(client, text=SMUGGLING)
    page = follow_up(app.test_client(), receipt).get_data(as_text=True)
    assert "A liaison officer will read it soon." in page
    assert "complaint" not in page


def test_officers_see_that_the_sender_answered(app, client, desk):
    receipt = submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    post_action(client, tip_id, "verify", outcome="needs_info")
    post_action(client, tip_id, "reply", template="needs_info", body="What colour is the boat?")
    queue = client.get("/officer/queue").get_data(as_text=True)
    assert "The sender wrote" not in queue
    before = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "The sender has not answered follow-up questions." in before
    credibility = float(re.search(r'id="credibility">([0-9.]+)<', before).group(1))

    sender = app.test_client()
    page = follow_up(sender, receipt).get_data(as_text=True)
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page).group(1)
    token = csrf_token(sender, "/follow-up")
    sender.post(
        "/follow-up/message", data={"receipt": hidden, "body": "It is blue, with a white stripe.", "csrf_token": token}
    )

    assert "The sender wrote" in client.get("/officer/queue").get_data(as_text=True)
    after = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "The sender answered follow-up questions. <small>(+0.05)</small>" in after
    assert float(re.search(r'id="credibility">([0-9.]+)<', after).group(1)) == pytest.approx(
        credibility + 0.05, abs=0.011
    )
    assert 'id="sender-wrote"' in after
    post_action(client, tip_id, "reply", body="Thank you.")
    assert "The sender wrote" not in client.get("/officer/queue").get_data(as_text=True)


@pytest.mark.parametrize(
    ("secret", "notice"),
    [
        ("a-secret", "Shared here, but not delivered to the agency's own system: see Forwarding attempts."),
        (None, "not sent to the agency's own system: no signing key is set for this agency"),
    ],
)
def test_a_forward_that_failed_is_not_reported_as_sent(app, client, desk, monkeypatch, secret, notice):
    if secret:
        monkeypatch.setenv("FEDLIAISON_FORWARD_SECRET", secret)
    else:
        monkeypatch.delenv("FEDLIAISON_FORWARD_SECRET", raising=False)
    with app.app_context():  # an agency system that is down: nothing listens on the port
        url = f"http://127.0.0.1:{free_port()}/tips"
        db.session.execute(update(Agency).where(Agency.code == "fedliaison").values(forward_url=url))
        db.session.commit()
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    response = post_action(client, tip_id, "share", agency="fedliaison", reason="Federal case", forward="y")
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert re.search(r'class="notice error"[^>]*>[^<]*' + re.escape(notice), page)
    assert "Shared. Sending it" not in page
    assert "Forwarding to an agency's own system requested" in page
    assert "Sent to an agency" not in page


def test_an_arabic_keypads_decimal_separator_is_read(app, client):
    submit_tip(client, lang="ar", text=SMUGGLING, lat="٣١٫٧٥", lon="−١٠٦٫٤٥")
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        assert (tip.lat, tip.lon) == (31.75, -106.45)


def test_the_conversation_page_offers_no_language_link_that_would_lose_it(app, client):
    receipt = submit_tip(client, text=SMUGGLING, lang="es")
    page = follow_up(app.test_client(), receipt, lang="es").get_data(as_text=True)
    assert "Agregar información o responder" in page
    assert not re.search(r'href="[^"]*lang=en"', page)


def test_triage_suggests_a_category_that_officers_see(app, client, desk):
    submit_tip(
        client, text="Vi a dos hombres vendiendo drogas detrás de la escuela todas las tardes a las 4.", lang="es"
    )
    tip_id = tip_by_text(app, "vendiendo drogas")
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        assert (tip.category_code, tip.suggested_category) == (None, "drugs")
    client = app.test_client()  # the officer's own browser, in English
    login(client, desk)
    assert "Drugs (suggested)" in client.get("/officer/queue").get_data(as_text=True)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "suggested by triage: Drugs (not confirmed)" in page
    assert '<option selected value="drugs">Drugs</option>' in page
    post_action(client, tip_id, "category", category="drugs")
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert 'id="tip-category">Drugs ✓</dd>' in page


def test_routing_follows_the_suggested_category_when_none_was_set(app, client, desk):
    submit_tip(client, text="Smugglers " + SMUGGLING, lat="31.65", lon="-106.40")
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    post_action(client, tip_id, "verify", outcome="verified")
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "suggested by triage: Smuggling (not confirmed)" in page
    assert "Border Enforcement MOU 2025" in page


def test_oversight_hands_back_a_tip_that_is_not_a_complaint(app, client, desk):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    with app.app_context():  # as triage does with a suspected complaint
        from tipline.services import casework

        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        casework._to_oversight_only(tip, "complaint detected by triage")
        db.session.commit()
    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.back", "oversight", "oversight"))
    page = reviewer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Hand to the liaison desk" not in page  # first say what it is
    refused = post_action(reviewer, tip_id, "release", reason="Not about an officer")
    assert refused.status_code == 400
    post_action(reviewer, tip_id, "category", category="smuggling")
    assert post_action(reviewer, tip_id, "release", reason="").status_code == 400
    done = post_action(reviewer, tip_id, "release", reason="Not about an officer: a smuggling report")
    assert done.status_code == 302 and done.location.endswith("/officer/queue")
    assert reviewer.get(f"/officer/tips/{tip_id}").status_code == 404
    with app.app_context():
        holders = {a.agency_code for a in db.session.scalars(select(Assignment)) if a.active}
    assert holders == {"liaison"}
    login(client, desk)
    assert tip_id in _queue_ids(client)
    assert "Not a complaint: handed to the liaison desk" in client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)


def test_a_suspected_complaint_the_sender_categorised_goes_to_oversight_which_hands_it_back(app, client, desk):
    submit_tip(client, text="A sheriff's deputy stopped my cousin on Ranch Road 9 and asked for cash.",
               category="suspicious_vehicle")  # fmt: skip
    tip_id = tip_by_text(app, "asked for cash")
    login(client, desk)
    assert client.get(f"/officer/tips/{tip_id}").status_code == 404  # triage sent it to the oversight body
    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.cat", "oversight", "oversight"))
    page = reviewer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert 'id="triage-complaint">Triage took this tip for a complaint: Complaint about an officer or agency.<' in page
    post_action(reviewer, tip_id, "category", category="suspicious_vehicle")
    done = post_action(reviewer, tip_id, "release", reason="A traffic stop, no misconduct alleged")
    assert done.status_code == 302
    assert post_action(client, tip_id, "verify", outcome="verified").status_code == 302
    assert post_action(client, tip_id, "route", lead="rvso", reason="Their county").status_code == 302
    sheriff = app.test_client()
    login(sheriff, make_officer(app, "rvso.back", "officer", "rvso"))
    assert sheriff.get(f"/officer/tips/{tip_id}").status_code == 200


def test_work_kept_across_an_expired_session_is_named(app, client, desk):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, desk)
    token = csrf_token(client, f"/officer/tips/{tip_id}")
    with client.session_transaction() as session:
        session.pop("_user_id")
    typed = "ملاحظة: القارب أزرق"
    expired = client.post(
        f"/officer/tips/{tip_id}/reply",
        data={"csrf_token": token, "template": "received", "body": typed},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    relog = log_in_again(client, desk, expired)
    page = relog.get_data(as_text=True)
    assert f">{tip_id}</a> · Reply to the sender" in page
    assert '<label for="resume-body">Message to the sender</label>' in page
    assert f'dir="auto">{typed}</textarea>' in page
    assert '<input type="hidden" name="template" value="received">' in page
    assert ">template<" not in page and ">body<" not in page
