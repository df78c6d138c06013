"""Seeded, synthetic card disputes over the demo shop, each with what is true about it, for the dispute benchmark and
for trying the dispute pages. Every dispute id starts with ``dp_syn_``.

The truth is the generator's own, not the router's: a scenario (what the cardholder claims) is drawn first, then a
network reason code for it from the generator's table below (written apart from reason_codes.csv), Stripe's reason as
a processor would send it, and noise (brands spelled differently, codes missing so only the reason is left). For
card-absent fraud on Visa (10.4), earlier orders of the customer are written to make the case eligible for Visa CE 3.0
or to miss it in one specific way. Which evidence the shop holds (an IP address, conversations, a twin order) is
drawn too, and recorded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ...shop.conversations import ConversationStore
from ...shop.disputes import Dispute
from ...shop.repository import ShopRepository
from ...shop.schemas import Order

# scenario -> per network, the codes an issuer uses for it, and Stripe reasons a processor may send with it
CODES = {
    "fraud": {"visa": ["10.4", "10.4", "10.3", "10.5"], "mastercard": ["4837", "4863"], "discover": ["7030", "4752"]},
    "not_received": {"visa": ["13.1"], "mastercard": ["4855", "4853"], "discover": ["4755"]},
    "not_as_described": {"visa": ["13.3", "13.5"], "mastercard": ["4853"], "discover": ["4553"]},
    "credit_not_processed": {"visa": ["13.6"], "mastercard": ["4853"], "discover": ["8002"]},
    "cancelled": {"visa": ["13.7", "13.2"], "mastercard": ["4853"], "discover": ["4541"]},
    "duplicate": {"visa": ["12.6.1"], "mastercard": ["4834"], "discover": ["4534"]},
    "processing_error": {"visa": ["12.5", "12.3"], "mastercard": ["4834"], "discover": ["4586"]},
    "authorization": {"visa": ["11.3", "11.2"], "mastercard": ["4808"], "discover": ["4863"]},
}
REASONS = {"fraud": ["fraudulent", "unrecognized"], "not_received": ["product_not_received"], "not_as_described": ["product_unacceptable"],
           "credit_not_processed": ["credit_not_processed"], "cancelled": ["subscription_canceled"], "duplicate": ["duplicate"],
           "processing_error": ["incorrect_account_details", "bank_cannot_process"], "authorization": ["insufficient_funds"]}
WEIGHTS = {"fraud": 30, "not_received": 25, "not_as_described": 18, "credit_not_processed": 8, "cancelled": 6, "duplicate": 5,
           "processing_error": 4, "authorization": 4}
BRAND_SPELLING = {"visa": ["visa", "Visa", "VISA"], "mastercard": ["mastercard", "MasterCard"], "discover": ["discover", "Discover"]}
CE3_VARIANTS = ("eligible", "eligible", "one_prior", "too_old", "too_recent", "no_ip_or_device", "prior_disputed")


@dataclass
class Truth:
    category: str
    ce3_applicable: bool = False
    ce3_eligible: bool = False
    ce3_variant: str = ""
    has: set[str] = field(default_factory=set)  # what the shop holds: ip, conversation, twin


def _order_copy(o: Order, new_id: str, placed: datetime, ip: str | None, device: str | None, address=None) -> Order:
    """Another order of the same customer and items (its shipments left out: an earlier order's parcels are not evidence here)."""
    return o.model_copy(update={"id": new_id, "placed_at": placed.isoformat(timespec="minutes"), "status": "delivered", "shipments": [],
                                "details": {k: v for k, v in (("customer_ip", ip), ("device_id", device)) if v},
                                **({"address": address} if address else {})})


def generate(shop: ShopRepository, conversations: ConversationStore, n: int = 100, *, seed: int = 1,
             now: datetime | None = None) -> list[tuple[Dispute, Truth]]:
    """``n`` disputes on orders of the workspace's shop (fill it first: ``demo_shop``), writing the earlier orders,
    IP addresses and conversations each scenario needs. Returns each dispute with its truth."""
    rng = random.Random(seed)
    now = now or datetime(2026, 12, 1, 12, tzinfo=UTC)
    orders = [o for o in shop.orders() if any(t.kind == "payment" for t in o.transactions) and not o.id.startswith("#H")]
    rng.shuffle(orders)
    out, extra = [], []
    for k, order in enumerate(orders[:n]):
        customer = shop.customer(order.customer_id)
        card = next((p for p in customer.payment_methods if p.kind == "credit_card"), None)
        scenario = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        network = rng.choice(["visa", "visa", "mastercard", "discover"])
        code = rng.choice(CODES[scenario][network])
        reason = rng.choice(REASONS[scenario])
        if scenario in ("not_received", "not_as_described", "credit_not_processed", "cancelled") and rng.random() < 0.2:
            reason = "general"  # processors often send no specific reason for a consumer dispute
        if rng.random() < 0.15:  # the processor sent no network code: only the reason says what it is
            code = None
        truth = Truth(category=scenario)
        ip = f"203.0.{rng.randint(0, 255)}.{rng.randint(1, 254)}" if rng.random() < 0.7 else None
        device = f"dev-{rng.randrange(16 ** 8):08x}" if rng.random() < 0.5 else None
        if ip:
            truth.has.add("ip")
        order = order.model_copy(update={"details": {**order.details, **({"customer_ip": ip} if ip else {}), **({"device_id": device} if device else {})}})
        placed = datetime.fromisoformat(order.placed_at)
        if network == "visa" and code == "10.4":
            truth.ce3_applicable = True
            variant = rng.choice(CE3_VARIANTS)
            truth.ce3_variant = variant
            if not (ip or device) and variant == "eligible":
                variant = truth.ce3_variant = "no_ip_or_device"
            ages = {"eligible": [150, 300], "one_prior": [200], "too_old": [400, 500], "too_recent": [30, 90],
                    "no_ip_or_device": [150, 300], "prior_disputed": [150, 300]}[variant]
            for j, age in enumerate(ages):
                same_ip = ip if variant != "no_ip_or_device" else f"198.51.100.{j + 1}"
                same_dev = device if variant != "no_ip_or_device" else None
                extra.append(_order_copy(order, f"#H{k:03d}{j}", placed - timedelta(days=age), same_ip, same_dev))
            if variant == "prior_disputed":
                out.append((Dispute(id=f"dp_syn_prior_{k:03d}", order_id=f"#H{k:03d}0", amount=order.total, currency=order.currency,
                                    reason="fraudulent", status="lost", network_reason_code="10.4", card_brand="visa",
                                    created_at=(placed - timedelta(days=100)).isoformat()), None))
            truth.ce3_eligible = variant == "eligible" and bool(ip or device)
        if scenario == "duplicate" and rng.random() < 0.7:
            extra.append(_order_copy(order, f"#H{k:03d}9", placed + timedelta(hours=rng.randint(1, 48)), ip, device, order.address))
            truth.has.add("twin")
        if rng.random() < 0.4:
            c = conversations.create(channel="chat", strategy="guided", state={}, language=customer.language)
            conversations.add_message(c.id, "customer", customer.id, f"Hello, about order {order.id}.")
            conversations.add_message(c.id, "agent", "support-agent", "Thank you, I can see the order.")
            conversations.save(c.id, state={}, status="closed", customer_id=customer.id, language=customer.language)
            truth.has.add("conversation")
        shop.write(orders=[order])
        created = now - timedelta(days=rng.randint(0, 10))
        due = created + timedelta(days=rng.choice([1, 3, 7, 10, 14, 21]), hours=rng.randint(0, 23))
        brand = rng.choice(BRAND_SPELLING[network]) if card is not None or rng.random() < 0.9 else None
        amount = order.total if rng.random() < 0.85 else (order.total / 2).quantize(Decimal("0.01"))
        out.append((Dispute(id=f"dp_syn_{seed}_{k:04d}", order_id=order.id, charge=f"ch_syn_{k:06d}", amount=amount, currency=order.currency,
                            reason=reason, status="needs_response", network_reason_code=code, card_brand=brand,
                            created_at=created.isoformat(timespec="seconds"), due_by=due.isoformat(timespec="seconds")), truth))
    if extra:
        shop.write(orders=extra)
    return out
