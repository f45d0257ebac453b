"""The project's settings with the benchmark floors mounted (``bench.urls``); nothing else.

Used only by ``python -m bench`` and the gunicorn it starts: the floors never exist in
``exitplan.urls``, so no production deployment can serve them.
"""

from exitplan.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
