"""What the accounts hand out: the principal a request acts as, users, keys and quotas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..settings import WORKSPACE_ID
from .roles import Actor, Role

USER_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,119}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Principal(_Model):
    """Who a request acts as, in which workspace, and how it proved it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workspace_id: str
    user_id: str
    user: str = Field(description="the user's login name")
    role: Role = Field(description="for a key: the key's role, capped by its user's current role")
    via: Literal["session", "key", "local"]
    key_id: str | None = None
    csrf: str | None = Field(None, description="a session's CSRF token (forms and fetches send it back)")

    @property
    def actor(self) -> Actor:
        return Actor(kind="user", id=self.user, role=self.role)


class UserOut(_Model):
    name: str
    role: Role
    has_password: bool
    created_at: str


class UserIn(_Model):
    name: str = Field(pattern=USER_NAME, description="login name: letters, digits and _ . @ + -")
    role: Role = Role.viewer
    password: str | None = Field(None, min_length=10, max_length=200, description="omit to send a one-time login link instead")


class WorkspaceOut(_Model):
    id: str
    name: str
    role: Role = Field(description="your role in it")


class WorkspaceIn(_Model):
    id: str = Field(pattern=f"^{WORKSPACE_ID.pattern}$", description="1-64 of a-z, 0-9, '-' and '_'; it is in paths and file names")
    name: str | None = Field(None, max_length=200)


class RoleIn(_Model):
    role: Role


class KeyIn(_Model):
    name: str = Field(min_length=1, max_length=120, description="what the key is for, e.g. 'shop sync'")
    role: Role = Field(Role.viewer, description="at most your own role; the key never acts above its user's role either")


class KeyOut(_Model):
    id: str
    name: str
    role: Role
    prefix: str = Field(description="the token's first characters, to recognise it")
    user: str = Field(description="the user who made it (the key acts as them)")
    created_at: str
    revoked_at: str | None = None
    last_used_at: str | None = None


class NewKey(KeyOut):
    token: str = Field(description="shown this once: store it now (only its hash is kept)")


class NewUser(UserOut):
    login_url: str | None = Field(None, description="a one-time login link (valid 24 hours) when no password was set")


class Quotas(_Model):
    """Per workspace; 0 means no limit."""

    model_tokens_per_day: int = Field(2_000_000, ge=0, description="model tokens (prompt + completion) a day, UTC")
    concurrent_runs: int = Field(4, ge=0, le=1000, description="sourcing runs and bulk jobs running or queued at once")
    upload_bytes_per_day: int = Field(2 * 1024 ** 3, ge=0, description="catalog and sheet uploads a day, UTC")


def valid_workspace_id(value: str) -> bool:
    return bool(WORKSPACE_ID.fullmatch(value))
