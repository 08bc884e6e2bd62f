"""Uploads cost bounded work: every file's type and size in pixels is read from its header before any is decoded,
a request over the pixel budget is refused, and refused submissions count toward the per-address tip limit.

Bad input thrown here: two all-zero 6,324 x 6,324 RGBA PNGs (155 KB each, 40 megapixels each once decoded) with a
GIF, photos together over the budget, and refused submissions sent again and again from one address.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib

from PIL import Image
from sqlalchemy import select

from tests.helpers import csrf_token
from tipline import ROOT
from tipline.extensions import db
from tipline.models import Attachment, Tip

TEXT = "The photos show the car that parks behind the school every evening, plates visible."


def blank_png(width: int, height: int, color_type: int = 6) -> bytes:
    """An all-zero PNG (RGBA by default) built row by row, so making a huge one costs no memory."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    channels = {0: 1, 2: 3, 6: 4}[color_type]
    row, packer = b"\0" * (1 + width * channels), zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def tiny_gif() -> bytes:
    """A one-pixel GIF: a picture of a type the tip line does not take."""
    out = io.BytesIO()
    Image.new("P", (1, 1)).save(out, format="GIF")
    return out.getvalue()


GIF = tiny_gif()

# Run in a fresh interpreter: the request's peak memory is read from the kernel (VmHWM, reset just before it).
PROBE = r"""
import io, json, os, sys, time
from flask_migrate import upgrade
from tests.helpers import csrf_token
from tests.web.test_upload_limits import GIF, TEXT, blank_png
from tipline import create_app
from tipline.config import TestConfig
from tipline.services import deployment

app = create_app(TestConfig)
app.config["ATTACHMENT_DIR"] = os.environ["TIPLINE_INSTANCE"] + "/attachments"
with app.app_context():
    upgrade(revision="heads")
    deployment.load(deployment.read(deployment.DEMO_FILE))
client = app.test_client()

def post(files):
    data = {"text": TEXT, "csrf_token": csrf_token(client, "/tip"), "attachments": files}
    return client.post("/tip", data=data)

post([(io.BytesIO(GIF), "warm-up.gif")])  # the refusal path once, so the measure holds only the attack
big = blank_png(6324, 6324)
files = [(io.BytesIO(big), "a.png"), (io.BytesIO(big), "b.png"), (io.BytesIO(GIF), "c.gif")]
status = lambda key: int(open("/proc/self/status").read().split(key + ":")[1].split()[0])
with open("/proc/self/clear_refs", "w") as peak:
    peak.write("5")  # the peak resident size starts again from now
before, started = status("VmRSS"), time.perf_counter()
response = post(files)
seconds, grown_kb = time.perf_counter() - started, status("VmHWM") - before
measured = {"status": response.status_code, "seconds": seconds, "grown_mb": grown_kb / 1024}
print(json.dumps(measured | {"png_kb": len(big) / 1024}))
"""


def test_two_blank_40_megapixel_pngs_and_a_gif_are_refused_quickly_with_little_memory(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"} | {"TIPLINE_INSTANCE": str(tmp_path)}
    run = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    measured = json.loads(run.stdout.strip().splitlines()[-1])
    assert 140 < measured["png_kb"] < 170  # the files of the finding: 155 KB each
    assert measured["status"] == 400
    assert measured["seconds"] < 2, measured  # the bound the finding names
    assert measured["grown_mb"] < 50, measured


def _post(client, files, lang: str = "es"):
    token = csrf_token(client, f"/tip?lang={lang}")
    return client.post(f"/tip?lang={lang}", data={"text": TEXT, "csrf_token": token, "attachments": files})


def test_photos_over_the_pixel_budget_together_are_refused_before_any_is_decoded(app, client):
    budget = app.config["MAX_UPLOAD_PIXELS"]
    half = blank_png(5000, budget // 10_000 + 1, color_type=0)  # two of them: just over the budget
    response = _post(client, [(io.BytesIO(half), "a.png"), (io.BytesIO(half), "b.png")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Las fotos enviadas juntas pueden sumar como máximo 40 megapíxeles." in page
    assert TEXT in page
    with app.app_context():
        assert db.session.scalars(select(Tip)).all() == [] and db.session.scalars(select(Attachment)).all() == []
    one = _post(client, [(io.BytesIO(half), "a.png")])  # one of them alone is within the budget
    assert one.status_code == 200


def test_refused_submissions_count_toward_the_tip_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TIP_RATE_LIMIT", "3 per hour")
    refused = [_post(client, [(io.BytesIO(GIF), "x.gif")], lang="fr") for _ in range(3)]
    assert [r.status_code for r in refused] == [400, 400, 400]
    assert "Les pièces jointes doivent être des photos" in refused[0].get_data(as_text=True)
    response = _post(client, [], lang="fr")  # a good tip now: the address has used its submissions
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Trop de signalements ont été envoyés depuis votre connexion" in page
    assert f"{TEXT}</textarea>" in page
