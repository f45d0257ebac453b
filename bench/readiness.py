"""Readiness for the large mission against its floor: one raw SQL query for the same scores.

The floor fetches the latest counted score of every benchmark as of the date, which is the
least any readiness computation must read; the measured figure is the database loader plus
the pure computation (``readiness.compute(readiness_inputs(...))``).
"""

import datetime

from django.db import connection

from assessments import readiness
from assessments.selectors import readiness_inputs
from missions.models import Mission

FLOOR_SQL = """
SELECT benchmark_id, value, rating FROM (
  SELECT s.benchmark_id, s.value, s.rating,
         ROW_NUMBER() OVER (PARTITION BY s.benchmark_id
                            ORDER BY a.as_of DESC, a.created_at DESC, a.id DESC) AS rank
  FROM assessments_score s JOIN assessments_assessment a ON a.id = s.assessment_id
  WHERE a.mission_id = %s AND a.status IN ('submitted', 'approved') AND a.as_of <= %s
) ranked WHERE rank = 1
"""


def floor(mission: Mission, as_of: datetime.date) -> list:
    with connection.cursor() as cursor:
        cursor.execute(FLOOR_SQL, [mission.pk, as_of])
        return cursor.fetchall()


def load(mission: Mission, as_of: datetime.date):
    return readiness_inputs(mission, as_of)


def total(mission: Mission, as_of: datetime.date):
    return readiness.compute(readiness_inputs(mission, as_of))
