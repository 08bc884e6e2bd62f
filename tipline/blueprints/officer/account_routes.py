"""Accounts on the web: every officer changes their own password; an agency's administrators add, disable,
enable and reset their colleagues' accounts (the same services as `tipline users`, audited under their name).

What stays on the command line: the oversight role (it reads every complaint), and new passwords for
administrators and oversight reviewers, so that no web session can take over an account that sees more.
"""

from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tipline.auth import roles_required, staff_required
from tipline.blueprints.officer import bp, forms
from tipline.extensions import client_key, db, limiter
from tipline.models import User
from tipline.models.types import utcnow
from tipline.services import users

ROLE_NAMES = {
    "officer": _l("Officer"),
    "supervisor": _l("Supervisor"),
    "oversight": _l("Oversight reviewer"),
    "admin": _l("Administrator"),
}
WEB_ROLES = ("officer", "supervisor", "admin")  # roles an administrator gives on the web
WEB_PASSWORD_RESET = ("officer", "supervisor")  # accounts whose password an administrator renews on the web
PASSWORD_ERRORS = {
    "current": _l("Your current password is not right."),
    "short": _l("The new password is too short."),
    "same": _l("The new password must differ from the current one."),
    "weak": _l("The new password is too easy to guess: use several different words or characters."),
    "username": _l("The new password must not contain your username."),
}


@bp.route("/account", methods=["GET", "POST"])
@staff_required
@limiter.limit("10 per minute", methods=["POST"])
def account():
    """The officer's own account: change the password (the officer's other sessions end)."""
    form = forms.PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            users.change_password(user, form.current.data, form.new.data, client_key())
        except users.AccountError as exc:
            field = form.current if exc.args[0] == "current" else form.new
            field.errors = [PASSWORD_ERRORS[exc.args[0]]]
        else:
            login_user(user)  # this session goes on under the new session version
            flash(_l("Your password is changed. Your other sessions have ended."), "success")
            return redirect(url_for("officer.account"))
    return render_template("officer/account.html", form=form), 400 if form.errors else 200


def _accounts_page(form: forms.AccountForm, status: int = 200):
    form.role.choices = [(r, str(ROLE_NAMES[r])) for r in WEB_ROLES]
    query = select(User).where(User.agency_code == current_user.agency_code).order_by(User.username)
    page = render_template(
        "officer/accounts.html", form=form, accounts=db.session.scalars(query), role_names=ROLE_NAMES, now=utcnow()
    )
    return page, status


@bp.get("/accounts")
@roles_required("admin")
def accounts():
    """The agency's accounts and a form to add one."""
    return _accounts_page(forms.AccountForm())


@bp.post("/accounts")
@roles_required("admin")
@limiter.limit("30 per minute")
def add_account():
    """Create an account in the administrator's agency; its credentials are shown once."""
    form = forms.AccountForm()
    form.role.choices = [(r, r) for r in WEB_ROLES]
    if not form.validate_on_submit():
        return _accounts_page(form, 400)
    if not _own_password_confirmed(form):  # a stolen session alone creates no account that outlives it
        return _accounts_page(form, 400)
    try:
        creds = users.add(
            form.username.data,
            form.role.data,
            current_user.agency_code,
            (form.display_name.data or "").strip(),
            actor=current_user.username,
        )
    except (users.AccountError, IntegrityError):  # IntegrityError: the same name added at the same moment
        db.session.rollback()
        form.username.errors = [_l("This username is taken: choose another.")]
        return _accounts_page(form, 400)
    return _credentials(creds, active=True)


def _own_password_confirmed(form) -> bool:
    """The administrator typed their own password in form.my_password (a wrong one counts toward the lock)."""
    if not form.my_password.data:
        form.my_password.errors = [_l("Fill in this box.")]
        return False
    if not users.confirm_password(current_user._get_current_object(), form.my_password.data, client_key()):
        form.my_password.errors = [_l("Your password is not right.")]
        return False
    return True


def _colleague_or_404(username: str) -> User:
    """An account of the administrator's own agency; any other is 404."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or user.agency_code != current_user.agency_code:
        abort(404)
    return user


def _detail_page(user: User, form: forms.ResetAccessForm | None = None, status: int = 200):
    return (
        render_template(
            "officer/account_detail.html",
            account=user,
            form=form or forms.ResetAccessForm(),
            role_names=ROLE_NAMES,
            password_on_web=user.role in WEB_PASSWORD_RESET,
            now=utcnow(),
        ),
        status,
    )


@bp.get("/accounts/<username>")
@roles_required("admin")
def account_detail(username: str):
    """One colleague's account: disable or enable it, issue a new second factor or password."""
    user = _colleague_or_404(username)
    if user.id == current_user.id:
        return redirect(url_for("officer.account"))
    return _detail_page(user)


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
    return redirect(url_for("officer.account_detail", username=user.username))


@bp.post("/accounts/<username>/reset")
@roles_required("admin")
@limiter.limit("10 per minute")
def reset_account(username: str):
    """A new second factor for a colleague who lost theirs, and a new password if asked (the administrator
    confirms with their own password; officers' and supervisors' accounts only); shown once."""
    form = forms.ResetAccessForm()
    if not form.validate_on_submit():
        abort(400)
    user = _colleague_or_404(username)
    if user.id == current_user.id:
        flash(_l("Change your own password under “Your account”."), "error")
        return redirect(url_for("officer.account"))
    if form.new_password.data and user.role not in WEB_PASSWORD_RESET:
        form.new_password.errors = [
            _l("A new password for an administrator or an oversight reviewer is issued from the command line.")
        ]
        return _detail_page(user, form, 400)
    if not _own_password_confirmed(form):  # a stolen session alone resets nothing
        return _detail_page(user, form, 400)
    creds = users.reset_second_factor(user.username, actor=current_user.username, new_password=form.new_password.data)
    return _credentials(creds, active=user.active)


def _credentials(creds: users.Credentials, active: bool):
    """The one-time credentials page, with the authenticator QR code drawn inline (never cached, as every
    officer page)."""
    qr = segno.make(creds.provisioning_uri(), error="m").svg_inline(
        scale=4, border=2, title=gettext("Authenticator QR code")
    )
    return render_template("officer/credentials.html", creds=creds, qr=Markup(qr), active=active)  # noqa: S704
