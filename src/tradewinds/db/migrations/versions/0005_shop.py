"""shop: customers, payment methods, products and variants, orders with items, transactions, shipments with tracking
events, and the versioned after-sales policy, each keyed by workspace first

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def _ws():
    return sa.Column("workspace_id", sa.String(64), primary_key=True)


def upgrade() -> None:
    S = sa.String
    op.create_table("shop_customers", _ws(), sa.Column("id", S(80), primary_key=True), sa.Column("first_name", S(120), nullable=False),
                    sa.Column("last_name", S(120), nullable=False), sa.Column("email", S(254), nullable=False),
                    sa.Column("language", S(8), nullable=False), sa.Column("address", sa.JSON, nullable=False),
                    sa.Column("source", S(40), nullable=False))
    op.create_index("ix_shop_customers_email", "shop_customers", ["workspace_id", "email"])
    op.create_table("shop_payment_methods", _ws(), sa.Column("id", S(80), primary_key=True), sa.Column("customer_id", S(80), nullable=False),
                    sa.Column("position", sa.Integer, nullable=False), sa.Column("kind", S(20), nullable=False), sa.Column("balance", MONEY),
                    sa.Column("details", sa.JSON, nullable=False))
    op.create_index("ix_shop_payment_methods_customer", "shop_payment_methods", ["workspace_id", "customer_id"])
    op.create_table("shop_products", _ws(), sa.Column("id", S(80), primary_key=True), sa.Column("name", S(300), nullable=False),
                    sa.Column("category", S(200), nullable=False), sa.Column("attributes", sa.JSON, nullable=False),
                    sa.Column("catalog_offer_id", S(40)))
    op.create_table("shop_variants", _ws(), sa.Column("item_id", S(80), primary_key=True), sa.Column("product_id", S(80), nullable=False),
                    sa.Column("position", sa.Integer, nullable=False), sa.Column("options", sa.JSON, nullable=False),
                    sa.Column("price", MONEY, nullable=False), sa.Column("currency", S(3), nullable=False),
                    sa.Column("available", sa.Boolean, nullable=False))
    op.create_index("ix_shop_variants_product", "shop_variants", ["workspace_id", "product_id"])
    op.create_table("shop_orders", _ws(), sa.Column("id", S(80), primary_key=True), sa.Column("customer_id", S(80), nullable=False),
                    sa.Column("position", sa.Integer, nullable=False), sa.Column("status", S(40), nullable=False),
                    sa.Column("address", sa.JSON, nullable=False), sa.Column("currency", S(3), nullable=False),
                    sa.Column("placed_at", S(32)), sa.Column("details", sa.JSON, nullable=False))
    op.create_index("ix_shop_orders_customer", "shop_orders", ["workspace_id", "customer_id"])
    op.create_table("shop_order_items", _ws(), sa.Column("order_id", S(80), primary_key=True), sa.Column("position", sa.Integer, primary_key=True),
                    sa.Column("item_id", S(80), nullable=False), sa.Column("product_id", S(80), nullable=False),
                    sa.Column("name", S(300), nullable=False), sa.Column("price", MONEY, nullable=False),
                    sa.Column("options", sa.JSON, nullable=False))
    op.create_table("shop_transactions", _ws(), sa.Column("order_id", S(80), primary_key=True), sa.Column("position", sa.Integer, primary_key=True),
                    sa.Column("kind", S(20), nullable=False), sa.Column("amount", MONEY, nullable=False),
                    sa.Column("payment_method_id", S(80), nullable=False))
    op.create_table("shop_shipments", _ws(), sa.Column("id", S(100), primary_key=True), sa.Column("order_id", S(80), nullable=False),
                    sa.Column("position", sa.Integer, nullable=False), sa.Column("carrier", S(80), nullable=False),
                    sa.Column("tracking_numbers", sa.JSON, nullable=False), sa.Column("item_ids", sa.JSON, nullable=False))
    op.create_index("ix_shop_shipments_order", "shop_shipments", ["workspace_id", "order_id"])
    op.create_table("shop_tracking_events", _ws(), sa.Column("shipment_id", S(100), primary_key=True), sa.Column("seq", sa.Integer, primary_key=True),
                    sa.Column("at", S(32), nullable=False), sa.Column("status", S(30), nullable=False),
                    sa.Column("location", S(200), nullable=False), sa.Column("note", S(500), nullable=False))
    op.create_table("shop_policies", _ws(), sa.Column("version", sa.Integer, primary_key=True), sa.Column("policy", sa.JSON, nullable=False),
                    sa.Column("created_at", S(32), nullable=False), sa.Column("created_by", S(120), nullable=False))


def downgrade() -> None:
    for table in ("shop_policies", "shop_tracking_events", "shop_shipments", "shop_transactions", "shop_order_items", "shop_orders",
                  "shop_variants", "shop_products", "shop_payment_methods", "shop_customers"):
        op.drop_table(table)
