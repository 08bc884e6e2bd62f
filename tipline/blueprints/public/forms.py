"""WTForms for the resident pages; every message is translatable."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FloatField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

TEXT_MIN, TEXT_MAX = 10, 5000


def _strip(value):
    """Trim surrounding whitespace so blank input counts as empty."""
    return value.strip() if isinstance(value, str) else value


def _readable(form, field) -> None:
    """Refuse text that arrived with bytes that are not valid UTF-8 (replaced by U+FFFD on decoding)."""
    if field.data and "\ufffd" in field.data:
        raise ValidationError(_l("Some characters could not be read. Please type the text again."))


class TipForm(FlaskForm):
    """The anonymous tip form."""

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
    category = SelectField(_l("Kind of tip (optional)"), choices=[], validate_choice=True, default="")
    place = StringField(_l("Where? (optional)"), filters=[_strip], validators=[Optional(), Length(max=300), _readable])
    lat = FloatField(
        _l("Latitude (optional)"),
        validators=[Optional(), NumberRange(-90, 90, _l("Latitude must be between -90 and 90."))],
    )
    lon = FloatField(
        _l("Longitude (optional)"),
        validators=[Optional(), NumberRange(-180, 180, _l("Longitude must be between -180 and 180."))],
    )
    when = DateTimeLocalField(_l("When? (optional)"), validators=[Optional()], format="%Y-%m-%dT%H:%M")
    attachments = MultipleFileField(_l("Photos or documents (optional)"))

    def validate_lon(self, field) -> None:
        """Latitude and longitude come together or not at all."""
        if (self.lat.data is None) != (field.data is None):
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def validate_attachments(self, field) -> None:
        """At most the configured number of files."""
        files = [f for f in (field.data or []) if getattr(f, "filename", None)]
        if len(files) > 3:
            raise ValidationError(_l("You can attach at most 3 files."))


class FollowUpForm(FlaskForm):
    """Open a tip with its receipt code."""

    receipt = StringField(
        _l("Receipt code"), filters=[_strip], validators=[DataRequired(_l("Please enter your receipt code."))]
    )


class MessageForm(FlaskForm):
    """Add information or answer an officer; the receipt travels in a hidden field, never in a cookie."""

    receipt = HiddenField(validators=[DataRequired()])
    body = TextAreaField(
        _l("Your message"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(max=TEXT_MAX, message=_l("Please write at most %(max)d characters.")),
            _readable,
        ],
    )
