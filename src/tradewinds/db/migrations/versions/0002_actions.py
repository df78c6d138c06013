"""actions: the action ledger, its policies and kill switches, and the hash-chained audit trail

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("effect", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.Column("actor", sa.JSON, nullable=False),
        sa.Column("agent", sa.String(120)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("counterparty", sa.String(200)),
        sa.Column("amount", sa.Numeric(20, 4)),
        sa.Column("currency", sa.String(3)),
        sa.Column("amount_policy", sa.Numeric(20, 4)),
        sa.Column("change", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("policy_version", sa.String(16), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("decided_by", sa.JSON),
        sa.Column("decided_reason", sa.Text),
    )
    op.create_index("ix_actions_workspace_key", "actions", ["workspace_id", "idempotency_key"], unique=True)
    op.create_index("ix_actions_workspace_day", "actions", ["workspace_id", "day", "type"])
    op.create_index("ix_actions_workspace_status", "actions", ["workspace_id", "status"])
    op.create_table(
        "action_policies",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "kill_switches",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("agent", sa.String(120), primary_key=True),
        sa.Column("on", sa.Boolean, nullable=False),
        sa.Column("actor", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_table(
        "audit_heads",
        sa.Column("workspace_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.JSON, nullable=False),
        sa.Column("event", sa.String(60), nullable=False),
        sa.Column("action_id", sa.String(32)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("policy_version", sa.String(16)),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_workspace_seq", "audit_events", ["workspace_id", "seq"], unique=True)


def downgrade() -> None:
    for table in ("audit_events", "audit_heads", "kill_switches", "action_policies", "actions"):
        op.drop_table(table)
