"""Writes to stakeholders, consultations, comments and feedback, one module per concern."""

from .comments import *  # noqa: F403
from .consultations import *  # noqa: F403
from .feedback import *  # noqa: F403
from .feedback_tallies import *  # noqa: F403
from .organisations import *  # noqa: F403
