"""The action ledger over HTTP: the approval queue, decisions with a reason, kill switches, the audit trail."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from ...actions import ActionRecord
from ...actions.audit import verify
from ...actions.schemas import AuditEvent, VerifyReport
from ..auth import ADMIN, OPERATOR, VIEWER, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["actions"], dependencies=[VIEWER])
ACTION_ID = Path(pattern=r"^act_[a-z2-7]{16}$")


class DecisionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why: kept in the audit trail")


class KillSwitchIn(BaseModel):
    on: bool = Field(description="true: stop new actions now and hold pending ones; false: resume (admin)")
    reason: str = Field(min_length=1, max_length=2000)
    agent: str = Field("*", min_length=1, max_length=120, description="one agent's name, or * for the whole workspace")


@router.get("/v1/actions", response_model=list[ActionRecord], summary="Actions, newest first; status=pending_approval is the approval queue")
def list_actions(principal: PrincipalDep, services: ServicesDep,
                 status: Literal["pending_approval", "applied", "rejected", "undone"] | None = None,
                 limit: int = Query(50, ge=1, le=500)) -> list[ActionRecord]:
    return services.ledger.list(principal.workspace_id, status=status, limit=limit)


@router.get("/v1/actions/{action_id}", response_model=ActionRecord, summary="One action: what it changes, who asked, who decided")
def get_action(principal: PrincipalDep, services: ServicesDep, action_id: str = ACTION_ID) -> ActionRecord:
    return services.ledger.get(principal.workspace_id, action_id)


@router.post("/v1/actions/{action_id}/approve", response_model=ActionRecord, dependencies=[OPERATOR],
             summary="Apply a pending action (operators up to the policy's limit; re-checked against the current state)")
def approve(body: DecisionIn, principal: PrincipalDep, services: ServicesDep, action_id: str = ACTION_ID) -> ActionRecord:
    return services.ledger.approve(principal.workspace_id, action_id, principal.actor, body.reason)


@router.post("/v1/actions/{action_id}/reject", response_model=ActionRecord, dependencies=[OPERATOR], summary="Refuse a pending action")
def reject(body: DecisionIn, principal: PrincipalDep, services: ServicesDep, action_id: str = ACTION_ID) -> ActionRecord:
    return services.ledger.reject(principal.workspace_id, action_id, principal.actor, body.reason)


@router.put("/v1/kill-switch", status_code=204, dependencies=[OPERATOR],
            summary="Stop (any operator) or resume (admin) the workspace's or one agent's actions")
def kill_switch(body: KillSwitchIn, principal: PrincipalDep, services: ServicesDep) -> None:
    services.ledger.set_kill_switch(principal.workspace_id, body.on, principal.actor, body.reason, agent=body.agent)


@router.get("/v1/audit", response_model=list[AuditEvent], dependencies=[ADMIN], summary="The workspace's audit trail, newest first")
def audit_trail(principal: PrincipalDep, services: ServicesDep, limit: int = Query(100, ge=1, le=1000)) -> list[AuditEvent]:
    return services.ledger.trail(principal.workspace_id, limit=limit)


@router.get("/v1/audit/verify", response_model=VerifyReport, dependencies=[ADMIN], summary="Check the workspace's hash chain")
def audit_verify(principal: PrincipalDep, services: ServicesDep) -> VerifyReport:
    return verify(services.repo.engine, principal.workspace_id)
