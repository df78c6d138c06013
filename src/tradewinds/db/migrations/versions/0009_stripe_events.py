"""stripe events: webhook event ids already taken, per workspace (a replay is refused)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("stripe_events", sa.Column("workspace_id", sa.String(64), primary_key=True),
                    sa.Column("event_id", sa.String(120), primary_key=True), sa.Column("type", sa.String(80), nullable=False),
                    sa.Column("received_at", sa.String(32), nullable=False))


def downgrade() -> None:
    op.drop_table("stripe_events")
