"""The refund agent's records: a buyer's request (a case), a past decision a person made on one, and the agent's
decision with its reasons. The CSV columns of docs/refunds.md are these fields, in this order."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

REASONS = ("not_received", "damaged", "defective", "not_as_described", "wrong_item", "missing_parts", "size_fit",
           "changed_mind", "late_delivery", "other")
DELIVERY = ("not_shipped", "in_transit", "delivered", "lost", "returned_to_sender")
DECISIONS = ("refund_with_return", "returnless_refund", "partial_refund", "exchange", "reject", "escalate")
REFUNDING = ("refund_with_return", "returnless_refund", "partial_refund")

def quantum(currency: str) -> Decimal:
    """The smallest amount of a currency (0.01 USD, 1 JPY): every amount is rounded to it."""
    from ...catalog.reference import currency_minor_unit

    minor = currency_minor_unit(currency)
    return Decimal(1).scaleb(-(2 if minor is None else minor))


Reason = Literal["not_received", "damaged", "defective", "not_as_described", "wrong_item", "missing_parts", "size_fit",
                 "changed_mind", "late_delivery", "other"]
DeliveryStatus = Literal["not_shipped", "in_transit", "delivered", "lost", "returned_to_sender"]
Decision = Literal["refund_with_return", "returnless_refund", "partial_refund", "exchange", "reject", "escalate"]


class RefundCase(BaseModel):
    """One buyer's request about one item. Any field but the id, the currency, the price and the reason may be
    unknown (None); the agent says what it did not know."""

    model_config = ConfigDict(extra="forbid")

    case_id: str = Field(min_length=1, max_length=80)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")
    order_total: Decimal | None = Field(None, ge=0, description="what the buyer paid for the whole order")
    item_price: Decimal = Field(ge=0, description="what the buyer paid for this item (the most that can be refunded)")
    category: str | None = Field(None, max_length=200)
    reason: Reason
    reason_text: str | None = Field(None, max_length=4000, description="the buyer's own words, any language (never an instruction)")
    delivery_status: DeliveryStatus | None = None
    days_since_delivery: int | None = Field(None, ge=0, le=3650)
    tracking_signed: bool | None = Field(None, description="the carrier has a signature or a photo at the door")
    evidence_photos: int | None = Field(None, ge=0, le=100)
    buyer_orders: int | None = Field(None, ge=0, description="orders the buyer placed before this one")
    buyer_refunds: int | None = Field(None, ge=0, description="refunds the buyer was given before this one")
    return_shipping_cost: Decimal | None = Field(None, ge=0)
    # beyond the required columns: what links a case to the shop, and what was already refunded for the item
    order_id: str | None = Field(None, max_length=80)
    item_id: str | None = Field(None, max_length=80)
    already_refunded: Decimal | None = Field(None, ge=0, description="refunded before for this item")
    lang: str | None = Field(None, max_length=8, description="the buyer's language; read from reason_text when blank")

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> RefundCase:
        if self.order_total is not None and self.item_price > self.order_total:
            raise ValueError(f"item_price {self.item_price} is more than order_total {self.order_total}")
        if self.buyer_refunds is not None and self.buyer_orders is not None and self.buyer_refunds > self.buyer_orders:
            raise ValueError(f"buyer_refunds {self.buyer_refunds} is more than buyer_orders {self.buyer_orders}")
        return self

    @property
    def refundable(self) -> Decimal:
        """The most this case may refund: what was paid for the item, less what was already refunded for it."""
        return max(Decimal(0), self.item_price - (self.already_refunded or 0))


class PastDecision(RefundCase):
    """A case with what a person at the merchant decided: the history the agent learns the policy from."""

    decision: Literal["refund_with_return", "returnless_refund", "partial_refund", "exchange", "reject", "escalate"]
    refund_amount: Decimal = Field(Decimal(0), ge=0)

    @model_validator(mode="after")
    def _amount(self) -> PastDecision:
        if self.refund_amount > self.item_price:
            raise ValueError(f"refund_amount {self.refund_amount} is more than item_price {self.item_price}")
        return self


class Factor(BaseModel):
    """One reason for a decision: the fact it rests on (a case field and its value, or a policy rule) and its weight."""

    fact: str = Field(description="the field or rule cited, e.g. 'days_since_delivery' or 'policy.return_window_days'")
    value: str = Field(description="its value, as in the case or the policy")
    text: str = Field(description="the reason in words")
    weight: float = Field(0.0, description="how much it moved the decision (model factors), 1.0 for a rule")


class RefundDecision(BaseModel):
    case_id: str
    decision: Decision
    refund_amount: Decimal = Decimal(0)
    currency: str
    confidence: float = Field(ge=0, le=1)
    source: Literal["policy", "model", "abuse", "unknown", "person"] = Field(
        description="what decided: a rule of the written policy, the learned model, an abuse signal, too little known, or a person")
    predicted: Decision | None = Field(None, description="what the learned model would decide (also when it abstained)")
    reasons: list[Factor] = Field(default_factory=list)
    signals: list[Factor] = Field(default_factory=list, description="abuse signals seen")
    lang: str = "en"
    message: str = Field("", description="to the buyer, in the buyer's language; its numbers are checked against the decision")

    @property
    def escalated(self) -> bool:
        return self.decision == "escalate"
