"""shop conversations and their messages (the support agent's state between turns), keyed by workspace first, and the
chat links a shop gives its customers (token hashes)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    S = sa.String
    op.create_table("shop_conversations", sa.Column("workspace_id", S(64), primary_key=True), sa.Column("id", S(40), primary_key=True),
                    sa.Column("channel", S(20), nullable=False), sa.Column("status", S(20), nullable=False),
                    sa.Column("customer_id", S(80)), sa.Column("language", S(8), nullable=False),
                    sa.Column("strategy", S(20), nullable=False), sa.Column("state", sa.JSON, nullable=False),
                    sa.Column("created_at", S(32), nullable=False), sa.Column("updated_at", S(32), nullable=False))
    op.create_index("ix_shop_conversations_status", "shop_conversations", ["workspace_id", "status", "updated_at"])
    op.create_table("shop_messages", sa.Column("workspace_id", S(64), primary_key=True), sa.Column("conversation_id", S(40), primary_key=True),
                    sa.Column("seq", sa.Integer, primary_key=True), sa.Column("role", S(20), nullable=False),
                    sa.Column("author", S(120), nullable=False), sa.Column("text", sa.Text, nullable=False),
                    sa.Column("data", sa.JSON, nullable=False), sa.Column("at", S(32), nullable=False))
    op.create_table("shop_chat_links", sa.Column("token_hash", S(64), primary_key=True), sa.Column("workspace_id", S(64), nullable=False),
                    sa.Column("created_by", S(120), nullable=False), sa.Column("created_at", S(32), nullable=False),
                    sa.Column("revoked", sa.Boolean, nullable=False))


def downgrade() -> None:
    op.drop_table("shop_chat_links")
    op.drop_table("shop_messages")
    op.drop_index("ix_shop_conversations_status", "shop_conversations")
    op.drop_table("shop_conversations")
