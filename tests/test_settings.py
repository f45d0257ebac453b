"""Settings read from the environment: strict parsing, secure defaults with DEBUG off.

Each case starts Django in a subprocess with the project's own settings module
(``exitplan.settings``, not the test settings) and an environment cleaned of every variable
the settings read, so what the test process inherited cannot leak in.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Every variable the settings read (found in their source, so a new one is covered too).
READ_BY_SETTINGS = set(
    re.findall(r'env_\w+\(\s*"([A-Z][A-Z0-9_]*)"', (ROOT / "exitplan" / "settings.py").read_text())
)
READ_BY_PREFIX = ("DJANGO_", "EMAIL_", "SECURE_", "CELERY_", "OIDC_")

STRONG_KEY = secrets.token_urlsafe(50)

# Prints the settings the assertions read, as JSON, after a real start-up.
SHOW_SETTINGS = """
import json
import django
from django.conf import settings
from django.db import connection

django.setup()
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode" if connection.vendor == "sqlite" else "SELECT 'n/a'")
    journal_mode = cursor.fetchone()[0]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_OPTIONS": settings.DATABASES["default"].get("OPTIONS", {}),
    "transaction_mode": getattr(connection, "transaction_mode", None),
    "journal_mode": journal_mode,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "CELERY_BROKER_TRANSPORT_OPTIONS": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": str(settings.CACHES["default"]["LOCATION"]),
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "EMAIL_PORT": settings.EMAIL_PORT,
    "EMAIL_USE_TLS": settings.EMAIL_USE_TLS,
}, default=str))
"""


def test_the_environment_is_cleaned_of_every_variable_the_settings_read():
    expected = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SECURE_HSTS_SECONDS", "REDIS_URL"}

    assert expected <= READ_BY_SETTINGS


def run(args: list[str], var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {
        name: value
        for name, value in os.environ.items()
        if name not in READ_BY_SETTINGS and not name.startswith(READ_BY_PREFIX)
    }
    clean.update(DJANGO_SETTINGS_MODULE="exitplan.settings", VAR_DIR=str(var_dir), **env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def start(var_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return run(["-c", "import django; django.setup()"], var_dir, **env)


def show(var_dir: Path, **env: str) -> dict:
    result = run(["-c", SHOW_SETTINGS], var_dir, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def production(**env: str) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "exitplan.example.org",
        "SITE_URL": "https://exitplan.example.org",
        **env,
    }


@pytest.fixture(scope="module")
def production_defaults(tmp_path_factory) -> tuple[Path, dict]:
    """DEBUG off, a secret and hosts, nothing else: no database, broker or mail server."""
    var_dir = tmp_path_factory.mktemp("var")
    return var_dir, show(var_dir, **production())


# Refusing to start


def test_with_debug_off_a_missing_secret_key_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="false", ALLOWED_HOSTS="exitplan.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_with_debug_off_missing_allowed_hosts_stops_start_up_naming_them(tmp_path):
    result = start(tmp_path, DEBUG="false", SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in result.stderr


def test_a_debug_value_that_is_not_a_boolean_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, DEBUG="maybe", SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DEBUG='maybe' is not a boolean" in result.stderr


def test_a_database_url_of_another_database_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, **production(DATABASE_URL="mysql://exitplan@db/exitplan"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL must be a URL starting with" in result.stderr
    assert "not mysql://" in result.stderr


def test_an_hsts_duration_that_is_not_a_number_stops_start_up_naming_it(tmp_path):
    result = start(tmp_path, **production(SECURE_HSTS_SECONDS="abc"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECURE_HSTS_SECONDS='abc' is not a whole number" in result.stderr


# Production: secure by default


def test_with_debug_off_the_deploy_checks_find_no_issues(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path, **production()
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_checks_warn_when_site_url_is_not_set(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production(SITE_URL=""),
    )

    assert result.returncode != 0
    assert "exitplan.W001" in result.stderr + result.stdout
    assert "SITE_URL is not set" in result.stderr + result.stdout


def test_models_and_migrations_can_be_compared_in_a_bare_checkout(tmp_path):
    """makemigrations --check needs no secret: it reads the code, it serves nothing."""
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_a_bare_checkout_still_refuses_to_serve_without_a_secret(tmp_path):
    result = run(["manage.py", "check"], tmp_path)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_debug_off_the_security_switches_are_on(production_defaults):
    _, shown = production_defaults

    assert shown["DEBUG"] is False
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] > 0


def test_turning_off_the_ssl_redirect_leaves_the_other_switches_on(tmp_path):
    shown = show(tmp_path, **production(SECURE_SSL_REDIRECT="false"))

    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is True
    assert shown["CSRF_COOKIE_SECURE"] is True
    assert shown["SECURE_HSTS_SECONDS"] > 0


def test_each_other_switch_can_be_turned_off_alone(tmp_path):
    shown = show(
        tmp_path,
        **production(SESSION_COOKIE_SECURE="no", CSRF_COOKIE_SECURE="0", SECURE_HSTS_SECONDS="0"),
    )

    assert shown["SESSION_COOKIE_SECURE"] is False
    assert shown["CSRF_COOKIE_SECURE"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0
    assert shown["SECURE_SSL_REDIRECT"] is True


def test_with_debug_on_the_switches_are_off_and_the_secret_key_may_be_missing(tmp_path):
    shown = show(tmp_path, DEBUG="true")

    assert shown["DEBUG"] is True
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SESSION_COOKIE_SECURE"] is False
    assert shown["CSRF_COOKIE_SECURE"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0


# The embedded default: SQLite, filesystem broker, console e-mail


def test_without_database_url_the_database_is_sqlite_in_var_dir_with_wal(production_defaults):
    var_dir, shown = production_defaults

    assert shown["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(shown["DB_NAME"]).parent == var_dir
    assert shown["journal_mode"] == "wal"


def test_sqlite_takes_the_write_lock_at_begin_and_waits_for_it(production_defaults):
    _, shown = production_defaults

    assert shown["transaction_mode"] == "IMMEDIATE"
    assert shown["DB_OPTIONS"]["timeout"] > 0


def test_without_redis_url_the_broker_is_the_filesystem_under_var_dir(production_defaults):
    var_dir, shown = production_defaults
    options = shown["CELERY_BROKER_TRANSPORT_OPTIONS"]

    assert shown["CELERY_BROKER_URL"] == "filesystem://localhost//"
    for folder in (
        options["data_folder_in"],
        options["data_folder_out"],
        options["processed_folder"],
    ):
        assert Path(folder).is_relative_to(var_dir)
        assert Path(folder).is_dir()
    assert Path(shown["CACHE_LOCATION"]).is_relative_to(var_dir)
    assert shown["CACHE_BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"


def test_without_email_host_mail_goes_to_the_console(production_defaults):
    _, shown = production_defaults

    assert shown["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


# With services configured


def test_with_redis_and_a_mail_server_they_are_used(tmp_path):
    shown = show(
        tmp_path,
        **production(
            REDIS_URL="redis://cache.internal:6379/1",
            EMAIL_HOST="smtp.example.org",
            EMAIL_PORT="2525",
            EMAIL_USE_TLS="true",
        ),
    )

    assert shown["CELERY_BROKER_URL"] == "redis://cache.internal:6379/1"
    assert shown["CACHE_BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["CACHE_LOCATION"] == "redis://cache.internal:6379/1"
    assert shown["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (shown["EMAIL_HOST"], shown["EMAIL_PORT"], shown["EMAIL_USE_TLS"]) == (
        "smtp.example.org",
        2525,
        True,
    )
    assert not (tmp_path / "celery").exists()


def test_a_database_url_selects_that_database(tmp_path):
    shown = show(tmp_path, **production(DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}"))

    assert shown["DB_NAME"] == str(tmp_path / "other.sqlite3")
    assert shown["journal_mode"] == "wal"
