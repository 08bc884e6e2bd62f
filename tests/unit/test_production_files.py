"""Where a production tip line keeps its files: outside the code, with settings started from the shipped template."""

from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet

from tipline import ROOT, create_app
from tipline.config import ProductionConfig
from tipline.services import crypto

TEMPLATE = ROOT / "tipline" / "deploy" / "tipline.env.example"


def _template() -> dict[str, str]:
    lines = [line for line in TEMPLATE.read_text().splitlines() if line and not line.startswith("#")]
    return {name: value.strip('"') for name, _, value in (line.partition("=") for line in lines)}


def _settings(values: dict[str, str]) -> type:
    """A production Config from environment-style values (what the env file sets)."""
    names = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}
    return type("Prod", (ProductionConfig,), {names.get(k, k): v for k, v in values.items()})


def test_the_env_template_filled_in_starts_a_production_site(monkeypatch, tmp_path):
    values = _template()
    assert {"TIPLINE_ENV", "DATABASE_URL", "PUBLIC_BASE_URL", *crypto.GENERATED_KEYS} <= set(values)
    assert values["TIPLINE_INSTANCE"] == "/var/lib/tipline" and "CELERY_BROKER_URL" in values
    filled = {k: v or secrets.token_urlsafe(48) for k, v in values.items()}
    filled["DATA_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))  # not /var/lib on the test machine
    app = create_app(_settings(filled))
    assert app.config["REQUIRE_KEYS"] and app.config["PUBLIC_BASE_URL"] == "https://tips.example.org"


@pytest.mark.parametrize("setting", ["TIPLINE_INSTANCE", "ATTACHMENT_DIR"])
def test_production_refuses_files_inside_the_code_folder(monkeypatch, tmp_path, setting):
    inside = ROOT / "instance-refused-by-production"
    good = {k: secrets.token_urlsafe(48) for k in crypto.GENERATED_KEYS} | {
        "DATA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": "sqlite://",
        "PUBLIC_BASE_URL": "https://tips.example.org",
    }
    monkeypatch.setenv("TIPLINE_INSTANCE", str(tmp_path))
    create_app(_settings(good))
    try:
        if setting == "TIPLINE_INSTANCE":
            monkeypatch.setenv("TIPLINE_INSTANCE", str(inside))
        with pytest.raises(crypto.KeyConfigError, match=f"set {setting} to a folder outside"):
            create_app(
                _settings(
                    good | ({"ATTACHMENT_DIR": str(inside / "attachments")} if setting != "TIPLINE_INSTANCE" else {})
                )
            )
    finally:
        if inside.is_dir():
            inside.rmdir()
