"""The action ledger's typed edges: a request, the policy it is checked against, the preview, the stored record."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..accounts import Actor

Effect = Literal["write", "money"]
Status = Literal["pending_approval", "applied", "rejected", "undone"]


def canonical(value: Any) -> str:
    """One JSON text per value (sorted keys, no spaces, decimals as strings): what hashes and replays compare."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()


def derived_key(kind: str, *parts: Any) -> str:
    """An idempotency key made from what an action is about (a case id, a SKU ... any text a user gave): the same
    parts give the same key, whatever characters they hold."""
    return f"{kind}:{digest([str(p) for p in parts])[:40]}"


class ActionRequest(BaseModel):
    """One thing an agent or a user asks to do. The idempotency key makes a retry safe: the same key with the same
    type and parameters gives back the first result; the same key with anything else is refused."""

    model_config = ConfigDict(extra="forbid")

    workspace_id: str = Field(min_length=1, max_length=64)
    type: str = Field(min_length=1, max_length=80, description="a registered action type, e.g. 'order.refund'")
    params: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = Field(min_length=8, max_length=200, pattern=r"^[\x21-\x7e]+$")
    actor: Actor
    reason: str = Field("", max_length=2000, description="why, in the actor's words (shown to approvers)")


class Limits(BaseModel):
    """Caps for one action type, in the policy's currency. None: no such cap."""

    model_config = ConfigDict(extra="forbid")

    per_action: Decimal | None = Field(None, ge=0, description="the most one action may move")
    per_day: Decimal | None = Field(None, ge=0, description="the most this type may move per UTC day in the workspace")
    per_counterparty_day: Decimal | None = Field(None, ge=0, description="per UTC day to one counterparty (customer, order)")
    per_agent_day: Decimal | None = Field(None, ge=0, description="per UTC day by one agent, all money types together")
    count_per_day: int | None = Field(None, ge=0, description="actions of this type per UTC day, pending included")
    approval_above: Decimal | None = Field(None, ge=0, description="an amount above this waits for a person's approval")
    approve_all: bool = Field(False, description="every action of this type waits for approval")


class Policy(BaseModel):
    """A workspace's limits. The defaults are tight on purpose: raise them in the policy, not in code."""

    model_config = ConfigDict(extra="forbid")

    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    money: Limits = Limits(per_action=Decimal(500), per_day=Decimal(2000), per_counterparty_day=Decimal(500),
                           per_agent_day=Decimal(1000), approval_above=Decimal(100))
    write: Limits = Limits(count_per_day=1000)
    by_type: dict[str, Limits] = Field(default_factory=dict, description="overrides for one action type")
    operator_approval_limit: Decimal = Field(Decimal(250), ge=0, description="the largest amount an operator may approve")

    def limits_for(self, type_name: str, effect: Effect) -> Limits:
        return self.by_type.get(type_name) or (self.money if effect == "money" else self.write)

    @property
    def version(self) -> str:
        return digest(self.model_dump(mode="json"))[:16]


class Decision(BaseModel):
    outcome: Literal["apply", "needs_approval", "refused"]
    reason: str
    limit: str | None = Field(None, description="the limit that decided, e.g. 'money.per_day'")


class Change(BaseModel):
    """What an action will do, computed from the stored state before it runs: shown in previews and the audit trail."""

    summary: str
    before: dict[str, Any] = Field(default_factory=dict)
    after: dict[str, Any] = Field(default_factory=dict)


class Preview(BaseModel):
    """A dry run: the exact effect and what the policy would decide, with nothing written."""

    type: str
    effect: Effect
    change: Change
    amount: Decimal | None = None
    currency: str | None = None
    amount_in_policy_currency: Decimal | None = None
    counterparty: str | None = None
    decision: Decision
    policy_version: str


class ActionRecord(BaseModel):
    id: str
    workspace_id: str
    type: str
    effect: Effect
    status: Status
    idempotency_key: str
    params: dict[str, Any]
    actor: Actor
    reason: str = ""
    counterparty: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    amount_in_policy_currency: Decimal | None = None
    change: Change
    result: dict[str, Any] = Field(default_factory=dict)
    policy_version: str
    created_at: str
    decided_by: Actor | None = None
    decided_reason: str | None = None
    replayed: bool = Field(False, description="this answer is the stored result of an earlier request with the same key")


class AuditEvent(BaseModel):
    workspace_id: str
    seq: int
    at: str
    actor: dict[str, Any]
    event: str
    action_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    policy_version: str | None = None
    prev_hash: str
    hash: str

    def expected_hash(self) -> str:
        return digest({k: v for k, v in self.model_dump(mode="json").items() if k != "hash"})


class VerifyReport(BaseModel):
    workspaces: int = 0
    events: int = 0
    problems: list[str] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
