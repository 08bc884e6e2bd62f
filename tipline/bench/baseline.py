"""The bare baseline of `tipline bench intake`: Flask + SQLAlchemy doing only one argon2id hash and one INSERT."""

from __future__ import annotations

import os
import secrets

from argon2 import PasswordHasher
from flask import Flask, request
from sqlalchemy import Column, Integer, LargeBinary, MetaData, String, Table, create_engine

metadata = MetaData()
tips = Table(
    "bare_tips",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", LargeBinary),
    Column("receipt_hash", String(128)),
)


def create_app() -> Flask:
    """The baseline app: POST /tip hashes a fresh receipt with the same argon2id parameters and inserts one row."""
    app = Flask(__name__)
    engine = create_engine(os.environ["BASELINE_DATABASE_URL"])
    metadata.create_all(engine)
    hasher = PasswordHasher(
        time_cost=int(os.environ.get("ARGON2_TIME_COST", 2)),
        memory_cost=int(os.environ.get("ARGON2_MEMORY_KIB", 19456)),
        parallelism=int(os.environ.get("ARGON2_PARALLELISM", 1)),
    )

    @app.post("/tip")
    def tip():
        code = "".join(secrets.choice("0123456789") for _ in range(16))
        with engine.begin() as conn:
            conn.execute(tips.insert().values(text=request.form["text"].encode(), receipt_hash=hasher.hash(code)))
        return code

    @app.get("/")
    def ready():
        return "ok"

    return app


app = create_app() if "BASELINE_DATABASE_URL" in os.environ else None
