"""Officer login with a second factor, logout, and keeping typed work across an expired session."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import abort, g, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm

from tipline.auth import staff_required
from tipline.blueprints.officer import bp
from tipline.blueprints.officer.forms import LoginForm
from tipline.extensions import client_key, limiter
from tipline.extensions import login as login_manager
from tipline.services import users

NEVER_KEPT = {"password", "current", "new", "confirm", "my_password"}  # form fields that hold a password
LOGIN_ERRORS = {
    "invalid": _l(
        "Wrong username, password or code, or too many failed attempts: the account is then locked for a while."
    ),
}


@login_manager.unauthorized_handler
def _unauthorized():
    """Ask for a login; a form posted after the session expired is kept and offered again after login (never a
    password: a page that asked for one is not resumed)."""
    form = LoginForm(formdata=None)
    if request.method == "POST" and request.path.startswith("/officer/"):
        secret = any(k in NEVER_KEPT for k in request.form)
        kept = {} if secret or not _from_this_site() else {k: v for k, v in request.form.items() if k != "csrf_token"}
        if kept:
            form.resume_url.data, form.resume_fields.data = request.path, json.dumps(kept, ensure_ascii=False)
        return render_template("officer/login.html", form=form, expired=True), 401
    return redirect(url_for("officer.login"))


# what an officer typed, by field name, and what the form it came from did: the resume page names both
TYPED_LABELS = {
    "body": _l("Message to the sender"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "duplicate_of": _l("Duplicate of (tip id)"),
}
ACTIONS = {
    "reply": _l("Reply to the sender"),
    "verify": _l("Verify"),
    "route": _l("Routing"),
    "share": _l("Share or forward"),
    "close": _l("Close"),
    "category": _l("Category"),
    "assign": _l("Assign"),
}


def _resumed(url: str, fields: dict) -> dict:
    """The resume page's parts: the tip and action the form was for, the typed fields (to check and edit) and the
    chosen options (codes such as a standard reply or an agency, sent back unchanged)."""
    parts = url.strip("/").split("/")  # officer/tips/<id>/<action>
    tip_id, action = (parts[2], ACTIONS.get(parts[3])) if len(parts) == 4 and parts[1] == "tips" else (None, None)
    typed = {k: (TYPED_LABELS[k], v) for k, v in fields.items() if k in TYPED_LABELS}
    chosen = {k: v for k, v in fields.items() if k not in TYPED_LABELS}
    return {"tip_id": tip_id, "action": action, "typed": typed, "chosen": chosen}


def _from_this_site() -> bool:
    """False for a form another site posted: its fields must never be offered to send.

    Browsers say where a request comes from in Sec-Fetch-Site; older ones only in Origin. Our no-referrer policy
    makes an old browser send "null" even from our own pages, but so can a page of another site: without proof the
    fields are not kept (the officer types them again).
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    return bool(origin) and origin != "null" and urlsplit(origin).netloc == request.host


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Log in with username, password and an authenticator or recovery code."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.username.data, form.password.data, form.code.data, client_key())
        except users.AccountError as exc:
            form.code.errors = [LOGIN_ERRORS[exc.args[0]]]
            return render_template("officer/login.html", form=form), 401
        session.clear()  # a fresh session (and CSRF token) on every login
        g.pop("csrf_token", None)  # the token cached for this request belonged to the cleared session
        login_user(user)
        if form.resume_url.data and form.resume_url.data.startswith("/officer/"):
            url, fields = form.resume_url.data, json.loads(form.resume_fields.data or "{}")
            return render_template("officer/resume.html", url=url, **_resumed(url, fields))
        return redirect(url_for("officer.queue"))
    return render_template("officer/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@staff_required
def logout():
    """End the session (a posted form with its CSRF token; the old session cookie stops working)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    users.end_sessions(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("officer.login"))
