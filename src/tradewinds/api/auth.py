"""Who a request is, and whether it may: API keys, session cookies, CSRF tokens, one access rule per route.

Every route of the app declares an :class:`Access` rule (a router's default, or its own): ``Access(None)`` for the
few public ones (health, login, the OpenAPI document), else the least role that may call it. The rule runs before
the route: it finds the principal (an ``Authorization: Bearer tw_...`` key, else the session cookie), refuses with
401 or 403, and for a session checks the CSRF token of every state-changing request (the ``X-CSRF-Token`` header
``app.js`` sends, or a form's ``csrf_token`` field). ``tests/test_access.py`` walks the app's route table: a route
without a rule fails it.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import anyio
from fastapi import Depends, Request

from ..accounts import Role, at_least, rank
from ..accounts.schemas import Principal
from ..accounts.service import Accounts
from ..errors import PermissionDeniedError, UnauthenticatedError

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def session_cookie(public_url: str) -> tuple[str, bool]:
    """The cookie's name and Secure flag: behind https a __Host- cookie (Secure, this host only, path /)."""
    secure = public_url.startswith("https://")
    return ("__Host-tw_session" if secure else "tw_session"), secure


def get_accounts(request: Request) -> Accounts:
    return request.app.state.accounts


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.headers.get("x-api-key")


async def principal_of(request: Request) -> Principal:
    """The request's principal (found once per request), or 401."""
    if hasattr(request.state, "principal"):
        return request.state.principal
    accounts = get_accounts(request)
    token = _bearer(request)
    if token is not None:
        principal = accounts.recent_key(token) or await anyio.to_thread.run_sync(
            lambda: accounts.authenticate_key(token, route=f"{request.method} {request.url.path}"))
        if principal is None:
            raise UnauthenticatedError("this API key is not valid (unknown, or revoked)",
                                       hint="create a key on the Keys page or with `tradewinds keys create`")
    else:
        cookie = request.cookies.get(session_cookie(request.app.state.services.settings.public_url)[0])
        principal = await anyio.to_thread.run_sync(accounts.session, cookie) if cookie else None
        if principal is None:
            raise UnauthenticatedError("log in first" if not cookie else "your session has ended: log in again",
                                       hint="open /login, or send an API key: Authorization: Bearer tw_...")
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        sent = (await request.form()).get(CSRF_FIELD)
    if not (isinstance(sent, str) and principal.csrf and secrets.compare_digest(sent, principal.csrf)):
        raise PermissionDeniedError("this form or request is missing its CSRF token, or it is stale",
                                    hint="reload the page and try again")


class Access:
    """A route's access rule: the least role that may call it (None: public)."""

    def __init__(self, minimum: Role | None) -> None:
        self.minimum = minimum

    async def __call__(self, request: Request) -> Principal | None:
        if self.minimum is None:
            return None
        principal = await principal_of(request)
        if not at_least(principal.role, self.minimum):
            raise PermissionDeniedError(f"this needs the {self.minimum.value} role or above; you are {principal.role.value}",
                                        hint="ask an admin of the workspace for the role")
        if principal.via == "session" and request.method not in SAFE_METHODS:
            await _check_csrf(request, principal)
        return principal

    def __repr__(self) -> str:
        return f"Access({self.minimum.value if self.minimum else 'public'})"


def rule_of(route) -> Access | None:
    """A route's access rule: the strictest :class:`Access` among its dependencies (None: it has none)."""
    found: list[Access] = []

    def walk(dependant) -> None:
        for dep in dependant.dependencies:
            if isinstance(dep.call, Access):
                found.append(dep.call)
            walk(dep)

    if getattr(route, "dependant", None) is not None:
        walk(route.dependant)
    if not found:
        return None
    return max(found, key=lambda a: -1 if a.minimum is None else rank(a.minimum))


def document_security(app) -> None:
    """The OpenAPI document says which operations need a key (every one with a role), as a bearer scheme."""
    from fastapi.routing import iter_route_contexts

    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {})["securitySchemes"] = {"apiKey": {
            "type": "http", "scheme": "bearer", "description": "an API key, tw_...: the Keys page or `tradewinds keys create`"}}
        for route in iter_route_contexts(app.routes):
            rule = rule_of(route)
            for method in route.methods or ():
                operation = schema["paths"].get(route.path, {}).get(method.lower())
                if operation is not None and rule is not None and rule.minimum is not None:
                    operation["security"] = [{"apiKey": []}]
                    operation["description"] = (operation.get("description", "") + f"\n\nNeeds the **{rule.minimum.value}** role or above.").strip()
        return schema

    app.openapi = openapi


def allow(minimum: Role | None):
    return Depends(Access(minimum))


PUBLIC, VIEWER, SUPPORT, OPERATOR, ADMIN, OWNER = (allow(None), allow(Role.viewer), allow(Role.support), allow(Role.operator),
                                                   allow(Role.admin), allow(Role.owner))
PrincipalDep = Annotated[Principal, Depends(principal_of)]
AccountsDep = Annotated[Accounts, Depends(get_accounts)]
