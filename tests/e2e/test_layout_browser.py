"""What a person sees on a phone (390×844) and at a desk (1280×800), in English and Arabic: nothing wider than the
screen, the receipt code on one line with a way to keep it, labels that do not cover each other."""

from __future__ import annotations

import os
import tempfile

import pytest
from playwright.sync_api import expect

from tests.e2e.test_journeys import _submit

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
