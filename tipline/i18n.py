"""Languages: locale from ?lang=, then a cookie, then Accept-Language; direction for right-to-left scripts."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from babel import dates, support
from flask import Flask, current_app, request, url_for
from flask_babel import format_datetime, get_locale, get_timezone
from markupsafe import Markup
from wtforms.i18n import messages_path

from tipline.extensions import babel

LANGUAGE_NAMES = {  # each in its own language; one per line, so that adding one is a one-line change
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "ar": "العربية",
    "ht": "Kreyòl ayisyen",
}
RTL = {"ar"}
COOKIE = "lang"


def select_locale() -> str:
    """The visitor's language: explicit choice, remembered choice, then the browser's preference."""
    languages = current_app.config["LANGUAGES"]
    for candidate in (request.args.get("lang"), request.cookies.get(COOKIE)):
        if candidate in languages:
            return candidate
    return request.accept_languages.best_match(languages) or _base_match(languages) or "en"


def _base_match(languages) -> str | None:
    """Match regional variants such as es-MX to es."""
    for value, _quality in request.accept_languages:
        base = value.split("-")[0].split("_")[0].lower()
        if base in languages:
            return base
    return None


def current_language() -> str:
    """Language code of the current request."""
    return str(get_locale() or "en")


def _remember_choice(response):
    """Keep an explicit ?lang= choice in a cookie for the next pages."""
    choice = request.args.get("lang")
    if choice in current_app.config["LANGUAGES"] and request.cookies.get(COOKIE) != choice:
        response.set_cookie(
            COOKIE,
            choice,
            max_age=365 * 86400,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def _language_url(code: str) -> str:
    """This page in another language; after a form was sent, the page to go back to (a GET of a POST-only
    address would be an error), keeping the other query parameters."""
    rule = request.url_rule
    if rule is None:  # an address that matched nothing (404): never echo its path into a link
        return f"?{urlencode({'lang': code})}"
    if request.method in ("GET", "HEAD"):
        args = request.args.to_dict(flat=False)
        path = quote(request.path, safe="/")
    else:
        args = {}
        path = quote(request.path, safe="/") if "GET" in rule.methods else _back_after_post(rule.rule)
    args["lang"] = [code]
    return f"{path}?{urlencode(args, doseq=True)}"


BACK_AFTER_POST = {"/follow-up/message": "/follow-up"}


def _back_after_post(rule: str) -> str:
    """Where a language link leads from a page answering a POST-only address: an officer's action on a tip back to
    the tip, another officer page to the officer's start, a resident's page to its form or the home page."""
    public_id = (request.view_args or {}).get("public_id")
    if rule.startswith("/officer/tips/") and public_id:
        return url_for("officer.tip_detail", public_id=public_id)
    return "/officer/" if rule.startswith("/officer/") else BACK_AFTER_POST.get(rule, "/")


def _template_globals() -> dict:
    """Language facts every template needs."""
    lang = current_language()
    return {
        "language_url": _language_url,
        "lang": lang,
        "text_dir": "rtl" if lang in RTL else "ltr",
        "language_names": LANGUAGE_NAMES,
        "languages": current_app.config["LANGUAGES"],
    }


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and expose language facts to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(_template_globals)
    app.add_template_filter(_format_date_local, "format_date_local")
    app.add_template_filter(_format_date_zone, "format_date_zone")
    app.add_template_filter(format_month, "format_month")
    app.add_template_filter(_format_event_start, "format_event_start")


@lru_cache(maxsize=16)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' built-in messages ("This field is required.") in the current language, each catalog loaded once."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog(str(get_locale())).ungettext(singular, plural, n)


WTFORMS_MESSAGES = _WTFormsMessages()

# Babel's Haitian Creole data has no month names ("2026 M11 26"): dates in Creole are written the Haitian way.
NUMERIC_DATES = {"ht": "dd/MM/y HH:mm"}


def deployment_zone() -> ZoneInfo:
    """The time zone dates are shown and typed in (Babel may hand back a pytz zone)."""
    return ZoneInfo(str(get_timezone()))


@lru_cache(maxsize=16)
def _date_pattern(locale: str) -> str:
    """The locale's medium date with its short time (no seconds), or the numeric Creole pattern."""
    if locale in NUMERIC_DATES:
        return NUMERIC_DATES[locale]
    combined = str(dates.get_datetime_format("medium", locale))
    date = dates.get_date_format("medium", locale).pattern
    time = dates.get_time_format("short", locale).pattern
    return combined.replace("{1}", date).replace("{0}", time)


def _format_date_local(value) -> str:
    """A timestamp in the visitor's language (and the deployment's time zone), through Babel."""
    return format_datetime(value, _date_pattern(str(get_locale()))) if value else ""


def _format_date_zone(value) -> Markup | str:
    """A timestamp as format_date_local, then the deployment's zone: "7 Dec 2026, 20:40 (America/Chicago)"."""
    return _with_zone(_format_date_local(value), deployment_zone().key) if value else ""


def _with_zone(moment: str, zone: str) -> Markup:
    """A formatted time and its zone's name, isolated left to right so "(America/Chicago)" reads whole in Arabic."""
    return Markup('{} (<bdi dir="ltr">{}</bdi>)').format(moment, zone)


HT_MONTHS = ("janvye", "fevriye", "mas", "avril", "me", "jen", "jiyè", "out", "septanm", "oktòb", "novanm", "desanm")


def format_month(period: str) -> str:
    """A published month ("2026-11") by its name in the visitor's language: "November 2026", "novanm 2026"."""
    year, month = (int(part) for part in period.split("-"))
    locale = str(get_locale())
    if locale == "ht":  # no Creole month names in Babel (see NUMERIC_DATES)
        return f"{HT_MONTHS[month - 1]} {year}"
    return dates.format_date(date(year, month, 1), "LLLL y", locale=locale)


def _format_event_start(event) -> Markup:
    """An event's start in its own time zone (where residents attend it), in the visitor's language."""
    locale, zone = str(get_locale()), ZoneInfo(event.timezone)
    start = dates.format_datetime(event.starts_at, _date_pattern(locale), tzinfo=zone, locale=locale)
    return _with_zone(start, event.timezone)
