"""Runs in the database: each run's status and its step events, so a server restart loses neither, any replica can
replay a run's events, and nothing grows in memory with the number of runs.

Work runs in a bounded pool with a bounded queue (a full queue refuses new work at once, with a time to retry); a
run can be cancelled (it stops at its next step); a run still marked running when the server starts was cut off
by a crash and becomes ``interrupted``, with an event saying so.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..errors import BusyError, TradewindsError
from ..models import ModelError
from .events import StepEvent
from .tables import RunEventRow, RunRow

logger = logging.getLogger("tradewinds.runtime")
_RUNS, _EVENTS = RunRow.__table__, RunEventRow.__table__
FINISHED = {"done", "error", "interrupted", "cancelled"}
Emit = Callable[[StepEvent], None]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


# the process that runs a run's work: host, pid and a per-process nonce (in a container the server is pid 1 every time)
OWNER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
STALE_S = 3600  # a running run with no event for this long, on another host, is taken as cut off


def _alive(owner: str) -> bool:
    if owner == OWNER:
        return True
    host, pid, _nonce = (owner.split(":") + ["", "", ""])[:3]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another host's: only its staleness tells
    if int(pid) == os.getpid():
        return False  # an earlier process with this pid: gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Cancelled(Exception):
    """Raised inside a run's work at its next step after :meth:`Runs.cancel`."""


class RunInfo(BaseModel):
    id: str
    kind: str
    workspace_id: str
    status: str
    error: dict | None = None
    meta: dict[str, Any] = {}
    created_at: str
    updated_at: str

    @property
    def from_seq(self) -> int:
        """Events of the current attempt start after this one (a follow-up or a restart begins a new attempt)."""
        return int(self.meta.get("from_seq", 0))


class Runs:
    def __init__(self, engine: Engine, *, workers: int = 2, max_queued: int = 16) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="tw-runs")
        self._slots = threading.BoundedSemaphore(workers + max_queued)
        self._cancel: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}  # run -> changes made by this process (streams re-read only when it moves)

    # -- records ------------------------------------------------------------------------------------------------
    def begin(self, run_id: str, kind: str, *, workspace_id: str = "local", meta: dict | None = None) -> RunInfo:
        """Start an attempt of a run (new, or again after a follow-up or an interruption): status running, and its
        events from here on are the ones a client follows."""
        now = _now()
        with self.engine.begin() as conn:
            # a write first: on SQLite a transaction that reads and then writes can fail at once ("database is locked")
            # when another writer committed in between; one that starts by writing waits its turn instead
            existed = conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(updated_at=now)).rowcount
            if not existed:
                conn.execute(insert(_RUNS).values(id=run_id, kind=kind, workspace_id=workspace_id, created_at=now, updated_at=now,
                                                  status="running", meta={}))
            last = conn.execute(select(func.coalesce(func.max(_EVENTS.c.seq), 0)).where(_EVENTS.c.run_id == run_id)).scalar()
            conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(
                status="running", error=None, meta={**(meta or {}), "from_seq": last, "owner": OWNER}))
        return self.get(run_id)

    def get(self, run_id: str, *, workspace_id: str | None = None) -> RunInfo | None:
        """A run; with ``workspace_id``, only if it is that workspace's (another's is None, as if it did not exist)."""
        query = select(_RUNS).where(_RUNS.c.id == run_id)
        if workspace_id is not None:
            query = query.where(_RUNS.c.workspace_id == workspace_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return RunInfo.model_validate(row._asdict()) if row else None

    def active(self, workspace_id: str) -> int:
        """The workspace's runs running or queued now (what its concurrent-runs quota counts)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(_RUNS).where(
                _RUNS.c.workspace_id == workspace_id, _RUNS.c.status.in_(("running", "queued")))).scalar() or 0

    def emit(self, run_id: str, event: StepEvent) -> int:
        body = event.model_dump(mode="json")
        for _ in range(5):  # one writer per run in practice; a clash on seq just takes the next one
            try:
                with self.engine.begin() as conn:
                    at = _now()
                    conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(updated_at=at))  # a write first (see begin)
                    seq = conn.execute(select(func.coalesce(func.max(_EVENTS.c.seq), 0)).where(_EVENTS.c.run_id == run_id)).scalar() + 1
                    conn.execute(insert(_EVENTS).values(run_id=run_id, seq=seq, at=at, step=event.step,
                                                        message=event.message[:2000], body=body))
                self._touch(run_id)
                return seq
            except IntegrityError:
                continue
        raise RuntimeError(f"could not append an event to run {run_id}")

    def events(self, run_id: str, after: int = 0, limit: int = 500) -> list[tuple[int, dict]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(_EVENTS.c.seq, _EVENTS.c.body).where(_EVENTS.c.run_id == run_id, _EVENTS.c.seq > after)
                                .order_by(_EVENTS.c.seq).limit(limit)).all()
        return [(r.seq, r.body) for r in rows]

    def finish(self, run_id: str, status: str, error: dict | None = None) -> None:
        if error:
            self.emit(run_id, StepEvent(step="error", message=error["message"], data={"code": error.get("code")}))
        elif status in ("interrupted", "cancelled"):
            self.emit(run_id, StepEvent(step=status, message=f"run {status}"))
        with self.engine.begin() as conn:
            conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(status=status, error=error, updated_at=_now()))
        self._touch(run_id)

    def _touch(self, run_id: str) -> None:
        with self._lock:
            if run_id in self._cancel:  # counted only while running here; dropped with its cancel flag
                self._versions[run_id] = self._versions.get(run_id, 0) + 1

    def version(self, run_id: str) -> int | None:
        """This process's change counter for a run it is running (None: not running here, or finished)."""
        return self._versions.get(run_id)

    def interrupt_unfinished(self) -> list[str]:
        """At start-up: runs a crash cut off become ``interrupted`` (their events stay, and say so). A run is cut off
        when the process that ran it on this host is gone, or when it has been silent for an hour (another host's)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(_RUNS.c.id, _RUNS.c.meta, _RUNS.c.updated_at)
                                .where(_RUNS.c.status.in_(("running", "queued")))).all()
        cutoff = datetime.now(UTC).timestamp() - STALE_S
        ids = [r.id for r in rows if not _alive((r.meta or {}).get("owner", ""))
               or datetime.fromisoformat(r.updated_at).timestamp() < cutoff]
        for run_id in ids:
            self.finish(run_id, "interrupted")
        return ids

    # -- work ---------------------------------------------------------------------------------------------------
    def submit(self, run_id: str, work: Callable[[Emit], Any]) -> None:
        """Run ``work(emit)`` in the pool; a full pool and queue refuse at once (BusyError, nothing started)."""
        if not self._slots.acquire(blocking=False):
            self.finish(run_id, "error", {"code": "busy", "message": "the server is busy", "hint": "retry in a few seconds"})
            raise BusyError("every worker is busy and the queue is full", hint="retry in a few seconds", retry_after=5)
        flag = threading.Event()
        with self._lock:
            self._cancel[run_id] = flag
            self._versions[run_id] = 0

        def emit(event: StepEvent) -> None:
            if flag.is_set():
                raise Cancelled()
            self.emit(run_id, event)

        def run() -> None:
            try:
                work(emit)
                self.finish(run_id, "done")
            except Cancelled:
                self.finish(run_id, "cancelled")
            except ModelError as exc:  # a provider's or runtime's own text stays in the server log
                logger.warning("model failure in run %s: %s", run_id, exc.message)
                self.finish(run_id, "error", {"code": exc.code, "message": "the model could not complete this step",
                                              "hint": "retry, or run without the model (fast mode); the server log has the details"})
            except TradewindsError as exc:
                self.finish(run_id, "error", {"code": exc.code, "message": exc.message, "hint": exc.hint})
            except Exception as exc:  # noqa: BLE001 - the outermost edge of a run: logged in full, reported without internals
                logger.exception("run %s failed", run_id, exc_info=exc)
                self.finish(run_id, "error", {"code": "internal_error", "message": "internal error",
                                              "hint": "retry; if it persists, the server log has the details"})
            finally:
                with self._lock:
                    self._cancel.pop(run_id, None)
                    self._versions.pop(run_id, None)
                self._slots.release()

        self._pool.submit(run)

    def cancel(self, run_id: str) -> bool:
        """Ask a running run to stop at its next step; False when it is not running here."""
        with self._lock:
            flag = self._cancel.get(run_id)
        if flag is None:
            return False
        flag.set()
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
