"""Fight or accept: the strength of the evidence for the category, the amount, and the fees.

The chance of winning is an estimate from a small documented table, not a model trained on outcomes (none are
public): a floor and a ceiling per category, and the weighted share of the category's evidence that is present
moves it between them. Visa CE 3.0 eligibility sets it near the ceiling for 10.4. Fight when the expected recovery
beats the fee to counter; the reasons say which evidence is there and which is not.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from .evidence import Evidence

# category: (floor, ceiling) of the chance to win, and (weight, test, what) of the evidence that moves it
TABLE = {
    "fraud": ((0.1, 0.7), [(0.25, "ip", "the customer's IP address"), (0.25, "delivered", "a delivery scan"), (0.15, "address_match", "delivery in the shipping city"),
                           (0.2, "prior", "earlier undisputed orders"), (0.15, "communications", "conversations with the customer")]),
    "not_received": ((0.05, 0.8), [(0.5, "delivered", "a delivery scan"), (0.2, "signed", "a signature at delivery"), (0.2, "address_match", "delivery in the shipping city"),
                                   (0.1, "communications", "conversations with the customer")]),
    "not_as_described": ((0.15, 0.55), [(0.4, "described", "the product as listed"), (0.3, "policy", "the policy in force"),
                                        (0.3, "communications", "conversations with the customer")]),
    "credit_not_processed": ((0.05, 0.8), [(0.7, "refunded", "a refund already made"), (0.3, "policy", "the policy in force")]),
    "cancelled": ((0.1, 0.6), [(0.5, "refunded", "a refund already made"), (0.3, "policy", "the policy in force"), (0.2, "communications", "conversations with the customer")]),
    "duplicate": ((0.05, 0.8), [(0.8, "twin", "the other order being separate"), (0.2, "refunded", "a refund already made")]),
    "processing_error": ((0.1, 0.4), [(1.0, "receipt", "the order and its payment")]),
    "authorization": ((0.05, 0.3), [(1.0, "receipt", "the order and its payment")]),
}


class FightRules(BaseModel):
    counter_fee: Decimal = Field(Decimal(15), description="what countering costs (refunded by Stripe when won), in fee_currency")
    fee_currency: str = "USD"
    min_chance: float = Field(0.3, description="below this chance, accept whatever the amount")


class Recommendation(BaseModel):
    action: str  # fight | accept
    chance: float
    expected: Decimal = Field(description="chance x amount - counter fee, in the dispute's currency (the fee converted)")
    reasons: list[str]


def _present(evidence: Evidence, test: str) -> bool:
    return {"ip": "customer_purchase_ip" in evidence.fields, "delivered": evidence.delivered, "signed": evidence.signed,
            "address_match": evidence.address_match, "prior": evidence.item("prior") is not None,
            "communications": evidence.communications > 0, "described": evidence.item("product") is not None,
            "policy": evidence.item("policy") is not None, "refunded": evidence.refunded > 0,
            "twin": "duplicate_charge_id" in evidence.fields, "receipt": evidence.item("order") is not None}[test]


def recommend(evidence: Evidence, amount: Decimal, currency: str, rules: FightRules | None = None, *, fx: dict[str, float] | None = None) -> Recommendation:
    rules = rules or FightRules()
    (floor, ceiling), parts = TABLE[evidence.route.category]
    have = [(w, what) for w, test, what in parts if _present(evidence, test)]
    lack = [what for w, test, what in parts if not _present(evidence, test)]
    strength = sum(w for w, _ in have)
    chance = floor + (ceiling - floor) * strength
    reasons = [f"{evidence.route.category.replace('_', ' ')} disputes: chance {floor:.0%} with no evidence, {ceiling:.0%} with all of it"]
    if evidence.ce3.applicable:
        if evidence.ce3.eligible:
            chance = max(chance, 0.9)
            reasons.append("Visa Compelling Evidence 3.0 is met: the issuer should not hold the cardholder's claim")
        else:
            reasons.append("Visa Compelling Evidence 3.0 is not met: " + "; ".join(c.name for c in evidence.ce3.criteria if not c.met))
    if have:
        reasons.append("there is " + ", ".join(what for _, what in have))
    if lack:
        reasons.append("missing: " + ", ".join(lack))
    rate = (fx or {}).get(rules.fee_currency, 1.0) / (fx or {}).get(currency, 1.0) if fx else 1.0
    fee = (rules.counter_fee * Decimal(str(rate))).quantize(Decimal("0.01"))
    expected = (amount * Decimal(str(round(chance, 4))) - fee).quantize(Decimal("0.01"))
    fight = chance >= rules.min_chance and expected > 0
    reasons.append(f"expected recovery {chance:.0%} x {amount} {currency} - {fee} {currency} to counter = {expected} {currency}")
    return Recommendation(action="fight" if fight else "accept", chance=round(chance, 3), expected=expected, reasons=reasons)
