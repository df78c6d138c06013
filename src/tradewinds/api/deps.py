"""FastAPI dependency aliases: routes ask for what they need, wiring stays in bootstrap()."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ..bootstrap import Services
from ..runtime import Runs


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_runs(request: Request) -> Runs:
    return request.app.state.runs


RunsDep = Annotated[Runs, Depends(get_runs)]
