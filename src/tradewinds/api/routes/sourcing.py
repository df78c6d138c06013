"""Sourcing runs over HTTP: start, poll, stream step events (Server-Sent Events), follow up.

POST answers as soon as the ledger is planned (the understand step); the search rounds run in
a background worker and every step is appended to the run's event log, which
``GET .../events`` replays from the start and then follows live until ``done`` or ``error``.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from ...errors import TradewindsError
from ...sourcing.export import render
from ...sourcing.run import Budgets
from ...sourcing.schemas import Ledger, SourcingReport, StepEvent
from ...sourcing.suppliers import SupplierWeights
from ..deps import ServicesDep
from ..errors import error_body

router = APIRouter(tags=["sourcing"])


class RunIn(BaseModel):
    need: str = Field(min_length=1, max_length=20_000, description="What to buy, in any language")
    qty_scale: float = Field(1.0, gt=0, le=1000)
    no_model: bool = Field(False, description="Extractors and templates only")
    max_rounds: int = Field(3, ge=1, le=10)
    supplier_weights: SupplierWeights | None = Field(None, description="How much each supplier signal counts in the shortlist")


class FollowUpIn(BaseModel):
    message: str = Field(min_length=1, max_length=2000, description="e.g. 'only suppliers outside China', 'add a grinder'")


class RunOut(BaseModel):
    run_id: str
    status: Literal["running", "done", "error"]
    ledger: Ledger
    report: SourcingReport | None = None
    error: dict | None = None
    events_url: str


class _Log:
    def __init__(self) -> None:
        self.events: list[StepEvent] = []
        self.status = "running"
        self.error: dict | None = None
        self.changed = threading.Condition()

    def emit(self, event: StepEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def finish(self, status: str, error: dict | None = None) -> None:
        with self.changed:
            self.status, self.error = status, error
            if error:
                self.events.append(StepEvent(step="error", message=error["message"]))
            self.changed.notify_all()


def _logs(request: Request) -> dict[str, _Log]:
    state = request.app.state
    if not hasattr(state, "sourcing_logs"):
        state.sourcing_logs = {}
        state.sourcing_pool = ThreadPoolExecutor(2, thread_name_prefix="tw-sourcing")
    return state.sourcing_logs


def _start(request: Request, log: _Log, work) -> None:
    def run() -> None:
        try:
            work(log.emit)
            log.finish("done")
        except TradewindsError as exc:
            log.finish("error", {"code": exc.code, "message": exc.message, "hint": exc.hint})
        except Exception as exc:  # noqa: BLE001 - reported to the client, never swallowed silently
            log.finish("error", {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"})

    request.app.state.sourcing_pool.submit(run)


def _out(services, run_id: str, log: _Log | None) -> RunOut:
    state = services.sourcer(model=False).store.load(run_id)
    status = log.status if log else ("done" if state.report else "running")
    return RunOut(run_id=run_id, status=status, ledger=state.ledger, report=state.report if status == "done" else None,
                  error=log.error if log else None, events_url=f"/v1/sourcing/runs/{run_id}/events")


@router.post("/v1/sourcing/runs", response_model=RunOut, status_code=202, summary="Start a sourcing run")
def start_run(body: RunIn, request: Request, services: ServicesDep) -> RunOut:
    sourcer = services.sourcer(Budgets(max_rounds=body.max_rounds), model=not body.no_model)
    started = time.perf_counter()
    state, calls = sourcer.plan(body.need, quantity_scale=body.qty_scale, weights=body.supplier_weights)
    log = _logs(request)[state.run_id] = _Log()
    log.emit(StepEvent(step="plan", message=f"{len(state.ledger.lines)} line(s) planned", total=len(state.ledger.lines),
                       data={"run_id": state.run_id, "ledger": state.ledger.model_dump(mode="json")}))
    _start(request, log, lambda emit: sourcer.execute(state, emit=emit, started=started, model_calls=calls))
    return _out(services, state.run_id, log)


@router.get("/v1/sourcing/runs/{run_id}", response_model=RunOut, summary="A run: status, ledger and, when done, the report")
def get_run(run_id: str, request: Request, services: ServicesDep) -> RunOut:
    return _out(services, run_id, _logs(request).get(run_id))


@router.post("/v1/sourcing/runs/{run_id}/follow-ups", response_model=RunOut, status_code=202,
             summary="Change the session's requirements; only changed lines re-run")
def follow_up(run_id: str, body: FollowUpIn, request: Request, services: ServicesDep) -> RunOut:
    sourcer = services.sourcer(model=False)
    sourcer.store.load(run_id)  # 404 before starting anything
    log = _logs(request)[run_id] = _Log()
    _start(request, log, lambda emit: sourcer.follow_up(run_id, body.message, emit=emit))
    return _out(services, run_id, log)


_MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "pdf": "application/pdf",
          "json": "application/json", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/v1/sourcing/runs/{run_id}/report.{fmt}", summary="Download the finished report: md, html, pdf, json or xlsx",
            response_class=Response, responses={200: {"content": {m.split(";")[0]: {} for m in _MEDIA.values()}}})
def download_report(run_id: str, fmt: Literal["md", "html", "pdf", "json", "xlsx"], request: Request, services: ServicesDep) -> Response:
    state = services.sourcer(model=False).store.load(run_id)
    log = _logs(request).get(run_id)
    if state.report is None or (log is not None and log.status == "running"):
        return JSONResponse(error_body("not_ready", f"run {run_id} has no finished report yet",
                                       f"wait for the 'done' event on /v1/sourcing/runs/{run_id}/events"), status_code=409)
    body = render(state.report, "." + fmt, link=str(request.base_url).rstrip("/") + "/v1")
    disposition = "inline" if fmt in ("html", "md", "json") else "attachment"
    return Response(body, media_type=_MEDIA[fmt], headers={"Content-Disposition": f'{disposition}; filename="sourcing-{run_id}.{fmt}"'})


@router.get("/v1/sourcing/runs/{run_id}/events", summary="Step events as Server-Sent Events (replayed, then live)")
def events(run_id: str, request: Request, services: ServicesDep) -> StreamingResponse:
    log = _logs(request).get(run_id)
    if log is None:
        services.sourcer(model=False).store.load(run_id)  # 404 for unknown runs
        log = _Log()
        log.status = "done"
        log.events.append(StepEvent(step="done", message="finished earlier", data={"run_id": run_id}))

    def stream():
        sent = 0
        while True:
            with log.changed:
                if sent >= len(log.events) and log.status == "running":
                    log.changed.wait(timeout=15)
                pending = log.events[sent:]
            for e in pending:
                yield f"event: {e.step}\ndata: {json.dumps(e.model_dump(mode='json'), ensure_ascii=False)}\n\n"
            sent += len(pending)
            if not pending and log.status != "running":
                return
            if not pending:
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
