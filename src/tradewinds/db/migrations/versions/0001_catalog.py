"""catalog: suppliers, products, offers

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _common():
    return [
        sa.Column("id", sa.String(20), primary_key=True),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("source", sa.String(60), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "suppliers", *_common(),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("city", sa.String(120)),
        sa.Column("years_in_business", sa.Integer),
        sa.Column("certifications", sa.JSON, nullable=False),
        sa.Column("capabilities", sa.JSON, nullable=False),
        sa.Column("export_markets", sa.JSON, nullable=False),
        sa.Column("response_rate", sa.Float),
        sa.Column("on_time_delivery_rate", sa.Float),
        sa.Column("rating", sa.Float),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_index("ix_suppliers_country", "suppliers", ["country"])
    op.create_index("ix_suppliers_source_external", "suppliers", ["source", "external_id"], unique=True)
    op.create_table(
        "products", *_common(),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("brand", sa.String(120)),
        sa.Column("model_number", sa.String(120)),
        sa.Column("attributes", sa.JSON, nullable=False),
        sa.Column("category", sa.String(300)),
        sa.Column("hs_code", sa.String(6)),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("image_url", sa.String(2000)),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_index("ix_products_hs_code", "products", ["hs_code"])
    op.create_index("ix_products_source_external", "products", ["source", "external_id"], unique=True)
    op.create_table(
        "offers", *_common(),
        sa.Column("product_id", sa.String(20), sa.ForeignKey("products.id", ondelete="CASCADE"), nullable=False),
        sa.Column("supplier_id", sa.String(20), sa.ForeignKey("suppliers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("price_tiers", sa.JSON, nullable=False),
        sa.Column("moq", sa.Integer, nullable=False),
        sa.Column("lead_time_days", sa.Integer),
        sa.Column("incoterm", sa.String(3)),
        sa.Column("ship_from_port", sa.String(120)),
        sa.Column("ship_from_country", sa.String(2)),
        sa.Column("sample_available", sa.Boolean, nullable=False),
        sa.Column("certifications", sa.JSON, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_index("ix_offers_product_id", "offers", ["product_id"])
    op.create_index("ix_offers_supplier_id", "offers", ["supplier_id"])
    op.create_index("ix_offers_source_external", "offers", ["source", "external_id"], unique=True)


def downgrade() -> None:
    op.drop_table("offers")
    op.drop_table("products")
    op.drop_table("suppliers")
