"""Settings, one class per environment; every value comes from an environment variable."""

from __future__ import annotations

import os


class ConfigError(RuntimeError):
    """A setting that is missing or malformed: the message names the variable and what it accepts."""


def _env_int(name: str, default: int, kind: type = int) -> int:
    """Read an integer (or, with kind=float, a decimal) setting from the environment."""
    value = os.environ.get(name) or default  # an empty value (NAME= in an env file) means the default
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"{name} must be a {'whole ' if kind is int else ''}number, not {value!r}") from None


BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _env_bool(name: str, default: bool) -> bool:
    """Read an on/off setting (1/true/yes/on or 0/false/no/off) from the environment."""
    value = os.environ.get(name)
    if not value or not value.strip():  # unset, or NAME= in an env file
        return default
    if value.strip().lower() not in BOOLEANS:
        raise ConfigError(f"{name} must be one of {', '.join(BOOLEANS)}, not {value!r}")
    return BOOLEANS[value.strip().lower()]


SUPPORTED_LANGUAGES = ("en", "es", "fr", "ar", "ht")  # the languages with a catalog in translations/


def _env_languages(name: str) -> tuple[str, ...]:
    """Read the languages the site offers: comma-separated codes with a catalog, English among them."""
    value = (os.environ.get(name) or "").strip()
    if not value:
        return SUPPORTED_LANGUAGES
    codes = tuple(dict.fromkeys(code.strip().lower() for code in value.split(",") if code.strip()))
    if not set(codes) <= set(SUPPORTED_LANGUAGES) or "en" not in codes:
        raise ConfigError(
            f"{name} must list languages from {', '.join(SUPPORTED_LANGUAGES)}, with en among them, not {value!r}"
        )
    return codes


class Config:
    """Defaults shared by every environment (development and the demo)."""

    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None -> SQLite file in the instance folder
    # Per process: pool_size + max_overflow connections (gunicorn workers × that ≤ PostgreSQL max_connections).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        **(
            {
                "pool_size": _env_int("DB_POOL_SIZE", 5),
                "max_overflow": _env_int("DB_MAX_OVERFLOW", 5),
                "pool_recycle": _env_int("DB_POOL_RECYCLE", 1800),
            }
            if (os.environ.get("DATABASE_URL") or "").startswith("postgresql")
            else {}
        ),
    }
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    PROXY_HOPS = _env_int("PROXY_HOPS", 0)  # reverse proxies in front whose X-Forwarded-For/-Proto are trusted
    TIPLINE_DEPLOYMENT = os.environ.get("TIPLINE_DEPLOYMENT")
    # Comma-separated Fernet keys, newest first; None -> generated in the instance folder (demo only).
    DATA_ENCRYPTION_KEYS = os.environ.get("DATA_ENCRYPTION_KEYS")
    RECEIPT_INDEX_KEY = os.environ.get("RECEIPT_INDEX_KEY")
    ATTACHMENT_DIR = os.environ.get("ATTACHMENT_DIR")  # None -> instance/attachments
    AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE")  # None -> instance/audit-anchors.txt
    AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY")  # HMAC key of the audit chain's links, never in the database
    REQUIRE_KEYS = False  # production refuses to start without explicit keys
    DEMO_ALLOWED = True  # `tipline demo` seeds accounts whose passwords and TOTP secrets every install shares
    LANGUAGES = _env_languages("TIPLINE_LANGUAGES")  # offered on the site, and the languages triage tells apart
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TIPLINE_TIMEZONE", "UTC")
    MAX_CONTENT_LENGTH = _env_int("MAX_REQUEST_BYTES", 31 * 1024 * 1024)  # 3 attachments of 10 MB and the text
    MAX_ATTACHMENT_BYTES = _env_int("MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
    MAX_ATTACHMENTS = 3
    # Pixels of all photos of one request together, read from their headers before any is decoded; a worker decodes
    # one photo at a time, 4 bytes a pixel: 160 MB at most with 40 megapixels.
    MAX_UPLOAD_PIXELS = _env_int("MAX_UPLOAD_PIXELS", 40_000_000)
    # argon2id at OWASP's minimum: m=19 MiB, t=2, p=1.
    ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 19 * 1024)
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)
    FOLLOWUP_RATE_LIMIT = os.environ.get("FOLLOWUP_RATE_LIMIT", "10 per minute;30 per hour")
    TIP_RATE_LIMIT = os.environ.get("TIP_RATE_LIMIT", "30 per hour")  # web tips sent per address, refused ones too
    EVENT_FEEDBACK_RATE_LIMIT = os.environ.get("EVENT_FEEDBACK_RATE_LIMIT", "120 per hour")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # How long a request may wait for the limiter's storage (and the web process for the broker) before going on
    # without it: a Redis that is down or frozen never holds a resident.
    SERVICE_TIMEOUT_SECONDS = _env_int("SERVICE_TIMEOUT_SECONDS", 0.5, float)
    RATELIMIT_STORAGE_OPTIONS = {
        "socket_timeout": SERVICE_TIMEOUT_SECONDS,
        "socket_connect_timeout": SERVICE_TIMEOUT_SECONDS,
    }
    # Storage unreachable: each process counts in its own memory (logged once) until it answers again; a failure
    # after the view (the deduction of an accepted tip) is logged, never turned into an error page.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_HEADERS_ENABLED = False
    FORWARD_RETRY_BASE_SECONDS = _env_int("FORWARD_RETRY_BASE_SECONDS", 30, float)
    ROUTING_BOUNDARY_METERS = _env_int("ROUTING_BOUNDARY_METERS", 250, float)
    TRIAGE_MODEL_DIR = os.environ.get("TRIAGE_MODEL_DIR")  # None -> the model shipped with ml/
    # Background work: Celery on this broker; unset -> tasks run inline in the request (the embedded default).
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "tipline")
    CELERY_VISIBILITY_TIMEOUT = _env_int("CELERY_VISIBILITY_TIMEOUT", 3600)  # redelivery after a lost worker
    CELERY_RESTORE_SECONDS = _env_int("CELERY_RESTORE_SECONDS", 60)
    TRIAGE_ENABLED = _env_bool("TRIAGE_ENABLED", True)
    # `tipline serve`: tasks queued after the response per worker (beyond, their tips wait for the sweep), and
    # without a broker how often a worker sweeps tips left pending
    BACKGROUND_QUEUE_SIZE = _env_int("BACKGROUND_QUEUE_SIZE", 1000)
    TRIAGE_SWEEP_SECONDS = _env_int("TRIAGE_SWEEP_SECONDS", 300, float)
    # Transparency: counts from 1 to k-1 are published as "<k"; only complete months older than the delay are shown.
    TRANSPARENCY_MIN_COUNT = _env_int("TRANSPARENCY_MIN_COUNT", 5)
    TRANSPARENCY_DELAY_DAYS = _env_int("TRANSPARENCY_DELAY_DAYS", 30)
    TRANSPARENCY_LICENSE = os.environ.get("TRANSPARENCY_LICENSE", "CC-BY-4.0")
    # SMS channel (a Twilio-compatible gateway); the number key is generated in the instance folder in the demo.
    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN")
    TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER")
    TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")
    # WhatsApp through Twilio (same account): off until the WhatsApp sender number is set. After 24 hours without a
    # message from the resident only a pre-approved template may be sent: its Content SID and its text.
    WHATSAPP_FROM_NUMBER = os.environ.get("WHATSAPP_FROM_NUMBER")
    WHATSAPP_TEMPLATE_SID = os.environ.get("WHATSAPP_TEMPLATE_SID")
    WHATSAPP_TEMPLATE_TEXT = os.environ.get("WHATSAPP_TEMPLATE_TEXT")
    # Every conversation channel: the address key, the conversation window, the rate limit, stored replies.
    SMS_NUMBER_KEY = os.environ.get("SMS_NUMBER_KEY")
    SMS_PUBLIC_NUMBER = os.environ.get("TIPLINE_SMS_NUMBER")  # the number residents text, shown on the home page
    SMS_CONVERSATION_HOURS = _env_int("SMS_CONVERSATION_HOURS", 72)
    SMS_RATE_LIMIT = os.environ.get("SMS_RATE_LIMIT", "20 per hour")
    SMS_REPLY_RETENTION_HOURS = _env_int("SMS_REPLY_RETENTION_HOURS", 24)
    WTF_CSRF_CHECK_DEFAULT = False  # every form is a FlaskForm that checks its own token
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = PUBLIC_BASE_URL.startswith("https://")
    PERMANENT_SESSION_LIFETIME = _env_int("SESSION_LIFETIME_SECONDS", 3600)


class DevelopmentConfig(Config):
    """The demo: SQLite in the instance folder, triage inline, keys generated on first start."""


class TestConfig(Config):
    """The test suite: a throw-away database, cheap argon2 parameters unless a test asks for real ones."""

    TESTING = True
    LANGUAGES = SUPPORTED_LANGUAGES  # the suite tests every language, whatever TIPLINE_LANGUAGES says
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    DATA_ENCRYPTION_KEYS = "ZmFrZS10ZXN0LWtleS0wMDAwMDAwMDAwMDAwMDAwMDA="
    RECEIPT_INDEX_KEY = "test-receipt-index-key"
    AUDIT_CHAIN_KEY = "test-audit-chain-key"
    ARGON2_MEMORY_KIB = 1024
    ARGON2_TIME_COST = 1
    RATELIMIT_ENABLED = True
    CELERY_BROKER_URL = None
    FORWARD_RETRY_BASE_SECONDS = 0
    TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
    TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
    TWILIO_FROM_NUMBER = "+15005550006"
    TWILIO_API_BASE = "http://127.0.0.1:9"  # tests point it at their own local server
    WHATSAPP_FROM_NUMBER = "+15005550007"
    WHATSAPP_TEMPLATE_SID = "HX" + "0" * 32
    WHATSAPP_TEMPLATE_TEXT = "The tip line has answered your tip. Reply to this message to read the answer."
    SMS_NUMBER_KEY = "test-sms-number-key"
    SMS_CONVERSATION_HOURS = 72
    SMS_RATE_LIMIT = "60 per hour"
    SMS_REPLY_RETENTION_HOURS = 24


class ProductionConfig(Config):
    """Production: every key must be given explicitly, cookies are Secure."""

    REQUIRE_KEYS = True
    DEMO_ALLOWED = False
    SESSION_COOKIE_SECURE = True


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
