"""Test settings: the project's own settings with what a test run needs set.

The environment still wins (``make test`` with ``DATABASE_URL`` runs on PostgreSQL); only
values that would otherwise stop start-up or redirect every request get a default here.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
for _switch in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(_switch, "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Threads of the live server and the in-process worker close their connections after each
# request or task, so the test database can be dropped at the end.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# Whole test files call the API thousands of times; the throttling tests set their own rates.
os.environ.setdefault("API_ANON_RATE", "off")
os.environ.setdefault("API_USER_RATE", "off")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))

from exitplan.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if not REDIS_URL:  # noqa: F405
    # Per test process, not the file cache shared by every run on the machine; the
    # PostgreSQL pass keeps the real Redis cache.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
        },
    }
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
