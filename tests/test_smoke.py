import pytest

from tests.factories import make_published, make_staff


@pytest.mark.django_db
def test_item_goes_from_draft_to_published():
    staff = make_staff()
    item = make_published(staff)
    assert item.status == "published"
    assert item.index_number == f"{staff.org.code}/2026-00001"
