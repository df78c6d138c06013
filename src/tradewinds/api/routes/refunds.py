"""The refund agent over HTTP: learn the merchant's policy from a CSV of past decisions, decide cases, read the queue a
person works through, and resolve a case. Every payout is a ``refund.execute`` action in the ledger."""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Literal

from fastapi import APIRouter, File, Form, Path, UploadFile
from pydantic import BaseModel, Field

from ...errors import BadInputError
from ...seller.refunds.cases import read_history
from ...seller.refunds.schemas import RefundCase, RefundDecision
from ...seller.refunds.shop import ShopRequest
from ..auth import ADMIN, OPERATOR, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["refunds"], dependencies=[OPERATOR])
CASE_ID = r"^[A-Za-z0-9#_.:@+-]{1,80}$"
MAX_UPLOAD = 50 * 1024 * 1024


class PolicyOut(BaseModel):
    rows: int = Field(description="past decisions learned from")
    accuracy: float = Field(description="out of fold, every case")
    threshold: float = Field(description="the confidence the agent needs to decide alone (above 1: it never does)")
    coverage: float = Field(description="out of fold, the share of cases it decides alone")
    accuracy_at_threshold: float
    target: float
    labels: dict[str, int] = Field(description="decision|amount rule -> past cases")
    learned_at: str
    source: str


class DecideIn(BaseModel):
    cases: list[RefundCase] = Field(min_length=1, max_length=1000)
    execute: bool = Field(False, description="carry the agent's decisions out through the action ledger (default: a preview)")


class DecisionOut(BaseModel):
    decision: RefundDecision
    status: Literal["proposed", "escalated", "pending_approval", "executed", "refused"]


class CaseOut(DecisionOut):
    case: RefundCase
    action_id: str | None = None
    decided_by: str
    updated_at: str


class ResolutionIn(BaseModel):
    decision: Literal["refund_with_return", "returnless_refund", "partial_refund", "exchange", "reject"]
    amount: Decimal | None = Field(None, ge=0, description="the refund; default everything not yet refunded for the item")
    note: str = Field(min_length=1, max_length=2000, description="why (kept with the decision and learned from next time)")


def _policy_out(p) -> PolicyOut:
    s = p.summary()
    return PolicyOut(**{k: s[k] for k in PolicyOut.model_fields})


@router.get("/v1/refunds/policy", response_model=PolicyOut, summary="The refund policy learned in this workspace, and how it did out of fold")
def get_policy(services: ServicesDep, principal: PrincipalDep) -> PolicyOut:
    return _policy_out(services.refunds(principal.workspace_id).learned())


async def read_upload(services, workspace_id: str, file: UploadFile, reader):
    """An uploaded CSV read with ``reader`` (read_history or read_cases) from a private temporary folder; errors name
    the user's file, never ours."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise BadInputError(f"{file.filename}: above the {MAX_UPLOAD:,}-byte upload limit", hint="split the file")
    folder = FilePath(tempfile.mkdtemp(prefix="tw-refunds-", dir=services.workspace_dir(workspace_id, "uploads")))
    try:
        path = folder / "upload.csv"
        path.write_bytes(data)
        try:
            return reader(path)
        except BadInputError as exc:
            raise BadInputError(exc.message.replace("upload.csv", file.filename or "the upload", 1), hint=exc.hint) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def learn_from(services, workspace_id: str, past, *, target: float, source: str):
    """Learn from ``past`` and the cases people resolved in the workspace (the file wins for a case in both)."""
    desk = services.refunds(workspace_id)
    seen = {p.case_id for p in past}
    return desk.learn(past + [d for d in desk.history() if d.case_id not in seen], target_accuracy=target, source=source)


@router.post("/v1/refunds/policy", response_model=PolicyOut, dependencies=[ADMIN],
             summary="Learn the refund policy from a CSV of past decisions (docs/refunds.md), with the cases people resolved here")
async def learn(services: ServicesDep, principal: PrincipalDep, file: UploadFile = File(..., description="past decisions, CSV"),
                target: float = Form(0.95, ge=0.5, le=0.999)) -> PolicyOut:
    past = await read_upload(services, principal.workspace_id, file, read_history)
    return _policy_out(learn_from(services, principal.workspace_id, past, target=target, source=file.filename or "upload"))


@router.post("/v1/refunds/decisions", response_model=list[DecisionOut],
             summary="Decide cases (at most 1000 a call); with execute, carry the agent's decisions out through the ledger")
def decide(body: DecideIn, services: ServicesDep, principal: PrincipalDep) -> list[DecisionOut]:
    made = services.refunds(principal.workspace_id).decide(body.cases, execute=body.execute)
    return [DecisionOut(decision=d, status=s) for d, s in made]


class RequestIn(ShopRequest):
    execute: bool = Field(False, description="carry the decision out through the action ledger (default: a preview)")


@router.post("/v1/refunds/requests", response_model=DecisionOut,
             summary="A buyer's request about an item of a shop order: the case from the shop's records, decided (and carried out)")
def shop_request(body: RequestIn, services: ServicesDep, principal: PrincipalDep) -> DecisionOut:
    made, status = services.refunds(principal.workspace_id).request(ShopRequest(**body.model_dump(exclude={"execute"})), execute=body.execute)
    return DecisionOut(decision=made, status=status)


def _case_out(s) -> CaseOut:
    return CaseOut(case=s.case, decision=s.decision, status=s.status, action_id=s.action_id, decided_by=s.decided_by, updated_at=s.updated_at)


@router.get("/v1/refunds/queue", response_model=list[CaseOut], summary="Cases waiting for a person: escalated, or above the ledger's limits")
def queue(services: ServicesDep, principal: PrincipalDep) -> list[CaseOut]:
    return [_case_out(s) for s in services.refunds(principal.workspace_id).queue()]


@router.get("/v1/refunds/cases/{case_id}", response_model=CaseOut, summary="One case, its decision with reasons, and where it stands")
def get_case(services: ServicesDep, principal: PrincipalDep, case_id: str = Path(pattern=CASE_ID)) -> CaseOut:
    return _case_out(services.refunds(principal.workspace_id).store.get(case_id))


@router.post("/v1/refunds/cases/{case_id}/resolution", response_model=DecisionOut,
             summary="A person decides the case; carried out through the ledger as them (the written rules bind them too)")
def resolve(body: ResolutionIn, services: ServicesDep, principal: PrincipalDep, case_id: str = Path(pattern=CASE_ID)) -> DecisionOut:
    made, status = services.refunds(principal.workspace_id).resolve(case_id, body.decision, body.amount, actor=principal.actor, note=body.note)
    return DecisionOut(decision=made, status=status)
