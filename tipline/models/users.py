"""Officers and administrators: argon2id passwords, mandatory TOTP, recovery codes, roles scoped to an agency."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db
from tipline.models.types import EncryptedText, UTCDateTime, utcnow

ROLES = ("officer", "supervisor", "oversight", "admin")


class User(UserMixin, db.Model):
    """A liaison officer, supervisor, oversight reviewer or administrator of one agency."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(128))
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # the last accepted code's time step
    role: Mapped[str] = mapped_column(String(16))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # until when failed logins keep some address out (shown to admins); each address has its own LoginFailure
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency = relationship("Agency", lazy="joined")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot log in (Flask-Login)."""
        return self.active

    def get_id(self) -> str:
        """Session identifier: changes when the user is disabled or their second factor is reset."""
        return f"{self.id}:{self.session_version}"


Index("uq_users_username_lower", func.lower(User.username), unique=True)  # IA.Reviewer beside ia.reviewer


class RecoveryCode(db.Model):
    """A one-time recovery code, stored as an argon2id hash behind a keyed index (as receipt codes)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lookup: Mapped[str | None] = mapped_column(String(64))  # keyed hash finding the row; None: issued before 0018
    code_hash: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")


class LoginFailure(db.Model):
    """Failed logins to one account from one client, keyed as the rate limiter keys it: a keyed hash of the
    address and the day, never the address. Its lock keeps that client out, not the officer elsewhere."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("user_id", "client"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
