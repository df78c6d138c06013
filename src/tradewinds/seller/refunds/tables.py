"""The refund agent's table: each case it was given, its decision, and where that decision stands (keyed by
workspace first). The queue a person works through is the cases escalated or waiting for approval."""

from __future__ import annotations

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base


class RefundCaseRow(Base):
    __tablename__ = "refund_cases"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(80))
    item_id: Mapped[str | None] = mapped_column(String(80))
    case: Mapped[dict] = mapped_column(JSON)  # RefundCase
    decision: Mapped[dict] = mapped_column(JSON)  # RefundDecision: the agent's, or the person's who resolved it
    status: Mapped[str] = mapped_column(String(24))  # proposed | escalated | pending_approval | executed | refused
    action_id: Mapped[str | None] = mapped_column(String(40))
    decided_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


Index("ix_refund_cases_status", RefundCaseRow.workspace_id, RefundCaseRow.status, RefundCaseRow.updated_at)
Index("ix_refund_cases_item", RefundCaseRow.workspace_id, RefundCaseRow.order_id, RefundCaseRow.item_id)
