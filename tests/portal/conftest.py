import pytest

from tests.factories import make_published, make_staff


@pytest.fixture
def staff(db):
    staff = make_staff()
    staff.org.site_domain = "wlj.sxjz.gov.cn"
    staff.org.site_id_code = "1407000052"
    staff.org.save()
    return staff


@pytest.fixture
def published(staff):
    return make_published(staff)
