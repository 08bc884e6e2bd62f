"""Deployment configuration held in the database: categories, statuses, agencies and their areas."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tipline.extensions import db


def _localised(names: dict, lang: str) -> str:
    """Pick the name in lang, falling back to English."""
    return names.get(lang) or names.get("en") or next(iter(names.values()), "")


class Category(db.Model):
    """A deployment category (smuggling, suspicious vehicle, …) with names and keyword patterns per language."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    patterns: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    oversight: Mapped[bool] = mapped_column(Boolean, default=False)  # complaints: to the oversight body only

    def name(self, lang: str) -> str:
        """Name of the category in lang."""
        return _localised(self.names, lang)


class Status(db.Model):
    """A tip status with names and the reply text sent to the sender, per language."""

    __tablename__ = "statuses"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    names: Mapped[dict] = mapped_column(JSON, default=dict)
    replies: Mapped[dict] = mapped_column(JSON, default=dict)
    # what a complainant reads instead: only the oversight body handles a complaint, never the agency accused
    complaint_replies: Mapped[dict | None] = mapped_column(JSON)
    is_initial: Mapped[bool] = mapped_column(Boolean, default=False)
    is_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_hours: Mapped[int | None] = mapped_column(Integer)
    retention_days: Mapped[int | None] = mapped_column(Integer)  # content purged this long after closing
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, lang: str) -> str:
        """Name of the status in lang."""
        return _localised(self.names, lang)

    def reply(self, lang: str, complaint: bool = False) -> str:
        """The text telling the sender what this status means, in lang (a complaint's own text where there is one)."""
        texts = (complaint and self.complaint_replies) or self.replies or {}
        return texts.get(lang) or texts.get("en", "")


class Agency(db.Model):
    """An agency taking part in the deployment (police, sheriff, federal liaison, oversight body…)."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict | None] = mapped_column(JSON)  # the name in other languages, {lang: name}
    kind: Mapped[str] = mapped_column(String(32))  # police | sheriff | state | federal | liaison | oversight
    forward_url: Mapped[str | None] = mapped_column(String(500))  # the agency's own system, if any
    forward_secret_env: Mapped[str | None] = mapped_column(String(80))  # env var holding the HMAC secret
    about: Mapped[dict | None] = mapped_column(JSON)  # the agency's own words about itself, {lang: text}

    areas: Mapped[list[Area]] = relationship(back_populates="agency", cascade="all, delete-orphan")

    def display(self, lang: str) -> str:
        """The name in lang, or the name the deployment file gives first."""
        return (self.names or {}).get(lang) or self.name

    def about_in(self, lang: str) -> tuple[str, str] | None:
        """The agency's own words in lang, else in English, else in the first language given: (text, language)."""
        about = self.about or {}
        found = next((code for code in (lang, "en", *about) if about.get(code)), None)
        return (about[found], found) if found else None


class Area(db.Model):
    """A jurisdiction of an agency, as a GeoJSON geometry."""

    __tablename__ = "areas"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    names: Mapped[dict | None] = mapped_column(JSON)  # the name in other languages, {lang: name}
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    geometry: Mapped[dict] = mapped_column(JSON)

    agency: Mapped[Agency] = relationship(back_populates="areas")

    display = Agency.display


class Place(db.Model):
    """A gazetteer entry: a named place residents mention, with its point."""

    __tablename__ = "places"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    names: Mapped[list] = mapped_column(JSON, default=list)  # every spelling, any language
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
