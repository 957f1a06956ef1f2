"""Settings for the offer builder, read from the environment.

Every setting has an embedded default that runs on one laptop (SQLite, Kombu's filesystem
transport, local files, console email); production sets the variables documented in README.md.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, used in emails and candidate links.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
COMPANY_NAME = env_str("COMPANY_NAME", "Example Corp")
# A file under static/ (the letter's renderer reads nothing else), shown at the letter's top.
COMPANY_LOGO = env_str("COMPANY_LOGO", "letters/logo.svg")
LETTER_SIGNATORY = env_str("LETTER_SIGNATORY", "Head of People")
LETTER_SIGNATORY_NAME = env_str("LETTER_SIGNATORY_NAME")  # the person who signs, by name
LETTER_TOKEN_TERMS = env_str(
    "LETTER_TOKEN_TERMS",
    "The AI token budget is for your work at the company only. It is not cash, cannot be "
    "exchanged for cash or transferred, and an unused day's budget is not carried over. "
    "The company may change the models available; the daily budget in US dollars stays as "
    "stated in your offer.",
)

INSTALLED_APPS = [
    "config.apps.ProjectAdminConfig",  # django.contrib.admin, with the approvers' home page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "ninja",  # the API docs' scripts and styles from our static files, not a CDN (CSP)
    "csp",
    "axes",
    "ops",
    "pricing",
    "offers",
    "signing",
    "api",
    "budgets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it turns a locked-out login into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ops.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so that a Celery worker process started by the tests sees the same rows.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # Connections are kept (DATABASE_CONN_MAX_AGE) on SQLite too: a request need not open one.

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the user with their recruiter role in the same query.
    "offers.auth.RoleBackend",
]
# Sessions live in the database, the one store every page needs anyway: a cache in front of it
# saved too little to be worth a second thing that can take every page down (README, "Sessions").
SESSION_ENGINE = "django.contrib.sessions.backends.db"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Each person lands where their work is (offers.views.home).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Password guessing: five failures from one address for one username lock it out for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind a load balancer, the number of proxies that append to X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

LANGUAGE_CODE = "en-us"
# The pages are in English; letters are written in their template's language, and the app's
# own parts of a letter (tables, headings, the token budget) are translated for these.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing dates and times everywhere, the admin included ("29 Nov 2026, 17:52").
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"  # never served: letters are downloaded through permission-checked views

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    default_storage: dict[str, object] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "offers@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Every page may load only what our own origin serves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery: Kombu's filesystem transport under var/ unless CELERY_BROKER_URL names a broker.
BROKER_DIR = VAR_DIR / "broker"
# The host name means nothing to this transport; naming one keeps Kombu from warning about it.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A job whose whole worker died is delivered again once it has been unacknowledged this
    # long, at the next scan for such jobs (every CELERY_RESTORE_INTERVAL seconds; Kombu's
    # default would scan every 100 s). See README.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 300),
        "unacked_restore_interval": env_int("CELERY_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": 1,
        # The workers' connection: a broker that vanished without closing the socket is given
        # up after these. Web requests publish with BROKER_WEB_TIMEOUT instead
        # (ops.services.web_broker_connection), so a hung broker holds no request.
        "socket_connect_timeout": 5,
        "socket_timeout": 15,
    }
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "offers")
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Worker processes keep their database connection between tasks, under the web's rules
# (DATABASE_CONN_MAX_AGE, health checks; config/celery.py). Celery would close it around every
# task, and on PostgreSQL a new connection is a new server process: 0.15 of this machine's two
# cores went to PostgreSQL while the letter benchmark ran. Celery's own count stays as a backstop.
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Seconds a web request waits for the broker per socket operation (publish, health check).
BROKER_WEB_TIMEOUT = env_int("BROKER_WEB_TIMEOUT", 1)
CELERY_TIMEZONE = TIME_ZONE
# Model prices. The primary source defines the current prices; the fallbacks are used, in order,
# only when the primary's newest prices are stale or its refreshes keep failing.
PRICE_SOURCES = ("genai-prices", "litellm", "openrouter")
PRICES_SOURCE = env_str("PRICES_SOURCE", "genai-prices")
if PRICES_SOURCE not in PRICE_SOURCES:
    raise ImproperlyConfigured(f"PRICES_SOURCE must be one of {', '.join(PRICE_SOURCES)}.")
PRICES_FALLBACKS = env_list(
    "PRICES_FALLBACKS", ",".join(s for s in PRICE_SOURCES if s != PRICES_SOURCE)
)
if set(PRICES_FALLBACKS) - set(PRICE_SOURCES) or PRICES_SOURCE in PRICES_FALLBACKS:
    raise ImproperlyConfigured(
        f"PRICES_FALLBACKS must name sources among {', '.join(PRICE_SOURCES)} other than "
        "PRICES_SOURCE."
    )
PRICES_REFRESH_HOURS = env_int("PRICES_REFRESH_HOURS", 6)
PRICES_STALE_AFTER_HOURS = env_int("PRICES_STALE_AFTER_HOURS", 48)
# A primary whose last this-many refreshes all failed gives way to a fresh fallback.
PRICES_FALLBACK_AFTER_FAILURES = env_int("PRICES_FALLBACK_AFTER_FAILURES", 3)
PRICES_FETCH_TIMEOUT = env_int("PRICES_FETCH_TIMEOUT", 20)
PRICES_FETCH_ATTEMPTS = env_int("PRICES_FETCH_ATTEMPTS", 3)
PRICES_FETCH_BACKOFF = 2.0  # seconds before the second attempt, doubling after
PRICES_URLS = {
    source: url
    for source, url in {
        "genai-prices": env_str("PRICES_GENAI_PRICES_URL"),
        "litellm": env_str("PRICES_LITELLM_URL"),
        "openrouter": env_str("PRICES_OPENROUTER_URL"),
    }.items()
    if url
}
# Sources disagreeing on a price class by more than this fraction are flagged.
PRICES_DISAGREEMENT = Decimal("0.05")

# The token line's words: an agent's working hours a day, and figures a budget is compared with.
TOKEN_AGENT_HOURS_PER_DAY = env_int("TOKEN_AGENT_HOURS_PER_DAY", 8)
if not 1 <= TOKEN_AGENT_HOURS_PER_DAY <= 24:
    raise ImproperlyConfigured("TOKEN_AGENT_HOURS_PER_DAY must be between 1 and 24.")


def env_decimal(name: str, default: str = "") -> Decimal | None:
    value = env_str(name, default).strip()
    if not value:
        return None
    try:
        number = Decimal(value)
    except ArithmeticError:
        raise ImproperlyConfigured(f"{name} must be a decimal number, not {value!r}.") from None
    if not number.is_finite() or number <= 0:
        raise ImproperlyConfigured(f"{name} must be more than zero, not {value!r}.")
    return number


# Anthropic's published figure for Claude Code across enterprise deployments ("Manage costs
# effectively", code.claude.com/docs/en/costs, read 2026-11-29): about $13 per developer per
# active day, under $30 for 90% of users.
TOKEN_REFERENCE_USD_PER_DAY = env_decimal("TOKEN_REFERENCE_USD_PER_DAY", "13")
TOKEN_REFERENCE_LABEL = env_str(
    "TOKEN_REFERENCE_LABEL",
    "Anthropic's published average Claude Code spend per developer per active day across "
    "enterprise deployments (code.claude.com/docs/en/costs; 90% of users stay below $30)",
)
# A flat-rate seat plan to compare with, where one is configured (e.g. 2400 for a $200/month plan).
TOKEN_SEAT_PLAN_USD_PER_YEAR = env_decimal("TOKEN_SEAT_PLAN_USD_PER_YEAR")
TOKEN_SEAT_PLAN_LABEL = env_str("TOKEN_SEAT_PLAN_LABEL", "a flat-rate seat plan")


# The company's LLM gateway, where the token budget is delivered after hire (README, "The token
# budget after hire"). Empty: budgets are not provisioned, and the pages say so.
TOKEN_GATEWAY = env_str("TOKEN_GATEWAY")
if TOKEN_GATEWAY not in {"", "mlflow", "litellm", "openrouter"}:
    raise ImproperlyConfigured(
        f"TOKEN_GATEWAY must be empty, mlflow, litellm or openrouter, not {TOKEN_GATEWAY!r}."
    )
TOKEN_GATEWAY_URL = env_str("TOKEN_GATEWAY_URL")
TOKEN_GATEWAY_ADMIN_USER = env_str("TOKEN_GATEWAY_ADMIN_USER")
TOKEN_GATEWAY_ADMIN_KEY = env_str("TOKEN_GATEWAY_ADMIN_KEY")
if not TOKEN_GATEWAY_ADMIN_KEY and env_str("TOKEN_GATEWAY_ADMIN_KEY_FILE"):
    try:
        TOKEN_GATEWAY_ADMIN_KEY = Path(env_str("TOKEN_GATEWAY_ADMIN_KEY_FILE")).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(
            f"TOKEN_GATEWAY_ADMIN_KEY_FILE cannot be read: {error}"
        ) from None
if TOKEN_GATEWAY and not (TOKEN_GATEWAY_URL and TOKEN_GATEWAY_ADMIN_KEY):
    raise ImproperlyConfigured(
        "TOKEN_GATEWAY is set: set TOKEN_GATEWAY_URL and TOKEN_GATEWAY_ADMIN_KEY (or _FILE) too."
    )
# The app's model ids → the gateway's model (endpoint) names, as JSON; a model not named here is
# called by its own id.
try:
    TOKEN_GATEWAY_MODELS: dict[str, str] = json.loads(env_str("TOKEN_GATEWAY_MODELS") or "{}")
except ValueError:
    raise ImproperlyConfigured("TOKEN_GATEWAY_MODELS must be a JSON object.") from None
if not isinstance(TOKEN_GATEWAY_MODELS, dict) or not all(
    isinstance(k, str) and isinstance(v, str) for k, v in TOKEN_GATEWAY_MODELS.items()
):
    raise ImproperlyConfigured('TOKEN_GATEWAY_MODELS must map names to names: {"gpt-5": "gpt5"}.')


def env_optional_int(name: str, default: str = "") -> int | None:
    value = env_str(name, default).strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of days, not {value!r}."
        ) from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} must be 0 or more days, not {value!r}.")
    return number


# Candidates' personal data is anonymized this many days after their offer ends (declined,
# expired, withdrawn, rejected and left); accepted offers after EMPLOYEE_RETENTION_DAYS, blank to
# keep them (the HR system takes over). See README, "Personal data".
CANDIDATE_RETENTION_DAYS = env_optional_int("CANDIDATE_RETENTION_DAYS", "180")
EMPLOYEE_RETENTION_DAYS = env_optional_int("EMPLOYEE_RETENTION_DAYS")

# Candidate links: wrong tokens a client may try before it is refused for a while.
CANDIDATE_LINK_GUESS_RATE = env_str("CANDIDATE_LINK_GUESS_RATE", "10/10m")
# Requests for a change (issue 38) one candidate link may send, like the guesses counted in the
# cache; past it the page answers 429 with Retry-After.
CANDIDATE_CHANGE_RATE = env_str("CANDIDATE_CHANGE_RATE", "10/h")
# Days an answered offer's link still shows it (and the candidate's signed letter), from the
# answer or from a fresh link the recruiter sends; then 410.
CANDIDATE_LINK_DAYS_AFTER_ANSWER = env_int("CANDIDATE_LINK_DAYS_AFTER_ANSWER", 30)
# The guess counter lives in the cache: give every web process the same one in production.
# A Redis that is down or hangs costs a request one short timeout; each process then counts in
# its own memory for CACHE_SKIP_SECONDS before it tries Redis again (ops.cache).
CACHE_URL = env_str("CACHE_URL")
CACHE_TIMEOUT_MS = env_int("CACHE_TIMEOUT_MS", 300)
CACHE_SKIP_SECONDS = env_int("CACHE_SKIP_SECONDS", 5)
if not 10 <= CACHE_TIMEOUT_MS <= 1000:
    raise ImproperlyConfigured("CACHE_TIMEOUT_MS must be between 10 and 1000 (milliseconds).")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "ops.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "TIMEOUT_SECONDS": CACHE_TIMEOUT_MS / 1000,
            "SKIP_SECONDS": CACHE_SKIP_SECONDS,
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// URL (or unset for a local cache).")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Letters: a render longer than the soft limit fails with a reason (the hard limit kills it);
# errors that can pass are retried with backoff up to LETTER_RETRY_BACKOFF_MAX seconds, which
# stays below Redis's visibility timeout so a waiting retry is never delivered twice; the sweep
# re-queues a letter queued or rendering for longer than these ages (its job was lost).
LETTER_SOFT_TIME_LIMIT = env_int("LETTER_SOFT_TIME_LIMIT", 60)
LETTER_TIME_LIMIT = env_int("LETTER_TIME_LIMIT", LETTER_SOFT_TIME_LIMIT + 30)
LETTER_MAX_ATTEMPTS = env_int("LETTER_MAX_ATTEMPTS", 5)
LETTER_RETRY_BACKOFF_MAX = env_int("LETTER_RETRY_BACKOFF_MAX", 60)
LETTER_REQUEUE_AFTER = env_int("LETTER_REQUEUE_AFTER", 120)
LETTER_STUCK_AFTER = env_int("LETTER_STUCK_AFTER", LETTER_TIME_LIMIT + 30)
LETTER_SWEEP_SECONDS = env_int("LETTER_SWEEP_SECONDS", 15)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    visibility = int(CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])  # type: ignore[call-overload]
    if visibility <= LETTER_RETRY_BACKOFF_MAX or visibility <= LETTER_TIME_LIMIT:
        raise ImproperlyConfigured(
            "CELERY_VISIBILITY_TIMEOUT must exceed LETTER_RETRY_BACKOFF_MAX and the letter "
            "time limit, or Redis delivers a waiting or running letter job twice."
        )

CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "worker-heartbeat": {"task": "ops.tasks.heartbeat", "schedule": 60.0},
    "expire-offers": {"task": "offers.tasks.expire_offers", "schedule": 3600.0},
    "sweep-letters": {
        "task": "offers.tasks.sweep_letters",
        "schedule": float(LETTER_SWEEP_SECONDS),
    },
    "apply-retention": {"task": "offers.tasks.apply_retention", "schedule": 24 * 3600.0},
    "sweep-signatures": {"task": "signing.tasks.sweep_signatures", "schedule": 300.0},
    "deliver-webhooks": {
        "task": "api.tasks.deliver_due",
        "schedule": float(env_int("WEBHOOK_SWEEP_SECONDS", 30)),
    },
    "refresh-prices": {
        "task": "pricing.tasks.refresh_prices",
        "schedule": PRICES_REFRESH_HOURS * 3600.0,
    },
    # Token budgets in the company's LLM gateway (nothing to do while TOKEN_GATEWAY is empty).
    "provision-budgets": {"task": "budgets.tasks.provision_due", "schedule": 3600.0},
    "sync-budget-spend": {
        "task": "budgets.tasks.sync_spend",
        "schedule": float(env_int("TOKEN_GATEWAY_SYNC_SECONDS", 900)),
    },
}

# Signed letters (README, "Signed letters"). Candidates sign with a one-time emailed code, and
# the letter is sealed with the company's document-signing certificate: a PKCS#12 file. In
# development (`make run`) a test certificate is made under var/signing/ and used when none is
# set; with none at all, candidates accept by typing their name.
SIGNING_TEST_CERTIFICATE = VAR_DIR / "signing" / "test-signing.p12"
SIGNING_CERTIFICATE = env_str("SIGNING_CERTIFICATE", str(SIGNING_TEST_CERTIFICATE) if DEBUG else "")
SIGNING_CERTIFICATE_PASSWORD = env_str("SIGNING_CERTIFICATE_PASSWORD")
SIGNING_TSA_URL = env_str("SIGNING_TSA_URL")  # an RFC 3161 timestamp authority, optional
SIGNING_CODE_MINUTES = env_int("SIGNING_CODE_MINUTES", 10)
SIGNING_CODE_ATTEMPTS = env_int("SIGNING_CODE_ATTEMPTS", 5)
SIGNING_CODE_SENDS = env_int("SIGNING_CODE_SENDS", 5)  # codes per signature, resends included
SIGNING_CODE_RESEND_SECONDS = env_int("SIGNING_CODE_RESEND_SECONDS", 60)
SIGNING_MAX_ATTEMPTS = env_int("SIGNING_MAX_ATTEMPTS", 5)  # sealing tries by the worker
SIGNING_VERIFY_MAX_BYTES = env_int("SIGNING_VERIFY_MAX_BYTES", 20 * 1024 * 1024)

# The API (README, "API and webhooks"): requests a key may make, and whether webhook endpoints
# may be on private or loopback addresses (refused in production unless set).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/m")
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # Candidate links carry their token in the URL: no log line may show it.
    "filters": {"redact_tokens": {"()": "ops.logging.RedactCandidateTokens"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        # Django's own default handlers (DEBUG's console, mail_admins) are replaced: every
        # record goes through the redacting console handler.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "fontTools": {"level": "ERROR"},  # "FFTM NOT subset" on every sealed letter
    },
}
