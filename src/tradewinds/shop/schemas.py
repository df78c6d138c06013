"""The shop's records as they cross a boundary (an import, the API, an agent's tool): typed and validated."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ORDER_STATUSES = ("pending", "pending (item modified)", "processed", "shipped", "delivered", "cancelled", "return requested",
                  "exchange requested", "returned", "refunded")
TRACKING_STATUSES = ("label_created", "picked_up", "in_transit", "customs", "customs_hold", "delayed", "out_for_delivery",
                     "delivered", "exception", "lost", "returned_to_sender")
Money = Decimal


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Address(_Model):
    address1: str = Field(max_length=300)
    address2: str = Field("", max_length=300)
    city: str = Field(max_length=120)
    state: str = Field("", max_length=120)
    country: str = Field(max_length=60, description="as the shop writes it ('USA', 'DE', 'Deutschland')")
    zip: str = Field("", max_length=20)


class PaymentMethod(_Model):
    id: str = Field(min_length=1, max_length=80)
    kind: Literal["credit_card", "paypal", "gift_card", "bank_transfer", "other"]
    balance: Money | None = Field(None, ge=0, description="a gift card's balance")
    details: dict[str, str] = Field(default_factory=dict, description="brand, last_four, ...")


class Customer(_Model):
    id: str = Field(min_length=1, max_length=80)
    first_name: str = Field(max_length=120)
    last_name: str = Field("", max_length=120)
    email: str = Field(max_length=254)
    language: str = Field("en", pattern=r"^[a-z]{2}$")
    address: Address
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    source: str = Field("shop", max_length=40)


class Variant(_Model):
    item_id: str = Field(min_length=1, max_length=80)
    options: dict[str, str]
    price: Money = Field(ge=0)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    available: bool = True


class Product(_Model):
    id: str = Field(min_length=1, max_length=80)
    name: str = Field(min_length=1, max_length=300)
    category: str = Field("", max_length=200)
    attributes: dict[str, str] = Field(default_factory=dict, description="what the product is, for questions: voltage, size, ...")
    variants: list[Variant]
    catalog_offer_id: str | None = Field(None, description="the B2B catalog offer it was sourced from")


class OrderItem(_Model):
    item_id: str
    product_id: str
    name: str
    price: Money = Field(ge=0, description="the price paid")
    options: dict[str, str] = Field(default_factory=dict)


class Transaction(_Model):
    kind: Literal["payment", "refund"]
    amount: Money = Field(ge=0)
    payment_method_id: str


class TrackingEvent(_Model):
    at: str = Field(description="ISO 8601 time")
    status: Literal[TRACKING_STATUSES]  # type: ignore[valid-type]
    location: str = ""
    note: str = ""


class Shipment(_Model):
    id: str
    carrier: str = ""
    tracking_numbers: list[str] = Field(default_factory=list)
    item_ids: list[str] = Field(default_factory=list)
    events: list[TrackingEvent] = Field(default_factory=list)

    @property
    def latest(self) -> TrackingEvent | None:
        return max(self.events, key=lambda e: e.at) if self.events else None


class Order(_Model):
    id: str = Field(min_length=1, max_length=80)
    customer_id: str
    status: Literal[ORDER_STATUSES]  # type: ignore[valid-type]
    address: Address
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    placed_at: str | None = None
    items: list[OrderItem] = Field(min_length=1)
    transactions: list[Transaction] = Field(default_factory=list)
    shipments: list[Shipment] = Field(default_factory=list)
    details: dict = Field(default_factory=dict, description="after-sales fields: cancel_reason, return_items, exchange_items, ...")

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v):
        return v.strip().lower() if isinstance(v, str) else v

    @property
    def total(self) -> Money:
        return sum((i.price for i in self.items), Decimal("0"))


class ImportReport(_Model):
    source: str
    format: str
    customers: int = 0
    products: int = 0
    orders: int = 0
    errors: list[dict] = Field(default_factory=list, description="file, row, field, message, hint: nothing of a bad record is written")
