"""What a run reports while it works: one typed event per step (CLI progress, stored in the run's event log, streamed
as Server-Sent Events)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class StepEvent(BaseModel):
    """A progress event streamed while a run works."""

    model_config = ConfigDict(extra="forbid")

    step: Literal["understand", "plan", "search", "score", "line_done", "report", "done", "error", "interrupted", "cancelled",
                  "model", "tool", "review"]
    message: str
    line_id: str | None = None
    done: int | None = None
    total: int | None = None
    data: dict | None = None
