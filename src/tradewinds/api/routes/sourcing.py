"""Sourcing runs over HTTP: start, poll, stream step events (Server-Sent Events), follow up, cancel, download.

POST answers as soon as the ledger is planned (the understand step); the search rounds run in
the runtime's pool and every step is appended to the run's event log in the database, which
``GET .../events`` replays (after a restart too) and then follows live until the run ends.
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
from ...accounts.schemas import Principal
from ...models.gateway import metered
from ...runtime import RunInfo
from ...runtime.sse import SSE_DOC, finished_stream, stream
from ..auth import OPERATOR, VIEWER, AccountsDep, PrincipalDep
from ..deps import RunsDep, ServicesDep
from ..errors import document_headers, error_body

router = APIRouter(tags=["sourcing"], dependencies=[VIEWER])
_RUN = {"run_id": "$response.body#/run_id"}
# OpenAPI links: what a client (and the stateful fuzz test) can do next with the run it just got
RUN_LINKS = {"links": {name: {"operationId": op, "parameters": _RUN} for name, op in (
    ("GetRun", "getRun"), ("StartRun", "startRun"), ("FollowUp", "followUp"), ("CancelRun", "cancelRun"), ("RunReport", "getReport"))}}


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
    status: Literal["planned", "running", "done", "error", "interrupted", "cancelled"] = Field(
        description="planned: not running and no report yet (start it with POST .../start); interrupted: cut off by a "
        "restart, cancelled: stopped on request (both resume with POST .../start, finished lines are kept)")
    ledger: Ledger
    report: SourcingReport | None = None
    error: dict | None = None
    events_url: str


def _sourcer(services, principal: Principal, budgets: Budgets | None = None, *, model: bool = False):
    return services.sourcer(budgets, model=model, workspace_id=principal.workspace_id)


def _out(services, principal: Principal, run_id: str, info: RunInfo | None) -> RunOut:
    state = _sourcer(services, principal).store.load(run_id)
    status = info.status if info else ("done" if state.report else "planned")
    return RunOut(run_id=run_id, status=status, ledger=state.ledger, report=state.report if status == "done" else None,
                  error=info.error if info else None, events_url=f"/v1/sourcing/runs/{run_id}/events")


def _admit(accounts, runs, principal: Principal, *, model: bool) -> None:
    """The workspace's quotas, before anything starts: runs going at once, and model tokens today."""
    accounts.check_concurrent(principal.workspace_id, runs.active(principal.workspace_id))
    if model:
        accounts.check_tokens(principal.workspace_id)


def _charged(accounts, principal: Principal, work):
    """``work(emit)`` with its model tokens counted against the workspace's daily quota."""
    def run(emit):
        with metered(lambda tokens: accounts.charge_tokens(principal.workspace_id, tokens)):
            return work(emit)
    return run


def _begin(runs, principal: Principal, state) -> RunInfo:
    runs.begin(state.run_id, "sourcing", workspace_id=principal.workspace_id)
    runs.emit(state.run_id, StepEvent(step="plan", message=f"{len(state.ledger.lines)} line(s) planned", total=len(state.ledger.lines),
                                      data={"run_id": state.run_id, "ledger": state.ledger.model_dump(mode="json")}))
    return runs.get(state.run_id)


def _running(runs, run_id: str) -> JSONResponse | None:
    info = runs.get(run_id)  # the run's file was found in the caller's workspace first
    if info is not None and info.status == "running":
        return JSONResponse(error_body("conflict", f"run {run_id} is running", f"wait for it to end on /v1/sourcing/runs/{run_id}/events, "
                                       f"or cancel it with POST /v1/sourcing/runs/{run_id}/cancel"), status_code=409)
    return None


@router.post("/v1/sourcing/runs", response_model=RunOut, status_code=202, summary="Start a sourcing run", dependencies=[OPERATOR],
             responses={202: RUN_LINKS})
def start_run(body: RunIn, request: Request, services: ServicesDep, runs: RunsDep, principal: PrincipalDep, accounts: AccountsDep) -> RunOut:
    _admit(accounts, runs, principal, model=not body.no_model)
    sourcer = _sourcer(services, principal, Budgets(max_rounds=body.max_rounds), model=not body.no_model)
    started = time.perf_counter()
    with metered(lambda tokens: accounts.charge_tokens(principal.workspace_id, tokens)):
        state, calls = sourcer.plan(body.need, quantity_scale=body.qty_scale, weights=body.supplier_weights)
    if not body.start:
        return _out(services, principal, state.run_id, None)
    info = _begin(runs, principal, state)
    runs.submit(state.run_id, _charged(accounts, principal, lambda emit: sourcer.execute(state, emit=emit, started=started, model_calls=calls)))
    return _out(services, principal, state.run_id, info)


class StartIn(BaseModel):
    plan: PlanEdit | None = Field(None, description="The buyer's edits to the planned lines (omit to run the plan as it is)")
    no_model: bool = False
    max_rounds: int = Field(3, ge=1, le=10)


@router.post("/v1/sourcing/runs/{run_id}/start", response_model=RunOut, status_code=202, operation_id="startRun",
             summary="Run a planned, interrupted or cancelled run, optionally with edited lines", dependencies=[OPERATOR])
def start_planned(run_id: str, body: StartIn, request: Request, services: ServicesDep, runs: RunsDep, principal: PrincipalDep,
                  accounts: AccountsDep) -> RunOut:
    sourcer = _sourcer(services, principal, Budgets(max_rounds=body.max_rounds), model=not body.no_model)
    sourcer.store.load(run_id)  # 404 (another workspace's run too) before anything else
    if busy := _running(runs, run_id):
        return busy
    _admit(accounts, runs, principal, model=not body.no_model)
    state = sourcer.edit_plan(run_id, body.plan) if body.plan else sourcer.store.load(run_id)
    info = _begin(runs, principal, state)
    calls = state.planning_calls if state.report is None else 0
    runs.submit(run_id, _charged(accounts, principal, lambda emit: sourcer.execute(state, emit=emit, model_calls=calls)))
    return _out(services, principal, run_id, info)


@router.get("/v1/sourcing/runs/{run_id}", response_model=RunOut, operation_id="getRun", summary="A run: status, ledger and, when done, the report")
def get_run(run_id: str, services: ServicesDep, runs: RunsDep, principal: PrincipalDep) -> RunOut:
    return _out(services, principal, run_id, runs.get(run_id, workspace_id=principal.workspace_id))


@router.post("/v1/sourcing/runs/{run_id}/follow-ups", response_model=RunOut, status_code=202, operation_id="followUp",
             summary="Change the session's requirements; only changed lines re-run (409 while the run is running)", dependencies=[OPERATOR])
def follow_up(run_id: str, body: FollowUpIn, services: ServicesDep, runs: RunsDep, principal: PrincipalDep, accounts: AccountsDep) -> RunOut:
    sourcer = _sourcer(services, principal)
    sourcer.store.load(run_id)  # 404 before starting anything
    if busy := _running(runs, run_id):  # one writer per run: a follow-up never races the run it edits
        return busy
    _admit(accounts, runs, principal, model=False)
    info = runs.begin(run_id, "sourcing", workspace_id=principal.workspace_id)
    runs.submit(run_id, lambda emit: sourcer.follow_up(run_id, body.message, emit=emit))
    return _out(services, principal, run_id, info)


@router.post("/v1/sourcing/runs/{run_id}/cancel", response_model=RunOut, status_code=202, operation_id="cancelRun",
             summary="Stop a running run at its next step (finished lines are kept; POST .../start resumes it)", dependencies=[OPERATOR])
def cancel_run(run_id: str, services: ServicesDep, runs: RunsDep, principal: PrincipalDep) -> RunOut:
    _sourcer(services, principal).store.load(run_id)  # 404 for unknown runs and other workspaces' runs
    runs.cancel(run_id)
    return _out(services, principal, run_id, runs.get(run_id))


_MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
          "json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/v1/sourcing/runs/{run_id}/report.{fmt}", operation_id="getReport", summary="Download the finished report: md, html, pdf, json or xlsx",
            response_class=Response, responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}})
def download_report(run_id: str, fmt: Literal["md", "html", "pdf", "json", "xlsx"], request: Request, services: ServicesDep,
                    runs: RunsDep, principal: PrincipalDep) -> Response:
    state = _sourcer(services, principal).store.load(run_id)
    info = runs.get(run_id)
    if state.report is None or (info is not None and info.status == "running"):
        return JSONResponse(error_body("not_ready", f"run {run_id} has no finished report yet",
                                       f"wait for the 'done' event on /v1/sourcing/runs/{run_id}/events"), status_code=409)
    body = render(state.report, "." + fmt, link=services.settings.public_url.rstrip("/") + "/v1")
    disposition = "inline" if fmt in ("html", "md", "json") else "attachment"
    return Response(body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="sourcing-{run_id}.{fmt}"',
                                                           **document_headers(fmt)})


@router.get("/v1/sourcing/runs/{run_id}/events", summary="Step events as Server-Sent Events (replayed, then live)", **SSE_DOC)
def events(run_id: str, services: ServicesDep, runs: RunsDep, principal: PrincipalDep) -> StreamingResponse:
    info = runs.get(run_id, workspace_id=principal.workspace_id)
    if info is None:
        _sourcer(services, principal).store.load(run_id)  # 404 for unknown runs
        return finished_stream("finished earlier", {"run_id": run_id})
    return stream(runs, run_id, info.from_seq)
