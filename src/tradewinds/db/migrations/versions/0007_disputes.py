"""shop disputes: card disputes (chargebacks) in Stripe's shape, linked to the shop's orders, keyed by workspace first

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    S = sa.String
    op.create_table("shop_disputes", sa.Column("workspace_id", S(64), primary_key=True), sa.Column("id", S(80), primary_key=True),
                    sa.Column("order_id", S(80)), sa.Column("charge", S(80)), sa.Column("amount", sa.Numeric(14, 2), nullable=False),
                    sa.Column("currency", S(3), nullable=False), sa.Column("reason", S(60), nullable=False),
                    sa.Column("status", S(40), nullable=False), sa.Column("network_reason_code", S(20)), sa.Column("card_brand", S(30)),
                    sa.Column("created_at", S(32), nullable=False), sa.Column("due_by", S(32)),
                    sa.Column("evidence", sa.JSON, nullable=False), sa.Column("source", sa.JSON, nullable=False))
    op.create_index("ix_shop_disputes_due", "shop_disputes", ["workspace_id", "status", "due_by"])


def downgrade() -> None:
    op.drop_index("ix_shop_disputes_due", "shop_disputes")
    op.drop_table("shop_disputes")
