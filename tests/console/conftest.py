import pytest

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture(autouse=True)
def _console_settings(settings):
    # The Chinese lockout page (to be set in the project settings as well).
    settings.AXES_LOCKOUT_CALLABLE = "gongkai.console.views.lockout"


@pytest.fixture
def login(client):
    """Log a person in (the session way a browser would have after the login page)."""

    def _login(user, c=None):
        c = c or client
        c.force_login(user, backend=MODEL_BACKEND)
        return c

    return _login
