"""What a person sees on a phone (390×844) and at a desk (1280×800), in English and Arabic: nothing wider than the
screen, the receipt code on one line with a way to keep it, labels that do not cover each other."""

from __future__ import annotations

import os
import tempfile

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import _submit, _tip_id

SHOTS = os.environ.get("TIPLINE_SCREENSHOTS", tempfile.gettempdir())
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
TIP = "A blue truck leaves crates behind the grain silo every Sunday night at about 11 pm."


@pytest.fixture(autouse=True)
def patient(page):
    """The first tip of a session waits for the language model to load on this shared machine."""
    page.set_default_timeout(120_000)


OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _one_line(page, selector: str) -> bool:
    """True when the element's text is laid out as a single line box."""
    return page.evaluate(
        """s => { const e = document.querySelector(s); const r = document.createRange(); r.selectNodeContents(e);
                  const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                  const lineHeight = parseFloat(getComputedStyle(e).lineHeight);
                  return tops.size === 1 && e.getBoundingClientRect().height < 2 * lineHeight; }""",
        selector,
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_receipt_code_stays_on_one_line_on_a_phone_with_a_copy_button_and_advice(page, live_server, lang):
    page.set_viewport_size(PHONE)
    code = _submit(page, live_server, lang, TIP)
    assert page.evaluate(OVERFLOW) <= 0
    assert _one_line(page, "#receipt-code"), page.locator("#receipt-code").bounding_box()
    assert page.is_visible("#copy-receipt")  # script runs: the copy button shows, and says it copied
    page.click("#copy-receipt")
    expect(page.locator("#copy-status")).not_to_be_empty()
    page.screenshot(path=f"{SHOTS}/receipt-phone-{lang}.png", full_page=True)
    assert page.is_visible("#keep-receipt")  # write it down or take a photo
    assert "(" in page.inner_text("#received-at")  # the time names its zone
    page.click("#follow-up-with-code")  # the follow-up button carries the code: the tip opens
    assert page.locator("#tip-status").count() == 1, code


def test_receipt_page_works_without_script(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(120_000)
    _submit(page, live_server, "en", TIP)
    assert not page.is_visible("#copy-receipt")  # no dead button where no script runs
    page.click("#follow-up-with-code")
    assert page.locator("#tip-status").count() == 1
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_tip_form_file_picker_is_large_and_nothing_overflows_a_phone(page, live_server, lang):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/tip?lang={lang}")
    assert page.evaluate(OVERFLOW) <= 0
    picker = page.locator("input[type=file]").bounding_box()
    assert picker["height"] >= 44 and picker["width"] >= 300, picker


def _log_in(page, live_server, live_app, username: str, role: str = "officer") -> None:
    import pyotp

    from tipline.extensions import db
    from tipline.services import users

    with live_app.app_context():
        creds = users.add(username, role, "liaison", "Desk Tester", password="correct horse battery")
        db.session.commit()
    page.goto(f"{live_server}/officer/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "correct horse battery")
    page.fill("input[name=code]", pyotp.TOTP(creds.totp_secret).now())
    page.click("main button[type=submit]")
    assert page.url.endswith("/officer/queue")


def test_tip_page_at_a_desk_shows_the_case_beside_one_open_action(page, live_server, live_app):
    page.set_viewport_size(DESK)
    _submit(page, live_server, "en", TIP + " Desk layout.")
    _log_in(page, live_server, live_app, "desk.layout")
    page.goto(f"{live_server}/officer/tips/{_tip_id(live_app, 'Desk layout.')}")
    text, actions = page.locator("#tip-text").bounding_box(), page.locator(".actions").bounding_box()
    assert actions["x"] >= text["x"] + text["width"], "the actions sit beside the report, not below it"
    assert text["width"] >= 600  # the report uses the width, not a 46rem column
    assert page.locator("details.action[open]").count() == 1
    assert page.locator("details.action").count() >= 4
    assert not page.is_visible("#conversation-title")  # no messages yet: no empty heading
    assert page.evaluate(OVERFLOW) <= 0
    page.click("#action-reply summary")  # opening another action closes the first
    assert page.locator("details.action[open]").count() == 1 and page.is_visible("textarea[name=body]")
    close = page.locator("#action-close")
    close.locator("summary").click()
    box, label = close.locator("input[type=checkbox]").bounding_box(), close.locator(".check label").bounding_box()
    assert abs(box["y"] - label["y"]) < label["height"], "the checkbox sits beside its label"
    page.screenshot(path=f"{SHOTS}/officer-tip-desk.png", full_page=True)


def test_tip_page_on_a_phone_does_not_overflow(page, live_server, live_app):
    page.set_viewport_size(PHONE)
    _submit(page, live_server, "ar", "شاحنة زرقاء تترك صناديق خلف صومعة الحبوب كل ليلة أحد. Phone layout.")
    _log_in(page, live_server, live_app, "desk.phone")
    page.goto(f"{live_server}/officer/tips/{_tip_id(live_app, 'Phone layout.')}?lang=ar")
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("details.action[open]").count() == 1


def test_queue_on_a_phone_is_one_readable_card_per_tip(page, live_server, live_app):
    page.set_viewport_size(PHONE)
    _submit(page, live_server, "en", TIP + " Queue card.")
    _log_in(page, live_server, live_app, "desk.queue.phone")
    page.goto(f"{live_server}/officer/queue?view=all")
    assert page.evaluate(OVERFLOW) <= 0
    row = page.locator("table.queue tbody tr").first.bounding_box()
    assert row["width"] <= PHONE["width"], row
    labels = page.evaluate(
        "() => [...document.querySelectorAll('table.queue tbody tr:first-child td')]"
        ".map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"Urgency: "' in labels, labels  # each figure is named on the card


@pytest.fixture
def month_on_record(live_app):
    """Nine old tips in one month (one by SMS: a count shown as "<5"), aggregated; returns the month."""
    from datetime import UTC, datetime, timedelta

    from tipline.extensions import db
    from tipline.models import Tip
    from tipline.services import aggregates, transparency

    old = datetime.now(UTC).replace(day=1, hour=12) - timedelta(days=160)
    with live_app.app_context():
        for i in range(9):
            db.session.add(
                Tip(public_id=f"L{i:08d}", channel="web" if i else "sms", language="en", ui_language="en",
                    text="x" * 20, status_code="received", created_at=old)
            )  # fmt: skip
        db.session.commit()
        transparency.refresh([aggregates.period_of(old)])
    return aggregates.period_of(old)


def test_transparency_charts_fit_a_phone_in_arabic_with_tables_folded(page, live_server, month_on_record):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/transparency/{month_on_record}?lang=ar")
    assert page.evaluate(OVERFLOW) <= 0
    charts = page.locator(".chart svg")
    assert charts.count() >= 2
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box  # whole, values included
    smallest = page.evaluate(
        "() => Math.min(...[...document.querySelectorAll('.chart svg text')]"
        ".map(t => t.getBoundingClientRect().height))"
    )
    assert smallest >= 11, "chart text stays legible once scaled to the phone"
    assert page.locator("table").count() == page.locator("details > table, details .table-scroll table").count()
    assert not page.locator("table").first.is_visible()  # folded: the charts first, a table on request


def test_events_in_arabic_isolate_titles_places_and_zones(page, live_server, live_app):
    from datetime import UTC, datetime, timedelta

    from tipline.extensions import db
    from tipline.services import events

    with live_app.app_context():
        draft = events.EventDraft(
            titles={"en": "Town hall 2241", "ar": "لقاء مفتوح 2241"},
            descriptions={"en": "Questions."},
            starts_local=(datetime.now(UTC) + timedelta(days=5)).replace(tzinfo=None, second=0, microsecond=0),
            timezone="America/Chicago",
            place="Rio Verde Library, 12 Main St.",
            organisers=["rvpd"],
            languages=["en", "ar"],
        )
        events.create_event(draft)
        db.session.commit()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/events?lang=ar")
    item = page.locator("ul.events li", has_text="2241").first
    assert item.locator("bdi", has_text="لقاء مفتوح 2241").count() == 1  # the title, isolated
    assert item.locator("bdi", has_text="Rio Verde Library").count() == 1  # the place, isolated
    assert item.locator("bdi[dir=ltr]", has_text="America/Chicago").count() == 1  # the zone reads whole
    assert page.evaluate(OVERFLOW) <= 0


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("size", [PHONE, DESK], ids=["phone", "desk"])
def test_public_pages_fit_the_screen(page, live_server, lang, size):
    page.set_viewport_size(size)
    for path in ("/", "/tip", "/follow-up", "/events", "/transparency/"):
        page.goto(f"{live_server}{path}?lang={lang}")
        assert page.evaluate(OVERFLOW) <= 0, path
        name = "home" if path == "/" else path.strip("/").replace("/", "-")
        page.screenshot(path=f"{SHOTS}/{name}-{lang}-{size['width']}.png", full_page=True)
