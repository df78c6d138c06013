"""accounts: workspaces, users, memberships, API keys, sessions, login links, daily usage; the catalog's
workspace column (NULL: the shared catalog every workspace searches)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("workspaces", sa.Column("id", sa.String(64), primary_key=True), sa.Column("name", sa.String(200), nullable=False),
                    sa.Column("quotas", sa.JSON, nullable=False), sa.Column("created_at", sa.String(32), nullable=False))
    op.create_table("users", sa.Column("id", sa.String(40), primary_key=True), sa.Column("name", sa.String(120), nullable=False, unique=True),
                    sa.Column("password_hash", sa.String(200)), sa.Column("disabled", sa.Boolean, nullable=False),
                    sa.Column("created_at", sa.String(32), nullable=False))
    op.create_table("memberships", sa.Column("workspace_id", sa.String(64), primary_key=True),
                    sa.Column("user_id", sa.String(40), primary_key=True), sa.Column("role", sa.String(20), nullable=False))
    op.create_index("ix_memberships_user", "memberships", ["user_id"])
    op.create_table("api_keys", sa.Column("id", sa.String(40), primary_key=True), sa.Column("workspace_id", sa.String(64), nullable=False),
                    sa.Column("user_id", sa.String(40), nullable=False), sa.Column("name", sa.String(120), nullable=False),
                    sa.Column("role", sa.String(20), nullable=False), sa.Column("prefix", sa.String(16), nullable=False),
                    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                    sa.Column("created_at", sa.String(32), nullable=False), sa.Column("revoked_at", sa.String(32)),
                    sa.Column("last_used_at", sa.String(32)))
    op.create_index("ix_api_keys_workspace_id", "api_keys", ["workspace_id"])
    op.create_table("sessions", sa.Column("token_hash", sa.String(64), primary_key=True), sa.Column("user_id", sa.String(40), nullable=False),
                    sa.Column("workspace_id", sa.String(64), nullable=False), sa.Column("csrf", sa.String(64), nullable=False),
                    sa.Column("created_at", sa.String(32), nullable=False), sa.Column("expires_at", sa.String(32), nullable=False))
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table("login_links", sa.Column("token_hash", sa.String(64), primary_key=True), sa.Column("user_id", sa.String(40), nullable=False),
                    sa.Column("workspace_id", sa.String(64), nullable=False), sa.Column("expires_at", sa.String(32), nullable=False),
                    sa.Column("used_at", sa.String(32)))
    op.create_table("workspace_usage", sa.Column("workspace_id", sa.String(64), primary_key=True), sa.Column("day", sa.String(10), primary_key=True),
                    sa.Column("model_tokens", sa.Integer, nullable=False), sa.Column("upload_bytes", sa.Integer, nullable=False))
    for table in ("suppliers", "products", "offers"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("workspace_id", sa.String(64)))
        op.create_index(f"ix_{table}_workspace_id", table, ["workspace_id"])
        op.drop_index(f"ix_{table}_source_external", table)
        op.create_index(f"ix_{table}_source_external", table, ["source", "external_id", "workspace_id"], unique=True)


def downgrade() -> None:
    for table in ("suppliers", "products", "offers"):
        op.drop_index(f"ix_{table}_source_external", table)
        op.create_index(f"ix_{table}_source_external", table, ["source", "external_id"], unique=True)
        op.drop_index(f"ix_{table}_workspace_id", table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("workspace_id")
    for table in ("workspace_usage", "login_links", "sessions", "api_keys", "memberships", "users", "workspaces"):
        op.drop_table(table)
