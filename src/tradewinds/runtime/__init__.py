"""The runtime every job and agent runs on: runs and their events in the database, a bounded pool, cancellation,
interruption after a crash, and Server-Sent Events that replay a run's events after a restart."""

from .events import StepEvent
from .runs import FINISHED, Cancelled, RunInfo, Runs

__all__ = ["FINISHED", "Cancelled", "RunInfo", "Runs", "StepEvent"]
