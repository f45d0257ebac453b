"""Writes to stakeholders, consultations, comments and feedback, one module per concern."""

from .consultations import *  # noqa: F403
from .organisations import *  # noqa: F403
