"""A path under /api/ that no route matches gets the API's JSON 404, like an unknown object does; the
rest of the site keeps its HTML page."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/items/1%0A2", "/api/v1/no-such-endpoint", "/api/v1/items/abc"])
def test_unmatched_api_paths_answer_in_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"].startswith("未找到")


def test_the_portal_keeps_its_html_404(client):
    response = client.get("/xxgk/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "<html" in response.content.decode()
