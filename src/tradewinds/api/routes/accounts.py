"""The workspace's people and keys over HTTP: who am I, my workspaces, users and their roles, API keys (shown once), quotas."""

from __future__ import annotations

from fastapi import APIRouter, Path
from pydantic import BaseModel

from ...accounts.schemas import KeyIn, KeyOut, NewKey, NewUser, Quotas, RoleIn, UserIn, UserOut, WorkspaceIn, WorkspaceOut
from ..auth import ADMIN, OWNER, VIEWER, AccountsDep, PrincipalDep
from ..deps import ServicesDep

router = APIRouter(tags=["accounts"], dependencies=[VIEWER])
USER_PATH = Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,119}$")


class MeOut(BaseModel):
    user: str
    workspace_id: str
    role: str
    via: str
    quotas: Quotas
    usage_today: dict[str, int]


@router.get("/v1/me", response_model=MeOut, summary="Who this request acts as, in which workspace, and its quotas")
def me(principal: PrincipalDep, accounts: AccountsDep) -> MeOut:
    return MeOut(user=principal.user, workspace_id=principal.workspace_id, role=principal.role.value, via=principal.via,
                 quotas=accounts.quotas(principal.workspace_id), usage_today=accounts.usage(principal.workspace_id))


@router.get("/v1/workspaces", response_model=list[WorkspaceOut], summary="The workspaces you belong to, and your role in each")
def list_workspaces(principal: PrincipalDep, accounts: AccountsDep) -> list[WorkspaceOut]:
    return accounts.workspaces(principal.user_id)


@router.post("/v1/workspaces", response_model=WorkspaceOut, status_code=201, dependencies=[OWNER],
             summary="Create an empty workspace with you as its owner (a key stays in its own workspace: log in to it, or make a key there)")
def create_workspace(body: WorkspaceIn, principal: PrincipalDep, accounts: AccountsDep) -> WorkspaceOut:
    return accounts.create_workspace(principal, body.id, body.name)


@router.put("/v1/quotas", response_model=Quotas, dependencies=[OWNER],
            summary="Lower this workspace's quotas (each at most the instance's limit; audited)")
def set_quotas(body: Quotas, principal: PrincipalDep, accounts: AccountsDep) -> Quotas:
    accounts.set_quotas(principal.workspace_id, body, by=principal.actor, within_defaults=True)
    return accounts.quotas(principal.workspace_id)


@router.get("/v1/users", response_model=list[UserOut], dependencies=[ADMIN], summary="The workspace's users and roles")
def list_users(principal: PrincipalDep, accounts: AccountsDep) -> list[UserOut]:
    return accounts.users(principal.workspace_id)


@router.post("/v1/users", response_model=NewUser, status_code=201, dependencies=[ADMIN],
             summary="Add a user with a role; without a password the answer carries a one-time login link")
def add_user(body: UserIn, principal: PrincipalDep, accounts: AccountsDep, services: ServicesDep) -> NewUser:
    user = accounts.add_user(principal.workspace_id, body.name, body.role, by=principal.actor, password=body.password)
    link = None if body.password else f"{services.settings.public_url.rstrip('/')}/login/{accounts.login_link(principal.workspace_id, body.name)}"
    return NewUser(**user.model_dump(), login_url=link)


@router.put("/v1/users/{name}/role", response_model=UserOut, dependencies=[ADMIN], summary="Change a user's role (audited)")
def set_role(body: RoleIn, principal: PrincipalDep, accounts: AccountsDep, name: str = USER_PATH) -> UserOut:
    return accounts.set_role(principal.workspace_id, name, body.role, by=principal.actor)


@router.get("/v1/keys", response_model=list[KeyOut], dependencies=[ADMIN], summary="The workspace's API keys (never their tokens)")
def list_keys(principal: PrincipalDep, accounts: AccountsDep) -> list[KeyOut]:
    return accounts.keys(principal.workspace_id)


@router.post("/v1/keys", response_model=NewKey, status_code=201, dependencies=[ADMIN],
             responses={201: {"links": {"RevokeKey": {"operationId": "revokeKey", "parameters": {"key_id": "$response.body#/id"}}}}},
             summary="Create an API key; its token is in this answer only")
def create_key(body: KeyIn, principal: PrincipalDep, accounts: AccountsDep) -> NewKey:
    return accounts.create_key(principal, body.name, body.role)


@router.delete("/v1/keys/{key_id}", response_model=KeyOut, dependencies=[ADMIN], operation_id="revokeKey", summary="Revoke a key (at once, for good)")
def revoke_key(principal: PrincipalDep, accounts: AccountsDep, key_id: str = Path(pattern=r"^key_[0-9a-f]{16}$")) -> KeyOut:
    return accounts.revoke_key(principal, key_id)
