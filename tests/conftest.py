import os

import pytest
from django.db import connection

from missions.services import membership_create, mission_create
from tests.factories import MissionFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are deselected (not skipped) on other databases."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a skip (a missing service or browser) is a failure."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"Skipped in CI, which must run everything: {reason}"
    return report


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def site_admin(db):
    return UserFactory(email="site-admin@example.org", name="Site Admin", is_staff=True)


@pytest.fixture
def mission(site_admin):
    return mission_create(
        actor=site_admin,
        code="monusco-test",
        name="MONUSCO (test)",
        country="CD",
        timezone="Africa/Kinshasa",
        mandate_start="2010-07-01",
        planned_exit="2027-12-31",
        status="active",
    )


@pytest.fixture
def other_mission(db):
    return MissionFactory(code="other", name="Other mission")


def _member(mission, role, email, actor):
    user = UserFactory(email=email, name=email.split("@")[0].title())
    membership_create(actor=actor, mission=mission, user=user, role=role)
    return user


@pytest.fixture
def admin(mission, site_admin):
    return site_admin


@pytest.fixture
def staff(mission, site_admin):
    return _member(mission, "staff", "staff@example.org", site_admin)


@pytest.fixture
def liaison(mission, site_admin):
    return _member(mission, "liaison", "liaison@example.org", site_admin)


@pytest.fixture
def partner(mission, site_admin):
    return _member(mission, "partner", "partner@example.org", site_admin)


@pytest.fixture
def observer(mission, site_admin):
    return _member(mission, "observer", "observer@example.org", site_admin)


@pytest.fixture
def stranger(other_mission, site_admin):
    return _member(other_mission, "staff", "stranger@example.org", site_admin)
