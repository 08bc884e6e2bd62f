"""Accounts on the web: every officer changes their own password; an agency's administrators add, disable,
enable and reset their colleagues' accounts (the same services as `tipline users`, audited under their name)."""

from __future__ import annotations

import segno
from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select

from tipline.auth import roles_required, staff_required
from tipline.blueprints.officer import bp, forms
from tipline.extensions import db
from tipline.models import User
from tipline.services import users

ROLE_NAMES = {
    "officer": _l("Officer"),
    "supervisor": _l("Supervisor"),
    "oversight": _l("Oversight reviewer"),
    "admin": _l("Administrator"),
}
PASSWORD_ERRORS = {
    "current": _l("Your current password is not right."),
    "short": _l("The new password is too short."),
    "same": _l("The new password must differ from the current one."),
    "username": _l("The new password must not contain your username."),
}


@bp.route("/account", methods=["GET", "POST"])
@staff_required
def account():
    """The officer's own account: change the password (the officer's other sessions end)."""
    form = forms.PasswordForm()
    if form.validate_on_submit():
        try:
            users.change_password(current_user, form.current.data, form.new.data)
        except users.AccountError as exc:
            field = form.current if exc.args[0] == "current" else form.new
            field.errors = [PASSWORD_ERRORS[exc.args[0]]]
        else:
            login_user(current_user)  # this session goes on under the new session version
            flash(_l("Your password is changed. Your other sessions have ended."), "success")
            return redirect(url_for("officer.account"))
    return render_template("officer/account.html", form=form), 400 if form.errors else 200


def _role_choices() -> list[tuple[str, str]]:
    """Roles an administrator may give in their agency (the oversight role only in the oversight body)."""
    allowed = [r for r in ROLE_NAMES if r != "oversight" or current_user.agency.kind == "oversight"]
    return [(r, str(ROLE_NAMES[r])) for r in allowed]


def _colleagues() -> list[User]:
    query = select(User).where(User.agency_code == current_user.agency_code).order_by(User.username)
    return list(db.session.scalars(query))


def _accounts_page(form: forms.AccountForm, status: int = 200):
    return (
        render_template(
            "officer/accounts.html",
            form=form,
            accounts=_colleagues(),
            reset=forms.ResetAccessForm(),
            role_names=ROLE_NAMES,
        ),
        status,
    )


@bp.get("/accounts")
@roles_required("admin")
def accounts():
    """The agency's accounts and a form to add one."""
    form = forms.AccountForm()
    form.role.choices = _role_choices()
    return _accounts_page(form)


@bp.post("/accounts")
@roles_required("admin")
def add_account():
    """Create an account in the administrator's agency; its credentials are shown once."""
    form = forms.AccountForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        return _accounts_page(form, 400)
    try:
        creds = users.add(
            form.username.data,
            form.role.data,
            current_user.agency_code,
            (form.display_name.data or "").strip(),
            actor=current_user.username,
        )
    except users.AccountError:
        form.username.errors = [_l("This username is taken: choose another.")]
        return _accounts_page(form, 400)
    return _credentials(creds)


def _colleague_or_404(username: str) -> User:
    """An account of the administrator's own agency; any other is 404."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or user.agency_code != current_user.agency_code:
        abort(404)
    return user


@bp.post("/accounts/<username>/<any(disable, enable):change>")
@roles_required("admin")
def change_account(username: str, change: str):
    """Disable (sessions end at once) or enable a colleague's account."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = _colleague_or_404(username)
    if user.id == current_user.id:
        flash(_l("You cannot disable your own account: ask another administrator."), "error")
        return redirect(url_for("officer.accounts"))
    getattr(users, change)(user.username, actor=current_user.username)
    message = _l("%(name)s can no longer log in.") if change == "disable" else _l("%(name)s can log in again.")
    flash(message % {"name": user.username}, "success")
    return redirect(url_for("officer.accounts"))


@bp.post("/accounts/<username>/reset")
@roles_required("admin")
def reset_account(username: str):
    """A new second factor (and password, if asked) for a colleague who lost theirs; shown once."""
    form = forms.ResetAccessForm()
    if not form.validate_on_submit():
        abort(400)
    user = _colleague_or_404(username)
    return _credentials(
        users.reset_second_factor(user.username, actor=current_user.username, new_password=form.new_password.data)
    )


def _credentials(creds: users.Credentials):
    """The one-time credentials page, with the authenticator QR code drawn inline (never cached)."""
    qr = segno.make(creds.provisioning_uri(), error="m").svg_inline(scale=4, border=2, title="TOTP")
    page = render_template("officer/credentials.html", creds=creds, qr=Markup(qr))  # noqa: S704 - segno's own SVG
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response
