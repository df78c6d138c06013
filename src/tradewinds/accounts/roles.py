"""Roles in a workspace, from most to least trusted, and the actor (a user, or an agent in a run) that does a thing.

- owner: everything, including handing over the workspace
- admin: users, keys, policies, kill switches, approvals of any size
- operator: runs agents and approves actions up to the policy's operator limit
- support: handles conversations; changes orders only through actions an operator or the policy allows
- viewer: reads
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    owner = "owner"
    admin = "admin"
    operator = "operator"
    support = "support"
    viewer = "viewer"


_RANK = {Role.viewer: 0, Role.support: 1, Role.operator: 2, Role.admin: 3, Role.owner: 4}


def rank(role: Role) -> int:
    """0 for a viewer up to 4 for an owner."""
    return _RANK[Role(role)]


def at_least(role: Role, minimum: Role) -> bool:
    return rank(role) >= rank(minimum)


def weakest(*roles: Role) -> Role:
    return min((Role(r) for r in roles), key=rank)


class Actor(BaseModel):
    """Who does something: a user, or an agent acting in a run with the role it was granted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["user", "agent"]
    id: str = Field(min_length=1, max_length=120, description="user name, or the agent's name")
    role: Role
    run_id: str | None = Field(None, max_length=64, description="for an agent: the run it acts in")

    def __str__(self) -> str:
        return f"{self.kind} {self.id}" + (f" (run {self.run_id})" if self.run_id else "")
