"""Real-browser journey: an Arabic resident sends a photo, then follows up and reads the officer's reply.

What it throws at the system: an Arabic tip with a JPEG photo typed into the right-to-left form, an officer's
Arabic answer, and the receipt typed on the follow-up page. It must answer: a right-to-left conversation page
showing the resident's text and the officer's reply, the photo kept with the tip, and no request to any host
but the site.
"""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from tests.e2e.test_journeys import _only_site, _submit

TIP = "رأيت شاحنة زرقاء تفرغ صناديق خلف المدرسة القديمة كل ليلة بعد منتصف الليل."
REPLY = "شكراً لك. هل كانت الشاحنة تحمل لوحة أرقام؟"


def test_arabic_resident_with_a_photo_follows_up_and_reads_the_reply(page, live_server, live_app, requests_seen):
    from tipline.extensions import db
    from tipline.models import Tip
    from tipline.services import messaging

    photo = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 60, 160)).save(photo, format="JPEG")
    receipt = _submit(page, live_server, "ar", TIP, photo.getvalue())
    with live_app.app_context():
        tip = next(t for t in db.session.scalars(select(Tip)).unique() if t.text == TIP)
        assert len(tip.attachments) == 1
        messaging.reply_to_sender(tip, REPLY, "ar")
    page.goto(f"{live_server}/follow-up?lang=ar")
    page.fill("input[name=receipt]", receipt)
    page.click("form button[type=submit]")
    assert page.locator("html").get_attribute("dir") == "rtl"
    conversation = page.inner_text(".conversation")
    assert TIP in conversation and REPLY in conversation
    _only_site(requests_seen, live_server)
