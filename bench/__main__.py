"""python -m bench: run the benchmark suite against the configured database."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exitplan.settings")
django.setup()

from bench import readiness  # noqa: E402

readiness.main()
