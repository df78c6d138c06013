"""The refund agent: a buyer's request in, a typed decision out, every reason citing a fact.

Three layers, in this order of authority:
1. the merchant's **written rules** (:class:`RefundRules`) bind always: never more than was paid, never the same item
   twice, the return and claim windows, categories that cannot be returned;
2. **abuse signals** raise the bar for paying out, or send the case to a person;
3. inside those, the **policy learned** from the merchant's past decisions decides, when it is confident enough; below
   its threshold the case is escalated (a person decides, and that decision becomes history to learn from).

The buyer's own words (``reason_text``) are data: they choose the language of the reply and nothing else. No model
reads them as instructions, and no text can move a decision or an amount.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from . import messages
from .learn import LearnedPolicy, apply_rule
from .policy import RefundRules
from .schemas import REFUNDING, Factor, RefundCase, RefundDecision


class AbuseRules(BaseModel):
    """When a request looks like abuse. Each signal makes a payout need more confidence than the threshold, and a
    'not received' against a signed delivery scan always goes to a person before any money moves."""

    model_config = ConfigDict(extra="forbid")
    serial_refunds: int = Field(3, ge=1, description="a buyer with at least this many refunds before ...")
    serial_rate: float = Field(0.5, gt=0, le=1, description="... making up at least this share of their orders is a serial refunder")
    late_claim_days: int = Field(45, ge=1, description="'not received', damaged, missing or wrong this long after delivery is late")
    raised_bar: float = Field(0.5, ge=0, le=1, description="with a signal, the confidence needed is threshold + this share of the way to 1")

    def signals(self, case: RefundCase) -> list[Factor]:
        out = []
        refunds, orders = case.buyer_refunds or 0, case.buyer_orders or 0
        if refunds >= self.serial_refunds and refunds >= self.serial_rate * max(orders, 1):
            out.append(Factor(fact="buyer_history", value=f"{refunds}/{orders}", weight=1.0,
                              text=f"the buyer was refunded {refunds} time(s) in {orders} order(s)"))
        if case.reason == "not_received" and case.delivery_status == "delivered" and case.tracking_signed:
            out.append(Factor(fact="tracking_signed", value="true", weight=1.0,
                              text="'not received', but the carrier has a signed delivery scan"))
        if (case.reason in ("not_received", "damaged", "missing_parts", "wrong_item") and case.delivery_status == "delivered"
                and (case.days_since_delivery or 0) > self.late_claim_days):
            out.append(Factor(fact="days_since_delivery", value=str(case.days_since_delivery), weight=1.0,
                              text=f"claimed {case.days_since_delivery} days after delivery, later than {self.late_claim_days}"))
        return out


def _amount_reason(case: RefundCase, rule: str, amount: Decimal) -> Factor:
    cur = case.currency
    if rule == "full":
        text = f"the full {amount} {cur} paid for the item" + (f" (less {case.already_refunded} already refunded)" if case.already_refunded else "")
    elif rule == "less_shipping":
        text = f"{case.item_price} {cur} paid less {case.return_shipping_cost} {cur} return shipping = {amount} {cur}"
    else:
        text = f"{float(rule.split(':')[1]):.0%} of the {case.item_price} {cur} paid = {amount} {cur}"
    return Factor(fact="refund_amount", value=str(amount), text=text, weight=1.0)


class RefundAgent:
    def __init__(self, policy: LearnedPolicy, rules: RefundRules | None = None, abuse: AbuseRules | None = None) -> None:
        self.policy, self.rules, self.abuse = policy, rules or RefundRules(), abuse or AbuseRules()

    def decide(self, cases: list[RefundCase], *, refunded: set[tuple[str, str]] | None = None) -> list[RefundDecision]:
        """Decide each case. ``refunded``: (order id, item id) pairs refunded before (the shop's, or earlier
        batches'); an item refunded in this batch counts for the cases after it."""
        done = set(refunded or ())
        out = []
        for case, (decision, rule, conf, _) in zip(cases, self.policy.predict(cases)):
            key = (case.order_id, case.item_id) if case.order_id and case.item_id else None
            made = self._one(case, decision, rule, conf, refunded_before=key in done)
            if key and made.decision in REFUNDING:
                done.add(key)
            out.append(made)
        return out

    def _one(self, case: RefundCase, decision: str, rule: str, conf: float, *, refunded_before: bool) -> RefundDecision:
        lang = messages.language(case)
        base = dict(case_id=case.case_id, currency=case.currency, predicted=decision, lang=lang)

        def final(decision: str, amount: Decimal, confidence: float, source: str, reasons: list[Factor], signals=()) -> RefundDecision:
            text = messages.render(decision, amount, case.currency, lang)
            problems = messages.check(text, decision, amount, lang)
            if problems:  # the words would promise another amount: a person writes this one
                return RefundDecision(**base, decision="escalate", confidence=confidence, source="unknown", signals=list(signals),
                                      reasons=[*reasons, Factor(fact="message", value=text, text="; ".join(problems))],
                                      message=messages.render("escalate", Decimal(0), case.currency, lang))
            return RefundDecision(**base, decision=decision, refund_amount=amount, confidence=round(confidence, 4), source=source,
                                  reasons=reasons, signals=list(signals), message=text)

        amount = apply_rule(case, rule)
        if amount is None:
            return final("escalate", Decimal(0), conf, "unknown",
                         [Factor(fact="return_shipping_cost", value="unknown",
                                 text="the merchant would refund the price less return shipping, and the return shipping cost is not known")])
        breaches = self.rules.breaches(case, decision, amount, refunded_before=refunded_before)
        if breaches:
            return final("reject", Decimal(0), 1.0, "policy", breaches)
        label = f"{decision}|{rule}"
        why = self.policy.explain(case, label)
        if decision in REFUNDING:
            why = [*why, _amount_reason(case, rule, amount)]
        threshold = self.policy.threshold
        if conf < threshold:
            return final("escalate", Decimal(0), conf, "model",
                         [*why, Factor(fact="confidence", value=f"{conf:.2f}",
                                       text=f"the learned policy leans to {decision.replace('_', ' ')} with confidence {conf:.2f}, "
                                            f"below the {min(threshold, 1):.2f} it needs to decide alone")])
        signals = self.abuse.signals(case)
        if signals and decision in REFUNDING:
            bar = threshold + (1 - threshold) * self.abuse.raised_bar
            signed = any(s.fact == "tracking_signed" for s in signals)
            if signed or conf < bar:
                need = "a person checks the carrier's proof of delivery first" if signed else f"with these signals it needs confidence {bar:.2f}"
                return final("escalate", Decimal(0), conf, "abuse",
                             [*why, Factor(fact="confidence", value=f"{conf:.2f}", text=f"{decision.replace('_', ' ')} leaned to; {need}")],
                             signals)
        return final(decision, amount, conf, "model", why, signals)
