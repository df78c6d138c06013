"""The shop's evidence for a dispute, gathered per category, each item numbered (E1, E2 ...) so a letter can cite it.

Only records are evidence: the order and its payments, the products as listed, the shipments and their tracking
events, the customer's conversations, the after-sales policy in force when the order was placed, refunds already
made (the shop's and the refund agent's), and the customer's earlier orders. Nothing is inferred that the records
do not say: "signed" only where the carrier's event says so, an address match only where the delivery scan names
the order's city.

Visa Compelling Evidence 3.0 (reason code 10.4): the dispute is eligible when at least two earlier transactions of
the same customer, 120 to 365 days before the disputed one and not disputed themselves, each share at least two of
IP address, device id, account and shipping address with it, one of the two being the IP address or the device id.
Each criterion is shown met or not. IP and device come from the order's ``details`` (``customer_ip``,
``device_id``), as the shop's own export carries them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field

from ...errors import NotFoundError
from ...shop.disputes import Dispute, DisputeStore
from ...shop.policy import PolicyStore
from ...shop.repository import ShopRepository
from ...shop.schemas import Address, Order
from .routing import Route

# Stripe evidence fields each category needs (text fields, and file fields the evidence pack fills)
REQUIRED = {
    "fraud": ["customer_name", "customer_email_address", "customer_purchase_ip", "billing_address", "shipping_address", "shipping_carrier",
              "shipping_tracking_number", "shipping_date", "product_description", "customer_communication"],
    "not_received": ["shipping_address", "shipping_carrier", "shipping_tracking_number", "shipping_date", "shipping_documentation",
                     "product_description", "customer_communication"],
    "not_as_described": ["product_description", "refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "customer_communication"],
    "credit_not_processed": ["refund_policy", "refund_policy_disclosure", "refund_refusal_explanation", "customer_communication"],
    "cancelled": ["cancellation_policy", "cancellation_policy_disclosure", "cancellation_rebuttal", "customer_communication"],
    "duplicate": ["duplicate_charge_id", "duplicate_charge_explanation", "receipt"],
    "processing_error": ["receipt", "product_description"],
    "authorization": ["receipt", "customer_purchase_ip"],
}
FILE_FIELDS = {"customer_communication", "refund_policy", "cancellation_policy", "receipt", "shipping_documentation"}


class EvidenceItem(BaseModel):
    id: str = Field(description="E1, E2 ...: what a letter cites")
    kind: str
    title: str
    facts: dict[str, str]
    source: str = Field(description="the record it comes from")

    @property
    def text(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.facts.items())


class Criterion(BaseModel):
    name: str
    met: bool
    detail: str


class CompellingEvidence(BaseModel):
    """Visa CE 3.0 for reason code 10.4."""
    applicable: bool
    eligible: bool = False
    criteria: list[Criterion] = Field(default_factory=list)
    qualifying: list[str] = Field(default_factory=list, description="the earlier orders that qualify")


class Evidence(BaseModel):
    dispute_id: str
    route: Route
    order_id: str | None
    items: list[EvidenceItem]
    ce3: CompellingEvidence
    fields: dict[str, str] = Field(description="Stripe evidence text fields filled from the items")
    files: list[str] = Field(description="Stripe evidence file fields the evidence pack answers")
    required: list[str]
    refunded: Decimal = Decimal(0)
    delivered: bool = False
    signed: bool = False
    address_match: bool = False
    communications: int = 0

    @property
    def filled(self) -> list[str]:
        return [f for f in self.required if f in self.fields or f in self.files]

    @property
    def missing(self) -> list[str]:
        return [f for f in self.required if f not in self.fields and f not in self.files]

    def item(self, kind: str) -> EvidenceItem | None:
        return next((i for i in self.items if i.kind == kind), None)


def _address(a: Address) -> str:
    return ", ".join(p for p in (a.address1, a.address2, a.city, a.state, a.zip, a.country) if p)


def _when(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    t = datetime.fromisoformat(stamp)
    return t.replace(tzinfo=None)


def _ce3(order: Order, earlier: list[Order], disputed: set[str], route: Route) -> CompellingEvidence:
    if not (route.network == "visa" and route.code == "10.4"):
        return CompellingEvidence(applicable=False)
    placed = _when(order.placed_at)
    mine = {"ip": order.details.get("customer_ip"), "device": order.details.get("device_id"), "account": order.customer_id,
            "address": _address(order.address)}
    qualifying, considered = [], []
    for o in earlier:
        t = _when(o.placed_at)
        if placed is None or t is None or o.id in disputed:
            continue
        age = (placed - t).days
        if not 120 <= age <= 365:
            continue
        theirs = {"ip": o.details.get("customer_ip"), "device": o.details.get("device_id"), "account": o.customer_id,
                  "address": _address(o.address)}
        same = sorted(k for k in mine if mine[k] and mine[k] == theirs[k])
        considered.append(o.id)
        if len(same) >= 2 and ("ip" in same or "device" in same):
            qualifying.append(f"{o.id} ({age} days before; same {', '.join(same)})")
    criteria = [
        Criterion(name="reason code 10.4 (card-absent fraud)", met=True, detail="Visa 10.4"),
        Criterion(name="the disputed order has an IP address or a device id", met=bool(mine["ip"] or mine["device"]),
                  detail=", ".join(f"{k} {mine[k]}" for k in ("ip", "device") if mine[k]) or "neither recorded"),
        Criterion(name="at least 2 undisputed earlier orders 120-365 days before", met=len(considered) >= 2,
                  detail=f"{len(considered)} found" + (f": {', '.join(considered)}" if considered else "")),
        Criterion(name="2 of them share 2+ of IP, device, account, shipping address (one IP or device)", met=len(qualifying) >= 2,
                  detail="; ".join(qualifying) or "none"),
    ]
    return CompellingEvidence(applicable=True, eligible=all(c.met for c in criteria), criteria=criteria, qualifying=qualifying)


def gather(dispute: Dispute, route: Route, *, shop: ShopRepository, policies: PolicyStore, disputes: DisputeStore,
           conversations=None, refund_store=None) -> Evidence:
    items: list[EvidenceItem] = []

    def add(kind: str, title: str, facts: dict[str, object], source: str) -> EvidenceItem:
        item = EvidenceItem(id=f"E{len(items) + 1}", kind=kind, title=title, source=source,
                            facts={k: str(v) for k, v in facts.items() if v not in (None, "", [])})
        items.append(item)
        return item

    fields: dict[str, str] = {}
    files: set[str] = set()
    add("dispute", "The dispute", {"dispute": dispute.id, "amount": f"{dispute.amount} {dispute.currency}", "reason": dispute.reason,
                                    "network reason code": dispute.network_reason_code, "card": dispute.card_brand,
                                    "opened": dispute.created_at, "evidence due": dispute.due_by}, f"dispute {dispute.id}")
    order = None
    if dispute.order_id:
        try:
            order = shop.order(dispute.order_id)
        except NotFoundError:
            order = None
    base = dict(dispute_id=dispute.id, route=route, order_id=order.id if order else None, required=REQUIRED[route.category])
    if order is None:
        return Evidence(**base, items=items, ce3=CompellingEvidence(applicable=route.network == "visa" and route.code == "10.4"),
                        fields=fields, files=[])
    customer = shop.customer(order.customer_id)
    paid = [t for t in order.transactions if t.kind == "payment"]
    refunds = [t for t in order.transactions if t.kind == "refund"]
    add("order", "Order and payment", {
        "order": order.id, "placed": order.placed_at, "status": order.status,
        "items": "; ".join(f"{i.name} ({', '.join(i.options.values())}) {i.price} {order.currency}" if i.options else f"{i.name} {i.price} {order.currency}"
                           for i in order.items),
        "total": f"{order.total} {order.currency}", "paid": ", ".join(f"{t.amount} {order.currency} by {t.payment_method_id}" for t in paid),
        "customer IP": order.details.get("customer_ip"), "device": order.details.get("device_id")}, f"order {order.id}")
    fields["customer_purchase_ip"] = order.details.get("customer_ip") or ""
    files.add("receipt")
    add("customer", "Customer", {"name": f"{customer.first_name} {customer.last_name}".strip(), "email": customer.email,
                                 "account": customer.id, "account address": _address(customer.address),
                                 "shipping address": _address(order.address)}, f"customer {customer.id}")
    fields.update(customer_name=f"{customer.first_name} {customer.last_name}".strip(), customer_email_address=customer.email,
                  billing_address=_address(customer.address), shipping_address=_address(order.address))
    products = {p.id: p for p in shop.products(list({i.product_id for i in order.items}))}
    described = []
    for p in products.values():
        facts = {"product": p.name, "category": p.category, **p.attributes}
        described.append(f"{p.name}: " + ", ".join(f"{k} {v}" for k, v in p.attributes.items()))
        add("product", f"As listed: {p.name}", facts, f"product {p.id}")
    if described:
        fields["product_description"] = "; ".join(described)
    delivered = signed = match = False
    for s in order.shipments:
        events = sorted(s.events, key=lambda e: e.at)
        done = next((e for e in reversed(events) if e.status == "delivered"), None)
        shipped = next((e for e in events if e.status in ("picked_up", "in_transit")), None)
        facts = {"carrier": s.carrier, "tracking number": ", ".join(s.tracking_numbers),
                 "shipped": shipped.at if shipped else None, "latest": f"{events[-1].status} {events[-1].at}" if events else None}
        if done is not None:
            delivered = True
            signed = signed or "signed" in done.note.lower()
            match = match or (bool(done.location) and done.location.strip().lower() == order.address.city.strip().lower())
            facts.update({"delivered": done.at, "delivered at": done.location, "delivery note": done.note,
                          "shipping city": order.address.city})
        add("shipment", f"Shipment {s.id}", facts, f"shipment {s.id}")
        add("tracking", f"Tracking of {s.id}", {e.at: f"{e.status} {e.location} {e.note}".strip() for e in events}, f"shipment {s.id}")
        fields.setdefault("shipping_carrier", s.carrier)
        if s.tracking_numbers:
            fields.setdefault("shipping_tracking_number", s.tracking_numbers[0])
        if shipped:
            fields.setdefault("shipping_date", shipped.at[:10])
        files.add("shipping_documentation")
    talks = 0
    if conversations is not None:
        for c in conversations.list(limit=1000):
            if c.customer_id != customer.id:
                continue
            msgs = conversations.messages(c.id)
            if not msgs:
                continue
            talks += 1
            add("communication", f"Conversation {c.id}", {"channel": c.channel, "from": msgs[0].at, "to": msgs[-1].at,
                                                           "messages": len(msgs), "status": c.status}, f"conversation {c.id}")
    if talks:
        files.add("customer_communication")
    version, policy, since = policies.in_force_at(shop.workspace_id, order.placed_at or "9999")
    add("policy", "After-sales policy in force when the order was placed", {
        "version": version if version else "the shop's default (never changed)", "in force since": since,
        "return window days": policy.return_window_days, "text": policy.render("en").replace("\n", " ")}, f"policy version {version}")
    fields["refund_policy_disclosure"] = (f"The after-sales policy in force when order {order.id} was placed ({order.placed_at}) was "
                                          f"version {version}" + (f", in force since {since}" if since else " (the shop's default)") + ".")
    fields["cancellation_policy_disclosure"] = fields["refund_policy_disclosure"]
    files.update({"refund_policy", "cancellation_policy"})
    refunded = sum((t.amount for t in refunds), Decimal(0))
    agent_refunds = []
    if refund_store is not None:
        agent_refunds = [s for s in refund_store.list(("executed",), limit=1000) if s.case.order_id == order.id and s.decision.refund_amount > 0]
        refunded += sum((s.decision.refund_amount for s in agent_refunds), Decimal(0))
    add("refunds", "Refunds made", {"refunds": ", ".join(f"{t.amount} {order.currency} to {t.payment_method_id}" for t in refunds) or "none in the order",
                                    "refund cases": ", ".join(f"{s.case.case_id}: {s.decision.decision} {s.decision.refund_amount} {order.currency}"
                                                              for s in agent_refunds),
                                    "refunded in all": f"{refunded} {order.currency}"}, f"order {order.id}")
    if route.category in ("not_as_described", "credit_not_processed"):
        fields["refund_refusal_explanation"] = (f"{refunded} {order.currency} of {order.total} {order.currency} has been refunded for order {order.id}."
                                                if refunded else f"No refund request for order {order.id} was accepted under the policy in force.")
    if route.category == "cancelled":
        fields["cancellation_rebuttal"] = (f"Order {order.id} is {order.status}"
                                           + (f"; it was cancelled for '{order.details['cancel_reason']}'" if order.details.get("cancel_reason") else "")
                                           + f"; {refunded} {order.currency} has been refunded.")
    disputed = {d.order_id for d in disputes.by_urgency(open_only=False, limit=100000) if d.order_id and d.id != dispute.id}
    earlier = [o for o in shop.orders(shop.order_ids(customer.id)) if o.id != order.id and o.placed_at and order.placed_at and o.placed_at < order.placed_at]
    if earlier:
        add("prior", "Earlier orders of this customer", {o.id: f"{o.placed_at}, {o.total} {o.currency}, {o.status}"
                                                         + (", disputed" if o.id in disputed else ", not disputed")
                                                         + (f", IP {o.details['customer_ip']}" if o.details.get("customer_ip") else "")
                                                         + (f", device {o.details['device_id']}" if o.details.get("device_id") else "")
                                                         for o in earlier}, f"customer {customer.id}")
    if route.category == "duplicate":
        twin = next((o for o in earlier + [o for o in shop.orders(shop.order_ids(customer.id)) if o.id != order.id]
                     if o.total == order.total and o.placed_at and order.placed_at
                     and abs((_when(o.placed_at) - _when(order.placed_at)) / timedelta(days=1)) <= 7), None)
        if twin is not None:
            add("twin", "The other order of the same amount", {"order": twin.id, "placed": twin.placed_at, "total": f"{twin.total} {twin.currency}",
                                                                "status": twin.status}, f"order {twin.id}")
            fields["duplicate_charge_id"] = twin.id
            fields["duplicate_charge_explanation"] = (f"Order {order.id} and order {twin.id} are two separate orders, placed at "
                                                      f"{order.placed_at} and {twin.placed_at}.")
    ce3 = _ce3(order, earlier, disputed, route)
    if ce3.applicable:
        add("ce3", "Visa Compelling Evidence 3.0", {c.name: ("met" if c.met else "not met") + f" ({c.detail})" for c in ce3.criteria},
            f"customer {customer.id}")
    fields = {k: v for k, v in fields.items() if v}
    return Evidence(**base, items=items, ce3=ce3, fields=fields, files=sorted(f for f in files if f in FILE_FIELDS),
                    refunded=refunded, delivered=delivered, signed=signed, address_match=match, communications=talks)
