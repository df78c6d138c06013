"""A seeded, synthetic cross-border shop for trying the seller side: buyers in a dozen countries writing in six
languages, prices in their currencies, several carriers, and tracking timelines with customs holds, delays and
losses. Every customer's ``source`` is ``synthetic``: nothing here is a real person or a real parcel."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .schemas import Customer, Order, Product

# country: (country as written, language, currency, a city, zip pattern, carriers, rate from USD)
MARKETS = {
    "US": ("USA", "en", "USD", "Chicago", "606{:02d}", ("USPS", "UPS"), "1"),
    "GB": ("United Kingdom", "en", "GBP", "Leeds", "LS{} 1AB", ("Royal Mail", "DPD"), "0.79"),
    "DE": ("Germany", "de", "EUR", "Köln", "506{:02d}", ("DHL", "DPD"), "0.92"),
    "FR": ("France", "fr", "EUR", "Lyon", "690{:02d}", ("Colissimo", "DHL"), "0.92"),
    "ES": ("Spain", "es", "EUR", "Sevilla", "410{:02d}", ("Correos", "SEUR"), "0.92"),
    "MX": ("Mexico", "es", "MXN", "Guadalajara", "441{:02d}", ("Estafeta", "DHL"), "17.1"),
    "BR": ("Brazil", "pt", "BRL", "Curitiba", "800{:02d}-000", ("Correios", "Jadlog"), "5.0"),
    "JP": ("Japan", "ja", "JPY", "Osaka", "530-00{:02d}", ("Yamato", "Japan Post"), "150"),
    "KR": ("South Korea", "ko", "KRW", "Busan", "480{:02d}", ("CJ Logistics", "Korea Post"), "1330"),
    "CN": ("China", "zh", "CNY", "Hangzhou", "3100{:02d}", ("SF Express", "China Post"), "7.2"),
    "AE": ("United Arab Emirates", "ar", "AED", "Dubai", "000{:02d}", ("Aramex", "DHL"), "3.67"),
    "SA": ("Saudi Arabia", "ar", "SAR", "Riyadh", "114{:02d}", ("SMSA", "Aramex"), "3.75"),
}
FIRST = {"en": ["Emma", "Liam", "Olivia", "Noah"], "de": ["Jonas", "Lena", "Felix"], "fr": ["Chloé", "Hugo", "Léa"],
         "es": ["Lucía", "Mateo", "Sofía"], "pt": ["João", "Ana", "Pedro"], "ja": ["Yuki", "Haruto", "Aoi"], "ko": ["Minjun", "Seoyeon"],
         "zh": ["Wei", "Li Na", "Hao"], "ar": ["Omar", "Layla", "Yousef"]}
LAST = {"en": ["Smith", "Brown", "Taylor"], "de": ["Becker", "Wagner"], "fr": ["Martin", "Bernard"], "es": ["García", "López"],
        "pt": ["Silva", "Souza"], "ja": ["Sato", "Tanaka"], "ko": ["Kim", "Park"], "zh": ["Wang", "Zhang"], "ar": ["Haddad", "Saleh"]}
# name, category, attributes, option axis -> values, base price USD
CATALOG = [
    ("Insulated Water Bottle", "Kitchen > Drinkware", {"material": "18/8 stainless steel", "insulation": "double wall vacuum"},
     {"capacity": ["500ml", "750ml", "1000ml"], "color": ["blue", "black", "sand"]}, 18),
    ("Car Charger", "Electronics > Chargers", {"input voltage": "12-24 V", "output": "USB-C PD 30 W + USB-A 18 W"},
     {"ports": ["2", "3"]}, 14),
    ("Mechanical Keyboard", "Electronics > Keyboards", {"layout": "ANSI", "connection": "USB-C, Bluetooth 5.1"},
     {"switch type": ["clicky", "linear", "tactile"], "backlight": ["RGB", "none"], "size": ["full size", "80%"]}, 89),
    ("Cotton Hoodie", "Apparel > Hoodies", {"material": "100% cotton, 320 gsm"}, {"size": ["S", "M", "L", "XL"], "color": ["grey", "navy"]}, 39),
    ("Yoga Mat", "Sports > Yoga", {"material": "TPE", "thickness": "6 mm", "length": "183 cm"}, {"color": ["purple", "green"]}, 29),
    ("Bamboo Cutting Board", "Kitchen > Boards", {"material": "bamboo", "finish": "food-safe mineral oil"}, {"size": ["small", "large"]}, 22),
    ("Wireless Earbuds", "Electronics > Headphones", {"battery": "6 h + 24 h case", "water resistance": "IPX4"},
     {"color": ["white", "black"]}, 59),
    ("Silk Pillowcase", "Home > Bedding", {"material": "22 momme mulberry silk"}, {"size": ["standard", "king"], "color": ["ivory", "rose"]}, 35),
]
DAY = timedelta(days=1)


def _timeline(rng: random.Random, start: datetime, country: str, fate: str) -> list[dict]:
    hub = {"US": "Los Angeles", "GB": "London Heathrow", "DE": "Leipzig", "FR": "Paris CDG", "ES": "Madrid", "MX": "Mexico City",
           "BR": "São Paulo", "JP": "Narita", "KR": "Incheon", "CN": "Hangzhou", "AE": "Dubai", "SA": "Riyadh"}[country]
    t, out = start, []

    def add(days: float, status: str, where: str, note: str = "") -> None:
        nonlocal t
        t = t + days * DAY + timedelta(minutes=rng.randrange(600))
        out.append({"at": t.isoformat(timespec="minutes"), "status": status, "location": where, "note": note})

    add(0.2, "label_created", "Shenzhen", "shipping label created")
    add(0.8, "picked_up", "Shenzhen")
    add(1.5, "in_transit", "Hong Kong", "departed origin hub")
    if fate == "lost":
        add(6, "exception", hub, "no scan since departure")
        add(14, "lost", hub, "declared lost by the carrier")
        return out
    add(2.5, "customs", hub, "arrived at destination customs")
    if fate == "customs_hold":
        add(1, "customs_hold", hub, "held: import duty unpaid")
        return out
    if fate == "delayed":
        add(3, "delayed", hub, "weather: flights suspended")
    add(1.5, "in_transit", hub, "released by customs")
    if fate == "in_transit":
        return out
    add(1.5, "out_for_delivery", MARKETS[country][3])
    add(0.3, "delivered", MARKETS[country][3], "signed by recipient" if rng.random() < 0.6 else "left at front door")
    return out


def demo_shop(customers: int = 120, seed: int = 7, now: datetime | None = None) -> tuple[list[Customer], list[Product], list[Order]]:
    """Customers, products and orders of a synthetic cross-border shop (the same seed: the same shop)."""
    rng = random.Random(seed)
    now = now or datetime(2026, 11, 30, 12, tzinfo=UTC)
    products = []
    for n, (name, category, attrs, axes, base) in enumerate(CATALOG, 1):
        combos = [{}]
        for axis, values in axes.items():
            combos = [{**c, axis: v} for c in combos for v in values]
        products.append(Product(id=f"P{n:03d}", name=name, category=category, attributes=attrs, variants=[
            {"item_id": f"P{n:03d}-{i:02d}", "options": opts, "price": Decimal(str(round(base * (1 + (0.05 * i) % 0.3), 2))),
             "available": rng.random() > 0.15} for i, opts in enumerate(combos)]))
    out_customers, orders = [], []
    codes = list(MARKETS)
    for n in range(customers):
        code = codes[n % len(codes)]
        country, lang, currency, city, zip_pattern, carriers, rate = MARKETS[code]
        first, last = rng.choice(FIRST[lang]), rng.choice(LAST[lang])
        cid = f"C{n + 1:04d}"
        address = {"address1": f"{rng.randint(1, 200)} Market Street", "address2": "", "city": city, "state": "", "country": country,
                   "zip": zip_pattern.format(rng.randint(1, 29))}
        methods = [{"id": f"card_{cid}", "kind": "credit_card", "details": {"brand": rng.choice(["visa", "mastercard"]),
                                                                           "last_four": f"{rng.randint(0, 9999):04d}"}}]
        if rng.random() < 0.4:
            methods.append({"id": f"gift_{cid}", "kind": "gift_card", "balance": Decimal(rng.choice([0, 25, 50, 120])) * Decimal(rate)})
        if rng.random() < 0.3:
            methods.append({"id": f"paypal_{cid}", "kind": "paypal"})
        out_customers.append(Customer(id=cid, first_name=first, last_name=last, email=f"{cid.lower()}@example.{code.lower()}",
                                      language=lang, address=address, payment_methods=methods, source="synthetic"))
        for k in range(rng.choice([1, 1, 2, 3])):
            placed = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 23))
            picks = rng.sample(products, rng.choice([1, 1, 2]))
            items = []
            for p in picks:
                v = rng.choice(p.variants)
                items.append({"item_id": v.item_id, "product_id": p.id, "name": p.name, "options": v.options,
                              "price": (v.price * Decimal(rate)).quantize(Decimal("1" if currency in ("JPY", "KRW") else "0.01"))})
            total = sum(i["price"] for i in items)
            age = (now - placed).days
            fate = rng.choices(["delivered", "in_transit", "customs_hold", "delayed", "lost"], [60, 15, 8, 10, 7])[0]
            shipments, status = [], "pending"
            if age >= 2:
                events = [e for e in _timeline(rng, placed + DAY, code, fate) if e["at"] <= now.isoformat()]
                shipments = [{"id": f"S{n + 1:04d}{k}", "carrier": rng.choice(carriers), "events": events,
                              "tracking_numbers": [f"{rng.choice(['LX', 'RB', 'JD'])}{rng.randint(10 ** 8, 10 ** 9 - 1)}CN"],
                              "item_ids": [i["item_id"] for i in items]}]
                status = "delivered" if events and events[-1]["status"] == "delivered" else "shipped"
            elif age >= 1:
                status = "processed"
            orders.append(Order(id=f"#D{n + 1:04d}{k}", customer_id=cid, status=status, address=address, currency=currency,
                                placed_at=placed.isoformat(timespec="minutes"), items=items, shipments=shipments,
                                transactions=[{"kind": "payment", "amount": total, "payment_method_id": methods[0]["id"]}]))
    return out_customers, products, orders
