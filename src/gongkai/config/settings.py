"""Settings, all read from GONGKAI_* environment variables.

Embedded defaults (SQLite under var/, local-memory cache, SqliteHuey) make `make run` work on a fresh
machine; production sets GONGKAI_DEBUG=0, a secret key, allowed hosts, PostgreSQL and Redis.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent  # src/gongkai
PROJECT_DIR = Path(os.environ.get("GONGKAI_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("GONGKAI_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("GONGKAI_DEBUG", False)
SECRET_KEY = os.environ.get("GONGKAI_SECRET_KEY", "")
if not SECRET_KEY:
    # No secret in the repository: a fresh install makes its own random key under var/ and keeps it.
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(secrets.token_urlsafe(64))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
# Keys encrypting secrets in the database (TOTP secrets; gongkai.orgs.field_keys): comma-separated Fernet
# keys, the first encrypts, all decrypt. Empty: a key derived from SECRET_KEY (docs/operations.md).
GONGKAI_FIELD_KEYS = [k.strip() for k in os.environ.get("GONGKAI_FIELD_KEYS", "").split(",") if k.strip()]
ALLOWED_HOSTS = [h for h in os.environ.get("GONGKAI_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GONGKAI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "huey.contrib.djhuey",
    "ninja",
    "gongkai.core",
    "gongkai.orgs",
    "gongkai.workdays",
    "gongkai.audit",
    "gongkai.catalogue",
    "gongkai.feedback",
    "gongkai.publishing",
    "gongkai.console",
    "gongkai.reports",
    "gongkai.review",
    "gongkai.interpretation",
    "gongkai.concerns",
    "gongkai.participation",
    "gongkai.search",
    "gongkai.portal",
    "gongkai.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gongkai.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "gongkai.core.middleware.NullCharacterMiddleware",  # after CSRF: cleans the form it parsed
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "gongkai.orgs.middleware.AccountSecurityMiddleware",  # idle time-out, forced password change / 2FA
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongkai.config.urls"
WSGI_APPLICATION = "gongkai.config.wsgi.application"

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
                "gongkai.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("GONGKAI_DATABASE_URL", f"sqlite:///{VAR_DIR / 'gongkai.sqlite3'}"),
        conn_max_age=int(os.environ.get("GONGKAI_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections are kept like PostgreSQL's (opening one runs the three PRAGMAs below: a millisecond a
    # request for a cached public page, bench/RESULTS.md); CONN_HEALTH_CHECKS drops a broken one.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "GONGKAI_PG_PREPARE", True
):
    # Server-side parameter binding lets psycopg prepare the statements a connection repeats (after 5
    # uses), so PostgreSQL plans the workflow's queries once per connection instead of every time.
    # Behind a transaction-pooling PgBouncer set GONGKAI_PG_PREPARE=0 (it cannot keep prepared statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "gongkai.orgs.backends.RolePermissionBackend",  # 三员分立: admin permissions from membership roles
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# 等保 2.0 三级 (gongkai.orgs.passwords): 10+ characters of three of the four classes, not the user name,
# not one of the last 5, not a common password; valid for GONGKAI_PASSWORD_MAX_AGE_DAYS days.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "gongkai.orgs.passwords.ComplexityValidator",
        "OPTIONS": {"min_length": 10, "min_classes": 3},
    },
    {"NAME": "gongkai.orgs.passwords.UsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "gongkai.orgs.passwords.HistoryValidator",
        "OPTIONS": {"count": int(os.environ.get("GONGKAI_PASSWORD_HISTORY", "5"))},
    },
]
GONGKAI_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GONGKAI_PASSWORD_MAX_AGE_DAYS", "90"))  # 0: no expiry
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:inbox"
LOGOUT_REDIRECT_URL = "console:login"

AXES_FAILURE_LIMIT = int(os.environ.get("GONGKAI_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
# Lock by account, not by address: a whole bureau often sits behind one NAT address, and locking it
# would let one mistyped password shut out every colleague.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"

# Sessions (gongkai.orgs.middleware): logged out after GONGKAI_SESSION_IDLE_MINUTES without a console or
# admin request and GONGKAI_SESSION_MAX_HOURS after the login, with a message saying why. The stored
# session lives as long as the absolute cap, so the idle time-out is the middleware's (and explained).
GONGKAI_SESSION_IDLE_MINUTES = float(os.environ.get("GONGKAI_SESSION_IDLE_MINUTES", "30"))
GONGKAI_SESSION_MAX_HOURS = float(os.environ.get("GONGKAI_SESSION_MAX_HOURS", "12"))
# A login's second step (the code) must follow the password within this many seconds.
GONGKAI_LOGIN_CODE_SECONDS = int(os.environ.get("GONGKAI_LOGIN_CODE_SECONDS", "300"))
SESSION_COOKIE_AGE = int(GONGKAI_SESSION_MAX_HOURS * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"

# The product speaks Chinese whatever language the visitor's browser asks for (no LocaleMiddleware).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("GONGKAI_STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"  # never served directly: attachments go through a view that checks publication
MEDIA_ROOT = Path(os.environ.get("GONGKAI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("GONGKAI_STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# The deployment's own name and 网站标识码, for pages that belong to no single organisation.
GONGKAI_SITE_NAME = os.environ.get("GONGKAI_SITE_NAME", "政府信息公开平台")
GONGKAI_SITE_ID_CODE = os.environ.get("GONGKAI_SITE_ID_CODE", "")
# Static export of the public item pages for nginx (portal/export.py); unset: no export.
EXPORT_DIR = os.environ.get("GONGKAI_EXPORT_DIR") or None

# Upload limits: a clear Chinese message is given above these, nothing is half-written.
GONGKAI_MAX_ATTACHMENT_BYTES = int(os.environ.get("GONGKAI_MAX_ATTACHMENT_BYTES", str(50 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REDIS_URL = os.environ.get("GONGKAI_REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "gongkai",
        "url": REDIS_URL,
        "immediate": False,
        "utc": False,  # crontab hours are Beijing time (Django sets the process's TZ to TIME_ZONE)
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "gongkai",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": env_bool("GONGKAI_HUEY_IMMEDIATE", False),
        "utc": False,  # crontab hours are Beijing time (Django sets the process's TZ to TIME_ZONE)
    }

EMAIL_BACKEND = os.environ.get("GONGKAI_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# A hanging SMTP server must not outlast the outbox's 10-minute claim on a message (concerns/notify.py).
EMAIL_TIMEOUT = 30
# Public view counts are buffered per process and written at most once per this many seconds.
GONGKAI_VIEW_FLUSH_SECONDS = float(os.environ.get("GONGKAI_VIEW_FLUSH_SECONDS", "1"))

DEFAULT_FROM_EMAIL = os.environ.get("GONGKAI_FROM_EMAIL", "gongkai@localhost")
# The address staff reach the site at, for links in e-mails and group-robot messages (e.g. https://wlj.example.gov.cn).
GONGKAI_SITE_URL = os.environ.get("GONGKAI_SITE_URL", "")
# Local 舆情 sources (offline replays) may only read files under this folder.
GONGKAI_CONCERN_LOCAL_ROOT = os.environ.get("GONGKAI_CONCERN_LOCAL_ROOT", str(VAR_DIR / "concerns"))
# 舆情 sources and group robots may reach only public addresses (concerns/ssrf.py); 1 allows loopback,
# private, link-local and reserved ones too (intranet sources; the test suite's local servers).
GONGKAI_FETCH_ALLOW_PRIVATE = env_bool("GONGKAI_FETCH_ALLOW_PRIVATE", False)

# Security headers; production (DEBUG off) gets the strict set that `check --deploy` expects.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
if not DEBUG and env_bool("GONGKAI_HTTPS", True):
    SECURE_SSL_REDIRECT = env_bool("GONGKAI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGKAI_LOG_LEVEL", "INFO")},
    # huey's consumer adds its own handler: don't print each of its lines twice.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "huey": {"propagate": False}},
}
