"""Accessibility: axe-core (the engine behind Lighthouse's and Deque's audits) finds no WCAG 2.x A/AA or
best-practice violation on the pages residents and officers use, in English, right-to-left Arabic and Haitian
Creole, including the pages that show errors.

What it throws at the pages: each public page in three languages, the tip form sent empty (its error messages), a
receipt, a conversation, an event and its feedback form, then every officer page as an administrator. It must
answer: an empty list of violations, each named by rule and element when it is not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.test_journeys import _submit, _tip_id

TIP = "A grey van unloads boxes at the old pump station every night around 1 am."


@pytest.fixture(scope="module")
def axe():
    """axe-core, injected into each page it checks (it ships with the package: nothing is downloaded)."""
    return Axe()


@pytest.fixture
def event_code(live_app):
    """An outreach event that started two hours ago, so its feedback form is open."""
    from tipline.extensions import db
    from tipline.services import events

    with live_app.app_context():
        draft = events.EventDraft(
            titles={"en": "Meet your police", "ar": "تعرّف على شرطتك", "ht": "Rankontre lapolis ou"},
            descriptions={"en": "Questions and answers."},
            starts_local=(datetime.now(UTC) - timedelta(hours=2)).replace(tzinfo=None, second=0, microsecond=0),
            timezone="UTC",
            place="Community hall",
            organisers=["rvpd"],
            languages=["en", "ar", "ht"],
        )
        code = events.create_event(draft).code
        db.session.commit()
    return code


def _violations(axe, page) -> list[str]:
    """The page's violations, one line each: rule, impact, the first elements it names."""
    found = axe.run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found]


def _check(axe, page, url: str, problems: dict) -> None:
    page.goto(url)
    if found := _violations(axe, page):
        problems[url] = found


@pytest.mark.parametrize("lang", ["en", "ar", "ht"])
def test_public_pages_have_no_accessibility_violations(page, live_server, event_code, axe, lang):
    problems: dict[str, list[str]] = {}
    for path in ("/", "/tip", "/follow-up", "/events", f"/events/{event_code}", f"/f/{event_code}", "/transparency/"):
        _check(axe, page, f"{live_server}{path}?lang={lang}", problems)
    page.goto(f"{live_server}/tip?lang={lang}")
    page.click("main button[type=submit]")  # nothing typed: the form comes back with its error
    assert page.locator("[aria-invalid=true], .error").count() >= 1
    if found := _violations(axe, page):
        problems["empty tip form"] = found
    receipt = _submit(page, live_server, lang, TIP)
    if found := _violations(axe, page):
        problems["receipt"] = found
    page.goto(f"{live_server}/follow-up?lang={lang}")
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    assert TIP in page.inner_text("main")
    if found := _violations(axe, page):
        problems["conversation"] = found
    assert problems == {}


def test_officer_pages_have_no_accessibility_violations(page, live_server, live_app, event_code, axe):
    from tipline.services import users

    with live_app.app_context():
        creds = users.add("axe.admin", "admin", "liaison", "Axe Admin", password="correct horse battery")
    _submit(page, live_server, "en", TIP + " Officer view.")
    page.goto(f"{live_server}/officer/login")
    problems: dict[str, list[str]] = {}
    if found := _violations(axe, page):
        problems["login"] = found
    page.fill("input[name=username]", "axe.admin")
    page.fill("input[name=password]", "correct horse battery")
    page.fill("input[name=code]", pyotp.TOTP(creds.totp_secret).now())
    page.click("main button[type=submit]")
    assert page.url.endswith("/officer/queue")
    tip = _tip_id(live_app, "Officer view.")
    for path in (
        "/officer/queue",
        f"/officer/tips/{tip}",
        "/officer/audit",
        "/officer/accounts",
        "/officer/accounts/axe.admin",
        "/officer/account",
        "/officer/events/",
        "/officer/events/new",
        f"/officer/events/{event_code}",
    ):
        _check(axe, page, f"{live_server}{path}", problems)
    assert problems == {}
