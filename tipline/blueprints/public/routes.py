"""Resident views: parse with a form, call one service, render."""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, g, make_response, render_template, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from tipline import errors
from tipline.blueprints.public import bp
from tipline.blueprints.public.events import feedback_not_received
from tipline.blueprints.public.forms import FollowUpForm, MessageForm, TipForm
from tipline.extensions import limiter
from tipline.i18n import current_language, deployment_zone
from tipline.models import Tip
from tipline.services import catalog, intake, receipts, uploads

UPLOAD_ERRORS = {
    "type": _l("Attachments must be photos (JPEG, PNG, WebP) or PDF documents."),
    "size": _l("Each attachment may be at most 10 MB."),
    "empty": _l("One of the attachments is empty."),
    "encrypted": _l("Password-protected PDF documents cannot be accepted."),
    "pixels": _l(
        "Photos sent together may add up to at most %(megapixels)s megapixels. Please send fewer or smaller photos."
    ),
    "pages": _l("PDF documents may have at most 200 pages."),
    "unscrubbable": _l(
        "This PDF holds a picture whose hidden data (such as a GPS position) cannot be removed. Please send the"
        " picture itself instead."
    ),
}
NOT_RECEIVED = {
    "public.tip": _l(
        "Your tip was not received: the tip line cannot reach its database just now. Your text is kept below: please"
        " send it again in a few minutes."
    ),
    "public.follow_up_message": _l(
        "Your message was not sent: the tip line cannot reach its database just now. Your text is kept below: please"
        " send it again in a few minutes."
    ),
    "public.feedback": _l(
        "Your feedback was not received: the tip line cannot reach its database just now. Your answers are kept"
        " below: please send them again in a few minutes."
    ),
}
RECEIPT_ERRORS = {
    "malformed": _l("A receipt code has 16 digits, for example 1234 5678 9012 3456. Please check it."),
    "unknown": _l("No tip matches this receipt code. Please check the digits and try again."),
}


def _no_store(response):
    """Pages showing a receipt or a conversation must not be cached anywhere."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_status(form) -> int:
    """400 when a submitted form failed validation (a missing CSRF token included), else 200."""
    return 400 if form.is_submitted() and form.errors else 200


@bp.get("/")
def home():
    """Who runs the line, how to stay safe, how to reach it, what happens to a tip and what officers see."""
    return render_template(
        "public/home.html",
        agencies=catalog.who_runs_the_line(current_language()),
        sms_number=current_app.config.get("SMS_PUBLIC_NUMBER"),
    )


def _local(moment: datetime | None) -> datetime | None:
    """A wall-clock time typed by a resident, in the deployment's time zone."""
    return moment.replace(tzinfo=deployment_zone()) if moment and moment.tzinfo is None else moment


def _tip_form(cached_only: bool = False) -> TipForm:
    form = TipForm()
    form.category.choices = [("", _l("I don't know"))] + catalog.category_choices(current_language(), cached_only)
    return form


def _tip_page(form: TipForm, status: int, throttled: bool = False, not_received: str | None = None) -> Response:
    """The tip form again, with what was typed (a stored copy would carry it: no-store); files cannot come back."""
    files_dropped = form.is_submitted() and any(getattr(f, "filename", None) for f in form.attachments.data or [])
    page = render_template(
        "public/tip.html", form=form, files_dropped=files_dropped, throttled=throttled, not_received=not_received
    )
    return _no_store(make_response(page, status))


def _upload_error(key: str) -> str:
    """The message for a refused upload, with the configured limit it names."""
    megapixels = format_decimal(current_app.config["MAX_UPLOAD_PIXELS"] / 1_000_000)
    return str(UPLOAD_ERRORS[key]) % {"megapixels": megapixels}


def _tip_limit() -> str:
    """The configured limit of tips sent per address, accepted or refused."""
    return current_app.config["TIP_RATE_LIMIT"]


def _tip_throttled(_limit) -> Response:
    """Over the limit: the form comes back with the text kept and a notice, never an error page that loses it."""
    return _tip_page(_tip_form(), 429, throttled=True)


@bp.route("/tip", methods=["GET", "POST"])
@limiter.limit(_tip_limit, methods=["POST"], on_breach=_tip_throttled)  # refused sends count: each costs work
def tip():
    """Submit an anonymous tip; on success show its receipt code (the same code when the same form comes again)."""
    form = _tip_form()
    if form.validate_on_submit():
        files = [f.read() for f in form.attachments.data or [] if getattr(f, "filename", None)]
        submission = intake.Submission(
            text=form.text.data,
            ui_language=current_language(),
            category=form.category.data or None,
            place=form.place.data,
            lat=form.lat.data,
            lon=form.lon.data,
            occurred_at=_local(form.when.data),
            files=files,
            submission=form.submission.data,
        )
        try:
            new_tip, code = intake.submit_tip(submission)
        except uploads.UploadRejected as exc:
            form.attachments.errors = [_upload_error(exc.args[0])]
        except intake.DuplicateSubmission:
            return _no_store(make_response(render_template("public/receipt.html", code=None)))
        else:
            page = render_template(
                "public/receipt.html",
                code=receipts.format_code(code),
                received_at=new_tip.created_at,
                follow_up=FollowUpForm(formdata=None),
            )
            return _no_store(make_response(page))
    return _tip_page(form, _form_status(form))


def _followup_failed(response) -> bool:
    """Count only wrong receipt codes against the rate limit (never an empty message sent with a good code)."""
    return g.get("receipt_failed", False)


def _typed_receipt(raw: str) -> Tip | intake.ReceiptError:
    """The tip a typed receipt code opens, or why it opens none; looked up once per request."""
    lookups = g.setdefault("receipt_lookups", {})
    if raw.strip() not in lookups:
        try:
            lookups[raw.strip()] = intake.open_by_receipt(raw)
        except intake.ReceiptError as exc:
            lookups[raw.strip()] = exc
    return lookups[raw.strip()]


def _right_receipt() -> bool:
    """A POST whose receipt code opens its tip: the follow-up limit never stops it (it limits wrong codes)."""
    return request.method == "POST" and isinstance(_typed_receipt(request.form.get("receipt") or ""), Tip)


def _receipt_failed(error: intake.ReceiptError) -> str:
    """Note a wrong receipt for the rate limit; return its message key."""
    g.receipt_failed = True
    return error.args[0]


def _followup_limit() -> str:
    """The configured follow-up rate limit."""
    return current_app.config["FOLLOWUP_RATE_LIMIT"]


# One budget of wrong receipt codes per address and day, shared by both forms that take a code.
_wrong_codes_limit = limiter.shared_limit(
    _followup_limit, scope="follow-up", methods=["POST"], deduct_when=_followup_failed, exempt_when=_right_receipt
)


@bp.route("/follow-up", methods=["GET", "POST"])
@_wrong_codes_limit
def follow_up():
    """Open a tip with its receipt code: status, conversation and a form to write back."""
    form = FollowUpForm()
    if form.validate_on_submit():
        tip = _typed_receipt(form.receipt.data)
        if isinstance(tip, intake.ReceiptError):
            form.receipt.errors = [RECEIPT_ERRORS[_receipt_failed(tip)]]
            status = 400 if tip.args[0] == "malformed" else 404
            return render_template("public/follow_up.html", form=form), status
        reply = MessageForm(receipt=form.receipt.data, formdata=None)
        return _no_store(make_response(render_template("public/conversation.html", tip=tip, form=reply)))
    return render_template("public/follow_up.html", form=form), _form_status(form)


@bp.post("/follow-up/message")
@_wrong_codes_limit
def follow_up_message():
    """Add information to a tip or answer an officer."""
    form = MessageForm()
    if not form.receipt.data:
        return render_template("public/follow_up.html", form=FollowUpForm(formdata=None)), 400
    tip = _typed_receipt(form.receipt.data)
    if isinstance(tip, intake.ReceiptError):
        lookup = FollowUpForm(formdata=None)
        lookup.receipt.errors = [RECEIPT_ERRORS[_receipt_failed(tip)]]
        return render_template("public/follow_up.html", form=lookup), 404
    sent = False
    if tip.status.is_closed:  # nobody reads a closed tip's conversation: say so, and show what was not sent
        page = render_template("public/conversation.html", tip=tip, form=form, sent=False, unsent=form.body.data)
        return _no_store(make_response(page, 409))
    if form.validate_on_submit():
        intake.add_sender_message(tip, form.body.data, current_language(), form.submission.data)
        sent = True  # a form sent twice is added once, and both times the sender is told it was sent
        form = MessageForm(receipt=form.receipt.data, formdata=None)
    page = render_template("public/conversation.html", tip=tip, form=form, sent=sent)
    return _no_store(make_response(page, 200 if sent or not form.errors else 400))


def _tip_again(message: str) -> Response:
    """The tip form as it was sent (its one-time id too: sent again, it is one tip), without asking the database."""
    form = _tip_form(cached_only=True)
    if form.category.data and form.category.data not in dict(form.category.choices):
        form.category.choices.append((form.category.data, form.category.data))  # categories never read here yet
    return _tip_page(form, 503, not_received=message)


def _message_again(message: str) -> Response:
    """The follow-up message as it was sent, with its receipt and one-time id, to send again."""
    page = render_template("public/message_unsent.html", form=MessageForm(), not_received=message)
    return _no_store(make_response(page))


RESEND = {
    "public.tip": _tip_again,
    "public.follow_up_message": _message_again,
    "public.feedback": feedback_not_received,
}


def _database_down(error: SQLAlchemyError) -> Response:
    """The database is down: a form a resident sent comes back filled in, saying plainly that it was not received;
    any other resident page is the site's outage page."""
    if request.method != "POST" or request.endpoint not in RESEND:
        return errors.database_down_page(error)
    errors.note_database_down(error)
    return errors.unavailable(RESEND[request.endpoint](NOT_RECEIVED[request.endpoint]))


for _error in errors.DATABASE_DOWN:
    bp.register_error_handler(_error, _database_down)
