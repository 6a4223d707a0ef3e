"""The 公众参与 pages of the console lead to each other."""

import pytest
from django.urls import reverse

from tests.factories import make_staff

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "current"),
    [("consultation_list", "征求意见"), ("message_list", "公众留言"), ("interview_console_list", "在线访谈")],
)
def test_each_participation_page_links_the_three_and_marks_its_own(client, name, current):
    staff = make_staff()
    client.force_login(staff.editor, backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse(f"participation_console:{name}")).content.decode()
    for other in ("consultation_list", "message_list", "interview_console_list"):
        assert f'href="{reverse(f"participation_console:{other}")}"' in html
    assert f'aria-current="page">{current}</a>' in html
