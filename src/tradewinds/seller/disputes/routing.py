"""A dispute's network reason code -> its category, from reason_codes.csv (shipped; see PROVENANCE.md).

The network is the card brand. Where the code is generic (Mastercard 4853 "Cardholder Dispute", say) or unknown,
Stripe's own ``reason`` decides when it names a category; a dispute with neither falls back to the reason alone.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from ...shop.disputes import Dispute

CATEGORIES = ("fraud", "authorization", "processing_error", "not_received", "not_as_described", "credit_not_processed", "cancelled",
              "duplicate")
# Stripe's dispute reasons (API reference, Dispute object, `reason`) -> category; None: says nothing specific
STRIPE_REASONS = {
    "fraudulent": "fraud", "unrecognized": "fraud", "debit_not_authorized": "fraud",
    "product_not_received": "not_received", "product_unacceptable": "not_as_described",
    "credit_not_processed": "credit_not_processed", "subscription_canceled": "cancelled", "duplicate": "duplicate",
    "incorrect_account_details": "processing_error", "bank_cannot_process": "processing_error", "check_returned": "processing_error",
    "insufficient_funds": "authorization", "customer_initiated": None, "general": None, "noncompliant": None,
}
BRANDS = {"visa": "visa", "mastercard": "mastercard", "mc": "mastercard", "discover": "discover", "diners": "discover"}


class Route(BaseModel):
    category: str
    network: str | None = None
    code: str | None = None
    title: str | None = None
    by: str  # "network code", "network code + reason", "reason", "default"
    sources: list[str] = []


@cache
def codes() -> dict[tuple[str, str], dict]:
    with (Path(__file__).with_name("reason_codes.csv")).open(encoding="utf-8", newline="") as f:
        return {(r["network"], r["code"]): r for r in csv.DictReader(f)}


def route(dispute: Dispute) -> Route:
    network = BRANDS.get((dispute.card_brand or "").lower())
    by_reason = STRIPE_REASONS.get(dispute.reason)
    row = codes().get((network, (dispute.network_reason_code or "").strip())) if network else None
    if row is not None:
        sources = [s.strip() for s in row["source_urls"].split(";") if s.strip()]
        if row["generic"] == "yes" and by_reason:
            return Route(category=by_reason, network=network, code=row["code"], title=row["title"], by="network code + reason", sources=sources)
        return Route(category=row["category"], network=network, code=row["code"], title=row["title"], by="network code", sources=sources)
    if by_reason:
        return Route(category=by_reason, network=network, code=dispute.network_reason_code, by="reason")
    return Route(category="not_as_described", network=network, code=dispute.network_reason_code, by="default")
