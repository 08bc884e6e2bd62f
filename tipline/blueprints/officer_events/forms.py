"""The event creation form (a title and description per language) and the convert button."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tipline.i18n import LANGUAGE_NAMES


def _strip(value):
    """Trim surrounding whitespace."""
    return value.strip() if isinstance(value, str) else value


class EventForm(FlaskForm):
    """Create an outreach event; English title required, other languages optional."""

    starts = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[DataRequired(_l("Please give the date and time."))]
    )
    timezone = StringField(_l("Time zone (for example America/Denver)"), filters=[_strip], default="UTC")
    place = StringField(
        _l("Place"), filters=[_strip], validators=[DataRequired(_l("Please give the place.")), Length(max=300)]
    )
    organisers = SelectMultipleField(
        _l("Organising agencies"), choices=[], validators=[DataRequired(_l("Choose at least one agency."))]
    )
    languages = SelectMultipleField(_l("Languages spoken"), choices=list(LANGUAGE_NAMES.items()))

    def validate_timezone(self, field) -> None:
        """The time zone must be a known IANA name."""
        try:
            ZoneInfo(field.data or "")
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError(_l("Unknown time zone.")) from exc

    def texts(self, prefix: str) -> dict[str, str]:
        """Titles or descriptions per language, as plain values."""
        return {code: getattr(self, f"{prefix}_{code}").data or "" for code in LANGUAGE_NAMES}


for _code, _name in LANGUAGE_NAMES.items():
    _required = [DataRequired(_l("The English title is required."))] if _code == "en" else [Optional()]
    setattr(
        EventForm,
        f"title_{_code}",
        StringField(
            _l("Title (%(language)s)", language=_name), filters=[_strip], validators=[*_required, Length(max=200)]
        ),
    )
    setattr(
        EventForm,
        f"description_{_code}",
        TextAreaField(
            _l("Description (%(language)s)", language=_name),
            filters=[_strip],
            validators=[Optional(), Length(max=3000)],
        ),
    )


class ConvertForm(FlaskForm):
    """The button that turns a feedback text into a tip (CSRF only)."""
