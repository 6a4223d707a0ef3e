"""An id too large for the database is simply not found (404), never an overflow (500)."""

import pytest

from tests.factories import make_draft, make_staff

pytestmark = pytest.mark.django_db

HUGE = "9" * 25


@pytest.mark.parametrize(
    "path",
    [
        f"/console/items/{HUGE}/",
        f"/console/items/{HUGE}/edit/",
        f"/console/items/{HUGE}/review/",
        f"/console/items/{HUGE}/attachments/{HUGE}/",
        "/console/items/{pk}/attachments/" + HUGE + "/",
    ],
)
def test_a_25_digit_id_on_a_console_page_is_404(client, login, path):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = client.get(path.format(pk=item.pk))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/console/items/{HUGE}/action/submit/",
        f"/console/items/{HUGE}/attachments/",
        "/console/items/{pk}/attachments/" + HUGE + "/remove/",
    ],
)
def test_a_25_digit_id_in_a_console_action_is_404(client, login, path):
    staff = make_staff()
    item = make_draft(staff)
    login(staff.drafter)
    response = client.post(path.format(pk=item.pk), {"reason": "x"})
    assert response.status_code == 404


def test_the_largest_accepted_id_is_still_an_ordinary_404(client, login):
    staff = make_staff()
    login(staff.drafter)
    assert client.get(f"/console/items/{'9' * 18}/").status_code == 404
