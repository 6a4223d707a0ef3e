import pytest

from tests.factories import make_published, make_staff


@pytest.fixture
def staff(db):
    return make_staff()


@pytest.fixture
def publish(staff, django_capture_on_commit_callbacks):
    """Publish an item the normal way and run what happens after commit (the index update)."""

    def publish(**data):
        with django_capture_on_commit_callbacks(execute=True):
            return make_published(staff, **data)

    return publish
