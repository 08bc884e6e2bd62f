"""Liaison officers' workflow: TOTP login, queue, verification, routing, replies, sharing, complaints.

Bad input thrown here: a wrong TOTP code, brute force on one account (locked with back-off even for the right
password), a reused recovery code, a reply to a closed tip, the same action posted twice, a session that expired
while a reply was being typed, routing a complaint elsewhere, an officer of another agency guessing a tip id.
"""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from tests.helpers import (
    STATUS_RE,
    follow_up,
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


@pytest.fixture
def liaison(app):
    return make_officer(app, "liaison.test", "officer", "liaison")


def _queue_ids(client, **params) -> list[str]:
    page = client.get("/officer/queue", query_string=params).get_data(as_text=True)
    return re.findall(r'href="/officer/tips/(\w+)"', page)


def test_login_needs_the_authenticator_code(client, liaison):
    assert login(client, liaison, code="000000").status_code == 401
    assert client.get("/officer/queue").status_code == 302
    response = login(client, liaison)
    assert response.status_code == 302
    assert response.location.endswith("/officer/queue")


def test_a_username_typed_with_a_capital_logs_in_as_the_same_officer(app, client, liaison):
    from tipline.models import AuditEntry

    capitalised = {**liaison, "username": " " + liaison["username"].capitalize()}  # what a phone's keyboard sends
    assert login(client, capitalised).status_code == 302
    assert login(app.test_client(), {**capitalised, "password": "wrong-password-long"}).status_code == 401
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("login%"))).all()
        assert [(e.actor, e.action) for e in entries] == [("liaison.test", "login"), ("liaison.test", "login.failed")]
    page = client.get("/officer/login").get_data(as_text=True)
    assert 'autocapitalize="none"' in page


def test_recovery_code_works_once(client, liaison):
    code = liaison["recovery"][0]
    assert login(client, liaison, code=code).status_code == 302
    client.post(
        "/officer/logout",
        data={
            "csrf_token": re.search(
                r'name="csrf_token" value="([^"]+)"', client.get("/officer/queue").get_data(as_text=True)
            ).group(1)
        },
    )
    assert login(client, liaison, code=code).status_code == 401


def test_a_code_typed_in_other_digits_is_refused_not_a_crash(client, liaison):
    assert login(client, liaison, code="١٢٣٤٥٦").status_code == 401


def test_an_authenticator_code_logs_in_once(app, liaison):
    import pyotp

    code = pyotp.TOTP(liaison["secret"]).now()
    first, second = app.test_client(), app.test_client()
    assert login(first, liaison, code=code).status_code == 302
    assert login(second, liaison, code=code).status_code == 401  # a code seen over a shoulder or replayed
    assert second.get("/officer/queue").status_code == 302


def test_brute_force_locks_the_account_even_for_the_right_password(client, liaison):
    for _ in range(5):
        assert login(client, liaison, code="123456").status_code == 401
    response = login(client, liaison)
    assert response.status_code == 401
    assert "locked" in response.get_data(as_text=True)


def test_new_tip_lands_in_the_liaison_intake_queue(client, liaison):
    submit_tip(client, text=SMUGGLING)
    login(client, liaison)
    assert len(_queue_ids(client)) == 1


def test_verified_tip_is_routed_by_the_agreement_and_appears_in_each_agencys_queue(app, client, liaison):
    submit_tip(client, text=SMUGGLING, category="smuggling", lat="31.65", lon="-106.40")
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    assert post_action(client, tip_id, "verify", outcome="verified").status_code == 302
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "border-smuggling" in page
    assert "Border Enforcement MOU 2025" in page
    assert post_action(client, tip_id, "route", lead="fedliaison", supporting="rvso").status_code == 302
    for agency, username in (("fedliaison", "fed.one"), ("rvso", "rvso.one")):
        officer = make_officer(app, username, "officer", agency)
        other = app.test_client()
        login(other, officer)
        assert tip_id in _queue_ids(other, view="agency")
        assert tip_id in _queue_ids(other)  # an agency starts at what was routed to it, not the empty desk
    stranger = make_officer(app, "rvpd.one", "officer", "rvpd")
    other = app.test_client()
    login(other, stranger)
    assert other.get(f"/officer/tips/{tip_id}").status_code == 404


def test_a_jurisdiction_question_is_settled_by_a_supervisor(app, client, liaison):
    submit_tip(client, text=SMUGGLING, category="smuggling", lat="31.65", lon="-106.40")
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "verify", outcome="verified")
    with app.app_context():  # two agencies' areas overlap and no agreement names a lead
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        proposal = {"lead": None, "supporting": [], "flags": ["jurisdiction_question"], "candidates": ["rvpd", "rvso"]}
        tip.routing = {"proposal": proposal}
        db.session.commit()
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert 'id="supervisor-decides"' in page and "Confirm routing" not in page  # no form the officer cannot use
    assert "supervisor decides" in client.get("/officer/queue").get_data(as_text=True)  # the queue's badge
    refused = post_action(client, tip_id, "route", lead="rvpd", reason="Closer to the city")
    assert refused.status_code == 400
    assert "a supervisor decides where this tip goes" in refused.get_data(as_text=True)
    supervisor = app.test_client()
    login(supervisor, make_officer(app, "desk.super", "supervisor", "liaison"))
    page = supervisor.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Confirm routing" in page
    with app.app_context():
        names = [escape(db.session.get(Agency, code).name) for code in ("rvpd", "rvso")]
    assert "agencies to choose from: <bdi>{}</bdi>, <bdi>{}</bdi>".format(*names) in page
    lead = page.split('name="lead"')[1].split("</select>")[0]
    assert lead.split("<option")[1] == ' value="">Choose an agency</option>' and "selected" not in lead  # none picked
    assert post_action(supervisor, tip_id, "route", lead="rvpd", reason="Closer to the city").status_code == 302


def test_overriding_the_proposal_needs_a_reason(app, client, liaison):
    submit_tip(client, text=SMUGGLING, category="smuggling", lat="31.65", lon="-106.40")
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "verify", outcome="verified")
    refused = post_action(client, tip_id, "route", lead="rvpd")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert '<p class="error" id="reason-error" role="alert">Give a reason.</p>' in page  # at the field
    assert "Nothing was changed: please correct the marked field below." in page
    assert post_action(client, tip_id, "route", lead="rvpd", reason="City task force case 24-118").status_code == 302
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        assert tip.routing["final"] == {"lead": "rvpd", "supporting": [], "overridden": True}


def test_officer_reply_reaches_the_sender_in_their_language(app, client, liaison):
    receipt = submit_tip(client, lang="es", text="Una camioneta gris deja personas cerca del puente viejo.")
    tip_id = tip_by_text(app, "camioneta gris")
    login(client, liaison)
    form = (
        client.get(f"/officer/tips/{tip_id}").get_data(as_text=True).split('name="template"')[1].split("</select>")[0]
    )
    assert 'value="received"' in form and 'value="needs_info"' not in form  # only the status the tip is in
    early = post_action(client, tip_id, "reply", template="needs_info", body="¿A qué hora pasa la camioneta?")
    assert early.status_code == 400
    assert post_action(client, tip_id, "verify", outcome="needs_info").status_code == 302
    response = post_action(client, tip_id, "reply", template="needs_info", body="¿A qué hora pasa la camioneta?")
    assert response.status_code == 302
    sender = app.test_client()
    page = follow_up(sender, receipt, lang="es").get_data(as_text=True)
    assert "El oficial tiene una pregunta para usted." in page
    assert "¿A qué hora pasa la camioneta?" in page


def test_the_same_action_posted_twice_changes_nothing_the_second_time(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "verify", outcome="needs_info")
    client.get(f"/officer/tips/{tip_id}")
    second = post_action(client, tip_id, "verify", outcome="needs_info")
    assert second.status_code == 302
    assert "Already done: nothing changed." in client.get(second.location).get_data(as_text=True)


def test_a_reply_to_a_closed_tip_is_refused_with_a_message(app, client, liaison):
    receipt = submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "close", note="Handled by patrol", confirm_close="y")
    response = post_action(client, tip_id, "reply", body="Anything else?")
    assert response.status_code == 400
    assert "This tip is closed" in response.get_data(as_text=True)
    assert STATUS_RE.search(follow_up(app.test_client(), receipt).get_data(as_text=True)).group(1) == "Closed"


def test_expired_session_keeps_the_reply_being_typed(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    ).group(1)
    with client.session_transaction() as session:
        session.pop("_user_id")
    typed = "Please describe the boat: colour, size, any name painted on it."
    same_site = {"Sec-Fetch-Site": "same-origin"}  # what a browser says of a form posted from our own page
    response = client.post(
        f"/officer/tips/{tip_id}/reply", data={"csrf_token": token, "body": typed}, headers=same_site
    )
    assert response.status_code == 401
    assert typed in response.get_data(as_text=True)
    relog = log_in_again(client, liaison, response)
    assert relog.status_code == 200
    assert typed in relog.get_data(as_text=True)
    resume = re.search(
        r'<form method="post" action="(/officer/tips/[^"]+)">\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
        relog.get_data(as_text=True),
    )
    sent = client.post(resume.group(1), data={"csrf_token": resume.group(2), "body": typed})
    assert sent.status_code == 302  # "Send again" works with the new session's token
    with app.app_context():
        from tipline.models import Message

        assert typed in [m.body for m in db.session.scalars(select(Message))]


def test_a_form_posted_from_another_site_is_not_offered_again_after_login(app, liaison):
    browser = app.test_client()  # the officer's browser on an attacker's page: no session cookie is sent
    forged = {"title_en": "Free ID check, bring your papers", "place": "Lot behind 5th St"}
    for headers in (
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {},
    ):
        response = browser.post("/officer/events/new", data=forged, headers=headers)
        assert response.status_code == 401
        assert "Free ID check" not in response.get_data(as_text=True)
    # our own page (no-referrer policy: the browser sends Origin null) keeps what was typed
    own = browser.post("/officer/events/new", data=forged, headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert "Free ID check" in own.get_data(as_text=True)


def test_complaint_goes_to_oversight_only_and_never_to_other_agencies(app, client, liaison):
    submit_tip(client, text="A deputy asked my cousin for cash on Ranch Road 9 to let him go.", category="misconduct")
    tip_id = tip_by_text(app, "asked my cousin")
    with app.app_context():
        holders = {a.agency_code for a in db.session.scalars(select(Assignment)) if a.active}
    assert holders == {"oversight"}
    login(client, liaison)
    assert client.get(f"/officer/tips/{tip_id}").status_code == 404
    reviewer = make_officer(app, "oversight.one", "oversight", "oversight")
    other = app.test_client()
    login(other, reviewer)
    assert tip_id in _queue_ids(other)
    page = other.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "Share or forward" not in page  # no police agency is offered for a complaint
    refused = post_action(other, tip_id, "share", agency="rvso", reason="for information")
    assert refused.status_code == 400
    assert "Complaints go to the oversight body only" in refused.get_data(as_text=True)


def test_recategorising_as_complaint_removes_every_other_agency(app, client, liaison):
    submit_tip(client, text="The man in uniform at the checkpoint took my phone and did not give it back.")
    tip_id = tip_by_text(app, "checkpoint")
    login(client, liaison)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert re.search(r'<select id="category" name="category"[^>]*><option value="">Choose a category</option>', page)
    response = post_action(client, tip_id, "category", category="misconduct")
    assert response.status_code == 302
    assert response.location.endswith("/officer/queue")
    assert client.get(f"/officer/tips/{tip_id}").status_code == 404


def test_an_accused_agencys_admin_cannot_read_the_complaints_casework_in_the_audit_log(app, client):
    text = "A Rio Verde police officer took cash from my neighbour at the checkpoint."
    submit_tip(client, text=text, category="misconduct")
    tip_id = tip_by_text(app, "took cash")
    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.rev", "oversight", "oversight"))
    post_action(reviewer, tip_id, "verify", outcome="verified", note="Officer identified as badge 442 on bodycam")
    admin = app.test_client()
    login(admin, make_officer(app, "rvpd.admin", "admin", "rvpd"))
    assert admin.get(f"/officer/tips/{tip_id}").status_code == 404
    for url in (f"/officer/audit?tip={tip_id}", "/officer/audit", "/officer/audit.csv"):
        page = admin.get(url).get_data(as_text=True).split("</form>")[-1]  # not the filter form echoing the URL
        assert "badge 442" not in page and tip_id not in page, url
    assert "badge 442" in reviewer.get(f"/officer/audit?tip={tip_id}").get_data(as_text=True)
    assert "badge 442" in reviewer.get("/officer/audit.csv").get_data(as_text=True)


def test_the_time_the_resident_gave_is_shown_to_the_officer(app, client, liaison):
    submit_tip(client, text="Two trucks swap boxes at the truck stop on exit 12.", when="2026-11-20T05:30")
    tip_id = tip_by_text(app, "Two trucks swap boxes")
    login(client, liaison)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    when = re.search(r'<dd id="occurred-at">([^<]+)</dd>', page).group(1)
    assert "Nov 20, 2026" in when and "5:30" in when


def test_personal_data_is_masked_until_revealed_and_the_reveal_is_audited(app, client, liaison):
    submit_tip(client, text="Call me at 555-201-7788 about the van with plate ABC-1234 at the old bridge.")
    tip_id = tip_by_text(app, "555-201-7788")
    with app.app_context():
        from tipline.services import intake

        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        intake.add_sender_message(tip, "Or write to jane.doe@example.com, my other number is 555-330-1212.", "en")
        db.session.commit()
    login(client, liaison)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "555-201-7788" not in page
    assert "jane.doe@example.com" not in page and "555-330-1212" not in page  # the conversation is masked too
    revealed = post_action(client, tip_id, "reveal").get_data(as_text=True)
    assert "555-201-7788" in revealed
    assert "jane.doe@example.com" in revealed and "555-330-1212" in revealed
    with app.app_context():
        from tipline.services import audit

        actions = [e.action for e in audit.entries(tip_id)]
    assert "tip.reveal" in actions
    assert "tip.view" in actions


def test_a_tip_like_an_earlier_one_is_credited_for_corroboration(app, client):
    submit_tip(client, text="A white van without plates unloads boxes behind the pump station every night at 2 am.")
    submit_tip(client, text="Again the white van without plates unloads boxes behind the pump station at 2 am.")
    with app.app_context():
        first, second = db.session.scalars(select(Tip).order_by(Tip.id)).all()
        factors = [{f["name"]: f["contribution"] for f in t.triage.factors} for t in (first, second)]
    assert factors[0]["corroboration"] == 0
    assert factors[1]["corroboration"] > 0.05


def test_officer_pages_are_never_cached_and_speak_the_officers_language(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    for url in ("/officer/queue", f"/officer/tips/{tip_id}", "/officer/account", "/officer/events/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    queue_page = client.get("/officer/queue?lang=es").get_data(as_text=True)
    with app.app_context():
        desk = db.session.get(Agency, "liaison")
        spanish = desk.names.get("es", desk.name) if desk.names else desk.name
    assert f"<h1>Bandeja de casos · {spanish}</h1>" in queue_page
    assert '">English</td>' in queue_page.split("<tbody>")[1]  # the tip's language by its name, not "en"
    wrong = client.get("/officer/queue?min_credibility=abc&lang=es")
    assert wrong.status_code == 400
    assert "Indique un número de 0 a 1, por ejemplo 0,5." in wrong.get_data(as_text=True)


def test_the_tip_page_has_one_id_per_box_and_its_history_shows_casework_not_views(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "verify", outcome="verified", note="Checked with the patrol.")
    for _ in range(60):
        page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    ids = [i for i in re.findall(r' id="([^"]+)"', page) if i != "csrf_token"]  # hidden tokens have no label
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    history = page.split('class="history"')[1].split("</ul>")[0]
    assert "Verification saved" in history and "tip.view" not in history


def test_the_audit_log_pages_through_every_entry(app, client):
    from tipline.services import audit

    reviewer = make_officer(app, "ia.pages", "oversight", "oversight")
    with app.app_context():
        for n in range(450):
            audit.record("system", "test.filler", n=n)
        db.session.commit()
    login(client, reviewer)
    first = client.get("/officer/audit").get_data(as_text=True)
    assert "Older entries" in first and "Newer entries" not in first
    seen, page = 0, 1
    while True:
        html = client.get(f"/officer/audit?page={page}").get_data(as_text=True)
        seen += html.count("test.filler")
        if "Older entries" not in html:
            break
        page += 1
    assert seen == 450


def test_the_tip_map_marks_a_place_named_in_the_tip(app, client, liaison):
    submit_tip(client, text="Boxes change hands under the bridge after midnight.", place="puente viejo", lang="es")
    tip_id = tip_by_text(app, "Boxes change hands")
    login(client, liaison)
    drawn = client.get(f"/officer/tips/{tip_id}/map.svg").get_data(as_text=True)
    assert 'class="tip-point approximate"' in drawn  # the gazetteer's point for "puente viejo", drawn as a guess
    assert "Un lugar nombrado en el aviso, no las coordenadas del remitente" in drawn  # the sender chose Spanish


def test_a_reply_to_a_sender_who_texted_stop_says_it_was_not_sent_by_sms(app, client, liaison, gateway):
    from tests.sms_helpers import post_sms

    post_sms(client, app, "Dos hombres descargan cajas de un bote cerca de la estación de bombeo.")
    post_sms(client, app, "STOP")
    tip_id = tip_by_text(app, "descargan cajas")
    login(client, liaison)
    page = client.get(f"/officer/tips/{tip_id}?lang=es").get_data(as_text=True)
    assert "El remitente detuvo los mensajes o el número fue borrado" in page
    response = post_action(client, tip_id, "reply", body="¿De qué color es el bote?")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Respuesta guardada, pero no enviada por SMS" in page
    assert "Hecho." not in page
    assert gateway.sent == []


def test_the_tip_page_names_agencies_roles_language_and_history_in_the_officers_language(app, client, liaison):
    submit_tip(client, text=SMUGGLING, category="smuggling", lat="31.65", lon="-106.40")
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    post_action(client, tip_id, "verify", outcome="verified")
    page = client.get(f"/officer/tips/{tip_id}?lang=fr").get_data(as_text=True)
    facts = page.split('class="facts"')[1].split("</dl>")[0]
    with app.app_context():
        desk = db.session.get(Agency, "liaison").display("fr")
    assert f"<bdi>{desk}</bdi> (bureau de liaison)" in facts
    assert "<dd>English</dd>" in facts
    assert 'id="coordinates" dir="ltr">(31.6500, -106.4000)' in page  # no place typed: the coordinates still show
    history = page.split('class="history"')[1].split("</ul>")[0]
    assert "Vérification enregistrée" in history and "tip.verify" not in history


def test_a_closed_tip_offers_no_reply_or_share_form(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    assert f'action="/officer/tips/{tip_id}/reply"' in client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    post_action(client, tip_id, "close", note="Handled by patrol", confirm_close="y")
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert f'action="/officer/tips/{tip_id}/reply"' not in page
    assert f'action="/officer/tips/{tip_id}/share"' not in page


def test_language_links_on_a_page_answering_an_officer_action_lead_back_to_the_tip(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    token = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', token).group(1)
    revealed = client.post(f"/officer/tips/{tip_id}/reveal", data={"csrf_token": token}).get_data(as_text=True)
    assert f'href="/officer/tips/{tip_id}?lang=es"' in revealed
    assert 'href="/?lang=es"' not in revealed
    assert client.get(f"/officer/tips/{tip_id}?lang=es").status_code == 200


def test_queue_filters_take_a_decimal_comma_and_say_once_what_is_wrong(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    login(client, liaison)
    assert client.get("/officer/queue?min_credibility=0,0&lang=fr").status_code == 200
    for bad in ("abc", "1,5", "7"):
        page = client.get(f"/officer/queue?min_credibility={bad}&lang=es").get_data(as_text=True)
        assert page.count("Indique un número de 0 a 1") == 1, bad
    reversed_period = client.get("/officer/queue?since=2026-11-20&until=2026-11-01&lang=fr")
    assert reversed_period.status_code == 400
    assert "La date de fin est antérieure à la date de début." in reversed_period.get_data(as_text=True)


def test_queue_dates_and_page_links_out_of_range_answer_the_queue_with_a_message_not_a_500(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    login(client, liaison)
    end_of_time = client.get("/officer/queue?until=9999-12-31&lang=es")
    assert end_of_time.status_code == 400
    assert "Indique una fecha entre los años 1900 y 2999." in end_of_time.get_data(as_text=True)
    assert client.get("/officer/queue?since=2024-01-01&until=2999-12-31").status_code == 200
    for cursor in ("1e308_99999999999999999999", "nan_1", "inf_1", "0.5", "abc_1"):
        page = client.get("/officer/queue", query_string={"after": cursor, "lang": "fr"})
        assert page.status_code == 400, cursor
        assert "Ce lien de page est abîmé ou périmé" in page.get_data(as_text=True), cursor
        assert 'href="/officer/queue?lang=fr"' in page.get_data(as_text=True)  # the way back to the first page


def test_queue_pages_follow_one_another_and_keep_the_filters(app, client, liaison, monkeypatch):
    from tipline.services import queue

    monkeypatch.setattr(queue, "PAGE_SIZE", 2)
    for i in range(3):
        submit_tip(client, text=f"{SMUGGLING} ({i})")
    login(client, liaison)
    first = client.get("/officer/queue?lang=es&since=2000-01-01").get_data(as_text=True)
    next_url = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "since=2000-01-01" in next_url and "lang=es" in next_url
    second = client.get(next_url)
    assert second.status_code == 200
    ids = re.findall(r'href="/officer/tips/(\w+)"', first) + re.findall(r'href="/officer/tips/(\w+)"', second.text)
    assert len(set(ids)) == 3
    assert 'href="/officer/queue?lang=es&amp;since=2000-01-01">Primera página' in second.text


def test_verification_and_an_open_routing_question_start_with_nothing_chosen(app, client, liaison):
    submit_tip(client, text=SMUGGLING)
    tip_id = tip_by_text(app, "unload boxes")
    login(client, liaison)
    page = client.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    outcome = page.split('name="outcome"')[1].split("</select>")[0]
    assert '<option selected value="">Choose an outcome</option>' in outcome
    refused = post_action(client, tip_id, "verify", outcome="")
    assert refused.status_code == 400 and "Choose an outcome." in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Tip.verification).where(Tip.public_id == tip_id)) is None


def test_a_missing_tip_keeps_the_officer_in_the_officers_pages(client, liaison):
    login(client, liaison)
    missing = client.get("/officer/tips/NOSUCHTIP?lang=ht")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404
    assert 'href="/officer/queue">Retounen nan lis atant lan</a>' in page
    assert 'href="/officer/account"' in page  # the officers' menu, not the residents' header
    public = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/officer/account"' not in public


def test_an_unknown_username_is_audited_like_a_wrong_password_without_the_name_typed(app, client, liaison):
    from tipline.models import AuditEntry

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/officer/login").get_data(True))
    data = {"username": "Hunter2-typed-here", "password": "x", "code": "123456", "csrf_token": token.group(1)}
    answer = client.post("/officer/login", data=data)
    assert answer.status_code == 401
    assert login(client, liaison, code="123456").status_code == 401
    with app.app_context():
        failed = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.failed").order_by(AuditEntry.id)
        ).all()
    assert [e.actor for e in failed] == ["unknown", liaison["username"]]
    assert all("Hunter2" not in str(e.details) for e in failed)


def test_a_corroboration_from_tips_the_officer_cannot_see_is_explained(app, client, liaison):
    from sqlalchemy import update

    submit_tip(client, text="A white van without plates unloads boxes behind the pump station every night at 2 am.")
    submit_tip(client, text="Again the white van without plates unloads boxes behind the pump station at 2 am.")
    with app.app_context():
        first, second = db.session.scalars(select(Tip).order_by(Tip.id)).all()
        second_id = second.public_id
    login(client, liaison)
    page = client.get(f"/officer/tips/{second_id}").get_data(as_text=True)
    assert "<h3>Similar tips</h3>" in page and 'id="similar-elsewhere"' not in page
    with app.app_context():  # the first tip now belongs to another agency only
        db.session.execute(update(Assignment).where(Assignment.tip_id == first.id).values(agency_code="rvpd"))
        db.session.commit()
    page = client.get(f"/officer/tips/{second_id}").get_data(as_text=True)
    assert "<h3>Similar tips</h3>" not in page
    assert "The similar tips counted in the score are not listed" in page
