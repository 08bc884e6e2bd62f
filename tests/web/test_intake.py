"""Submit a tip on the web, get a receipt, follow up, read an officer's reply and answer it.

Bad input thrown at the form here: empty and whitespace-only text, text over 5,000 characters, a body over
12 MB, a text over Werkzeug's 500 KB field limit, a thousand fields (each 413 says which limit), a
missing CSRF token, invalid UTF-8, half a coordinate, a malformed receipt, an unknown receipt, a
flood of wrong receipts. Each must give a clear message in the visitor's language, no 500, and lose nothing
already accepted.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from tests.helpers import RECEIPT_RE, STATUS_RE, csrf_token, follow_up, submit_tip
from tipline.extensions import db
from tipline.models import Message, Receipt, Tip
from tipline.services import messaging

LONG_ENOUGH = "Two men unload boxes from a boat near the pump station at dawn."


def _tip_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(Tip.id)).all())


def test_receipt_code_is_sixteen_digits_grouped_four_by_four(client):
    receipt = submit_tip(client)
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)


def test_receipt_page_is_never_cached(client):
    token = csrf_token(client, "/tip")
    response = client.post("/tip", data={"text": LONG_ENOUGH, "csrf_token": token})
    assert response.headers["Cache-Control"] == "no-store"
    assert "hreflang=" not in response.get_data(as_text=True)  # switching language would lose the code
    assert 'href="/tip?lang=es"' in client.get("/tip").get_data(as_text=True)


def test_follow_up_shows_status_and_the_tip_in_the_senders_language(client):
    receipt = submit_tip(client, lang="es", text=LONG_ENOUGH)
    page = follow_up(client, receipt, lang="es").get_data(as_text=True)
    assert STATUS_RE.search(page).group(1) == "Recibido"
    assert LONG_ENOUGH in page


def test_receipt_typed_without_spaces_or_with_dashes_opens_the_tip(client):
    receipt = submit_tip(client)
    for typed in (receipt.replace(" ", ""), receipt.replace(" ", "-")):
        assert follow_up(client, typed).status_code == 200


def test_receipt_typed_in_arabic_indic_digits_opens_the_tip(client):
    receipt = submit_tip(client, lang="ar", text=LONG_ENOUGH)
    arabic = receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    response = follow_up(client, arabic, lang="ar")
    assert response.status_code == 200
    assert LONG_ENOUGH in response.get_data(as_text=True)


def test_officer_reply_reaches_the_sender_who_answers(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH)
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        messaging.reply_to_sender(tip, "What colour was the boat?", "en")
    page = follow_up(client, receipt).get_data(as_text=True)
    assert "What colour was the boat?" in page
    token = csrf_token(client, "/follow-up")
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page).group(1)
    answer = client.post(
        "/follow-up/message", data={"receipt": hidden, "body": "Blue, with a white stripe.", "csrf_token": token}
    )
    assert answer.status_code == 200
    assert "Blue, with a white stripe." in answer.get_data(as_text=True)
    with app.app_context():
        roles = [m.author_role for m in db.session.scalars(select(Message).order_by(Message.id))]
    assert roles == ["officer", "sender"]


def test_a_receipt_opens_only_its_own_tip(client):
    first = submit_tip(client, text="First tip: a red pickup at the ranch gate on Route 9.")
    submit_tip(client, text="Second tip: somebody is selling pills behind the bus station.")
    page = follow_up(client, first).get_data(as_text=True)
    assert "red pickup" in page
    assert "selling pills" not in page


def test_receipt_and_tip_text_are_never_stored_in_clear(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH).replace(" ", "")
    with app.app_context():
        row = db.session.execute(select(Receipt.lookup, Receipt.hash)).one()
        raw_text = db.session.execute(db.text("SELECT text FROM tips")).scalar_one()
    assert receipt not in row.lookup and receipt not in row.hash
    assert row.hash.startswith("$argon2id$")
    assert LONG_ENOUGH.encode() not in bytes(raw_text)


def test_wrong_receipt_gets_a_clear_error_in_spanish(client):
    response = follow_up(client, "1111 2222 3333 4444", lang="es")
    assert response.status_code == 404
    assert "No encontramos información con este código de recibo" in response.get_data(as_text=True)


def test_malformed_receipt_explains_the_format(client):
    response = follow_up(client, "12ab")
    assert response.status_code == 400
    assert "16 digits" in response.get_data(as_text=True)


def test_repeated_wrong_receipts_are_rate_limited(client):
    statuses = [follow_up(client, f"0000 0000 0000 {i:04d}").status_code for i in range(12)]
    assert statuses[:10] == [404] * 10
    assert statuses[-1] == 429


def test_wrong_receipt_codes_share_one_budget_across_both_follow_up_forms(client):
    statuses = [follow_up(client, f"0000 0000 0000 {i:04d}").status_code for i in range(10)]
    assert statuses == [404] * 10
    token = csrf_token(client, "/follow-up")
    data = {"receipt": "0000 0000 1111 0000", "body": "More detail.", "csrf_token": token}
    response = client.post("/follow-up/message", data=data)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_a_right_receipt_opens_its_tip_after_wrong_codes_spent_the_shared_address_budget(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH)
    statuses = [follow_up(client, f"0000 0000 0000 {i:04d}").status_code for i in range(11)]
    assert statuses[-1] == 429  # neighbours behind one carrier address mistyped theirs
    page = follow_up(client, receipt)
    assert page.status_code == 200 and STATUS_RE.search(page.get_data(as_text=True))
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    token = csrf_token(client, "/follow-up")
    data = {"receipt": hidden, "body": "The van came back tonight.", "csrf_token": token}
    response = client.post("/follow-up/message", data=data)
    assert response.status_code == 200 and "Your message was sent." in response.get_data(as_text=True)
    assert follow_up(client, "0000 0000 0000 9999").status_code == 429  # wrong codes stay refused


def test_empty_or_blank_text_is_refused_with_a_message(app, client):
    for blank in ("", "   \n\t  "):
        token = csrf_token(client, "/tip?lang=fr")
        response = client.post("/tip?lang=fr", data={"text": blank, "csrf_token": token})
        assert response.status_code == 400
        assert "Veuillez décrire ce que vous avez vu" in response.get_data(as_text=True)
    assert _tip_count(app) == 0


def test_text_over_5000_characters_is_refused_and_kept(app, client):
    token = csrf_token(client, "/tip")
    long_text = "x" * 5001
    response = client.post("/tip", data={"text": long_text, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "between 10 and 5000 characters" in page
    assert long_text in page
    assert _tip_count(app) == 0


def test_missing_csrf_token_keeps_what_was_typed(app, client):
    client.get("/tip")
    response = client.post("/tip", data={"text": LONG_ENOUGH, "place": "Old bridge"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert LONG_ENOUGH in page and "Old bridge" in page
    assert "What you typed is kept" in page
    assert _tip_count(app) == 0


def test_body_over_31_mb_gets_a_friendly_413(client):
    token = csrf_token(client, "/tip")
    response = client.post("/tip", data={"text": LONG_ENOUGH, "csrf_token": token, "pad": "x" * (32 * 1024 * 1024)})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "too large, so nothing was sent" in page and "Back button" in page  # how to get the typed text back
    assert "Attachments may be at most 10 MB each and 31 MB together" in page


def test_a_413_for_a_text_far_too_long_names_the_text_not_the_attachments(app, client):
    token = csrf_token(client, "/tip")
    text = "x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1)  # one field over Werkzeug's per-field limit, body under 31 MB
    sent = {"csrf_token": token, "text": text, "photo": (io.BytesIO(b"\xff\xd8 a small photo"), "bridge.jpg")}
    for data in ({"csrf_token": token, "text": text}, sent):
        response = client.post("/tip", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "A text in the form is far too long, so nothing was sent" in page and "Back button" in page
        assert "Attachments" not in page
    response = client.post("/tip?lang=es", data={"csrf_token": token, "text": text})
    assert "Un texto del formulario es demasiado largo, así que no se envió nada" in response.get_data(as_text=True)
    assert _tip_count(app) == 0


def test_a_413_for_too_many_form_fields_names_the_fields_not_the_attachments(app, client):
    token = csrf_token(client, "/tip")
    fields = {f"field{number}": "x" for number in range(app.config["MAX_FORM_PARTS"])}

    def sent() -> dict:
        return {"csrf_token": token, "text": LONG_ENOUGH, **fields, "photo": (io.BytesIO(b"\xff\xd8"), "a.jpg")}

    response = client.post("/tip?lang=fr", data=sent())
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Le formulaire envoyé avait beaucoup trop de champs" in page
    assert "pièces jointes" not in page
    response = client.post("/tip?lang=en", data=sent())
    assert "The form sent had far too many fields, so nothing was sent" in response.get_data(as_text=True)
    assert _tip_count(app) == 0


def test_invalid_utf8_gets_a_clear_message_not_a_500(app, client):
    token = csrf_token(client, "/tip")
    body = b"csrf_token=" + token.encode() + b"&text=" + b"Un cami\xf3n blanco en el puente viejo cada noche"
    response = client.post("/tip", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)
    assert _tip_count(app) == 0


def test_percent_signs_and_encoded_links_in_text_are_kept(app, client):
    text = "Se ofrece 100%ce de descuento: https://ar.wikipedia.org/wiki/%D8%AC%D8%B3%D8%B1 junto al puente"
    receipt = submit_tip(client, text=text, lang="es")
    page = follow_up(client, receipt, lang="es").get_data(as_text=True)
    assert text in page
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page).group(1)
    token = csrf_token(client, "/follow-up?lang=es")
    answer = client.post("/follow-up/message?lang=es", data={"receipt": hidden, "body": text, "csrf_token": token})
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).count(text) == 2


def test_latitude_without_longitude_is_refused(client):
    token = csrf_token(client, "/tip")
    response = client.post("/tip", data={"text": LONG_ENOUGH, "lat": "31.75", "csrf_token": token})
    assert response.status_code == 400
    assert "both latitude and longitude" in response.get_data(as_text=True)


def test_tip_with_coordinates_category_and_time_is_stored(app, client):
    receipt = submit_tip(
        client,
        text=LONG_ENOUGH,
        category="smuggling",
        place="Pump station",
        lat="31.70",
        lon="-106.45",
        when="2026-11-20T05:30",
    )
    assert RECEIPT_RE.pattern and receipt
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        assert (tip.category_code, tip.place, tip.lat, tip.lon) == ("smuggling", "Pump station", 31.70, -106.45)
        assert tip.occurred_at.strftime("%Y-%m-%d %H:%M") == "2026-11-20 05:30"
        assert tip.channel == "web"


def test_every_field_has_a_label_and_errors_are_linked_to_their_field(client):
    page = client.get("/tip").get_data(as_text=True)
    for field_id in ("text", "category", "place", "lat", "lon", "when", "attachments"):
        assert f'<label for="{field_id}">' in page
    assert 'aria-describedby="text-hint"' in page
    assert '="None"' not in page
    token = csrf_token(client, "/tip")
    failed = client.post("/tip", data={"text": "short", "csrf_token": token}).get_data(as_text=True)
    assert 'aria-describedby="text-hint text-error" aria-invalid="true"' in failed
    assert 'id="text-error" role="alert"' in failed


def test_rate_limiter_keeps_no_ip_address(app, client):
    from tipline.extensions import limiter

    address = "203.0.113.77"
    for i in range(3):
        token = csrf_token(client, "/follow-up")
        data = {"receipt": f"0000 0000 0000 {i:04d}", "csrf_token": token}
        assert client.post("/follow-up", data=data, environ_base={"REMOTE_ADDR": address}).status_code == 404
    keys = list(limiter.storage.storage) + list(limiter.storage.expirations)
    assert keys, "the limiter counted the requests"
    assert not any(address in key for key in keys)


def test_coordinates_with_a_decimal_comma_are_read_and_a_wrong_one_gets_one_clear_message(app, client):
    form = client.get("/tip?lang=fr").get_data(as_text=True)
    for box in ("lat", "lon"):  # a number box would make the browser send "31,70" as 3170
        assert re.search(rf'<input[^>]*id="{box}"[^>]*type="text"|<input[^>]*type="text"[^>]*id="{box}"', form), box
    submit_tip(client, text=LONG_ENOUGH, lat="31,70", lon="-106,45", lang="fr")
    with app.app_context():
        assert (db.session.scalar(select(Tip.lat)), db.session.scalar(select(Tip.lon))) == (31.70, -106.45)
    token = csrf_token(client, "/tip?lang=es")
    response = client.post(
        "/tip?lang=es", data={"text": LONG_ENOUGH, "lat": "norte", "lon": "-106.4", "csrf_token": token}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Escriba un número" in page and "Not a valid" not in page
    assert "latitud y la longitud" not in page  # no second, contradictory message about the pair


def test_a_message_to_a_closed_tip_is_not_taken_and_the_sender_is_told(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH)
    with app.app_context():
        tip = db.session.scalar(select(Tip))
        tip.status_code = "closed"
        db.session.commit()
    page = follow_up(client, receipt).get_data(as_text=True)
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page)
    token = csrf_token(client, "/follow-up")
    data = {"receipt": hidden.group(1) if hidden else receipt, "body": "One more detail.", "csrf_token": token}
    response = client.post("/follow-up/message", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This tip is closed" in page and "Your message was not sent" in page
    assert "One more detail.</textarea>" in page  # what the sender typed is shown back, not lost
    with app.app_context():
        assert db.session.scalars(select(Message)).all() == []


def test_mistakes_in_the_message_form_never_lock_out_a_sender_with_a_good_receipt(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH)
    page = follow_up(client, receipt).get_data(as_text=True)
    hidden = re.search(r'name="receipt" type="hidden" value="([^"]+)"', page)
    token = csrf_token(client, "/follow-up")
    for _ in range(12):  # more than the limit of wrong receipt codes
        empty = client.post("/follow-up/message", data={"receipt": hidden.group(1), "body": "", "csrf_token": token})
        assert empty.status_code == 400
    data = {"receipt": hidden.group(1), "body": "The van came back tonight.", "csrf_token": token}
    response = client.post("/follow-up/message", data=data)
    assert response.status_code == 200 and "Your message was sent." in response.get_data(as_text=True)
    with app.app_context():
        assert [m.body for m in db.session.scalars(select(Message))] == ["The van came back tonight."]


def test_a_form_sent_back_with_files_asks_for_them_again_and_keeps_the_text(client):
    token = csrf_token(client, "/tip?lang=ht")
    photo = io.BytesIO(b"\xff\xd8 not really a photo")
    data = {"text": "short", "csrf_token": token, "attachments": [(photo, "a.jpg")]}
    page = client.post("/tip?lang=ht", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "chwazi foto oswa dokiman ou yo ankò" in page
    assert ">short<" in page or 'value="short"' in page or "short</textarea>" in page


def test_pages_that_hold_a_receipt_offer_no_language_link_and_other_links_keep_their_parameters(client):
    receipt = submit_tip(client, text=LONG_ENOUGH)  # the receipt page: a link would reload it without the code
    hidden = re.search(
        r'name="receipt" type="hidden" value="([^"]+)"', follow_up(client, receipt).get_data(as_text=True)
    )
    token = csrf_token(client, "/follow-up")
    data = {"receipt": hidden.group(1), "body": "The van came back tonight.", "csrf_token": token}
    page = client.post("/follow-up/message", data=data).get_data(as_text=True)
    assert "The van came back tonight." in page
    assert not re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang', page)  # it would lose the conversation
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang', client.get("/follow-up").get_data(as_text=True))
    assert ("/follow-up?lang=es", "es") in links
    assert all(client.get(href).status_code == 200 for href, _ in links)
    page = client.get("/transparency/?licence=1&lang=en").get_data(as_text=True)
    assert 'href="/transparency/?licence=1&amp;lang=fr" lang="fr"' in page  # other parameters are kept


@pytest.mark.parametrize("when", ["2099-01-01T10:00", "9999-12-31T23:59", "0001-01-01T00:00"])
def test_an_impossible_date_is_refused_in_the_senders_language_and_the_text_kept(app, client, when):
    token = csrf_token(client, "/tip?lang=es")
    response = client.post("/tip?lang=es", data={"text": LONG_ENOUGH, "when": when, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "en el futuro" in page or "posterior a 1900" in page
    assert LONG_ENOUGH in page
    assert _tip_count(app) == 0


def test_digits_and_coordinates_are_typed_left_to_right_on_arabic_pages(client):
    tip_page = client.get("/tip?lang=ar").get_data(as_text=True)
    for name in ("lat", "lon", "when"):
        assert re.search(rf'<input[^>]*dir="ltr"[^>]*name="{name}"|<input[^>]*name="{name}"[^>]*dir="ltr"', tip_page), (
            name
        )
    follow = client.get("/follow-up?lang=ar").get_data(as_text=True)
    assert re.search(r'<input[^>]*dir="ltr"[^>]*name="receipt"|<input[^>]*name="receipt"[^>]*dir="ltr"', follow)


def test_an_unknown_category_gets_a_message_in_creole(app, client):
    token = csrf_token(client, "/tip?lang=ht")
    response = client.post("/tip?lang=ht", data={"text": LONG_ENOUGH, "category": "nope", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Chwazi youn nan kalite ki nan lis la." in page and "Not a valid choice" not in page
    assert _tip_count(app) == 0


def test_a_coordinate_that_is_not_a_number_gets_one_message(client):
    token = csrf_token(client, "/tip")
    data = {"text": LONG_ENOUGH, "lat": "abc", "lon": "-106.48", "csrf_token": token}
    page = client.post("/tip", data=data).get_data(as_text=True)
    assert "Enter a number" in page and "between -90 and 90" not in page


def test_an_expired_page_does_not_ask_to_correct_fields_that_are_fine(client):
    client.get("/tip")
    page = client.post("/tip", data={"text": LONG_ENOUGH, "csrf_token": "expired"}).get_data(as_text=True)
    assert "Your page was open for too long" in page and "Please correct the marked fields" not in page
    assert LONG_ENOUGH in page


def test_a_tip_with_every_optional_box_left_empty_is_accepted(app, client):
    """What a browser posts when only the text is filled in: the optional fields arrive as empty strings."""
    token = csrf_token(client, "/tip?lang=fr")
    data = {"text": LONG_ENOUGH, "category": "", "place": "", "lat": "", "lon": "", "when": "", "csrf_token": token}
    response = client.post("/tip?lang=fr", data=data)
    assert response.status_code == 200 and RECEIPT_RE.search(response.get_data(as_text=True))
    assert _tip_count(app) == 1


def test_language_links_on_a_page_not_found_never_lead_to_another_site(client):
    page = client.get("/%5Cevil.example").get_data(as_text=True)
    links = re.findall(r'<a href="([^"]+)" lang="\w+" hreflang', page)
    assert links and all(href.startswith("?lang=") for href in links)


def _tip_form(client, lang: str = "es") -> dict:
    """A freshly shown tip form, filled in as a browser would send it (with its one-time id)."""
    page = client.get(f"/tip?lang={lang}").get_data(as_text=True)
    return {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1),
        "submission": re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1),
        "text": "Una camioneta roja sin placas espera detrás de la escuela cada noche.",
    }


def test_a_resent_tip_form_shows_the_same_receipt_code_again(app, client):
    """A tip stored just before a crash: the answer never arrived, so the sender sends the same form again."""
    form = _tip_form(client)
    before = _tip_count(app)
    first = RECEIPT_RE.search(client.post("/tip?lang=es", data=form).get_data(as_text=True)).group(1)
    again = client.post("/tip?lang=es", data=form)  # the browser's reload, or Back and Send
    html = again.get_data(as_text=True)
    assert again.status_code == 200 and again.headers["Cache-Control"].startswith("no-store")
    assert RECEIPT_RE.search(html).group(1) == first
    assert _tip_count(app) == before + 1
    assert form["text"] in follow_up(client, first).get_data(as_text=True)  # the code shown again opens the tip
    edited = client.post("/tip?lang=es", data={**form, "text": form["text"] + " Tiene una antena en el techo."})
    second = RECEIPT_RE.search(edited.get_data(as_text=True)).group(1)  # Back, a detail added, Send: a tip
    assert second != first  # of its own, with a code of its own
    assert _tip_count(app) == before + 2
    assert client.get("/tip").headers["Cache-Control"].startswith("no-store")  # no stored copy brings the id back
    assert _tip_form(client)["submission"] != form["submission"]  # a new form is a new tip, with a new code


def test_a_database_dump_holds_nothing_that_gives_back_a_resent_forms_code(app, client):
    """The code comes from the form's one-time id under a key kept outside the database: neither is stored."""
    form = _tip_form(client, "en")
    code = RECEIPT_RE.search(client.post("/tip", data=form).get_data(as_text=True)).group(1)
    assert RECEIPT_RE.search(client.post("/tip", data=form).get_data(as_text=True)).group(1) == code
    with app.app_context():
        tables = sa.inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:  # raw rows: encrypted columns as stored, not decrypted
            dump = [
                value.decode("latin-1") if isinstance(value, bytes | memoryview) else str(value)
                for table in tables
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))  # noqa: S608 (names from the schema)
                for value in row
            ]
    secrets_ = {form["submission"], code, code.replace(" ", ""), app.config["RECEIPT_INDEX_KEY"]}
    assert [s for s in secrets_ if any(s in value for value in dump)] == []


def test_a_resent_form_whose_code_cannot_be_made_again_shows_no_code(app, client, monkeypatch):
    """A tip stored before codes came from the form, or under another key: the resent form never shows a code
    that would not open it, and says the tip was received once."""
    form = _tip_form(client)
    assert RECEIPT_RE.search(client.post("/tip?lang=es", data=form).get_data(as_text=True))
    monkeypatch.setitem(app.config, "RECEIPT_INDEX_KEY", "another-deployments-receipt-index-key")
    html = client.post("/tip?lang=es", data=form).get_data(as_text=True)
    assert not RECEIPT_RE.search(html)
    assert "Este formulario ya se envió" in html and "se mostró la primera vez" not in html


def test_a_resent_follow_up_message_is_added_once(app, client):
    receipt = submit_tip(client, text=LONG_ENOUGH)
    page = follow_up(client, receipt).get_data(as_text=True)
    form = {
        "csrf_token": csrf_token(client, "/follow-up"),
        "receipt": re.search(r'name="receipt" type="hidden" value="([^"]+)"', page).group(1),
        "submission": re.search(r'name="submission" type="hidden" value="([^"]+)"', page).group(1),
        "body": "The boat came back tonight with two more men.",
    }
    for _ in range(2):  # sent, then the page reloaded
        answer = client.post("/follow-up/message", data=form)
        assert answer.status_code == 200 and "Your message was sent." in answer.get_data(as_text=True)
        assert answer.get_data(as_text=True).count("The boat came back tonight with two more men.") == 1
    with app.app_context():
        bodies = [m.body for m in db.session.scalars(select(Message))]
    assert bodies.count("The boat came back tonight with two more men.") == 1


def test_every_public_page_names_its_icon_on_this_site(client):
    page = client.get("/").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon.startswith("/static/") and client.get(icon).status_code == 200


def test_wtforms_own_messages_follow_the_visitors_language(app):
    from tipline.blueprints.public.forms import TipForm

    seen = {}
    for lang in ("es", "fr", "ar", "en"):
        with app.test_request_context(f"/tip?lang={lang}"):
            form = TipForm(formdata=None)
            seen[lang] = form.meta.get_translations(form).gettext("This field is required.")
    assert seen["en"] == "This field is required."
    assert len(set(seen.values())) == 4  # each language its own sentence, from a catalog read once per process


def test_over_the_tip_limit_the_form_comes_back_with_the_text_and_nothing_else_is_stored(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "2 per hour")
    token = csrf_token(client, "/tip")
    mistake = client.post("/tip", data={"text": "short", "csrf_token": token})  # a refused form counts too
    assert mistake.status_code == 400
    submit_tip(client)
    third = "Un camion blanc sans plaques attend derrière la station de pompage chaque nuit vers 2 h."
    response = client.post("/tip?lang=fr", data={"text": third, "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Trop de signalements ont été envoyés depuis votre connexion" in page
    assert f"{third}</textarea>" in page  # what was typed is kept, ready to send later
    assert response.headers["Cache-Control"] == "no-store"
    assert _tip_count(app) == 1


def test_addresses_of_one_ipv6_subscriber_share_the_tip_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "1 per hour")
    statuses = []
    for address in ("2001:db8:1:2::10", "2001:db8:1:2:ffff::7", "2001:db8:1:3::10"):  # the third: another /64
        browser = app.test_client()
        browser.environ_base["REMOTE_ADDR"] = address
        token = csrf_token(browser, "/tip")
        statuses.append(browser.post("/tip", data={"text": LONG_ENOUGH, "csrf_token": token}).status_code)
    assert statuses == [200, 429, 200]
