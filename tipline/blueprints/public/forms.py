"""WTForms for the resident pages; every message is translatable."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateTimeLocalField,
    FileField,
    FloatField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from tipline.i18n import WTFORMS_MESSAGES, deployment_zone

TEXT_MIN, TEXT_MAX = 10, 5000


def _new_submission_id() -> str:
    """A one-time id for a freshly shown form (see intake.submission_key)."""
    return secrets.token_urlsafe(16)


EARLIEST_YEAR = 1900


def _strip(value):
    """Trim surrounding whitespace so blank input counts as empty."""
    return value.strip() if isinstance(value, str) else value


def _readable(form, field) -> None:
    """Refuse text that arrived with bytes that are not valid UTF-8 (replaced by U+FFFD on decoding)."""
    if field.data and "\ufffd" in field.data:
        raise ValidationError(UNREADABLE)


UNREADABLE = _l("Some characters could not be read. Please type the text again.")


def _undecodable_request() -> bool:
    """True when the posted form's bytes are not valid UTF-8 (werkzeug would re-quote or drop them silently).

    Judged on the raw body (kept by tipline.security), so a typed "100%ce" or a percent-encoded link is fine.
    """
    body = g.get("form_body")  # set for url-encoded bodies only
    if body is None:
        return False
    try:
        parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return True
    return False


class ResidentForm(FlaskForm):
    """A resident's form: also refuses a request whose bytes are not valid UTF-8, with a clear message."""

    class Meta:
        """Form options."""

        def wrap_formdata(self, form, formdata):
            """Text fields read the posted form only: a file or a JSON body where text belongs counts as missing."""
            data = super().wrap_formdata(form, formdata)
            if data is None or data is request.form:
                return data
            file_fields = {name for name, field in form._fields.items() if isinstance(field, FileField)}
            files = [(k, v) for k, v in request.files.items(multi=True) if k in file_fields]
            return CombinedMultiDict((MultiDict(files), request.form))

        def get_translations(self, form):
            """WTForms' own messages in the visitor's language, parsed once per process (Flask-WTF reads the
            catalog again on every request: 0.7 ms of each tip)."""
            return WTFORMS_MESSAGES

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then the request's encoding."""
        ok = super().validate(extra_validators)
        if self.is_submitted() and _undecodable_request():
            self.form_errors.append(UNREADABLE)
            return False
        return ok


# decimal separators and minus signs that keyboards type, as Python reads them (it reads Arabic-Indic digits itself)
DECIMAL_MARKS = str.maketrans({",": ".", "\u066b": ".", "\u060c": ".", "\u2212": "-"})


class LocalFloatField(FloatField):
    """A decimal number typed with a point or a comma (18,547), with a message in the visitor's language.

    A text box (inputmode="decimal" in the template), not type=number: browsers drop the comma of "31,75" from a
    number box and send 3175, which the server could no longer tell from a typo.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        """Parse the typed number; a clear translated message when it is not one."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = float(valuelist[0].strip().translate(DECIMAL_MARKS))
        except ValueError as exc:
            self.data = None
            raise ValueError(NOT_A_NUMBER) from exc

    def pre_validate(self, form) -> None:
        """One message per field: a value that is not a number is not also said to be out of range."""
        if self.process_errors:
            raise StopValidation()


class LocalDateTimeField(DateTimeLocalField):
    """A date and time from the browser's picker, with a message in the visitor's language."""

    def process_formdata(self, valuelist):
        """Parse the picker's value; a clear translated message when it is not a date and time."""
        if not valuelist or not valuelist[0].strip():  # left empty: the question is optional
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(NOT_A_DATE) from exc

    pre_validate = LocalFloatField.pre_validate


def _typed(field) -> bool:
    """True when the visitor typed something in the field (valid or not: its own message covers that)."""
    return bool(field.raw_data and str(field.raw_data[0]).strip())


NOT_A_NUMBER = _l("Enter a number, such as 31.75.")
NOT_A_DATE = _l("Enter a date and time, such as 2026-11-20 05:30.")
TOO_LONG = _l("Please write at most %(max)d characters.")


class TipForm(ResidentForm):
    """The anonymous tip form."""

    submission = HiddenField(default=_new_submission_id)  # sending the same form again never makes a second tip
    text = TextAreaField(
        _l("What happened?"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please describe what you saw or know.")),
            Length(
                TEXT_MIN,
                TEXT_MAX,
                _l("Please write between %(min)d and %(max)d characters."),
            ),
            _readable,
        ],
    )
    category = SelectField(
        _l("Kind of tip (optional)"),
        choices=[],
        default="",
        invalid_choice_message=_l("Choose one of the kinds in the list."),
    )
    place = StringField(
        _l("Where? (optional)"), filters=[_strip], validators=[Optional(), Length(max=300, message=TOO_LONG), _readable]
    )
    lat = LocalFloatField(
        _l("Latitude (optional)"),
        validators=[Optional(), NumberRange(-90, 90, _l("Latitude must be between -90 and 90."))],
    )
    lon = LocalFloatField(
        _l("Longitude (optional)"),
        validators=[Optional(), NumberRange(-180, 180, _l("Longitude must be between -180 and 180."))],
    )
    when = LocalDateTimeField(_l("When? (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    attachments = MultipleFileField(_l("Photos or documents (optional)"))

    def validate_lat(self, field) -> None:
        """Latitude needs a longitude."""
        if not _typed(self.lon):
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def validate_lon(self, field) -> None:
        """Longitude needs a latitude."""
        if not _typed(self.lat):
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def validate_when(self, field) -> None:
        """Something a resident saw has happened: not in the future (a day's slack for clocks), not before 1900."""
        if field.data is None:
            return
        now = datetime.now(deployment_zone()).replace(tzinfo=None)
        if field.data > now + timedelta(days=1):
            raise ValidationError(_l("This date is in the future: give the date and time of what you saw."))
        if field.data.year < EARLIEST_YEAR:
            raise ValidationError(_l("Give a date after 1900."))

    def validate_attachments(self, field) -> None:
        """At most the configured number of files."""
        files = [f for f in (field.data or []) if getattr(f, "filename", None)]
        if len(files) > 3:
            raise ValidationError(_l("You can attach at most 3 files."))


class FollowUpForm(ResidentForm):
    """Open a tip with its receipt code."""

    receipt = StringField(
        _l("Receipt code"), filters=[_strip], validators=[DataRequired(_l("Please enter your receipt code."))]
    )


class MessageForm(ResidentForm):
    """Add information or answer an officer; the receipt travels in a hidden field, never in a cookie."""

    receipt = HiddenField(validators=[DataRequired()])
    submission = HiddenField(default=_new_submission_id)  # sending it again never adds the message twice
    body = TextAreaField(
        _l("Your message"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(max=TEXT_MAX, message=_l("Please write at most %(max)d characters.")),
            _readable,
        ],
    )
