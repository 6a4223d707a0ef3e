import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Factory users get a password; argon2 would make the role matrix slow for no benefit."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
