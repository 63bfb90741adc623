"""SafePath settings: one file, every value from the environment.

The defaults run a laptop checkout on SQLite with in-memory layers. Set ``DATABASE_URL`` for
PostgreSQL and ``REDIS_URL`` for the Redis channel layer and cache. With
``SAFEPATH_ENV=production`` the settings refuse unsafe values instead of defaulting them.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SAFEPATH_ENV = os.environ.get("SAFEPATH_ENV", "development").strip().lower()
if SAFEPATH_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("SAFEPATH_ENV must be 'development' or 'production'.")
PRODUCTION = SAFEPATH_ENV == "production"

# Keys. In production both come from the environment and the well-known defaults are refused.
# On a laptop, a key missing from the environment is generated once into a local file that git
# ignores (SAFEPATH_KEY_FILE, by default safepath-keys.json beside manage.py), so a fresh
# checkout never signs cookies or wraps report keys with a public value. Back that file up:
# losing the master key loses every report encrypted with it (docs/operations.md).
DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
DEFAULT_MASTER_KEY = base64.b64encode(b"safepath-development-master-key!").decode()
KEY_FILE = Path(os.environ.get("SAFEPATH_KEY_FILE") or BASE_DIR / "safepath-keys.json")


def local_keys(path: Path) -> dict[str, str]:
    """Read the local key file, creating it with fresh random keys the first time.

    Several processes may start at once (server, worker, tests): the file is written under a
    temporary name and linked into place, so a reader sees either nothing or the whole file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SAFEPATH_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        }
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(keys, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race; its keys are the ones to use
        finally:
            temporary.unlink()
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"Cannot read the key file {path}: {error}") from error
    if not isinstance(loaded, dict):
        raise ImproperlyConfigured(f"The key file {path} must hold a JSON object.")
    return {str(name): str(value) for name, value in loaded.items()}


_env_secret_key = os.environ.get("SECRET_KEY", "")
_env_master_key = os.environ.get("SAFEPATH_MASTER_KEY", "")
if PRODUCTION or (_env_secret_key and _env_master_key):
    _file_keys: dict[str, str] = {}
else:
    _file_keys = local_keys(KEY_FILE)
SECRET_KEY = _env_secret_key or _file_keys.get("SECRET_KEY") or DEFAULT_SECRET_KEY
# Debug pages show settings and source to whoever triggers an error: only when asked for.
DEBUG = env_bool("DEBUG", default=False)

# The master key wraps every organization's data key (safepath.core.crypto).
SAFEPATH_MASTER_KEY = _env_master_key or _file_keys.get("SAFEPATH_MASTER_KEY") or DEFAULT_MASTER_KEY
# Previous master keys, comma-separated, kept only until `manage.py rotate_master_key` has run.
SAFEPATH_OLD_MASTER_KEYS = env_list("SAFEPATH_OLD_MASTER_KEYS", [])
for _master_key in [SAFEPATH_MASTER_KEY, *SAFEPATH_OLD_MASTER_KEYS]:
    try:
        _master_key_ok = len(base64.b64decode(_master_key, validate=True)) == 32
    except (binascii.Error, ValueError):
        _master_key_ok = False
    if not _master_key_ok:
        raise ImproperlyConfigured(
            "SAFEPATH_MASTER_KEY (and SAFEPATH_OLD_MASTER_KEYS) must be 32 random bytes, "
            "base64-encoded, e.g. the output of: openssl rand -base64 32"
        )

if PRODUCTION:
    if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "Refusing to start in production: set SECRET_KEY to a random value of at least "
            "32 characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("Refusing to start in production with DEBUG on.")
    if SAFEPATH_MASTER_KEY == DEFAULT_MASTER_KEY:
        raise ImproperlyConfigured(
            "Refusing to start in production: set SAFEPATH_MASTER_KEY to 32 random bytes, "
            "base64-encoded (the development default protects nothing)."
        )

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8000"))
# The public address printed on posters and encoded in QR codes (no trailing slash).
BASE_URL = os.environ.get("BASE_URL", f"http://{HOST}:{PORT}").rstrip("/")

_base_host = urlsplit(BASE_URL).hostname or "localhost"
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    sorted({_base_host, "127.0.0.1", "localhost", "[::1]"}) if not PRODUCTION else [_base_host],
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [f"{urlsplit(BASE_URL).scheme}://{urlsplit(BASE_URL).netloc}"]
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "safepath.core",
    "safepath.accounts",
    "safepath.placements",
    "safepath.reports",
    "safepath.routing",
    "safepath.cases",
    "safepath.api",
    "safepath.training",
    "safepath.analytics",
    "safepath.onboarding",
]

MIDDLEWARE = [
    # First, so that it compresses what every other middleware produced (see its docstring).
    "safepath.core.compression.CompressionMiddleware",
    "safepath.core.middleware.FormEncodingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safepath.core.middleware.ReporterPrivacyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safepath.accounts.middleware.StaffSessionMiddleware",
    "safepath.accounts.middleware.LearnerScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safepath.urls"
ASGI_APPLICATION = "safepath.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "safepath" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safepath.core.context_processors.safepath",
                "safepath.accounts.context_processors.staff",
                "safepath.onboarding.context_processors.onboarding",
            ],
        },
    },
]

# Database: SQLite file by default; DATABASE_URL (postgres://... or sqlite:///path) otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    # A pool of open connections per process (psycopg_pool). Without it every request opened
    # and closed its own PostgreSQL connection (a new server process each time): under load
    # that was a large share of the CPU. DATABASE_POOL_SIZE=0 turns the pool off; size it so
    # that servers x pool size stays under PostgreSQL's max_connections.
    DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "20"))
    if DATABASE_POOL_SIZE > 0 and "postgresql" in DATABASES["default"]["ENGINE"]:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_SIZE,
            "timeout": 30,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # However SQLite is configured: the web server and the worker write to the same file, so
    # take the write lock at BEGIN and wait for it rather than failing with "database is
    # locked", and let readers go on while one writes (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_TIMEOUT", "30")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The server runs requests on a fixed pool of threads (safepath.core.http_threads), so a
# connection can outlive its request: on SQLite each thread keeps its own for this long
# instead of opening one (and setting its pragmas) per request. PostgreSQL's connections come
# from the pool above (or, with the pool off, last as long too); Django refuses a lasting
# connection together with a pool.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" or not DATABASES["default"].get(
    "OPTIONS", {}
).get("pool"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "300"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# How many threads serve HTTP requests in one server process. Python runs one at a time; more
# than one lets a request run while another waits for the database.
SERVER_THREADS = int(os.environ.get("SERVER_THREADS", "8"))
# How long a reporter's answer keeps retrying when SQLite still says "database is locked"
# after its busy timeout (safepath.core.db.retry_when_locked).
SQLITE_WRITE_PATIENCE_SECONDS = float(os.environ.get("SQLITE_WRITE_PATIENCE_SECONDS", "120"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Live updates and cache: in-memory by default; Redis when REDIS_URL is set, so an event
# published by one server process reaches a dashboard connected to another.
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_CHANNEL_READ_TIMEOUT_SECONDS = 30
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # A socket waits for its next event in a blocking pop that Redis answers
                # after channels_redis' brpop_timeout (5 s) when nothing came. redis-py reads
                # every reply with a 5 s socket timeout by default, so that empty answer
                # "timed out" and killed the consumer: every idle dashboard socket dropped
                # every few seconds, and each reconnect's catch-up looked like activity.
                # Reads must outlast the pop (cases/tests/test_live_socket.py checks).
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": REDIS_CHANNEL_READ_TIMEOUT_SECONDS,
                        "socket_connect_timeout": 5,
                    }
                ],
                "prefix": "safepath",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "safepath",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses sign-in while an account is locked out
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after 5 failed passwords for one account from one address,
# that account is paused for 15 minutes from that address only. Keyed by account and source
# together: an outsider guessing passwords cannot keep an agency out of its inbox (its staff
# sign in from their own addresses), and one office's typos do not lock the office out of
# every account. Behind a reverse proxy set TRUSTED_PROXY_COUNT so the source is the client's
# address from X-Forwarded-For, not the proxy's.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_USERNAME_FORM_FIELD = "username"  # the sign-in form field that carries the email
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "safepath.accounts.views.locked_out"
AXES_VERBOSE = False
# A staff session ends after this long without a request (the dashboard's live socket does
# not count as activity).
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
OTP_TOTP_ISSUER = "SafePath"
# Passkeys (WebAuthn) as a second factor beside the authenticator app, never instead of the
# password. A passkey is bound to the site's host name; browsers allow WebAuthn on https://
# or on http://localhost, so a laptop checkout on 127.0.0.1 offers passkeys at localhost.
_base = urlsplit(BASE_URL)
_rp_host = _base.hostname or "localhost"
if _rp_host in {"127.0.0.1", "::1"}:
    _rp_host = "localhost"
OTP_WEBAUTHN_RP_ID = os.environ.get("PASSKEY_RP_ID", _rp_host)
OTP_WEBAUTHN_RP_NAME = "SafePath"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "PASSKEY_ORIGINS",
    [f"{_base.scheme}://{_rp_host}" + (f":{_base.port}" if _base.port else "")],
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The reporter's side speaks all of these (safepath/locale); staff pages are in English so far.
LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("zh-hans", "Chinese (Simplified)"),
    ("vi", "Vietnamese"),
    ("ko", "Korean"),
    ("tl", "Tagalog"),
    ("ht", "Haitian Creole"),
    ("pt", "Portuguese"),
    ("ru", "Russian"),
    ("uk", "Ukrainian"),
    ("ar", "Arabic"),
    ("fr", "French"),
]
LOCALE_PATHS = [BASE_DIR / "safepath" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve app static files straight from the source tree: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_AGE = 12 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))

# Email: Django's SMTP backend from the standard names; the console when EMAIL_HOST is unset.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "SafePath <safepath@localhost>")

# The reporter's side.
# Where "quick exit" sends a person: a neutral, busy site that raises no questions.
QUICK_EXIT_URL = os.environ.get("QUICK_EXIT_URL", "https://www.weather.gov/")
EMERGENCY_NUMBER = os.environ.get("EMERGENCY_NUMBER", "911")
HOTLINE_PHONE = os.environ.get("HOTLINE_PHONE", "1-888-373-7888")
HOTLINE_SMS = os.environ.get("HOTLINE_SMS", "233733")
# Paths whose pages are the reporter's side: strict headers, no logging of who asked.
REPORTER_PATH_PREFIXES = ("/Q/", "/q/", "/followup/", "/help/")
REPORTER_COOKIE_NAME = "sp"
REPORTER_COOKIE_AGE = int(os.environ.get("REPORTER_COOKIE_AGE", str(2 * 60 * 60)))
REPORTER_COOKIE_SECURE = PRODUCTION
REPORT_ANSWER_MAX_CHARS = 4000
REPORT_PHOTO_MAX_BYTES = int(os.environ.get("REPORT_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
# The largest request body the server accepts at all (safepath.asgi answers 413 above it),
# room for the largest upload (a 10 MB case document, a photo) and its form. Bodies up to it
# stay in memory, so a photo never touches the disk unencrypted.
REQUEST_MAX_BYTES = int(
    os.environ.get("REQUEST_MAX_BYTES", str(max(REPORT_PHOTO_MAX_BYTES, 10 * 1024 * 1024) + 2**20))
)
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
# A follow-up with a receipt stays open in this browser only while it is used: it ends on the
# server after this long without a request (and at once with quick exit). The cookie lives
# no longer. FOLLOWUP_COOKIE_AGE is the old name of the same setting.
FOLLOWUP_COOKIE_NAME = "spf"
FOLLOWUP_IDLE_SECONDS = int(
    os.environ.get("FOLLOWUP_IDLE_SECONDS", os.environ.get("FOLLOWUP_COOKIE_AGE", str(10 * 60)))
)
FOLLOWUP_COOKIE_AGE = FOLLOWUP_IDLE_SECONDS
# A report with no activity this long is "quiet": a message from the reporter then tells its
# recipients again, like a new report (a closed one also opens again).
REPORT_QUIET_SECONDS = int(os.environ.get("REPORT_QUIET_SECONDS", str(24 * 60 * 60)))

# Placements: where poster fonts live (Debian's fonts-noto-core and fonts-noto-cjk), how
# often a poster should be checked on site, and the limits of a CSV import and a batch.
POSTER_FONT_DIR = os.environ.get("POSTER_FONT_DIR", "/usr/share/fonts")
PLACEMENT_CHECK_DAYS = int(os.environ.get("PLACEMENT_CHECK_DAYS", "90"))
PLACEMENT_IMPORT_MAX_BYTES = int(os.environ.get("PLACEMENT_IMPORT_MAX_BYTES", str(1024 * 1024)))
PLACEMENT_IMPORT_MAX_ROWS = int(os.environ.get("PLACEMENT_IMPORT_MAX_ROWS", "2000"))
POSTER_BATCH_MAX = int(os.environ.get("POSTER_BATCH_MAX", "2000"))

# Training reminders: how often the worker sweeps for due reminders and recertifications.
TRAINING_SWEEP_SECONDS = int(os.environ.get("TRAINING_SWEEP_SECONDS", "300"))
# Reading speed behind each lesson's minimum open time (words per minute).
TRAINING_READING_WPM = int(os.environ.get("TRAINING_READING_WPM", "240"))
# How long before an instructor-led session its signed-up learners get a reminder email.
TRAINING_SESSION_REMINDER_HOURS = int(os.environ.get("TRAINING_SESSION_REMINDER_HOURS", "24"))
# Deliveries (the outbox): how long the worker keeps retrying before it gives up (then the
# delivery is marked failed, the organization's admins are told and the next tier is).
DELIVERY_MAX_AGE_SECONDS = int(os.environ.get("DELIVERY_MAX_AGE_SECONDS", str(60 * 60)))
# How long a worker holds a claimed delivery; a crashed worker's claim lapses after this.
DELIVERY_CLAIM_SECONDS = int(os.environ.get("DELIVERY_CLAIM_SECONDS", "120"))

# Routing. Slugs of organizations: the deployment's last resort when no tier acknowledges
# (e.g. a state task force), and the national hotline for reporters who want no police.
FALLBACK_ORGANIZATION = os.environ.get("SAFEPATH_FALLBACK_ORGANIZATION", "")
HOTLINE_ORGANIZATION = os.environ.get("SAFEPATH_HOTLINE_ORGANIZATION", "")
# Text messages: console (logs), locmem (tests) or twilio.
SMS_BACKEND = os.environ.get("SAFEPATH_SMS_BACKEND", "console")
SMS_TIMEOUT = int(os.environ.get("SMS_TIMEOUT", "10"))
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = os.environ.get("TWILIO_API_BASE", "https://api.twilio.com")
if SMS_BACKEND == "twilio" and not (
    TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER
):
    raise ImproperlyConfigured(
        "SAFEPATH_SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
        "TWILIO_FROM_NUMBER."
    )
# Webhook signing secrets are derived from this key (per webhook, rotatable), never stored.
# Unset: derived from SECRET_KEY, so rotating SECRET_KEY also rotates every webhook secret.
WEBHOOK_KEY = os.environ.get("SAFEPATH_WEBHOOK_KEY") or f"webhook:{SECRET_KEY}"
WEBHOOK_TIMEOUT = int(os.environ.get("WEBHOOK_TIMEOUT", "10"))
# Webhooks to private or local addresses: allowed in development (a receiver on localhost),
# refused in production so an admin cannot make SafePath probe the internal network.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", default=not PRODUCTION)
WORKER_POLL_SECONDS = float(os.environ.get("WORKER_POLL_SECONDS", "1.0"))

# Logs never carry who asked: no access log (see safepath.run), and Django's own request
# logger only names the path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"handlers": [], "propagate": False},
        "uvicorn.access": {"handlers": [], "propagate": False},
        "axes": {"level": "WARNING"},
        # fpdf2 subsets fonts through fontTools, which narrates every table at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

# The JSON API (/api/v1/): session for the dashboard, scoped bearer tokens for agency systems.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "safepath.api.authentication.TokenAuthentication",
        "safepath.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["safepath.api.authentication.HasScope"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SafePath API",
    "DESCRIPTION": "Reports, their timelines and status, and cases of the member's organizations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The schema is public so integrators can read it; every operation still needs a login.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "safepath.reports.models.ReportStatus",
        "CaseStatusEnum": "safepath.cases.models.CaseStatus",
    },
}

# Analytics (/analytics/). The map's base tiles come from this server, the one third-party
# request a staff page may make; empty means no base map (placements and hotspots still show).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
# H3 resolution of the hotspot grid (8: cells of about 0.7 km2, a few city blocks).
ANALYTICS_H3_RESOLUTION = int(os.environ.get("ANALYTICS_H3_RESOLUTION", "8"))
