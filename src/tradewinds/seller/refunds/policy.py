"""The merchant's written refund rules: the layer that binds every decision, whatever the learned model says.

``RefundRules`` holds the windows and the categories that cannot be returned (a shop's ``AfterSalesPolicy`` gives
them: :meth:`RefundRules.from_shop`). ``breaches`` says which written rule a decision would break, citing the rule
and the case's fact; ``rules_only`` is what the written rules alone decide (the benchmark's first baseline).
Two rules hold for every merchant and need no setting: never refund more than was paid for the item, and never
refund the same item twice.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ...shop.policy import AfterSalesPolicy, CategoryRule
from .schemas import REFUNDING, Decision, Factor, RefundCase

BUYER_SIDE = ("changed_mind", "size_fit")  # reasons a return window limits; the others are the merchant's fault


class RefundRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    return_window_days: int = Field(30, ge=0, le=365, description="days after delivery a buyer may return for their own reasons (changed mind, size)")
    claim_window_days: int = Field(90, ge=0, le=3650, description="days after delivery a fault (damaged, defective, wrong, missing) may be claimed")
    exceptions: list[CategoryRule] = Field(default_factory=list, description="categories with their own window, or not returnable")

    @classmethod
    def from_shop(cls, policy: AfterSalesPolicy, *, claim_window_days: int = 90) -> RefundRules:
        return cls(return_window_days=policy.return_window_days, claim_window_days=claim_window_days, exceptions=policy.exceptions)

    def window_for(self, category: str | None) -> tuple[bool, int]:
        """(returnable for the buyer's own reasons, return window in days) for a category (the longest matching rule wins)."""
        rules = sorted((r for r in self.exceptions if category and category.lower().startswith(r.category.lower())), key=lambda r: -len(r.category))
        rule = rules[0] if rules else None
        window = rule.return_window_days if rule and rule.return_window_days is not None else self.return_window_days
        return (rule.returnable if rule else True), window

    def breaches(self, case: RefundCase, decision: Decision, amount: Decimal, *, refunded_before: bool = False) -> list[Factor]:
        """The written rules a decision would break (empty: it is inside the policy)."""
        out: list[Factor] = []
        gives = decision in REFUNDING or decision == "exchange"
        if not gives:
            return out
        if refunded_before and decision in REFUNDING:
            out.append(Factor(fact="policy.once_per_item", value=f"{case.order_id}/{case.item_id}",
                              text="this item was already refunded; an item is refunded once"))
        if amount > case.refundable:
            out.append(Factor(fact="policy.at_most_paid", value=str(case.refundable),
                              text=f"a refund of {amount} is more than the {case.refundable} paid for the item and not yet refunded"))
        days = case.days_since_delivery if case.delivery_status == "delivered" else None
        if days is None:
            return out
        returnable, window = self.window_for(case.category)
        if case.reason in BUYER_SIDE:
            if not returnable:
                out.append(Factor(fact="policy.not_returnable", value=case.category or "",
                                  text=f"{case.category} cannot be returned for the buyer's own reasons"))
            elif days > window:
                out.append(Factor(fact="policy.return_window_days", value=str(window),
                                  text=f"asked {days} days after delivery; returns are accepted within {window} days"))
        elif days > self.claim_window_days and case.reason != "not_received":
            out.append(Factor(fact="policy.claim_window_days", value=str(self.claim_window_days),
                              text=f"claimed {days} days after delivery; faults are accepted within {self.claim_window_days} days"))
        return out

    def rules_only(self, case: RefundCase) -> tuple[Decision, Decimal]:
        """What the written rules alone decide: a refund with a return wherever they allow one, none where they
        do not, a refund without return for goods that never arrived."""
        if case.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
            return "returnless_refund", case.refundable
        if case.reason == "not_received" and case.delivery_status == "in_transit":
            return "reject", Decimal(0)
        decision: Decision = "returnless_refund" if case.reason == "not_received" else "refund_with_return"
        if self.breaches(case, decision, case.refundable):
            return "reject", Decimal(0)
        return decision, case.refundable
