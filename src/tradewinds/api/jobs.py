"""Background jobs for the API (sourcing runs, bulk plans): an event log per job, a small worker
pool, and Server-Sent Events that replay the log from the start and then follow it live."""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import Request
from fastapi.responses import StreamingResponse

from ..errors import TradewindsError
from ..models import ModelError
from ..sourcing.schemas import StepEvent

logger = logging.getLogger("tradewinds.jobs")


class JobLog:
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


def job_logs(request: Request) -> dict[str, JobLog]:
    state = request.app.state
    if not hasattr(state, "job_logs"):
        state.job_logs = {}
        state.job_pool = ThreadPoolExecutor(2, thread_name_prefix="tw-jobs")
    return state.job_logs


def start_job(request: Request, log: JobLog, work) -> None:
    def run() -> None:
        try:
            work(log.emit)
            log.finish("done")
        except ModelError as exc:  # a provider's or runtime's own text stays in the server log
            logger.warning("model failure in a job: %s", exc.message)
            log.finish("error", {"code": exc.code, "message": "the model could not complete this step",
                                 "hint": "retry, or run without the model (fast mode); the server log has the details"})
        except TradewindsError as exc:
            log.finish("error", {"code": exc.code, "message": exc.message, "hint": exc.hint})
        except Exception as exc:  # noqa: BLE001 - the outermost edge of a job: logged in full, reported without internals
            logger.exception("job failed", exc_info=exc)
            log.finish("error", {"code": "internal_error", "message": "internal error",
                                 "hint": "retry; if it persists, the server log has the details"})

    request.app.state.job_pool.submit(run)


def sse(log: JobLog) -> StreamingResponse:
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
