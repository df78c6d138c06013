"""The refund agent's cases and decisions per workspace (the only SQL for them)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ...errors import NotFoundError
from .schemas import REFUNDING, RefundCase, RefundDecision
from .tables import RefundCaseRow

_CASES = RefundCaseRow.__table__
QUEUE = ("escalated", "pending_approval")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoredCase:
    def __init__(self, row) -> None:
        self.case = RefundCase.model_validate(row.case)
        self.decision = RefundDecision.model_validate(row.decision)
        self.status, self.action_id, self.decided_by = row.status, row.action_id, row.decided_by
        self.created_at, self.updated_at = row.created_at, row.updated_at


class RefundStore:
    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self.engine, self.workspace_id = engine, workspace_id

    @contextmanager
    def _conn(self, conn: Connection | None) -> Iterator[Connection]:
        """The caller's connection (the ledger's transaction), else a transaction of our own."""
        if conn is not None:
            yield conn
        else:
            with self.engine.begin() as own:
                yield own

    def _where(self, case_id: str):
        return (_CASES.c.workspace_id == self.workspace_id) & (_CASES.c.case_id == case_id)

    def put(self, case: RefundCase, decision: RefundDecision, status: str, *, decided_by: str, action_id: str | None = None,
            conn: Connection | None = None) -> None:
        """Store a case with its decision (the same case id again replaces it)."""
        values = dict(order_id=case.order_id, item_id=case.item_id, case=case.model_dump(mode="json"), decision=decision.model_dump(mode="json"),
                      status=status, action_id=action_id, decided_by=decided_by, updated_at=_now())
        with self._conn(conn) as c:
            found = c.execute(select(_CASES.c.created_at).where(self._where(case.case_id))).first()
            if found:
                c.execute(_CASES.update().where(self._where(case.case_id)).values(**values))
            else:
                c.execute(_CASES.insert().values(workspace_id=self.workspace_id, case_id=case.case_id, created_at=values["updated_at"], **values))

    def set_status(self, case_id: str, status: str, *, action_id: str | None = None, conn: Connection | None = None) -> None:
        values = {"status": status, "updated_at": _now(), **({"action_id": action_id} if action_id else {})}
        with self._conn(conn) as c:
            c.execute(_CASES.update().where(self._where(case_id)).values(**values))

    def get(self, case_id: str, *, conn: Connection | None = None) -> StoredCase:
        with self._conn(conn) as c:
            row = c.execute(select(_CASES).where(self._where(case_id))).first()
        if row is None:
            raise NotFoundError(f"no refund case {case_id!r} in this workspace", hint="decide it first: tradewinds refunds decide --cases FILE")
        return StoredCase(row)

    def find(self, case_ids: list[str]) -> dict[str, StoredCase]:
        with self.engine.connect() as c:
            rows = c.execute(select(_CASES).where(_CASES.c.workspace_id == self.workspace_id, _CASES.c.case_id.in_(case_ids))).all()
        return {r.case_id: StoredCase(r) for r in rows}

    def list(self, statuses: tuple[str, ...] | None = None, limit: int = 200) -> list[StoredCase]:
        query = select(_CASES).where(_CASES.c.workspace_id == self.workspace_id)
        if statuses:
            query = query.where(_CASES.c.status.in_(statuses))
        with self.engine.connect() as c:
            rows = c.execute(query.order_by(_CASES.c.updated_at.desc(), _CASES.c.case_id).limit(limit)).all()
        return [StoredCase(r) for r in rows]

    def refunded(self, *, conn: Connection | None = None, but: str | None = None) -> set[tuple[str, str]]:
        """(order id, item id) of every item refunded by an executed decision (but the case ``but``)."""
        query = select(_CASES.c.case_id, _CASES.c.order_id, _CASES.c.item_id, _CASES.c.decision).where(
            _CASES.c.workspace_id == self.workspace_id, _CASES.c.status == "executed", _CASES.c.order_id.is_not(None), _CASES.c.item_id.is_not(None))
        with self._conn(conn) as c:
            rows = c.execute(query).all()
        return {(r.order_id, r.item_id) for r in rows if r.case_id != but and r.decision.get("decision") in REFUNDING}
