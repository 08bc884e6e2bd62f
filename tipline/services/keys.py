"""Key rotation: re-encrypt every encrypted column and stored file under the newest data key, in batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import LargeBinary, select, type_coerce, update

from tipline.extensions import db
from tipline.models.types import EncryptedText
from tipline.services import crypto, uploads


@dataclass
class Progress:
    """What one rotation did: values re-encrypted and values already under the newest key."""

    rotated: int = 0
    current: int = 0


def _primary() -> Fernet:
    """The newest key alone: a value it can read needs no rotation (so an interrupted run resumes cheaply)."""
    return Fernet(current_app.config["DATA_ENCRYPTION_KEYS"].split(",")[0].strip())


def _needs_rotation(token: bytes) -> bool:
    """True when the value is not yet encrypted under the newest key."""
    try:
        _primary().decrypt(token)
    except InvalidToken:
        return True
    return False


def encrypted_columns() -> Iterator[tuple]:
    """(table, primary-key column, encrypted column) for every EncryptedText column of every model."""
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)[0]
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield table, pk, column


def _rotate_column(table, pk, column, batch: int, progress: Progress) -> None:
    """Walk one column by primary key, re-encrypting values in committed batches."""
    raw = type_coerce(column, LargeBinary)
    after = None
    while True:
        query = select(pk, raw).where(column.is_not(None)).order_by(pk).limit(batch)
        if after is not None:
            query = query.where(pk > after)
        rows = db.session.execute(query).all()
        if not rows:
            return
        for key, token in rows:
            if _needs_rotation(bytes(token)):
                new = crypto.fernet().rotate(bytes(token))
                db.session.execute(update(table).where(pk == key).values({column.name: type_coerce(new, LargeBinary)}))
                progress.rotated += 1
            else:
                progress.current += 1
            after = key
        db.session.commit()


def _rotate_files(progress: Progress) -> None:
    """Re-encrypt the attachment store, one file at a time (atomic replace)."""
    for path in sorted(uploads.store_dir().iterdir()):
        if path.suffix == ".part":
            continue
        token = path.read_bytes()
        if not _needs_rotation(token):
            progress.current += 1
            continue
        tmp = path.with_suffix(".part")
        tmp.write_bytes(crypto.fernet().rotate(token))
        tmp.replace(path)
        progress.rotated += 1


def rotate(batch: int = 500) -> Progress:
    """Re-encrypt everything under the first key of DATA_ENCRYPTION_KEYS (the old keys must still be listed)."""
    progress = Progress()
    for table, pk, column in encrypted_columns():
        _rotate_column(table, pk, column, batch, progress)
    _rotate_files(progress)
    return progress
