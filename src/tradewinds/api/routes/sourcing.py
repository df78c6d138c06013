"""Sourcing runs over HTTP: start, poll, stream step events (Server-Sent Events), follow up, download.

POST answers as soon as the ledger is planned (the understand step); the search rounds run in
a background worker and every step is appended to the run's event log, which
``GET .../events`` replays from the start and then follows live until ``done`` or ``error``.
"""

from __future__ import annotations

import time
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from ...sourcing.export import render
from ...sourcing.run import Budgets, PlanEdit
from ...sourcing.schemas import Ledger, SourcingReport, StepEvent
from ...sourcing.suppliers import SupplierWeights
from ...sourcing.understand import MAX_NEED_CHARS
from ..deps import ServicesDep
from ..jobs import JobLog, job_logs, sse, start_job
from ..errors import error_body

router = APIRouter(tags=["sourcing"])


class RunIn(BaseModel):
    need: str = Field(min_length=1, max_length=100_000, description=f"What to buy, in any language (at most {MAX_NEED_CHARS:,} characters; "
                      "a longer one is refused with the limit named)")
    qty_scale: float = Field(1.0, gt=0, le=1000)
    no_model: bool = Field(False, description="Extractors and templates only")
    max_rounds: int = Field(3, ge=1, le=10)
    supplier_weights: SupplierWeights | None = Field(None, description="How much each supplier signal counts in the shortlist")
    start: bool = Field(True, description="False: plan only (status 'planned'); edit and start it with POST .../start")


class FollowUpIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000, description="e.g. 'only suppliers outside China', 'add a grinder'")


class RunOut(BaseModel):
    run_id: str
    status: Literal["planned", "running", "done", "error"] = Field(description="planned: not running and no report yet "
                                                                     "(start or resume it with POST .../start)")
    ledger: Ledger
    report: SourcingReport | None = None
    error: dict | None = None
    events_url: str


def _out(services, run_id: str, log: JobLog | None) -> RunOut:
    state = services.sourcer(model=False).store.load(run_id)
    status = log.status if log else ("done" if state.report else "planned")
    return RunOut(run_id=run_id, status=status, ledger=state.ledger, report=state.report if status == "done" else None,
                  error=log.error if log else None, events_url=f"/v1/sourcing/runs/{run_id}/events")


def _planned_log(request: Request, state) -> JobLog:
    log = job_logs(request)[state.run_id] = JobLog()
    log.emit(StepEvent(step="plan", message=f"{len(state.ledger.lines)} line(s) planned", total=len(state.ledger.lines),
                       data={"run_id": state.run_id, "ledger": state.ledger.model_dump(mode="json")}))
    return log


@router.post("/v1/sourcing/runs", response_model=RunOut, status_code=202, summary="Start a sourcing run")
def start_run(body: RunIn, request: Request, services: ServicesDep) -> RunOut:
    sourcer = services.sourcer(Budgets(max_rounds=body.max_rounds), model=not body.no_model)
    started = time.perf_counter()
    state, calls = sourcer.plan(body.need, quantity_scale=body.qty_scale, weights=body.supplier_weights)
    if not body.start:
        return _out(services, state.run_id, None)
    log = _planned_log(request, state)
    start_job(request, log, lambda emit: sourcer.execute(state, emit=emit, started=started, model_calls=calls))
    return _out(services, state.run_id, log)


class StartIn(BaseModel):
    plan: PlanEdit | None = Field(None, description="The buyer's edits to the planned lines (omit to run the plan as it is)")
    no_model: bool = False
    max_rounds: int = Field(3, ge=1, le=10)


@router.post("/v1/sourcing/runs/{run_id}/start", response_model=RunOut, status_code=202,
             summary="Run a planned (or interrupted) run, optionally with edited lines")
def start_planned(run_id: str, body: StartIn, request: Request, services: ServicesDep) -> RunOut:
    sourcer = services.sourcer(Budgets(max_rounds=body.max_rounds), model=not body.no_model)
    log = job_logs(request).get(run_id)
    if log is not None and log.status == "running":
        return JSONResponse(error_body("conflict", f"run {run_id} is already running", f"follow /v1/sourcing/runs/{run_id}/events"),
                            status_code=409)
    state = sourcer.edit_plan(run_id, body.plan) if body.plan else sourcer.store.load(run_id)
    log = _planned_log(request, state)
    calls = state.planning_calls if state.report is None else 0
    start_job(request, log, lambda emit: sourcer.execute(state, emit=emit, model_calls=calls))
    return _out(services, run_id, log)


@router.get("/v1/sourcing/runs/{run_id}", response_model=RunOut, summary="A run: status, ledger and, when done, the report")
def get_run(run_id: str, request: Request, services: ServicesDep) -> RunOut:
    return _out(services, run_id, job_logs(request).get(run_id))


@router.post("/v1/sourcing/runs/{run_id}/follow-ups", response_model=RunOut, status_code=202,
             summary="Change the session's requirements; only changed lines re-run")
def follow_up(run_id: str, body: FollowUpIn, request: Request, services: ServicesDep) -> RunOut:
    sourcer = services.sourcer(model=False)
    sourcer.store.load(run_id)  # 404 before starting anything
    log = job_logs(request)[run_id] = JobLog()
    start_job(request, log, lambda emit: sourcer.follow_up(run_id, body.message, emit=emit))
    return _out(services, run_id, log)


_MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
          "json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/v1/sourcing/runs/{run_id}/report.{fmt}", summary="Download the finished report: md, html, pdf, json or xlsx",
            response_class=Response, responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}})
def download_report(run_id: str, fmt: Literal["md", "html", "pdf", "json", "xlsx"], request: Request, services: ServicesDep) -> Response:
    state = services.sourcer(model=False).store.load(run_id)
    log = job_logs(request).get(run_id)
    if state.report is None or (log is not None and log.status == "running"):
        return JSONResponse(error_body("not_ready", f"run {run_id} has no finished report yet",
                                       f"wait for the 'done' event on /v1/sourcing/runs/{run_id}/events"), status_code=409)
    body = render(state.report, "." + fmt, link=str(request.base_url).rstrip("/") + "/v1")
    disposition = "inline" if fmt in ("html", "md", "json") else "attachment"
    return Response(body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="sourcing-{run_id}.{fmt}"'})


@router.get("/v1/sourcing/runs/{run_id}/events", summary="Step events as Server-Sent Events (replayed, then live)")
def events(run_id: str, request: Request, services: ServicesDep) -> StreamingResponse:
    log = job_logs(request).get(run_id)
    if log is None:
        services.sourcer(model=False).store.load(run_id)  # 404 for unknown runs
        log = JobLog()
        log.status = "done"
        log.events.append(StepEvent(step="done", message="finished earlier", data={"run_id": run_id}))

    return sse(log)
