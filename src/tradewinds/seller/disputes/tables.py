"""Stripe webhook events already taken, per workspace: a replayed event (the same id) is refused."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import Base


class StripeEventRow(Base):
    __tablename__ = "stripe_events"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[str] = mapped_column(String(32))
