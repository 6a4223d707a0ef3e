import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/xxgk/", "/console/login/", "/api/docs"])
def test_pages_carry_a_strict_content_security_policy(client, url):
    response = client.get(url)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
