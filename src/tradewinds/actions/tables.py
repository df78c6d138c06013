"""The action ledger's tables, on the shared database (``tradewinds.db``)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class ActionRow(Base):
    __tablename__ = "actions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(80))
    effect: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict] = mapped_column(JSON)
    actor: Mapped[dict] = mapped_column(JSON)
    agent: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text, default="")
    counterparty: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    amount_policy: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    change: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)
    policy_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    day: Mapped[str] = mapped_column(String(10))
    decided_by: Mapped[dict | None] = mapped_column(JSON)
    decided_reason: Mapped[str | None] = mapped_column(Text)


Index("ix_actions_workspace_key", ActionRow.workspace_id, ActionRow.idempotency_key, unique=True)
Index("ix_actions_workspace_day", ActionRow.workspace_id, ActionRow.day, ActionRow.type)
Index("ix_actions_workspace_status", ActionRow.workspace_id, ActionRow.status)


class PolicyRow(Base):
    __tablename__ = "action_policies"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict] = mapped_column(JSON)
    version: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[str] = mapped_column(String(32))


class KillSwitchRow(Base):
    __tablename__ = "kill_switches"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent: Mapped[str] = mapped_column(String(120), primary_key=True)  # '*': every agent and user
    on: Mapped[bool] = mapped_column(Boolean)
    actor: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[str] = mapped_column(String(32))


class AuditHeadRow(Base):
    """The newest event of a workspace's chain; locking it serialises the workspace's writers."""

    __tablename__ = "audit_heads"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[dict] = mapped_column(JSON)
    event: Mapped[str] = mapped_column(String(60))
    action_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    policy_version: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


Index("ix_audit_workspace_seq", AuditEventRow.workspace_id, AuditEventRow.seq, unique=True)
