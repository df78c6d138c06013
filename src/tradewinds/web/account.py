"""The web app's account pages: log in (password or a one-time link), log out, workspaces (switch, create,
quotas), keys and users, the approval queue and the audit trail. Forms post with the session's CSRF token; the rules are the API's (api/auth.py)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..accounts import Role, at_least
from ..accounts.schemas import USER_NAME, Quotas
from ..settings import WORKSPACE_ID
from ..api.auth import ADMIN, OPERATOR, OWNER, PUBLIC, VIEWER, AccountsDep, PrincipalDep, session_cookie
from ..api.deps import ServicesDep
from ..errors import TradewindsError
from .pages import page

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no //host, no scheme): a login never redirects elsewhere."""
    return target if target and target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def _logged_in(request: Request, token: str, target: str) -> Response:
    name, secure = session_cookie(request.app.state.services.settings.public_url)
    response = RedirectResponse(_safe_next(target), status_code=303)
    response.set_cookie(name, token, max_age=14 * 24 * 3600, httponly=True, samesite="lax", secure=secure, path="/")
    return response


def _source(request: Request) -> str:
    return (request.client.host if request.client else "")[:100]


@router.get("/login", response_class=HTMLResponse, dependencies=[PUBLIC])
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return page(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse, dependencies=[PUBLIC])
def login(request: Request, accounts: AccountsDep, user: str = Form(..., max_length=120), password: str = Form(..., max_length=200),
          next: str = Form("/")) -> Response:
    try:
        _, token = accounts.login(user.strip(), password, source=_source(request))
    except TradewindsError as exc:
        return page(request, "login.html", status_code=401 if exc.code == "unauthenticated" else 429, next=_safe_next(next), error=exc)
    return _logged_in(request, token, next)


@router.get("/login/{token}", response_class=HTMLResponse, dependencies=[PUBLIC])
def link_page(request: Request, token: str) -> HTMLResponse:
    """A one-time link opens a page with a button (a link preview that fetches it does not use it up)."""
    return page(request, "login_link.html", token=token)


@router.post("/login/{token}", dependencies=[PUBLIC])
def use_link(request: Request, token: str, accounts: AccountsDep) -> Response:
    _, session = accounts.use_login_link(token, source=_source(request))
    return _logged_in(request, session, "/account")


@router.post("/logout", dependencies=[VIEWER])
def logout(request: Request, accounts: AccountsDep) -> Response:
    name, _ = session_cookie(request.app.state.services.settings.public_url)
    if token := request.cookies.get(name):
        accounts.logout(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(name, path="/")
    return response


# -- keys and users -----------------------------------------------------------------------
def _account_page(request: Request, principal, accounts, *, status_code: int = 200, **extra) -> HTMLResponse:
    admin = at_least(principal.role, Role.admin)
    return page(request, "account.html", status_code=status_code, nav="account", admin=admin, roles=[r.value for r in Role],
                owner=principal.role == Role.owner, workspaces=accounts.workspaces(principal.user_id), workspace_pattern=WORKSPACE_ID.pattern,
                keys=accounts.keys(principal.workspace_id) if admin else [], users=accounts.users(principal.workspace_id) if admin else [],
                quotas=accounts.quotas(principal.workspace_id), usage=accounts.usage(principal.workspace_id), user_pattern=USER_NAME,
                **{"new_key": None, "new_link": None, "error": None, **extra})


@router.get("/account", response_class=HTMLResponse, dependencies=[VIEWER])
def account(request: Request, principal: PrincipalDep, accounts: AccountsDep) -> HTMLResponse:
    return _account_page(request, principal, accounts)


@router.post("/account/password", dependencies=[VIEWER])
def set_password(request: Request, principal: PrincipalDep, accounts: AccountsDep, password: str = Form(..., max_length=200)) -> Response:
    try:
        accounts.set_password(principal.user, password)  # ends every session of the user, this one too
    except TradewindsError as exc:
        return _account_page(request, principal, accounts, status_code=422, error=exc)
    return RedirectResponse("/login", status_code=303)


@router.post("/account/workspace", dependencies=[VIEWER])
def switch_workspace(request: Request, accounts: AccountsDep, workspace: str = Form(..., max_length=64)) -> Response:
    """Act in another of your workspaces (a session only: a key belongs to its workspace)."""
    token = request.cookies.get(session_cookie(request.app.state.services.settings.public_url)[0])
    if not token:
        return RedirectResponse("/account", status_code=303)
    accounts.switch_session(token, workspace, source=_source(request))
    return RedirectResponse("/account", status_code=303)


@router.post("/account/workspaces", response_class=HTMLResponse, dependencies=[OWNER])
def create_workspace(request: Request, principal: PrincipalDep, accounts: AccountsDep,
                     workspace: str = Form(..., pattern=f"^{WORKSPACE_ID.pattern}$"), name: str = Form("", max_length=200)) -> Response:
    try:
        accounts.create_workspace(principal, workspace, name.strip() or None)
    except TradewindsError as exc:
        return _account_page(request, principal, accounts, status_code=409 if exc.code == "conflict" else 403, error=exc)
    return switch_workspace(request, accounts, workspace)


@router.post("/account/quotas", response_class=HTMLResponse, dependencies=[OWNER])
def set_quotas(request: Request, principal: PrincipalDep, accounts: AccountsDep, model_tokens_per_day: int = Form(..., ge=0),
               concurrent_runs: int = Form(..., ge=0, le=1000), upload_bytes_per_day: int = Form(..., ge=0)) -> Response:
    quotas = Quotas(model_tokens_per_day=model_tokens_per_day, concurrent_runs=concurrent_runs, upload_bytes_per_day=upload_bytes_per_day)
    try:
        accounts.set_quotas(principal.workspace_id, quotas, by=principal.actor, within_defaults=True)
    except TradewindsError as exc:
        return _account_page(request, principal, accounts, status_code=403, error=exc)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/keys", response_class=HTMLResponse, dependencies=[ADMIN])
def create_key(request: Request, principal: PrincipalDep, accounts: AccountsDep, name: str = Form(..., min_length=1, max_length=120),
               role: Role = Form(Role.viewer)) -> HTMLResponse:
    try:
        key = accounts.create_key(principal, name.strip(), role)
    except TradewindsError as exc:
        return _account_page(request, principal, accounts, status_code=403, error=exc)
    return _account_page(request, principal, accounts, status_code=201, new_key=key)


@router.post("/account/keys/{key_id}/revoke", dependencies=[ADMIN])
def revoke_key(key_id: str, principal: PrincipalDep, accounts: AccountsDep) -> Response:
    accounts.revoke_key(principal, key_id)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/users", response_class=HTMLResponse, dependencies=[ADMIN])
def add_user(request: Request, principal: PrincipalDep, accounts: AccountsDep, services: ServicesDep,
             name: str = Form(..., pattern=USER_NAME), role: Role = Form(Role.viewer)) -> HTMLResponse:
    try:
        accounts.add_user(principal.workspace_id, name, role, by=principal.actor)
    except TradewindsError as exc:
        return _account_page(request, principal, accounts, status_code=409 if exc.code == "conflict" else 403, error=exc)
    link = f"{services.settings.public_url.rstrip('/')}/login/{accounts.login_link(principal.workspace_id, name)}"
    return _account_page(request, principal, accounts, status_code=201, new_link={"user": name, "url": link})


@router.post("/account/users/{name}/role", dependencies=[ADMIN])
def set_role(name: str, principal: PrincipalDep, accounts: AccountsDep, role: Role = Form(...)) -> Response:
    accounts.set_role(principal.workspace_id, name, role, by=principal.actor)
    return RedirectResponse("/account", status_code=303)


# -- the approval queue and the audit trail -----------------------------------------------
@router.get("/actions", response_class=HTMLResponse, dependencies=[VIEWER])
def actions(request: Request, principal: PrincipalDep, services: ServicesDep) -> HTMLResponse:
    ledger = services.ledger
    return page(request, "actions.html", nav="actions", pending=ledger.list(principal.workspace_id, status="pending_approval"),
                recent=[a for a in ledger.list(principal.workspace_id, limit=50) if a.status != "pending_approval"],
                can_decide=at_least(principal.role, Role.operator), policy=ledger.policy(principal.workspace_id))


@router.post("/actions/{action_id}/{decision}", dependencies=[OPERATOR])
def decide(action_id: str, decision: str, principal: PrincipalDep, services: ServicesDep, reason: str = Form(..., min_length=1, max_length=2000)) -> Response:
    if decision not in ("approve", "reject"):
        return RedirectResponse("/actions", status_code=303)
    (services.ledger.approve if decision == "approve" else services.ledger.reject)(principal.workspace_id, action_id, principal.actor, reason)
    return RedirectResponse(f"/actions?decided={quote(action_id)}", status_code=303)


@router.get("/audit", response_class=HTMLResponse, dependencies=[ADMIN])
def audit_page(request: Request, principal: PrincipalDep, services: ServicesDep) -> HTMLResponse:
    from ..actions.audit import verify

    return page(request, "audit.html", nav="audit", events=services.ledger.trail(principal.workspace_id, limit=200),
                check=verify(services.repo.engine, principal.workspace_id))
