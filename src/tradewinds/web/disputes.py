"""The dispute pages: the disputes by deadline, and one dispute with its recommendation, letter, evidence, Visa CE 3.0
criteria, the evidence pack to download and the button that asks to submit it (approved in the approval queue)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..api.auth import OPERATOR, SUPPORT, PrincipalDep
from ..api.deps import ServicesDep
from ..errors import BadInputError
from .pages import page

router = APIRouter(include_in_schema=False, dependencies=[SUPPORT])


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(request: Request, services: ServicesDep, principal: PrincipalDep, all: bool = False) -> HTMLResponse:
    desk = services.disputes(principal.workspace_id)
    rows = [desk.prepare(d.id) for d in desk.by_urgency(open_only=not all)]
    return page(request, "disputes.html", nav="disputes", rows=rows, all=all)


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
def dispute_page(dispute_id: str, request: Request, services: ServicesDep, principal: PrincipalDep, asked: str = "", error: str = "") -> HTMLResponse:
    p = services.disputes(principal.workspace_id).prepare(dispute_id)
    return page(request, "dispute.html", nav="disputes", p=p, asked=asked, error=error)


@router.post("/disputes/{dispute_id}/submit", dependencies=[OPERATOR])
def submit(dispute_id: str, request: Request, services: ServicesDep, principal: PrincipalDep) -> Response:
    try:
        record = services.disputes(principal.workspace_id).submit(dispute_id, actor=principal.actor)
    except BadInputError as exc:
        return RedirectResponse(f"/disputes/{quote(dispute_id)}?error={quote(exc.message[:300])}", status_code=303)
    return RedirectResponse(f"/disputes/{quote(dispute_id)}?asked={quote(record.id)}", status_code=303)
