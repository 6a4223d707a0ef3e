import pytest

# Settings: gongkai.config.test_settings (the production settings without TLS redirect).


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GONGKAI_CONCERN_LOCAL_ROOT = str(tmp_path / "concerns")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (ids repeat between tests; cached pages must not)."""
    from django.core.cache import cache

    cache.clear()


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (set GONGKAI_DATABASE_URL)")
        for item in items:
            if "postgres_only" in item.keywords:
                item.add_marker(skip)
