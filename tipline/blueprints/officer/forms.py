"""Forms of the officers' pages."""

from __future__ import annotations

import math
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError
from wtforms.widgets import TextInput

from tipline.services import users


class LoginForm(FlaskForm):
    """Password and a second factor (authenticator code or recovery code)."""

    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(_l("Authenticator code or recovery code"), validators=[DataRequired(), Length(max=20)])
    resume_url = HiddenField()
    resume_fields = HiddenField()


SHARE_NUMBER = _l("Give a number from 0 to 1, such as 0.5.")


class ShareField(FloatField):
    """A share from 0 to 1, written with a decimal point or comma ("0.5", "0,5"); one message of ours for anything
    else ("abc", "1,5", 7), instead of WTForms' 'Not a valid float value.'. A text box: a number box would drop
    the comma ("0,5" sent as "05") and show nothing for a value it cannot read."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Read the decimal and check its range here, so that a bad value gets one message, not two."""
        try:
            super().process_formdata([v.strip().replace(",", ".", 1) for v in valuelist])
            if self.data is not None and not 0 <= self.data <= 1:
                raise ValueError
        except ValueError:
            self.data = None
            raise ValueError(str(SHARE_NUMBER)) from None


DATE_RANGE = _l("Give a date between the years 1900 and 2999.")
PAGE_LINK = _l("This page link is damaged or out of date: start again from the first page.")
MAX_ID = 2**63 - 1  # the largest id a database integer column holds


def _plausible_date(form, field) -> None:
    """A date the queue can search by (the day after it must exist too)."""
    if field.data and not date(1900, 1, 1) <= field.data <= date(2999, 12, 31):
        raise ValidationError(DATE_RANGE)


class CursorField(StringField):
    """The keyset cursor of a queue page, "<priority key>_<tip id>", read into (key, id); None when absent."""

    def process_formdata(self, valuelist):
        """Read the cursor; a damaged one gets one message of ours."""
        self.data = None
        if not valuelist or not valuelist[0]:
            return
        try:
            key, tip_id = valuelist[0].split("_")
            key, tip_id = float(key), int(tip_id)
        except ValueError:
            raise ValueError(str(PAGE_LINK)) from None
        if not math.isfinite(key) or not 0 < tip_id <= MAX_ID:
            raise ValueError(str(PAGE_LINK))
        self.data = (key, tip_id)


class QueueFilterForm(FlaskForm):
    """Queue filters, read from the query string."""

    class Meta:
        """A GET form: nothing changes, so no CSRF token."""

        csrf = False

    view = SelectField(_l("Queue"), choices=[], default="intake")
    status = SelectField(_l("Status"), choices=[], default="")
    category = SelectField(_l("Category"), choices=[], default="")
    language = SelectField(_l("Language"), choices=[], default="")
    min_credibility = ShareField(_l("Minimum credibility"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional(), _plausible_date])
    until = DateField(_l("Until"), validators=[Optional(), _plausible_date])
    include_closed = BooleanField(_l("Include closed"))
    after = CursorField()  # not shown: the next-page links carry it
    sort = SelectField(
        _l("Order"),
        choices=[
            ("priority", _l("Highest priority first")),
            ("newest", _l("Newest first")),
            ("oldest", _l("Oldest first")),
        ],
        default="priority",
    )

    def validate_until(self, field) -> None:
        """A period that ends before it starts would show an empty queue without saying why."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


def _strip(value):
    """Trim surrounding whitespace so a blank box counts as empty."""
    return value.strip() if isinstance(value, str) else value


class AuditFilterForm(FlaskForm):
    """Audit log filters, read from the query string; a bad value is a message, never an error page."""

    class Meta:
        """A GET form: nothing changes, so no CSRF token."""

        csrf = False

    action = SelectField(_l("Action"), choices=[], default="")
    person = StringField(
        _l("Person"),
        filters=[_strip],
        validators=[Optional(), Length(max=80), Regexp(r"^[\w.@-]+$", message=_l("A username has no spaces."))],
    )
    tip = StringField(
        _l("Tip"),
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z0-9]{1,32}$", message=_l("A tip number has letters and digits only.")),
        ],
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_until(self, field) -> None:
        """A period that ends before it starts would show an empty log without saying why."""
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


class VerifyForm(FlaskForm):
    """The liaison officer's verification."""

    outcome = SelectField(
        _l("Outcome"),
        choices=[
            ("", _l("Choose an outcome")),  # nothing chosen for the officer: a slip of the mouse verifies nothing
            ("verified", _l("Verified")),
            ("unfounded", _l("Unfounded")),
            ("duplicate", _l("Duplicate")),
            ("needs_info", _l("Needs more information")),
        ],
        default="",
    )
    duplicate_of = StringField(_l("Duplicate of (tip id)"), validators=[Optional(), Length(max=16)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])


class RouteForm(FlaskForm):
    """Confirm or override the proposed routing."""

    lead = SelectField(_l("Lead agency"), choices=[], validators=[DataRequired()])
    supporting = SelectMultipleField(_l("Supporting agencies"), choices=[])
    reason = TextAreaField(_l("Reason (required when you change the proposal)"), validators=[Length(max=2000)])


class AssignForm(FlaskForm):
    """Assign to an officer of the agency."""

    assignee = SelectField(_l("Assign to"), choices=[], default="")


class CategoryForm(FlaskForm):
    """Set the category (kept as a training label)."""

    category = SelectField(_l("Category"), choices=[], validators=[DataRequired()])


class ReplyForm(FlaskForm):
    """Answer the sender: a status reply text in their language, plus free text."""

    template = SelectField(_l("Standard reply"), choices=[], default="")
    body = TextAreaField(_l("Message to the sender"), validators=[Length(max=5000)])


class ShareForm(FlaskForm):
    """Share or forward to another agency, with a reason."""

    agency = SelectField(_l("Agency"), choices=[], validators=[DataRequired()])
    # ids of their own: the tip page also has the routing reason and the verification note
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)], id="share-reason")
    forward = BooleanField(_l("Also send it to the agency's own system"))


class ReleaseForm(FlaskForm):
    """The oversight body hands a tip that is not a complaint to the liaison desk."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)], id="release-reason")


class InviteBackForm(FlaskForm):
    """Send the channel's approved template to a sender whose reply window is over (no fields: the text is fixed)."""


class CloseForm(FlaskForm):
    """Close the tip."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)], id="close-note")
    # closing cannot be undone (only a new verification outcome reopens a tip): one click is not enough
    confirm_close = BooleanField(
        _l("I have finished with this tip: close it for every agency and end the conversation with the sender"),
        validators=[DataRequired(message=_l("Tick the box to confirm that the tip should be closed."))],
    )


class RevealForm(FlaskForm):
    """Reveal masked personal data (audited)."""


class PasswordForm(FlaskForm):
    """An officer's own new password."""

    current = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Fill in this box.")), Length(max=200)]
    )
    new = PasswordField(
        _l("New password (at least 12 characters)"),
        validators=[
            DataRequired(message=_l("Fill in this box.")),
            Length(min=users.MIN_PASSWORD, message=_l("The new password is too short.")),
            Length(max=200),
        ],
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Fill in this box.")),
            EqualTo("new", message=_l("The two new passwords differ.")),
        ],
    )


class AccountForm(FlaskForm):
    """A new account in the administrator's agency."""

    username = StringField(
        _l("Username (3 to 80 letters, digits, dots, dashes or underscores)"),
        validators=[
            DataRequired(message=_l("Fill in this box.")),
            Regexp(
                rf"^{users.USERNAME.pattern}\Z", message=_l("Use 3 to 80 letters, digits, dots, dashes or underscores.")
            ),
        ],
    )
    display_name = StringField(_l("Name shown to colleagues"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], invalid_choice_message=_l("Choose one of the roles in the list."))
    my_password = PasswordField(_l("Your own password"), validators=[Length(max=200)])


class ResetAccessForm(FlaskForm):
    """A new second factor for an account and, with the administrator's own password, a new password."""

    new_password = BooleanField(_l("Also issue a new password"))
    my_password = PasswordField(_l("Your own password"), validators=[Length(max=200)])
