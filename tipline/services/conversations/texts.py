"""Keywords in five languages and the automatic answers, translated with gettext and short enough for one SMS."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Keyword:
    """A matched keyword: what to do, and the language it implies (None for the universal English words)."""

    action: str  # stop | start | help | new | language
    language: str | None


# Normalised spellings (case-folded, accents and Arabic hamza/harakat removed) -> (action, language).
_KEYWORDS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "cancel", "end", "quit"), ("stop", None)),
    **dict.fromkeys(("alto", "pare", "parar", "baja"), ("stop", "es")),
    **dict.fromkeys(("arret", "arreter"), ("stop", "fr")),
    **dict.fromkeys(("kanpe", "sispann"), ("stop", "ht")),
    **dict.fromkeys(("توقف", "ايقاف", "الغاء"), ("stop", "ar")),
    **dict.fromkeys(("help", "info"), ("help", None)),
    **dict.fromkeys(("ayuda",), ("help", "es")),
    **dict.fromkeys(("aide",), ("help", "fr")),
    **dict.fromkeys(("ed", "ede"), ("help", "ht")),
    **dict.fromkeys(("مساعدة", "مساعده"), ("help", "ar")),
    **dict.fromkeys(("start", "unstop"), ("start", None)),
    **dict.fromkeys(("inicio", "iniciar", "comenzar"), ("start", "es")),
    **dict.fromkeys(("commencer", "demarrer"), ("start", "fr")),
    **dict.fromkeys(("komanse",), ("start", "ht")),
    **dict.fromkeys(("ابدا", "بدء"), ("start", "ar")),
    **dict.fromkeys(("new",), ("new", None)),
    **dict.fromkeys(("nuevo",), ("new", "es")),
    **dict.fromkeys(("nouveau",), ("new", "fr")),
    **dict.fromkeys(("nouvo",), ("new", "ht")),
    **dict.fromkeys(("جديد",), ("new", "ar")),
    **dict.fromkeys(("en", "english"), ("language", "en")),
    **dict.fromkeys(("es", "espanol"), ("language", "es")),
    **dict.fromkeys(("fr", "francais"), ("language", "fr")),
    **dict.fromkeys(("ar", "عربي", "العربية"), ("language", "ar")),
    **dict.fromkeys(("ht", "kreyol", "creole"), ("language", "ht")),
}
_EDGE_PUNCTUATION = ".!?¡¿؟,;:\"'«»“”"
_NEW_PREFIX = re.compile(r"^\s*(\S+)\s+(.+)$", re.DOTALL)

TEXTS = {
    "received": _l(
        "Thank you, your tip was received. Receipt code: %(code)s. Keep it secret: it opens your tip at "
        "%(url)s. Reply here to add details. NEW: new tip. STOP: no more texts."
    ),
    "appended": _l("Thank you, this was added to your tip."),
    "help": _l(
        "Community tip line. Text what you saw; we never ask your name. Your number is kept encrypted only "
        "to answer you and erased when the tip is closed. NEW: new tip. STOP: no more texts."
    ),
    "stopped": _l("You will get no more texts from the tip line. Text START to get them again."),
    "started": _l("Texts from the tip line are on again. Text HELP for help."),
    "language": _l("We will answer you in English."),
    "new_ready": _l("Send your new tip in your next text."),
    "throttled": _l("You sent many texts in a short time. Please wait a while before sending more."),
    "media_refused": _l("We could not accept your attachment: only photos (JPEG, PNG, WebP) or PDF files."),
    "officer": _l("Tip line: %(message)s"),
    "event_thanks": _l("Thank you"),
    "receipt_open": _l("Your tip is open: your next texts are added to it."),
    "receipt_closed": _l("This tip is closed: nothing more can be added to it. To report something new, text it."),
}


def normalise(body: str) -> str:
    """Trimmed, case-folded text without accents, Arabic diacritics or surrounding punctuation."""
    decomposed = unicodedata.normalize("NFKD", body.strip().strip(_EDGE_PUNCTUATION).strip())
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn" and ch != "\u0640")
    return unicodedata.normalize("NFC", kept).casefold()


def match_keyword(body: str) -> Keyword | None:
    """The keyword the whole trimmed body is, in any of the five languages, or None."""
    found = _KEYWORDS.get(normalise(body))
    return Keyword(*found) if found else None


def split_new_prefix(body: str) -> str | None:
    """The tip text after a leading NEW keyword ("NUEVO hay un camión…"), or None if there is none."""
    match = _NEW_PREFIX.match(body)
    if not match:
        return None
    keyword = match_keyword(match.group(1))
    return match.group(2).strip() if keyword and keyword.action == "new" else None


def render(key: str, language: str, **params: str) -> str:
    """An automatic text in language (gettext under force_locale), with its placeholders filled."""
    with force_locale(language):
        text = str(TEXTS[key])
    return text % params if params else text


# "EVENT 4821 5 they listened" (the word in any of the five languages): feedback on an outreach event.
EVENT_RE = re.compile(
    r"^\s*(event|evento|[ée]v[ée]nement|ev[èe]nman|فعالية)\s+(\d{3,6})(?:\s+(\d+))?\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_EVENT_WORDS = {"evento": "es", "evenement": "fr", "evenman": "ht", "فعالية": "ar"}  # "event": any language


def match_event(body: str) -> tuple[str, str | None, str, str | None] | None:
    """(event code, rating or None, comment, the language of the word used) when a text is event feedback."""
    found = EVENT_RE.match(body or "")
    if not found:
        return None
    return found.group(2), found.group(3), found.group(4).strip(), _EVENT_WORDS.get(normalise(found.group(1)))


# A receipt code at the start of a text ("8940 1388 0606 8903 the van is back"): 16 digits of any script, with
# spaces, dashes or dots between them, then the message.
RECEIPT_RE = re.compile(r"^\s*((?:\d[\s\-.]*){15}\d)(?!\d)[\s:,.-]*(.*)$", re.DOTALL)


def split_receipt(body: str) -> tuple[str, str] | None:
    """(the code as typed, the message after it) when a text starts with a receipt code, else None."""
    found = RECEIPT_RE.match(body or "")
    return (found.group(1), found.group(2).strip()) if found else None
