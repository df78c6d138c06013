"""An append-only, hash-chained audit trail per workspace.

Each event stores the hash of the one before it and its own hash over every field (SHA-256 of the canonical
JSON). ``audit_heads`` holds each chain's newest seq and hash: editing, deleting, inserting or reordering events,
or cutting the chain's tail, all show in :func:`verify`. Writers take the head row first (:func:`lock`), which
serialises one workspace's writes on SQLite and PostgreSQL alike and keeps its limits and chain consistent.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, Engine

from ..accounts import Actor
from .schemas import AuditEvent, VerifyReport, canonical
from .tables import AuditEventRow, AuditHeadRow

_HEADS, _EVENTS = AuditHeadRow.__table__, AuditEventRow.__table__

GENESIS = "0" * 64


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def lock(conn: Connection, workspace_id: str) -> None:
    """Take the workspace's chain head for this transaction (a write lock, so the first statement must be this)."""
    where = _HEADS.c.workspace_id == workspace_id
    touch = update(_HEADS).where(where).values(seq=_HEADS.c.seq)
    returning = conn.dialect.update_returning
    head = conn.execute(touch.returning(_HEADS.c.seq, _HEADS.c.hash)).first() if returning else None
    if head is None and not (not returning and conn.execute(touch).rowcount):
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as upsert
        else:
            from sqlalchemy.dialects.sqlite import insert as upsert
        conn.execute(upsert(_HEADS).values(workspace_id=workspace_id, seq=0, hash=GENESIS).on_conflict_do_nothing())
        conn.execute(touch)
    if head is None:
        head = conn.execute(select(_HEADS.c.seq, _HEADS.c.hash).where(where)).one()
    _held(conn)[workspace_id] = (head.seq, head.hash)


def _held(conn: Connection) -> dict[str, tuple[int, str]]:
    """The heads this transaction holds (kept on the connection, for this transaction only)."""
    held = conn.info.get("audit_heads")
    if held is None or held[0] is not conn.get_transaction():
        held = conn.info["audit_heads"] = (conn.get_transaction(), {})
    return held[1]


def append(conn: Connection, workspace_id: str, event: str, actor: Actor | dict, payload: dict[str, Any], *,
           action_id: str | None = None, policy_version: str | None = None) -> AuditEvent:
    """Add one event to the chain; the caller holds :func:`lock` in the same transaction."""
    held = _held(conn)
    if workspace_id not in held:
        raise RuntimeError(f"audit.append without audit.lock for workspace {workspace_id} in this transaction")
    seq, prev = held[workspace_id]
    body = AuditEvent(workspace_id=workspace_id, seq=seq + 1, at=now(),
                      actor=actor.model_dump(mode="json") if isinstance(actor, Actor) else dict(actor),
                      event=event, action_id=action_id, payload=json.loads(canonical(payload)),
                      policy_version=policy_version, prev_hash=prev, hash="")
    body.hash = body.expected_hash()
    conn.execute(insert(_EVENTS).values(**body.model_dump()))
    conn.execute(update(_HEADS).where(_HEADS.c.workspace_id == workspace_id).values(seq=body.seq, hash=body.hash))
    held[workspace_id] = (body.seq, body.hash)
    return body


def events(conn: Connection, workspace_id: str, *, limit: int = 100, before_seq: int | None = None) -> list[AuditEvent]:
    """Newest first."""
    q = select(_EVENTS).where(_EVENTS.c.workspace_id == workspace_id)
    if before_seq is not None:
        q = q.where(_EVENTS.c.seq < before_seq)
    rows = conn.execute(q.order_by(_EVENTS.c.seq.desc()).limit(limit)).all()
    return [_event(r) for r in rows]


def _event(row) -> AuditEvent:
    return AuditEvent(workspace_id=row.workspace_id, seq=row.seq, at=row.at, actor=row.actor, event=row.event,
                      action_id=row.action_id, payload=row.payload, policy_version=row.policy_version,
                      prev_hash=row.prev_hash, hash=row.hash)


def verify(engine: Engine, workspace_id: str | None = None) -> VerifyReport:
    """Recompute every chain; each problem names the workspace and the event."""
    report = VerifyReport()
    with engine.connect() as conn:
        heads = {r.workspace_id: r for r in conn.execute(select(_HEADS))}
        chained = {w for (w,) in conn.execute(select(_EVENTS.c.workspace_id).distinct())}
        for ws in sorted((set(heads) | chained) if workspace_id is None else {workspace_id}):
            report.workspaces += 1
            prev, expect_seq = GENESIS, 1
            rows = conn.execute(select(_EVENTS).where(_EVENTS.c.workspace_id == ws).order_by(_EVENTS.c.seq))
            for row in rows:
                e = _event(row)
                report.events += 1
                where = f"workspace {ws}, event {e.seq}"
                if e.seq != expect_seq:
                    report.problems.append(f"{where}: expected event {expect_seq} (events missing or inserted)")
                if e.prev_hash != prev:
                    report.problems.append(f"{where}: does not follow the event before it (prev_hash differs)")
                if e.hash != e.expected_hash():
                    report.problems.append(f"{where} ({e.event}): its content was changed after it was written")
                prev, expect_seq = e.hash, e.seq + 1
            head = heads.get(ws)
            if head is None:
                report.problems.append(f"workspace {ws}: events without a chain head")
            elif (head.seq, head.hash) != (expect_seq - 1, prev):
                report.problems.append(f"workspace {ws}: the chain ends at event {expect_seq - 1}, but its head says "
                                       f"{head.seq} (events were removed from the end)")
    return report
