"""exitplan.db.Compiled: a query compiled once per connection, run with new values."""

import datetime

import pytest
from django.db import connections

from exitplan.db import Compiled
from missions.models import Mission
from tests.factories import MissionFactory


def _missions_by_code(code):
    return Mission.objects.filter(code=code).values_list("id", "code", "created_at")


BY_CODE = Compiled(_missions_by_code, code="<stand-in code>")


@pytest.mark.django_db
def test_rows_are_the_orms_rows_with_the_values_given(django_assert_num_queries):
    one, two = MissionFactory(), MissionFactory()
    for mission in (one, two):
        with django_assert_num_queries(1):
            rows = BY_CODE.rows(code=mission.code)
        assert rows == [list(r) for r in _missions_by_code(mission.code)]
        # The ORM's converters ran: a moment, not the database's text.
        assert isinstance(rows[0][2], datetime.datetime)
    assert BY_CODE.rows(code="no-such-mission") == []


@pytest.mark.django_db
def test_a_value_equal_to_the_stand_in_is_only_a_value():
    MissionFactory()
    assert BY_CODE.rows(code="<stand-in code>") == []


@pytest.mark.django_db
def test_compiled_once_per_connection(django_assert_num_queries):
    mission = MissionFactory()
    built = []

    def build(code):
        built.append(code)
        return _missions_by_code(code)

    query = Compiled(build, code="<stand-in>")
    query.rows(code=mission.code)
    query.rows(code=mission.code)
    assert built == ["<stand-in>"]
    assert connections["default"] in query._compiled


@pytest.mark.django_db
def test_a_stand_in_the_query_does_not_hold_is_refused():
    query = Compiled(lambda code: Mission.objects.filter(code="fixed"), code="<stand-in>")
    with pytest.raises(ValueError, match="Stand-ins not found"):
        query.rows(code="x")
