"""Writes to stakeholders, consultations, comments and feedback, one module per concern."""

from .organisations import *  # noqa: F403
