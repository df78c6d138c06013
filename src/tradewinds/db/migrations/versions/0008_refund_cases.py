"""refund cases: the refund agent's cases, decisions and their status, keyed by workspace first

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    S = sa.String
    op.create_table("refund_cases", sa.Column("workspace_id", S(64), primary_key=True), sa.Column("case_id", S(80), primary_key=True),
                    sa.Column("order_id", S(80)), sa.Column("item_id", S(80)), sa.Column("case", sa.JSON, nullable=False),
                    sa.Column("decision", sa.JSON, nullable=False), sa.Column("status", S(24), nullable=False),
                    sa.Column("action_id", S(40)), sa.Column("decided_by", S(120), nullable=False),
                    sa.Column("created_at", S(32), nullable=False), sa.Column("updated_at", S(32), nullable=False))
    op.create_index("ix_refund_cases_status", "refund_cases", ["workspace_id", "status", "updated_at"])
    op.create_index("ix_refund_cases_item", "refund_cases", ["workspace_id", "order_id", "item_id"])


def downgrade() -> None:
    op.drop_index("ix_refund_cases_item", "refund_cases")
    op.drop_index("ix_refund_cases_status", "refund_cases")
    op.drop_table("refund_cases")
