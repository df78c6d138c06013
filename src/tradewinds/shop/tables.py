"""The shop's tables, every one keyed by workspace first: each workspace has its own shop.

Customers with their default address, payment methods (a gift card has a balance), products and their variants
(the item a customer buys, with its option values and price), orders with their items at the price paid, payment
and refund transactions, shipments with dated tracking events, and the merchant's after-sales policy, versioned.
What an order gained from an after-sales step (a cancel reason, the items asked back or exchanged) is kept in its
``details``, the way the shop's own exports carry it.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

MONEY = Numeric(14, 2)


class CustomerRow(Base):
    __tablename__ = "shop_customers"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    address: Mapped[dict] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(40))


Index("ix_shop_customers_email", CustomerRow.workspace_id, CustomerRow.email)


class PaymentMethodRow(Base):
    __tablename__ = "shop_payment_methods"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # credit_card, paypal, gift_card
    balance: Mapped[Decimal | None] = mapped_column(MONEY)
    details: Mapped[dict] = mapped_column(JSON)  # brand, last_four, ...


Index("ix_shop_payment_methods_customer", PaymentMethodRow.workspace_id, PaymentMethodRow.customer_id)


class ProductRow(Base):
    __tablename__ = "shop_products"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict] = mapped_column(JSON)
    catalog_offer_id: Mapped[str | None] = mapped_column(String(40))  # the B2B offer it was sourced from


class VariantRow(Base):
    __tablename__ = "shop_variants"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    options: Mapped[dict] = mapped_column(JSON)
    price: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    available: Mapped[bool] = mapped_column(Boolean)


Index("ix_shop_variants_product", VariantRow.workspace_id, VariantRow.product_id)


class OrderRow(Base):
    __tablename__ = "shop_orders"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)  # its place in the customer's order list
    status: Mapped[str] = mapped_column(String(40))
    address: Mapped[dict] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    placed_at: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSON)


Index("ix_shop_orders_customer", OrderRow.workspace_id, OrderRow.customer_id)


class OrderItemRow(Base):
    __tablename__ = "shop_order_items"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(80))
    product_id: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(300))
    price: Mapped[Decimal] = mapped_column(MONEY)  # what was paid
    options: Mapped[dict] = mapped_column(JSON)


class TransactionRow(Base):
    __tablename__ = "shop_transactions"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # payment, refund
    amount: Mapped[Decimal] = mapped_column(MONEY)
    payment_method_id: Mapped[str] = mapped_column(String(80))


class ShipmentRow(Base):
    __tablename__ = "shop_shipments"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    carrier: Mapped[str] = mapped_column(String(80))
    tracking_numbers: Mapped[list] = mapped_column(JSON)
    item_ids: Mapped[list] = mapped_column(JSON)


Index("ix_shop_shipments_order", ShipmentRow.workspace_id, ShipmentRow.order_id)


class TrackingEventRow(Base):
    __tablename__ = "shop_tracking_events"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shipment_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(30))
    location: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(500))


class PolicyVersionRow(Base):
    __tablename__ = "shop_policies"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(120))


class ConversationRow(Base):
    """A customer's conversation with the shop (a chat, an email thread), with the support agent's state between turns."""

    __tablename__ = "shop_conversations"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))  # chat, cli, api, email
    status: Mapped[str] = mapped_column(String(20))  # open, handed_off, closed
    customer_id: Mapped[str | None] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    strategy: Mapped[str] = mapped_column(String(20))
    state: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


Index("ix_shop_conversations_status", ConversationRow.workspace_id, ConversationRow.status, ConversationRow.updated_at)


class MessageRow(Base):
    __tablename__ = "shop_messages"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20))  # customer, agent, staff
    author: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON)  # the reply's structured part: pending action, handoff, actions applied
    at: Mapped[str] = mapped_column(String(32))


class ChatLinkRow(Base):
    """A link a shop gives its customers to chat with its support agent: only its token's hash is kept."""

    __tablename__ = "shop_chat_links"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[str] = mapped_column(String(32))
    revoked: Mapped[bool] = mapped_column(Boolean)


class DisputeRow(Base):
    """A card dispute (chargeback) on one of the shop's payments, in the shape Stripe gives it, linked to the order."""

    __tablename__ = "shop_disputes"
    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    order_id: Mapped[str | None] = mapped_column(String(80))
    charge: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(40))
    network_reason_code: Mapped[str | None] = mapped_column(String(20))
    card_brand: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[str] = mapped_column(String(32))
    due_by: Mapped[str | None] = mapped_column(String(32))
    evidence: Mapped[dict] = mapped_column(JSON)
    source: Mapped[dict] = mapped_column(JSON)  # the dispute object as it came


Index("ix_shop_disputes_due", DisputeRow.workspace_id, DisputeRow.status, DisputeRow.due_by)
