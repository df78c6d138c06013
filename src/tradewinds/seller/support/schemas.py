"""The support agent's typed edges: what a customer asked for, the conversation's state, a reply, a handoff."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["cancel", "modify_items", "exchange", "return", "order_address", "order_payment", "customer_address",
               "status", "product", "policy", "human"]
WRITE_KINDS = ("cancel", "modify_items", "exchange", "return", "order_address", "order_payment", "customer_address")
ACTION_TYPES = {"cancel": "order.cancel", "modify_items": "order.modify_items", "exchange": "order.exchange",
                "return": "order.return", "order_address": "order.change_address", "order_payment": "order.change_payment",
                "customer_address": "customer.change_address"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Request(_Model):
    """One thing the customer asked for, with what the records resolved it to."""

    kind: Kind
    text: str = Field("", max_length=4000, description="the customer's words it came from")
    order_id: str | None = None
    item_ids: list[str] = Field(default_factory=list)
    new_item_ids: list[str] = Field(default_factory=list)
    payment_method_id: str | None = None
    reason: str | None = None
    address: dict[str, str] | None = None
    problem: str | None = Field(None, description="why it cannot be done as asked (then the agent asks or hands off)")

    def params(self, customer_id: str) -> dict[str, Any]:
        """The ledger action's parameters."""
        if self.kind == "cancel":
            return {"order_id": self.order_id, "reason": self.reason}
        if self.kind == "order_address":
            return {"order_id": self.order_id, **(self.address or {})}
        if self.kind == "customer_address":
            return {"customer_id": customer_id, **(self.address or {})}
        if self.kind == "order_payment":
            return {"order_id": self.order_id, "payment_method_id": self.payment_method_id}
        if self.kind == "return":
            return {"order_id": self.order_id, "item_ids": self.item_ids, "payment_method_id": self.payment_method_id}
        return {"order_id": self.order_id, "item_ids": self.item_ids, "new_item_ids": self.new_item_ids,
                "payment_method_id": self.payment_method_id}


class Pending(_Model):
    """An action stated to the customer, waiting for their explicit yes."""

    request: Request
    type: str
    params: dict[str, Any]
    summary: str = Field(max_length=2000)
    amount: str | None = None
    currency: str | None = None


class Handoff(_Model):
    """For the person taking over: why, what the agent found, and a reply it suggests."""

    reason: str = Field(max_length=500)
    summary: str = Field(max_length=4000)
    facts: list[str] = Field(default_factory=list, max_length=50)
    suggested_reply: str = Field("", max_length=4000)


class State(_Model):
    """A conversation's state between turns (stored with it)."""

    language: str = "en"
    customer_id: str | None = None
    verified_by: str | None = Field(None, description="'email' or 'name+zip'")
    waiting: str | None = Field(None, description="the customer's words held until they are verified")
    queue: list[Request] = Field(default_factory=list)
    pending: Pending | None = None
    applied: list[str] = Field(default_factory=list, description="ledger action ids done in this conversation")
    handoff: Handoff | None = None
    turns: int = 0
    facts: list[str] = Field(default_factory=list)
    transcript: list[dict] = Field(default_factory=list, description="the tool loop's messages with the model")


class Reply(_Model):
    text: str
    language: str = "en"
    awaiting: Literal["confirmation", "identity", "details"] | None = None
    pending: Pending | None = None
    handoff: Handoff | None = None
    applied: list[str] = Field(default_factory=list, description="actions applied by this turn")
    done: bool = Field(False, description="nothing is left to do or to confirm")
    strategy: str = "guided"
    model_calls: int = 0
