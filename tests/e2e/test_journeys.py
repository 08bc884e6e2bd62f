"""Real-browser journeys (Playwright driving Debian chromium) against the site on 127.0.0.1.

A resident submits a tip in Spanish and follows it up; an Arabic visitor gets a mirrored right-to-left page and
sends a photo; a liaison officer logs in with a TOTP code, verifies the tip and replies; the resident reads the
reply. The browser's network log must show no request to any host but the site.
"""

from __future__ import annotations

import io
from urllib.parse import urlparse

import pyotp
from PIL import Image


def _only_site(requests_seen: list[str], base: str) -> None:
    site = urlparse(base).netloc
    foreign = [u for u in requests_seen if urlparse(u).netloc not in (site, "") and not u.startswith("data:")]
    assert foreign == [], foreign


def _submit(page, base: str, lang: str, text: str, photo: bytes | None = None) -> str:
    page.goto(f"{base}/tip?lang={lang}")
    page.fill("textarea[name=text]", text)
    if photo:
        page.set_input_files(
            "input[name=attachments]", files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
    page.click("button[type=submit]")
    return page.inner_text("#receipt-code")


def _tip_id(app, fragment: str) -> str:
    from sqlalchemy import select

    from tipline.extensions import db
    from tipline.models import Tip

    with app.app_context():
        return next(t.public_id for t in db.session.scalars(select(Tip)) if fragment in t.text)


def test_resident_sends_a_tip_in_spanish_and_follows_it_up(page, live_server, requests_seen):
    receipt = _submit(
        page, live_server, "es", "Una camioneta blanca sin placas se estaciona detrás de la escuela cada noche."
    )
    assert len(receipt.replace(" ", "")) == 16
    assert page.locator("html").get_attribute("lang") == "es"
    page.goto(f"{live_server}/follow-up")
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    assert page.inner_text("#tip-status") == "Recibido"
    page.fill("textarea[name=body]", "La camioneta volvió anoche a las 3.")
    page.click("form button[type=submit]")
    assert "La camioneta volvió anoche a las 3." in page.content()
    _only_site(requests_seen, live_server)


def test_arabic_page_is_right_to_left_and_mirrors_the_layout(page, live_server, requests_seen):
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(photo, format="JPEG")
    page.goto(f"{live_server}/tip?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    brand = page.locator(".brand").bounding_box()
    languages = page.locator(".languages").bounding_box()
    assert brand["x"] > languages["x"], "the brand should sit on the right in a right-to-left layout"
    receipt = _submit(
        page, live_server, "ar", "شاهدت شاحنة بيضاء تفرغ صناديق قرب محطة الضخ ثلاث مرات هذا الأسبوع.", photo.getvalue()
    )
    assert len(receipt.replace(" ", "")) == 16
    _only_site(requests_seen, live_server)


def test_officer_logs_in_with_totp_triages_replies_and_the_sender_reads_it(page, live_server, live_app, requests_seen):
    from tipline.services import users

    with live_app.app_context():
        creds = users.add("desk.e2e", "officer", "liaison", "Officer E2E", password="correct horse battery")
    receipt = _submit(page, live_server, "en", "A red pickup drops people at the old bridge every night around 1 am.")
    page.goto(f"{live_server}/officer/login")
    page.fill("input[name=username]", "desk.e2e")
    page.fill("input[name=password]", "correct horse battery")
    page.fill("input[name=code]", pyotp.TOTP(creds.totp_secret).now())
    page.click("main button[type=submit]")
    assert page.url.endswith("/officer/queue")
    page.goto(f"{live_server}/officer/tips/{_tip_id(live_app, 'red pickup')}")
    assert "red pickup" in page.inner_text("#tip-text")
    page.select_option("select[name=outcome]", "verified")
    page.click("text=Save verification")
    proposal = page.inner_text("#routing-proposal")
    assert "Border zone (within 8 km of the river)" in proposal  # the area by its name, not its code
    assert "supervisor decides" in proposal  # the officer is told, and offered no form that would be refused
    assert page.is_visible("#supervisor-decides") and not page.is_visible("text=Confirm routing")
    page.click("#action-reply summary")  # one action open at a time: the officer opens the reply
    page.fill("textarea[name=body]", "Thank you. Is the pickup always the same colour?")
    page.click("text=Send reply")
    assert page.inner_text("#tip-status") == "Verified"
    page.goto(f"{live_server}/follow-up")
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    assert "Is the pickup always the same colour?" in page.content()
    _only_site(requests_seen, live_server)
