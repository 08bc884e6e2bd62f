"""What an agency that does not own a tip may do and learn (found in a security review, fixed with these tests).

- the oversight role belongs to the oversight body: a police agency's account cannot get it;
- an agency a tip was shared with (or that supports the lead) reads it but cannot verify, route, assign or close;
- an agency's admin reads the audit entries without a tip that concern its own agency only, without the chain's
  length or entry numbers (which would count hidden complaint activity);
- a complaint never raises (or is named by) the corroboration score of an ordinary tip;
- a recovery code works once even for two logins racing with it;
- a locked account answers exactly like a wrong password for a made-up username.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from csv import DictReader
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.helpers import csrf_token, login, make_officer, post_action, submit_tip, tip_by_text
from tipline.extensions import db
from tipline.models import Category, Tip, User
from tipline.models.types import utcnow
from tipline.services import sla, users

COMPLAINT = "A Rio Verde police officer took cash from my neighbour at the checkpoint on Main street."
VAN = "A white van without plates parks behind the school every night."


def test_a_police_agency_account_cannot_get_the_oversight_role(app):
    with app.app_context(), pytest.raises(users.AccountError, match="oversight role"):
        users.add("rvpd.ia", "oversight", "rvpd")


def test_an_agency_a_tip_was_shared_with_reads_it_but_cannot_act_on_it(app, client):
    submit_tip(client, text=VAN)
    tip_id = tip_by_text(app, "white van")
    desk = app.test_client()
    login(desk, make_officer(app, "desk", "officer", "liaison"))
    make_officer(app, "desk2", "officer", "liaison")
    assert post_action(desk, tip_id, "assign", assignee="desk2").status_code == 302
    assert post_action(desk, tip_id, "share", agency="rvpd", reason="FYI only").status_code == 302
    rvpd = app.test_client()
    login(rvpd, make_officer(app, "rv.off", "officer", "rvpd"))
    page = rvpd.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
    assert "for information" in page and 'action="/officer/tips/' not in page.split('id="read-only"')[1]
    for action, fields in [
        ("assign", {"assignee": ""}),
        ("verify", {"outcome": "verified"}),
        ("route", {"lead": "rvpd", "reason": "mine now"}),
        ("close", {"note": "closed by rvpd", "confirm_close": "y"}),
        ("reply", {"body": "Hello from rvpd"}),
    ]:
        response = post_action(rvpd, tip_id, action, **fields)
        assert response.status_code == 400, action
        assert "for information" in response.get_data(as_text=True), action
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        assert tip.assigned_user.username == "desk2"
        assert (tip.verification, tip.queue_state, tip.closed_at, tip.messages) == (None, "liaison", None, [])


def _audit(client) -> tuple[str, str]:
    return client.get("/officer/audit").get_data(as_text=True), client.get("/officer/audit.csv").get_data(as_text=True)


def test_an_agency_admin_reads_only_its_own_agency_entries_and_no_chain_length(app, client):
    submit_tip(client, text=COMPLAINT, category="misconduct")
    tip_id = tip_by_text(app, "took cash")
    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.rev", "oversight", "oversight"))
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        tip.sla_due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        assert "oversight" in sla.remind()
    admin = app.test_client()
    login(admin, make_officer(app, "rvpd.admin", "admin", "rvpd"))
    page, csv = _audit(admin)
    rows = page.split("</form>")[-1]  # the log itself, not the filter's list of every kind of action
    assert "sla.remind" not in rows + csv and "ov.rev" not in page + csv and tip_id not in page + csv
    assert "rvpd.admin" in page and "Chain verified: no entry altered." in page
    assert "Logged in <small><code>login</code></small>" in page  # account entries in words, as tips' are
    assert not re.search(r"\d+ entries", page) and csv.splitlines()[0] == "at,actor,action,tip,details,notes"

    def seen() -> str:  # the check line and the table (the page's form tokens change every second)
        page = admin.get("/officer/audit").get_data(as_text=True)
        return page[page.index('<p id="audit-check"') : page.index("</table>")]

    before = seen()
    for _ in range(3):
        reviewer.get(f"/officer/tips/{tip_id}")
    assert seen() == before
    whole, whole_csv = _audit(reviewer)  # the oversight body reads the whole chain, numbered, with its hashes
    assert "sla.remind" in whole and re.search(r"Chain verified: \d+ entries", whole)
    assert whole_csv.splitlines()[0] == "id,at,actor,action,tip,details,notes,agency,prev_hash,version,hash"


def test_a_complaint_does_not_corroborate_an_ordinary_tip(app, client):
    van = "a white van without plates full of boxes"
    complaint = f"The deputy waves {van} past the pump station at 2 am and pockets cash."
    submit_tip(client, text=complaint, category="misconduct")
    submit_tip(client, text=f"Every night {van} drives past the pump station at 2 am.")
    desk = app.test_client()
    login(desk, make_officer(app, "desk", "officer", "liaison"))
    page = desk.get(f"/officer/tips/{tip_by_text(app, 'Every night')}").get_data(as_text=True)
    assert "Similar tips were received before" not in page
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.text.is_not(None), Tip.queue_state == "liaison"))
        assert next(f for f in tip.triage.factors if f["name"] == "corroboration")["contribution"] == 0


def test_a_recovery_code_works_once_for_two_racing_logins(app):
    officer = make_officer(app, "rc.user", "officer", "rvpd")
    code = officer["recovery"][0]
    with app.app_context():
        first = db.session.scalar(select(User).where(User.username == "rc.user"))
        assert all(rc.used_at is None for rc in first.recovery_codes)  # loaded before the other login commits
        with Session(db.engine) as other:
            second = other.scalar(select(User).where(User.username == "rc.user"))
            assert users._use(second, users._second_factor(second, code))
            other.commit()
        assert not users._use(first, users._second_factor(first, code))


def test_a_locked_account_answers_like_a_made_up_username(app, client):
    make_officer(app, "real.user", "officer", "rvpd")

    def attempt(name: str) -> str:
        token = csrf_token(client, "/officer/login")
        data = {"username": name, "password": "wrong-password", "code": "123456", "csrf_token": token}
        response = client.post("/officer/login", data=data)
        assert response.status_code == 401
        return re.sub(r'name="(csrf_token|username)" [^>]*>', "", response.get_data(as_text=True))

    real = [attempt("real.user") for _ in range(6)]
    fake = [attempt("nobody.here") for _ in range(6)]
    assert real[-1] == fake[-1] and "locked for a while" in real[-1]
    with app.app_context():
        assert db.session.scalar(select(User.locked_until).where(User.username == "real.user")) is not None


def test_forwarding_to_the_lead_agency_keeps_its_rights(app, client):
    submit_tip(client, text="Two men unload boxes from a boat at the old bridge every night around 2 am.")
    tip_id = tip_by_text(app, "Two men unload boxes")
    desk = app.test_client()
    login(desk, make_officer(app, "desk", "supervisor", "liaison"))
    assert post_action(desk, tip_id, "verify", outcome="verified").status_code == 302
    route = post_action(desk, tip_id, "route", lead="rvpd", supporting=["liaison"], reason="Their case")
    assert route.status_code == 302
    assert post_action(desk, tip_id, "share", agency="rvpd", reason="For their records").status_code == 302
    with app.app_context():
        tip = db.session.scalar(select(Tip).where(Tip.public_id == tip_id))
        assert {a.agency_code: a.role for a in tip.assignments if a.active} == {"liaison": "liaison", "rvpd": "lead"}
    rvpd = app.test_client()
    login(rvpd, make_officer(app, "rv.off", "officer", "rvpd"))
    assert post_action(rvpd, tip_id, "reply", body="We are on it.").status_code == 302
    assert post_action(rvpd, tip_id, "close", note="Done", confirm_close="y").status_code == 302


def test_an_admin_still_reads_colleagues_entries_written_before_entries_named_an_agency(app, client):
    admin = make_officer(app, "rvpd.admin", "admin", "rvpd")
    make_officer(app, "rv.old", "officer", "rvpd")
    with app.app_context():
        from tipline.services import audit

        audit.record("rv.old", "login")  # as written before migration 0010: no agency
        db.session.commit()
    reader = app.test_client()
    login(reader, admin)
    page = reader.get("/officer/audit").get_data(as_text=True)
    assert re.search(r"<td>rv\.old</td><td>Logged in <small><code>login</code></small></td>", page)


def test_an_officers_note_is_read_by_its_own_agency_and_oversight_not_by_an_agency_it_was_shared_with(app, client):
    submit_tip(client, text=VAN)
    tip_id = tip_by_text(app, "white van")
    desk = app.test_client()
    login(desk, make_officer(app, "desk", "officer", "liaison"))
    note = "Caller is the school janitor, Mr. P. Ruiz"
    assert post_action(desk, tip_id, "verify", outcome="verified", note=note).status_code == 302
    assert post_action(desk, tip_id, "share", agency="rvpd", reason="For their records").status_code == 302
    readers = {}
    for name, role, agency in (("rvpd.admin", "admin", "rvpd"), ("desk.admin", "admin", "liaison"),
                               ("ov.rev", "oversight", "oversight")):  # fmt: skip
        readers[name] = app.test_client()
        login(readers[name], make_officer(app, name, role, agency))
    page, csv = _audit(readers["rvpd.admin"])
    assert tip_id in page and "tip.verify" in page  # the shared tip's casework, without the other agency's note
    assert "Ruiz" not in page + csv
    for name in ("desk.admin", "ov.rev"):
        page, csv = _audit(readers[name])
        assert "Ruiz" in page and "Ruiz" in csv
    assert "audit.view" in csv and "desk.admin" in csv  # reading notes on the page is audited too
    rows = list(DictReader(io.StringIO(_audit(readers["ov.rev"])[1])))
    noted = next(row for row in rows if row["action"] == "tip.verify")  # salted as hashed: anyone can check it
    assert hashlib.sha256(noted["notes"].encode()).hexdigest() == json.loads(noted["details"])["notes_sha256"]


def test_complaint_with_any_category_never_reaches_accused_agency(app):
    """The same complaint about a deputy, sent with each category of the demo (and with "I don't know"): the desk
    and the oversight body verify it, accept the routing proposal and try to share it with the sheriff's office;
    the sheriff's officer never reads it."""
    text = "A sheriff's deputy stopped my cousin on Ranch Road 9 and asked for cash to let him go."
    with app.app_context():
        categories = ["", *db.session.scalars(select(Category.code).order_by(Category.code))]
    resident = app.test_client()
    for category in categories:
        submit_tip(resident, text=text, category=category)
    with app.app_context():
        tip_ids = {tip.category_code or "": tip.public_id for tip in db.session.scalars(select(Tip))}
    desk, reviewer, sheriff = app.test_client(), app.test_client(), app.test_client()
    login(desk, make_officer(app, "desk.sup", "supervisor", "liaison"))
    login(reviewer, make_officer(app, "ov.rev", "oversight", "oversight"))
    login(sheriff, make_officer(app, "rvso.off", "officer", "rvso"))
    for category in categories:
        tip_id = tip_ids[category]
        for holder in (desk, reviewer):
            if holder.get(f"/officer/tips/{tip_id}").status_code != 200:
                continue
            post_action(holder, tip_id, "verify", outcome="verified")
            with app.app_context():
                proposal = db.session.scalar(select(Tip).where(Tip.public_id == tip_id)).routing.get("proposal", {})
            lead = proposal.get("lead") or "rvso"
            supporting = proposal.get("supporting", [])
            post_action(holder, tip_id, "route", lead=lead, supporting=supporting, reason="As proposed")
            post_action(holder, tip_id, "share", agency="rvso", reason="Their deputy", forward="y")
        assert sheriff.get(f"/officer/tips/{tip_id}").status_code == 404, category
        assert tip_id not in sheriff.get("/officer/queue?view=all").get_data(as_text=True), category


def test_a_complaint_routed_before_triage_could_run_is_taken_back_from_the_accused_agency(app, client, monkeypatch):
    from tipline.services import triage

    def reload() -> None:
        with app.app_context():
            triage.reload_model()  # the session app caches its model: forget it before and after

    reload()
    monkeypatch.setitem(app.config, "TRIAGE_ENABLED", False)  # no model yet: the tip waits, the desk works on
    try:
        text = "A sheriff's deputy stopped my cousin on Ranch Road 9 and asked for cash to let him go."
        submit_tip(client, text=text, category="suspicious_vehicle")
        tip_id = tip_by_text(app, "asked for cash")
        desk = app.test_client()
        login(desk, make_officer(app, "desk.early", "supervisor", "liaison"))
        post_action(desk, tip_id, "verify", outcome="verified")
        assert post_action(desk, tip_id, "route", lead="rvso", reason="Their county").status_code == 302
        sheriff = app.test_client()
        login(sheriff, make_officer(app, "rvso.early", "officer", "rvso"))
        assert sheriff.get(f"/officer/tips/{tip_id}").status_code == 200
        app.config["TRIAGE_ENABLED"] = True
        reload()
        assert "queued 1 of 1" in app.test_cli_runner().invoke(args=["triage", "sweep"]).output
    finally:
        app.config["TRIAGE_ENABLED"] = True
        reload()
    assert sheriff.get(f"/officer/tips/{tip_id}").status_code == 404
    assert tip_id not in sheriff.get("/officer/queue?view=all").get_data(as_text=True)
    reviewer = app.test_client()
    login(reviewer, make_officer(app, "ov.early", "oversight", "oversight"))
    assert "Moved to the oversight body" in reviewer.get(f"/officer/tips/{tip_id}").get_data(as_text=True)
