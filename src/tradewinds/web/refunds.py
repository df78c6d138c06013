"""The refund pages: the learned policy, the queue a person works through (escalated cases and payouts above the
ledger's limits), one case with its reasons and a form to decide it, and uploads to learn from and to decide."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api.auth import ADMIN, OPERATOR, PrincipalDep
from ..api.deps import ServicesDep
from ..api.routes.refunds import learn_from, read_upload
from ..errors import BadInputError, NotFoundError
from ..seller.refunds.cases import read_cases, read_history
from ..seller.refunds.schemas import DECISIONS
from .pages import page

router = APIRouter(include_in_schema=False, dependencies=[OPERATOR])
PERSON_DECISIONS = [d for d in DECISIONS if d != "escalate"]


def _home(request: Request, services, principal, status_code: int = 200, **extra) -> HTMLResponse:
    desk = services.refunds(principal.workspace_id)
    try:
        policy = desk.learned().summary()
    except NotFoundError:
        policy = None
    return page(request, "refunds.html", status_code=status_code, nav="refunds", policy=policy, queue=desk.queue(),
                recent=desk.store.list(limit=30), can_learn=principal.role.value in ("owner", "admin"),
                **{"made": None, "error": None, **extra})


@router.get("/refunds", response_class=HTMLResponse)
def refunds_page(request: Request, services: ServicesDep, principal: PrincipalDep) -> HTMLResponse:
    return _home(request, services, principal)


@router.post("/refunds/learn", response_class=HTMLResponse, dependencies=[ADMIN])
async def learn(request: Request, services: ServicesDep, principal: PrincipalDep, file: UploadFile = File(...)) -> Response:
    try:
        past = await read_upload(services, principal.workspace_id, file, read_history)
        learn_from(services, principal.workspace_id, past, target=0.95, source=file.filename or "upload")
    except BadInputError as exc:
        return _home(request, services, principal, status_code=400, error=exc)
    return RedirectResponse("/refunds", status_code=303)


@router.post("/refunds/decide", response_class=HTMLResponse)
async def decide(request: Request, services: ServicesDep, principal: PrincipalDep, file: UploadFile = File(...),
                 execute: bool = Form(False)) -> HTMLResponse:
    try:
        cases = await read_upload(services, principal.workspace_id, file, read_cases)
        made = services.refunds(principal.workspace_id).decide(cases, execute=execute)
    except (BadInputError, NotFoundError) as exc:
        return _home(request, services, principal, status_code=400, error=exc)
    return _home(request, services, principal, made=made, executed=execute)


@router.get("/refunds/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: str, request: Request, services: ServicesDep, principal: PrincipalDep, error: str = "") -> HTMLResponse:
    stored = services.refunds(principal.workspace_id).store.get(case_id)
    return page(request, "refund_case.html", nav="refunds", s=stored, decisions=PERSON_DECISIONS, error=error)


@router.post("/refunds/cases/{case_id}/resolve", response_class=HTMLResponse)
def resolve(case_id: str, request: Request, services: ServicesDep, principal: PrincipalDep, decision: str = Form(...),
            amount: str = Form(""), note: str = Form(..., min_length=1, max_length=2000)) -> Response:
    desk = services.refunds(principal.workspace_id)
    try:
        try:
            value = Decimal(amount.strip()) if amount.strip() else None
        except InvalidOperation:
            raise BadInputError(f"{amount!r} is not an amount", hint="write it like 12.50, or leave it blank for the full price") from None
        desk.resolve(case_id, decision, value, actor=principal.actor, note=note)
    except BadInputError as exc:
        return page(request, "refund_case.html", status_code=400, nav="refunds", s=desk.store.get(case_id), decisions=PERSON_DECISIONS,
                    error=f"{exc.message} ({exc.hint})" if exc.hint else exc.message)
    return RedirectResponse(f"/refunds/cases/{quote(case_id)}", status_code=303)
