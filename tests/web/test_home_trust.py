"""The home page earns trust: who runs the line (the deployment's agencies and oversight body in their own words),
how to stay safe, every way to reach it, and what is encrypted and what officers see, in every language."""

from __future__ import annotations

import pytest


def test_home_page_names_who_runs_the_line_in_their_own_words(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="who-runs"' in page
    for name in ("Regional Coordination Desk", "Rio Verde Police Department", "Independent Police Oversight Board"):
        assert name in page
    # the oversight body's own statement, from the deployment file
    assert "We are independent of every police agency" in page


def test_home_page_tells_how_to_stay_safe_and_works_without_script(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="stay-safe"' in page
    for advice in ("personal device", "work Wi-Fi", "history", "Tor Browser"):
        assert advice in page
    assert "<script" not in page


def test_home_page_lists_the_sms_number_and_other_channels(app, client):
    app.config["SMS_PUBLIC_NUMBER"] = "+1 555 0100"
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="channels"' in page and "+1 555 0100" in page


def test_home_page_says_what_is_encrypted_and_what_officers_see(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="what-officers-see"' in page and "encrypted" in page


@pytest.mark.parametrize(("lang", "word"), [("es", "Tor"), ("fr", "Tor"), ("ar", "Tor"), ("ht", "Tor")])
def test_home_page_trust_sections_are_translated(client, lang, word):
    english = client.get("/?lang=en").get_data(as_text=True)
    page = client.get(f"/?lang={lang}").get_data(as_text=True)
    assert 'id="stay-safe"' in page and word in page
    safe = page.split('id="stay-safe"')[1].split("</section>")[0]
    assert safe not in english  # not the English text
