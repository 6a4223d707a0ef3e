"""Settings for the test suite: the production settings (DEBUG off), except that a test machine has no
TLS terminator in front and no collected static files, and passwords hash fast."""

import os

os.environ.setdefault("GONGKAI_SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("GONGKAI_HTTPS", "0")
os.environ.setdefault("GONGKAI_STATIC_MANIFEST", "0")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; production uses argon2

# Parallel runs on one PostgreSQL server (several checkouts, helpers) each name their own test database.
if os.environ.get("GONGKAI_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["GONGKAI_TEST_DB_NAME"]}  # noqa: F405

# No persistent connections in tests: the live server's request threads would otherwise keep theirs open
# past the end of the run, and PostgreSQL could not drop the test database.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405

# Background jobs run at once, in memory: tests see their effect and nothing is queued under var/.
HUEY = {**HUEY, "immediate": True, "immediate_use_memory": True}  # noqa: F405

# Views are written at once in tests (production buffers them for a second).
GONGKAI_VIEW_FLUSH_SECONDS = 0
