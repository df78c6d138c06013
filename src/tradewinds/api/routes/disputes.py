"""Card disputes over HTTP: import Stripe dispute objects, Stripe's webhook (signature verified, replays refused), the
disputes by deadline, one dispute's prepared response (routing, evidence, letter, recommendation, Stripe fields),
its evidence pack, and submitting it (an action that waits for a person's approval)."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Any, Literal

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from ...actions.schemas import ActionRecord
from ...errors import BadInputError, NotFoundError
from ...seller.disputes.evidence import CompellingEvidence, EvidenceItem
from ...seller.disputes.recommend import Recommendation
from ...seller.disputes.routing import Route
from ...seller.disputes.stripe import verify
from ...shop.disputes import Dispute
from ..auth import OPERATOR, PUBLIC, SUPPORT, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["disputes"], dependencies=[SUPPORT])
public = APIRouter(tags=["disputes"])  # Stripe's webhook: no key, its signature instead
DISPUTE_ID = r"^[A-Za-z0-9_.:-]{1,80}$"
WORKSPACE = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_WEBHOOK = 1024 * 1024


class DisputeRow(BaseModel):
    dispute: Dispute
    category: str
    hours_left: float | None = Field(description="until the evidence is due; negative: overdue")
    advice: Literal["fight", "accept"]
    chance: float


class Prepared(BaseModel):
    dispute: Dispute
    route: Route
    hours_left: float | None
    evidence: list[EvidenceItem]
    ce3: CompellingEvidence
    required: list[str]
    missing: list[str] = Field(description="the category's evidence fields the shop's records cannot fill")
    letter: str
    grounding_problems: list[str] = Field(description="empty: every claim of the letter is in the evidence it cites")
    advice: Recommendation
    fields: dict[str, Any] = Field(description="the response as Stripe's evidence fields (the pack fills the file fields once uploaded)")
    digest: str = Field(description="what a submission approves; a changed record changes it")


class Imported(BaseModel):
    imported: int
    open: int


def _prepared(p) -> Prepared:
    return Prepared(dispute=p.dispute, route=p.route, hours_left=p.hours_left(), evidence=p.evidence.items, ce3=p.evidence.ce3,
                    required=p.evidence.required, missing=p.evidence.missing, letter=p.letter.text, grounding_problems=p.problems,
                    advice=p.advice, fields=p.fields, digest=p.digest)


@router.post("/v1/disputes/imports", response_model=Imported, dependencies=[OPERATOR],
             summary="Import Stripe dispute objects (the same id again replaces it)")
def import_disputes(services: ServicesDep, principal: PrincipalDep,
                    body: list[dict[str, Any]] = Body(..., min_length=1, max_length=1000, description="Stripe dispute objects")) -> Imported:
    desk = services.disputes(principal.workspace_id)
    done = desk.import_objects(body)
    return Imported(imported=len(done), open=len(desk.by_urgency()))


@public.post("/v1/disputes/webhook/{workspace_id}", dependencies=[PUBLIC], response_model=dict,
             summary="Stripe's webhook for a workspace: a signed charge.dispute.* event stores its dispute")
async def webhook(request: Request, services: ServicesDep, workspace_id: str = Path(pattern=WORKSPACE)) -> dict:
    secret = services.settings.stripe_webhook_secrets.get(workspace_id)
    payload = await request.body()
    if secret is None:
        raise NotFoundError(f"no webhook for workspace {workspace_id!r}", hint="set TRADEWINDS_STRIPE_WEBHOOK_SECRETS for it")
    if len(payload) > MAX_WEBHOOK:
        raise BadInputError("the event is larger than 1 MiB")
    verify(payload, request.headers.get("stripe-signature"), secret.get_secret_value())
    try:
        event = json.loads(payload)
    except json.JSONDecodeError:
        raise BadInputError("the event is not JSON") from None
    if not isinstance(event, dict):
        raise BadInputError("the event is not a JSON object")
    dispute = services.disputes(workspace_id).take_event(event)
    return {"received": True, "dispute": dispute.id if dispute else None}


@router.get("/v1/disputes", response_model=list[DisputeRow], summary="Disputes by urgency: the evidence due soonest first")
def list_disputes(services: ServicesDep, principal: PrincipalDep, all: bool = False) -> list[DisputeRow]:
    desk = services.disputes(principal.workspace_id)
    out = []
    for d in desk.by_urgency(open_only=not all):
        p = desk.prepare(d.id)
        out.append(DisputeRow(dispute=d, category=p.route.category, hours_left=p.hours_left(), advice=p.advice.action, chance=p.advice.chance))
    return out


@router.get("/v1/disputes/{dispute_id}", response_model=Prepared, summary="One dispute's prepared response")
def get_dispute(services: ServicesDep, principal: PrincipalDep, dispute_id: str = Path(pattern=DISPUTE_ID)) -> Prepared:
    return _prepared(services.disputes(principal.workspace_id).prepare(dispute_id))


@router.get("/v1/disputes/{dispute_id}/pack.{fmt}", summary="The evidence pack: pdf, md or html", response_class=FileResponse)
def get_pack(services: ServicesDep, principal: PrincipalDep, dispute_id: str = Path(pattern=DISPUTE_ID),
             fmt: Literal["pdf", "md", "html"] = Path()) -> FileResponse:
    desk = services.disputes(principal.workspace_id)
    p = desk.prepare(dispute_id)
    folder = FilePath(tempfile.mkdtemp(prefix="tw-pack-"))
    path = next(x for x in desk.write_pack(p, folder, (fmt,)) if x.suffix == f".{fmt}")
    media = {"pdf": "application/pdf", "md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}[fmt]
    return FileResponse(path, media_type=media, filename=path.name, background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


@router.post("/v1/disputes/{dispute_id}/submission", response_model=ActionRecord, dependencies=[OPERATOR], status_code=202,
             summary="Ask to submit the response to Stripe: a dispute.submit action, always waiting for another person's approval")
def submit(services: ServicesDep, principal: PrincipalDep, dispute_id: str = Path(pattern=DISPUTE_ID)) -> ActionRecord:
    return services.disputes(principal.workspace_id).submit(dispute_id, actor=principal.actor)

