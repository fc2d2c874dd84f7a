"""Ovoz settings, driven by environment variables.

The embedded default (no variables set) runs on SQLite under ``./var/`` with the database task
backend and a secret key generated once into ``./var/secret_key``. ``OVOZ_ENV=production`` switches
on strict mode: DEBUG off, secure cookies, HSTS, and the secret key, database URL and allowed hosts
must be given. Every variable is documented in docs/deployment.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured
from environs import Env
from marshmallow.validate import OneOf

# Every setting Ovoz reads from the environment is read here, through environs: a malformed value
# (OVOZ_INTAKE_LIMIT=ten) stops the start with the variable's name instead of a bare ValueError.
env = Env()

# The package's own folder: templates, static files and the translation catalogs travel inside it, so a
# wheel installed anywhere serves every language. What Ovoz writes (database, keys, media) goes to
# OVOZ_VAR_DIR, by default ./var under the directory it is started from (never into site-packages).
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env.str("OVOZ_VAR_DIR", "") or Path.cwd() / "var").resolve()

ENVIRONMENT = env.str("OVOZ_ENV", "development")
IS_PRODUCTION = ENVIRONMENT == "production"


def _owner_only_var() -> None:
    """Everything Ovoz writes is for its own user only: files 0600, folders 0700.

    The umask covers what is created from now on in this process and the workers it starts (the
    SQLite database and its -wal and -shm files, keys, collected static files, logs a process
    manager writes); ``./var`` itself and the files in it that hold secrets or personal data are
    set right if an older version left them readable. Walking media would cost too much at every
    start: an owner-only ``./var`` already keeps every other user out of everything below it.
    """
    os.umask(0o077)
    if not IS_PRODUCTION:  # the embedded default keeps its database and keys there
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    for path in (VAR_DIR, VAR_DIR / "media", VAR_DIR / "mail"):
        _chmod_if_present(path, 0o700)
    for name in ("secret_key", "data_key", "ovoz.sqlite3", "ovoz.sqlite3-wal", "ovoz.sqlite3-shm"):
        _chmod_if_present(VAR_DIR / name, 0o600)


def _chmod_if_present(path: Path, mode: int) -> None:
    try:
        if path.exists() and (path.stat().st_mode & 0o777) != mode:
            path.chmod(mode)
    except OSError:  # not ours to change (another owner, a read-only mount): leave it as it is
        pass


_owner_only_var()


def _required(name: str) -> str:
    value = env.str(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when OVOZ_ENV=production.")
    return value


def _generated_secret_key() -> str:
    """Read the embedded deployment's secret key from ./var, creating it on first use."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


if IS_PRODUCTION:
    SECRET_KEY = _required("OVOZ_SECRET_KEY")
    DEBUG = False
    ALLOWED_HOSTS = [host.strip() for host in _required("OVOZ_ALLOWED_HOSTS").split(",") if host.strip()]
    DATABASE_URL = _required("OVOZ_DATABASE_URL")
else:
    SECRET_KEY = env.str("OVOZ_SECRET_KEY", "") or _generated_secret_key()
    DEBUG = env.bool("OVOZ_DEBUG", True)
    ALLOWED_HOSTS = env.list("OVOZ_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    DATABASE_URL = env.str("OVOZ_DATABASE_URL", f"sqlite:///{VAR_DIR / 'ovoz.sqlite3'}")

INSTALLED_APPS = [
    "ovoz.accounts.apps_admin.OvozAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "ovoz.core",
    "ovoz.accounts",
    "ovoz.places",
    "ovoz.concerns",
    "ovoz.groups",
    "ovoz.channels",
    "ovoz.insights",
    "ovoz.referrals",
    "ovoz.conversations",
    "ovoz.surveys",
    "ovoz.operations",
]

MIDDLEWARE = [
    # Outermost: counts and times every response, those other middleware make included (ovoz.core.metrics).
    "ovoz.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Outermost with the other header middleware, so that responses made by middleware further in
    # (the language redirect of LocaleMiddleware) carry the headers too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ovoz.core.middleware.SecurityHeadersMiddleware",
    "ovoz.core.middleware.RefuseNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside WhiteNoise (static files come compressed already), outside everything that makes a page;
    # it compresses only responses that carry no secret (docs/security.md, "Compression").
    "ovoz.core.compression.SafeGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ovoz.accounts.keys.UnlockCookieMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "ovoz.core.middleware.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Innermost: around the view only, so what other middleware writes afterwards (a session) is not
    # taken for a write of the view's (ovoz.core.replica).
    "ovoz.core.replica.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "ovoz.urls"
WSGI_APPLICATION = "ovoz.wsgi.application"
ASGI_APPLICATION = "ovoz.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ovoz.core.context_processors.languages",
                "ovoz.accounts.keys.key_notice",
                "ovoz.accounts.context_processors.recipient_notice",
                "ovoz.insights.context_processors.alerts_link",
            ],
        },
    },
]

# Persistent connections outside DEBUG; each is checked before a request reuses it, so a database
# restart costs no request that starts after the database is back (see the fault tests).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if DEBUG else 60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _sqlite_path = Path(DATABASES["default"]["NAME"])
    _sqlite_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _sqlite_path.exists():
        # Created owner-only before SQLite opens it; SQLite gives its -wal and -shm files the same mode.
        os.close(os.open(_sqlite_path, os.O_WRONLY | os.O_CREAT, 0o600))
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while the task worker writes; IMMEDIATE avoids lock upgrades.
        # secure_delete overwrites what a write frees, so emptied plain text (a Telegram draft sealed when
        # confidential is chosen, a concern made confidential at triage) is not left in free pages.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }

# A read replica of the primary (PostgreSQL streaming replication), for the public map, dashboard and
# open data only (ovoz.core.replica says which reads go there and why). In tests it mirrors the default.
REPLICA_DATABASE_URL = env.str("OVOZ_REPLICA_DATABASE_URL", "").strip()
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        REPLICA_DATABASE_URL, conn_max_age=0 if DEBUG else 60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ovoz.core.replica.ReplicaRouter"]
# The views (URL names) whose reads may go to the replica.
OVOZ_REPLICA_VIEWS = [
    "map",
    "dashboard",
    "dashboard_csv",
    "export_concerns",
    "export_areas",
    "api:stats_areas",
    "api:stats_points",
    "api:area_outlines",
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "staff:home"

# The key under which Ovoz encrypts what it keeps sealed (32 bytes, base64); the embedded default
# generates one into ./var/data_key (ovoz.core.crypto). Required in production.
OVOZ_DATA_KEY = env.str("OVOZ_DATA_KEY", "").strip()
# Where `ovoz serve` listens unless --host and --port say otherwise.
OVOZ_HOST = env.str("OVOZ_HOST", "127.0.0.1")
OVOZ_PORT = env.int("OVOZ_PORT", 8000)

# Per-account protection against password guessing (never keyed by client address).
OVOZ_LOGIN_FAILURES_BEFORE_LOCK = env.int("OVOZ_LOGIN_FAILURES_BEFORE_LOCK", 5)
OVOZ_LOGIN_LOCK_SECONDS = env.int("OVOZ_LOGIN_LOCK_SECONDS", 900)
# Concerns: the country assumed for phone numbers written without +, and how long a receipt works.
OVOZ_PHONE_REGION = env.str("OVOZ_PHONE_REGION", "UZ")
# Argon2id cost of wrapping a staff user's private key under their password or recovery key, as libsodium's
# levels: interactive (64 MiB, about 0.15 s on a small server), moderate (256 MiB, about 0.8 s) or sensitive
# (1 GiB, several seconds). Each wrapped key records the cost it was made at, so raising it later is safe.
_KEY_WRAP_LEVELS = {"interactive": (2, 64 << 20), "moderate": (3, 256 << 20), "sensitive": (4, 1 << 30)}
_key_wrap_level = env.str("OVOZ_KEY_WRAP_COST", "interactive", validate=OneOf(list(_KEY_WRAP_LEVELS)))
OVOZ_KEY_WRAP_COST = _KEY_WRAP_LEVELS[_key_wrap_level]
OVOZ_RECEIPT_DAYS = env.int("OVOZ_RECEIPT_DAYS", 365)
# Guessing receipts: at most this many FAILED receipt look-ups per client per 10 minutes (concerns.following).
OVOZ_FOLLOW_ATTEMPTS = env.int("OVOZ_FOLLOW_ATTEMPTS", 20)
# Behind nginx every request comes from 127.0.0.1: name the header in which the proxy passes the
# client's address (nginx: proxy_set_header X-Real-IP $remote_addr;), used only for rate limits.
OVOZ_CLIENT_ADDRESS_HEADER = env.str("OVOZ_CLIENT_ADDRESS_HEADER", "")
# Flooding: at most this many new concerns per client per 10 minutes, on the web form and the API.
OVOZ_INTAKE_LIMIT = env.int("OVOZ_INTAKE_LIMIT", 30)
OVOZ_SUPPORT_LIMIT = env.int("OVOZ_SUPPORT_LIMIT", 60)
OVOZ_SURVEY_LIMIT = env.int("OVOZ_SURVEY_LIMIT", 30)
# The KoboToolbox API token `ovoz survey-import-answers --kobo-url` sends (never a command-line argument).
OVOZ_KOBO_TOKEN = env.str("OVOZ_KOBO_TOKEN", "")
# Backups are sealed to this public key (`ovoz backup-keygen`); its private key stays off the server.
OVOZ_BACKUP_PUBLIC_KEY = env.str("OVOZ_BACKUP_PUBLIC_KEY", "").strip()
# Daily backups by the scheduler (with OVOZ_BACKUP_PUBLIC_KEY): the folder they are written to (unset:
# none), and how many days of them are kept there (older ones are deleted; the newest never is).
OVOZ_BACKUP_DIR = env.str("OVOZ_BACKUP_DIR", "").strip()
OVOZ_BACKUP_KEEP_DAYS = env.int("OVOZ_BACKUP_KEEP_DAYS", 14)
# Working groups: how long an invitation link works.
OVOZ_INVITATION_DAYS = env.int("OVOZ_INVITATION_DAYS", 7)
# The hour (local time) at which `ovoz serve` enqueues the members' daily reminder e-mail.
OVOZ_REMINDER_HOUR = env.int("OVOZ_REMINDER_HOUR", 7)
# `ovoz serve` (waitress; ovoz.operations.webserver): worker threads; open connections at most; seconds a
# connection may take to send a request's headers, and may stay silent; how often that is checked;
# the largest request body (three 5 MB photos and the form; nginx's client_max_body_size matches it).
OVOZ_SERVE_THREADS = env.int("OVOZ_SERVE_THREADS", 8)
OVOZ_SERVE_CONNECTION_LIMIT = env.int("OVOZ_SERVE_CONNECTION_LIMIT", 1000)
OVOZ_SERVE_HEADER_TIMEOUT = env.int("OVOZ_SERVE_HEADER_TIMEOUT", 10)
OVOZ_SERVE_CHANNEL_TIMEOUT = env.int("OVOZ_SERVE_CHANNEL_TIMEOUT", 30)
OVOZ_SERVE_CLEANUP_INTERVAL = env.int("OVOZ_SERVE_CLEANUP_INTERVAL", 2)
OVOZ_SERVE_MAX_REQUEST_BYTES = env.int("OVOZ_SERVE_MAX_REQUEST_BYTES", 16 * 1024 * 1024)
# Request bodies: fields (and JSON bodies) up to 1 MB are read into memory; uploaded files above 1 MB
# spill to owner-only temporary files (mode 0600) instead of being held in memory while a request waits.
# The whole body is capped by the server in front (`ovoz serve`: OVOZ_SERVE_MAX_REQUEST_BYTES; nginx:
# client_max_body_size), and each photo at 5 MB (ovoz.core.images).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 10
OTP_TOTP_ISSUER = env.str("OVOZ_TOTP_ISSUER", "Ovoz")
OTP_TOTP_THROTTLE_FACTOR = 1

# Languages: English is the source; the catalogs live in ovoz/locale. Django ships no locale for
# Karakalpak (kaa), so it is described here before LANGUAGES lists it (see docs/architecture.md);
# its date and number formats live in ovoz/formats/kaa/ (FORMAT_MODULE_PATH).
LANG_INFO.update({"kaa": {"bidi": False, "code": "kaa", "name": "Karakalpak", "name_local": "Qaraqalpaqsha"}})
FORMAT_MODULE_PATH = ["ovoz.formats"]
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("uz", "Oʻzbekcha"),
    ("tg", "Тоҷикӣ"),
    ("ky", "Кыргызча"),
    ("kk", "Қазақша"),
    ("kaa", "Qaraqalpaqsha"),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("OVOZ_TIME_ZONE", "Asia/Tashkent")
USE_TZ = True
LANGUAGE_COOKIE_NAME = "ovoz_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = IS_PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("OVOZ_STATIC_ROOT", "") or VAR_DIR / "static")
STATICFILES_DIRS = [PACKAGE_DIR / "static"]  # the stylesheet and vendored libraries (ovoz/static/vendor/)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("OVOZ_MEDIA_ROOT", "") or VAR_DIR / "media")
# Django's default for uploaded files is 0644: uploads are photos from reporters, for Ovoz's user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Static files are collected with content hashes in their names (cached for a year) and with gzip and
# brotli copies beside them, which WhiteNoise serves to the browsers that accept them, in every mode:
# `ovoz serve` collects them when the sources changed (ovoz.operations.staticfiles). With DEBUG on
# (`ovoz runserver`) pages link the plain names, served from the source folders by the finders.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "ovoz.core.compression.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
if not IS_PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it before the first collection

NINJA_PAGINATION_MAX_LIMIT = 200

# Background tasks (DESIGN §2): the database backend by default, RQ on Redis when configured.
REDIS_URL = env.str("OVOZ_REDIS_URL", "")
if REDIS_URL:
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif IS_PRODUCTION:
    # Rate limits, receipt-guessing limits and the scheduler's daily claim must count across every web
    # process (gunicorn runs several): without Redis they live in the database (the table `ovoz_cache`,
    # made by the operations app's migrations), never in a per-process memory cache.
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ovoz_cache"}}
else:
    # The embedded default is one process (`ovoz serve`): its cache lives in that process.
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ovoz",
        }
    }

# Django looks for its own CSRF middleware by name; Ovoz runs a subclass of it (docs/adr/0003), and
# ovoz.core.checks verifies that one instead.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# Security (DESIGN §5). Cookies never leave the site; production adds HTTPS-only everything.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"  # the CSRF check relies on it for Origin: null (docs/adr/0003)
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies can only be set by this exact host over https: no sibling subdomain can
    # plant a session or CSRF cookie ("cookie tossing").
    SESSION_COOKIE_NAME = "__Host-ovoz_session"
    CSRF_COOKIE_NAME = "__Host-ovoz_csrf"
    SECURE_SSL_REDIRECT = env.bool("OVOZ_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env.int("OVOZ_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Probes and Prometheus ask the server itself, over plain http (docs/deployment.md, "Health").
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    if env.bool("OVOZ_BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if not host.startswith(".")]
    if not SECURE_SSL_REDIRECT:
        SILENCED_SYSTEM_CHECKS += ["security.W008"]

# E-mail to reporters who gave an address, and to staff. Without OVOZ_SMTP_URL mail is written to
# owner-only files under ./var/mail (never to the console: it carries addresses), which retention
# deletes after OVOZ_MAIL_FILE_DAYS; production refuses to start without a relay (ovoz.core.checks).
SMTP_URL = env.str("OVOZ_SMTP_URL", "")
DEFAULT_FROM_EMAIL = env.str("OVOZ_FROM_EMAIL", "Ovoz <noreply@localhost>")
if SMTP_URL:
    from urllib.parse import unquote, urlsplit

    _smtp = urlsplit(SMTP_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname or "localhost"
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp+tls"
else:
    EMAIL_BACKEND = "ovoz.core.mail.OwnerOnlyFileBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
# Retention of traces that are not concerns: finished task results (their arguments and, for a failed
# task, its traceback) and the development mail files, deleted this many days after they were written.
OVOZ_TASK_RESULT_DAYS = env.int("OVOZ_TASK_RESULT_DAYS", 7)
OVOZ_MAIL_FILE_DAYS = env.int("OVOZ_MAIL_FILE_DAYS", 7)
# The one base address of every absolute link Ovoz writes (e-mails, exports, webhook URLs, invitations;
# e.g. https://ovoz.example.org). Outside production it defaults to the address `ovoz serve` prints
# (http://localhost:$OVOZ_PORT); `ovoz serve --port` follows its own port when the variable is not set.
PUBLIC_URL_GIVEN = bool(env.str("OVOZ_PUBLIC_URL", ""))
OVOZ_PUBLIC_URL = env.str("OVOZ_PUBLIC_URL", f"http://localhost:{OVOZ_PORT}").rstrip("/")

# Map background tiles, e.g. https://tiles.example.org/{z}/{x}/{y}.png. None by default: a tile server
# of another organisation learns every visitor's address (DESIGN §5), so a deployment opts in.
OVOZ_MAP_TILE_URL = env.str("OVOZ_MAP_TILE_URL", "")
OVOZ_MAP_TILE_ATTRIBUTION = env.str("OVOZ_MAP_TILE_ATTRIBUTION", "")
# Early warning (ovoz.insights.early_warning): false alert episodes an administrator accepts per series
# (area × theme) and year; lower means fewer, later alerts.
OVOZ_ALERT_FALSE_EPISODES_PER_YEAR = env.float("OVOZ_ALERT_FALSE_EPISODES_PER_YEAR", 0.5)
# Compare each new concern with recent ones of its area in the task worker (issue 15).
OVOZ_DUPLICATE_PROPOSALS = env.bool("OVOZ_DUPLICATE_PROPOSALS", True)
# The licence of the open data exports (docs/data.md), as an SPDX identifier or a URL.
OVOZ_DATA_LICENCE = env.str("OVOZ_DATA_LICENCE", "CC-BY-4.0")

# Monitoring (docs/deployment.md, "Health, metrics, logs"): /metrics, and the details of /readyz, answer
# only to `Authorization: Bearer <OVOZ_METRICS_TOKEN>`; without a token /metrics does not exist.
OVOZ_METRICS_TOKEN = env.str("OVOZ_METRICS_TOKEN", "").strip()
# prometheus-client reads this variable itself, when it is first imported: with several processes
# (gunicorn workers) each keeps its values in files there, and /metrics adds them up.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", "")
# /readyz fails when more tasks than this wait to run, or the media folder's disk has less free space.
OVOZ_READY_MAX_TASK_BACKLOG = env.int("OVOZ_READY_MAX_TASK_BACKLOG", 1000)
OVOZ_READY_MIN_FREE_MEDIA_MB = env.int("OVOZ_READY_MIN_FREE_MEDIA_MB", 500)

# Log lines as one JSON object each (ovoz.core.logformat) or as plain text; JSON by default in production.
OVOZ_LOG_FORMAT = env.str("OVOZ_LOG_FORMAT", "json" if IS_PRODUCTION else "text", validate=OneOf(["json", "text"]))

# Logging: never personal data. Django's request and security loggers log the path of a failed
# request, never its address or user agent: only the plain message reaches the console, and
# Django's default "mail_admins" handler, whose report lists every request header, is dropped.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "ovoz.core.logformat.JsonFormatter"},
    },
    "filters": {
        "without_addresses": {"()": "ovoz.core.logfilters.WithoutClientAddresses"},
        "without_exception_text": {"()": "ovoz.core.logfilters.WithoutExceptionText"},
        "without_secret_paths": {"()": "ovoz.core.logfilters.WithoutSecretPaths"},
    },
    # An exception's message may hold what it was working on (a refused e-mail address, a URL with a
    # bot token): the console prints tracebacks with their code locations and exception classes only.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if OVOZ_LOG_FORMAT == "json" else "plain",
            "filters": ["without_exception_text", "without_secret_paths"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("OVOZ_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"level": "WARNING"},
        # waitress logs a failing connection with the client's address (`ovoz serve`).
        "waitress": {"filters": ["without_addresses"]},
        # httpx logs every request's URL at INFO, and Bot API URLs carry the bot's token.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
