"""`gongkai check --deploy` is clean for the production settings (issue 9 item 4)."""

import os
import secrets
import subprocess
import sys


def test_check_deploy_is_clean_for_the_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
        "GONGKAI_SECRET_KEY": secrets.token_urlsafe(60),
        "GONGKAI_DEBUG": "0",
        "GONGKAI_ALLOWED_HOSTS": "wlj.example.gov.cn",
        "GONGKAI_VAR_DIR": str(tmp_path),
    }
    # DJANGO_ALLOW_ASYNC_UNSAFE: set in os.environ by the browser tests' fixtures earlier in the run.
    for name in (
        "GONGKAI_DATABASE_URL",
        "GONGKAI_HTTPS",
        "GONGKAI_SSL_REDIRECT",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "gongkai", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout
