"""Forms for the public event pages: the feedback form and the short-code box."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tipline.blueprints.public.forms import ResidentForm, _readable, _strip

SCALE = [(str(n), str(n)) for n in range(1, 6)]


def ascii_digits(value: str | None) -> str | None:
    """A code typed in any script's digits (Arabic-Indic ٧٢١٢…) as 0-9, without spaces."""
    if not isinstance(value, str):
        return value
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value if not c.isspace())


def _rating(label) -> RadioField:
    """An optional 1–5 question."""
    return RadioField(label, choices=SCALE, validators=[Optional()], validate_choice=False)


class FeedbackForm(ResidentForm):
    """Feedback about an event: every question optional."""

    overall = _rating(_l("Overall, how was this event? (1 = poor, 5 = very good)"))
    heard = _rating(_l("Did you feel heard? (1 = not at all, 5 = completely)"))
    would_report = _rating(_l("Would you report to us? (1 = never, 5 = certainly)"))
    text = TextAreaField(
        _l("Anything else you want to tell us? (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000, message=_l("Please write at most %(max)d characters.")), _readable],
    )

    def ratings(self) -> dict[str, str | None]:
        """The answers as plain values."""
        return {name: getattr(self, name).data for name in ("overall", "heard", "would_report")}


class EventCodeForm(ResidentForm):
    """Type the short code printed in the room."""

    code = StringField(
        _l("Event code"), filters=[_strip, ascii_digits], validators=[DataRequired(_l("Please enter the code."))]
    )
