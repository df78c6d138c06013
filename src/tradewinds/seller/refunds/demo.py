"""Seeded, synthetic histories of past refund decisions, for development and the benchmark: no public dataset of a
merchant's refund decisions exists, so these stand in for one. Every case id starts with ``syn-``; nothing here is a
real buyer, order or decision.

A history is drawn from a merchant ``POLICY`` (how its people really decide) applied by staff who are not perfectly
consistent: each decision's thresholds move a little (``jitter``) and a share of decisions is simply different
(``label_noise``). Each policy comes with the written rules the merchant publishes (:data:`WRITTEN`), which its
practice stays inside.

``heldout`` is the benchmark's held-out merchant: its rules were written with the generator, before the learning
code, and are never looked at while tuning (docs/benchmarks.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from ...shop.policy import CategoryRule
from .policy import RefundRules
from .schemas import PastDecision, quantum

# category, price range (in USD), return shipping range
CATEGORIES = [
    ("Apparel > Tops", (8, 60), (4, 8)), ("Apparel > Dresses", (20, 120), (4, 9)), ("Shoes", (25, 160), (6, 12)),
    ("Electronics > Headphones", (15, 300), (5, 10)), ("Electronics > Chargers", (8, 45), (4, 7)),
    ("Electronics > Smartwatches", (40, 400), (6, 12)), ("Home > Kitchen", (6, 140), (5, 15)),
    ("Home > Bedding", (20, 180), (8, 18)), ("Beauty > Skincare", (5, 60), (4, 7)), ("Toys", (6, 90), (5, 12)),
    ("Jewelry", (15, 600), (5, 9)), ("Sports > Fitness", (10, 250), (8, 25)),
]
CURRENCIES = [("USD", "1"), ("EUR", "0.92"), ("GBP", "0.79"), ("JPY", "150"), ("MXN", "17")]
REASON_WEIGHTS = {"not_received": 14, "damaged": 13, "defective": 14, "not_as_described": 11, "wrong_item": 7, "missing_parts": 6,
                  "size_fit": 12, "changed_mind": 12, "late_delivery": 7, "other": 4}
TEXTS = {
    "en": {"not_received": "My parcel never arrived.", "damaged": "It arrived broken, the box was crushed.",
           "defective": "It stopped working after two days.", "not_as_described": "The colour and material are not what the page said.",
           "wrong_item": "You sent me a different product.", "missing_parts": "The charger cable is missing from the box.",
           "size_fit": "Too small, I need a bigger size.", "changed_mind": "I don't need it any more.",
           "late_delivery": "It came two weeks late.", "other": "I want my money back."},
    "es": {"not_received": "Mi paquete nunca llegó.", "damaged": "Llegó roto, la caja venía aplastada.", "defective": "Dejó de funcionar a los dos días.",
           "not_as_described": "El color y el material no son los del anuncio.", "wrong_item": "Me enviaron otro producto.",
           "missing_parts": "Falta el cable en la caja.", "size_fit": "Me queda pequeño, necesito una talla más.",
           "changed_mind": "Ya no lo necesito.", "late_delivery": "Llegó con dos semanas de retraso.", "other": "Quiero que me devuelvan el dinero."},
    "de": {"not_received": "Mein Paket ist nie angekommen.", "damaged": "Es kam kaputt an, der Karton war eingedrückt.",
           "defective": "Nach zwei Tagen funktioniert es nicht mehr.", "not_as_described": "Farbe und Material stimmen nicht mit der Beschreibung überein.",
           "wrong_item": "Sie haben mir ein anderes Produkt geschickt.", "missing_parts": "Das Kabel fehlt im Karton.",
           "size_fit": "Zu klein, ich brauche eine Nummer größer.", "changed_mind": "Ich brauche es nicht mehr.",
           "late_delivery": "Es kam zwei Wochen zu spät.", "other": "Ich möchte mein Geld zurück."},
    "zh": {"not_received": "我的包裹一直没有收到。", "damaged": "到货时已经坏了，箱子被压扁了。", "defective": "用了两天就坏了。",
           "not_as_described": "颜色和材质与描述不符。", "wrong_item": "你们发错货了。", "missing_parts": "盒子里少了充电线。",
           "size_fit": "太小了，需要大一号。", "changed_mind": "我不需要了。", "late_delivery": "晚到了两个星期。", "other": "我要退款。"},
    "ar": {"not_received": "لم يصل الطرد أبدًا.", "damaged": "وصل مكسورًا وكانت العلبة محطمة.", "defective": "توقف عن العمل بعد يومين.",
           "not_as_described": "اللون والمادة ليسا كما في الوصف.", "wrong_item": "أرسلتم لي منتجًا آخر.", "missing_parts": "الكابل غير موجود في العلبة.",
           "size_fit": "المقاس صغير، أحتاج مقاسًا أكبر.", "changed_mind": "لم أعد بحاجة إليه.", "late_delivery": "وصل متأخرًا أسبوعين.",
           "other": "أريد استرداد أموالي."},
}


def _money(x: float | Decimal, currency: str = "USD") -> Decimal:
    return Decimal(str(x)).quantize(quantum(currency), rounding=ROUND_HALF_UP)


class Staff:
    """One decision's thresholds, moved a little from the policy's (people are not perfectly consistent)."""

    def __init__(self, rng: random.Random, jitter: float) -> None:
        self.rng, self.jitter = rng, jitter

    def __call__(self, threshold: float) -> float:
        return threshold * (1 + self.rng.uniform(-self.jitter, self.jitter))


def _serial(c: PastDecision, s: Staff) -> bool:
    return (c.buyer_refunds or 0) >= 3 and (c.buyer_refunds or 0) > s(0.4) * max(1, c.buyer_orders or 0)


def _usd(c, amount: Decimal | None) -> float:
    """An amount in US dollars: the staff's price thresholds are in dollars whatever the order's currency."""
    return float(amount or 0) / float(dict(CURRENCIES)[c.currency])


def _full(c) -> Decimal:
    return c.item_price


def _less_shipping(c) -> Decimal:
    return max(Decimal(0), c.item_price - (c.return_shipping_cost or 0))


def _share(c, share: float) -> Decimal:
    return _money(c.item_price * Decimal(str(share)), c.currency)


Outcome = tuple[str, Decimal]


def strict(c, s: Staff) -> Outcome:
    if c.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
        return "returnless_refund", _full(c)
    if _serial(c, s):
        return "reject", Decimal(0)
    if c.reason == "not_received":
        if c.delivery_status == "in_transit" or c.tracking_signed:
            return "reject", Decimal(0)
        return ("returnless_refund", _full(c)) if (c.buyer_refunds or 0) <= 1 else ("reject", Decimal(0))
    days = c.days_since_delivery or 0
    if c.reason in ("changed_mind", "size_fit"):
        return ("refund_with_return", _less_shipping(c)) if days <= s(30) else ("reject", Decimal(0))
    if c.reason in ("damaged", "defective", "wrong_item", "missing_parts", "not_as_described"):
        if days > s(90) or not c.evidence_photos:
            return "reject", Decimal(0)
        return "refund_with_return", _full(c)
    return "reject", Decimal(0)


def generous(c, s: Staff) -> Outcome:
    if c.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
        return "returnless_refund", _full(c)
    if c.reason == "not_received":
        if c.tracking_signed and (c.buyer_refunds or 0) >= 4:
            return "reject", Decimal(0)
        return "returnless_refund", _full(c)
    days = c.days_since_delivery or 0
    if c.reason == "late_delivery":
        return "partial_refund", _share(c, 0.2)
    if c.reason == "size_fit" and days <= s(60):
        return "exchange", Decimal(0)
    if c.reason == "defective" and days <= s(365):
        return "refund_with_return", _full(c)
    if days > s(60):
        return "reject", Decimal(0)
    if _usd(c, c.item_price) < s(20):
        return "returnless_refund", _full(c)
    return "refund_with_return", _full(c)


def returnless_cheap(c, s: Staff) -> Outcome:
    if c.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
        return "returnless_refund", _full(c)
    if c.reason == "not_received":
        return ("reject", Decimal(0)) if c.tracking_signed or c.delivery_status == "in_transit" else ("returnless_refund", _full(c))
    days = c.days_since_delivery or 0
    cheap = _usd(c, c.item_price) < s(25) or _usd(c, c.return_shipping_cost) >= s(0.4) * _usd(c, c.item_price)
    if c.reason in ("changed_mind", "size_fit"):
        if days > s(30):
            return "reject", Decimal(0)
        if c.reason == "size_fit" and not cheap:
            return "exchange", Decimal(0)
        return ("returnless_refund", _full(c)) if cheap else ("refund_with_return", _less_shipping(c))
    if c.reason in ("late_delivery", "other") or days > s(90):
        return "reject", Decimal(0)
    return ("returnless_refund", _full(c)) if cheap else ("refund_with_return", _full(c))


def photo_partial(c, s: Staff) -> Outcome:
    if c.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
        return "returnless_refund", _full(c)
    if c.reason == "not_received":
        return "reject", Decimal(0)
    days = c.days_since_delivery or 0
    photos = c.evidence_photos or 0
    if days > s(90):
        return "reject", Decimal(0)
    if c.reason in ("damaged", "not_as_described", "missing_parts"):
        if photos == 0:
            return "reject", Decimal(0)
        if c.reason == "damaged" and photos >= 3 and _usd(c, c.item_price) > s(100):
            return "refund_with_return", _full(c)
        return "partial_refund", _share(c, 0.3 if photos == 1 else 0.5)
    if c.reason == "defective":
        return "refund_with_return", _full(c)
    if c.reason in ("wrong_item", "size_fit"):
        return ("exchange", Decimal(0)) if days <= s(30) else ("reject", Decimal(0))
    if c.reason == "changed_mind" and days <= s(14):
        return "refund_with_return", _share(c, 0.85)
    return "reject", Decimal(0)


def heldout(c, s: Staff) -> Outcome:
    if c.delivery_status in ("not_shipped", "lost", "returned_to_sender"):
        return "returnless_refund", _full(c)
    if _serial(c, s):
        return "reject", Decimal(0)
    category = c.category or ""
    days = c.days_since_delivery or 0
    if c.reason == "not_received":
        if c.tracking_signed or c.delivery_status == "in_transit":
            return "reject", Decimal(0)
        return ("returnless_refund", _full(c)) if (c.buyer_orders or 0) >= 3 else ("reject", Decimal(0))
    if category.startswith("Beauty"):
        return ("returnless_refund", _full(c)) if c.reason == "damaged" and c.evidence_photos and days <= s(90) else ("reject", Decimal(0))
    if c.reason == "late_delivery":
        return "partial_refund", _share(c, 0.1)
    if c.reason in ("changed_mind", "size_fit"):
        window = 45 if category.startswith(("Apparel", "Shoes")) else 30
        if days > s(window):
            return "reject", Decimal(0)
        if c.reason == "size_fit" and category.startswith(("Apparel", "Shoes")):
            return "exchange", Decimal(0)
        return "refund_with_return", _less_shipping(c)
    if days > s(90):
        return "reject", Decimal(0)
    if c.reason == "defective" and category.startswith("Electronics"):
        return ("exchange", Decimal(0)) if _usd(c, c.item_price) < s(50) else ("refund_with_return", _full(c))
    if c.reason == "damaged":
        if not c.evidence_photos:
            return "reject", Decimal(0)
        return ("partial_refund", _share(c, 0.4)) if _usd(c, c.item_price) < s(60) else ("refund_with_return", _full(c))
    if c.reason == "wrong_item":
        return ("returnless_refund", _full(c)) if _usd(c, c.item_price) < s(30) else ("exchange", Decimal(0))
    if c.reason in ("defective", "missing_parts", "not_as_described"):
        return "refund_with_return", _full(c)
    return "reject", Decimal(0)


DEV = ("strict", "generous", "returnless_cheap", "photo_partial")
POLICIES: dict[str, Callable[[PastDecision, Staff], Outcome]] = {
    "strict": strict, "generous": generous, "returnless_cheap": returnless_cheap, "photo_partial": photo_partial, "heldout": heldout}
WRITTEN: dict[str, RefundRules] = {
    "strict": RefundRules(return_window_days=33, claim_window_days=99),
    "generous": RefundRules(return_window_days=66, claim_window_days=400),
    "returnless_cheap": RefundRules(return_window_days=33, claim_window_days=99),
    "photo_partial": RefundRules(return_window_days=33, claim_window_days=99),
    "heldout": RefundRules(return_window_days=33, claim_window_days=99,
                           exceptions=[CategoryRule(category="Apparel", return_window_days=50), CategoryRule(category="Shoes", return_window_days=50),
                                       CategoryRule(category="Beauty", returnable=False)]),
}
"""The written rules each merchant publishes: its staff's thresholds move by at most ``jitter`` (10%) inside them."""


def _case(rng: random.Random, i: int, prefix: str) -> dict:
    category, (lo, hi), (slo, shi) = rng.choice(CATEGORIES)
    currency, rate = rng.choices(CURRENCIES, weights=(6, 3, 2, 1, 1))[0]
    r = Decimal(rate)
    usd = round(lo * (hi / lo) ** rng.random(), 2)  # log-uniform: many cheap items, a few dear ones
    price = _money(Decimal(str(usd)) * r, currency)
    total = price + _money(Decimal(str(rng.choice((0, 0, 0, rng.uniform(5, 200))))) * r, currency)
    reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
    if reason == "not_received":
        status = rng.choices(("delivered", "in_transit", "lost", "returned_to_sender", "not_shipped"), weights=(55, 25, 12, 4, 4))[0]
    elif reason == "late_delivery":
        status = rng.choices(("delivered", "in_transit"), weights=(85, 15))[0]
    elif reason in ("changed_mind", "other"):
        status = rng.choices(("delivered", "not_shipped", "in_transit"), weights=(85, 8, 7))[0]
    else:
        status = "delivered"
    days = int(rng.expovariate(1 / 25)) if status == "delivered" else None
    photos = rng.choices((0, 1, 2, 3, 4), weights=(35, 30, 18, 10, 7) if reason in ("damaged", "not_as_described", "missing_parts", "wrong_item", "defective")
                         else (85, 10, 3, 1, 1))[0]
    orders = int(rng.expovariate(1 / 8))
    serial = rng.random() < 0.07
    refunds = min(orders, int(orders * rng.uniform(0.4, 0.9)) + 2) if serial else min(orders, int(rng.expovariate(1 / 0.6)))
    lang = rng.choices(list(TEXTS), weights=(6, 2, 2, 2, 1))[0]
    blank = lambda v: None if rng.random() < 0.02 else v  # noqa: E731  some fields are unknown, as in real exports
    return dict(case_id=f"{prefix}-{i:06d}", currency=currency, order_total=total, item_price=price, category=blank(category), reason=reason,
                reason_text=TEXTS[lang][reason], delivery_status=status, days_since_delivery=days,
                tracking_signed=(rng.random() < 0.6) if status == "delivered" else False, evidence_photos=blank(photos),
                buyer_orders=orders, buyer_refunds=refunds,
                return_shipping_cost=_money(Decimal(str(round(rng.uniform(slo, shi), 2))) * r, currency), lang=lang)


def history(policy: str, n: int, *, seed: int, label_noise: float = 0.03, jitter: float = 0.1) -> list[PastDecision]:
    """``n`` past decisions of the merchant ``policy`` (one of :data:`POLICIES`), reproducible from ``seed``."""
    decide = POLICIES[policy]
    rng = random.Random(f"{policy}:{seed}")
    out = []
    for i in range(n):
        fields = _case(rng, i, f"syn-{policy}-{seed}")
        case = PastDecision(**fields, decision="reject")
        decision, amount = decide(case, Staff(rng, jitter))
        if rng.random() < label_noise:  # a person deciding differently, for no reason the record shows
            decision = rng.choice([d for d in ("refund_with_return", "returnless_refund", "partial_refund", "exchange", "reject") if d != decision])
            amount = {"refund_with_return": case.item_price, "returnless_refund": case.item_price,
                      "partial_refund": _share(case, rng.choice((0.2, 0.3, 0.5)))}.get(decision, Decimal(0))
        out.append(case.model_copy(update={"decision": decision, "refund_amount": _money(amount, case.currency)}))
    return out
