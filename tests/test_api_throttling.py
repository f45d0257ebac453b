"""API throttling: settings-driven per client, 429 problem details with Retry-After."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.settings import api_settings

from accounts.tokens import api_token_create


@pytest.fixture
def rates(settings):
    def apply(**rates):
        config = {**settings.REST_FRAMEWORK}
        config["DEFAULT_THROTTLE_RATES"] = {**config["DEFAULT_THROTTLE_RATES"], **rates}
        return override_settings(REST_FRAMEWORK=config)

    cache.clear()
    yield apply
    cache.clear()


def test_a_signed_in_client_over_its_rate_gets_429_with_retry_after(client, mission, staff, rates):
    _, key = api_token_create(user=staff, name="t")
    with rates(user="3/minute"):
        api_settings.reload()
        codes = [
            client.get("/api/v1/missions/", HTTP_AUTHORIZATION=f"Token {key}").status_code
            for _ in range(4)
        ]
        last = client.get("/api/v1/missions/", HTTP_AUTHORIZATION=f"Token {key}")
    api_settings.reload()
    assert codes == [200, 200, 200, 429]
    assert last["Content-Type"] == "application/problem+json"
    assert int(last["Retry-After"]) > 0


def test_anonymous_clients_are_throttled_by_address(client, db, rates):
    # Anonymous calls that get past permissions: the token endpoint, for one.
    body = {"email": "nobody@example.org", "password": "wrong"}
    with rates(anon="2/minute"):
        api_settings.reload()
        codes = [
            client.post("/api/v1/auth/token/", body, content_type="application/json").status_code
            for _ in range(3)
        ]
    api_settings.reload()
    assert codes == [400, 400, 429]


def test_a_bad_rate_stops_start_up_with_the_variables_name():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "exitplan.settings",
        "DEBUG": "true",
        "API_USER_RATE": "lots",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "API_USER_RATE='lots' is not a rate" in result.stderr
