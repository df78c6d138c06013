"""Deterministic synthetic B2B catalog: suppliers, products and their offers.

``generate(products=20_000, seed=7)`` yields plain row dicts (shaped like the storage
tables) so it scales to millions of products; every record has ``synthetic=True``
and ``source="demo"``. Same seed, same catalog, same ids.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from ..ids import make_id
from .vocabulary import CATEGORIES, CITIES, EXPORT_MARKETS, FIRST_WORDS, WESTERN_WORDS, Category

SOURCE = "demo"
INCOTERMS = (("FOB", 50), ("EXW", 18), ("CIF", 12), ("FCA", 8), ("DDP", 7), ("CFR", 5))
SUPPLIER_CERTS = (("ISO 9001", 0.6), ("ISO 14001", 0.2), ("BSCI", 0.15), ("SEDEX", 0.08), ("ISO 45001", 0.06))
LATIN = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass
class DemoBatch:
    suppliers: list[dict]
    products: list[dict]
    offers: list[dict]


def _weighted(rng: random.Random, pairs) -> str:
    keys, weights = zip(*pairs)
    return rng.choices(keys, weights=weights)[0]


def _supplier(rng: random.Random, n: int, cat: Category) -> dict:
    country = _weighted(rng, cat.countries.items())
    city, _port = rng.choice(CITIES.get(country, (("Capital", "Main port"),)))
    industry = cat.path.split(" > ")[-1].split(" and ")[0].title()
    if country in ("CN", "TW"):
        name = f"{city} {rng.choice(FIRST_WORDS)}{rng.choice(FIRST_WORDS).lower()} {industry} Co., Ltd."
    else:
        suffix = {"DE": "GmbH", "IT": "S.r.l.", "ES": "S.L.", "PT": "Lda.", "PL": "Sp. z o.o.", "FR": "SARL",
                  "TR": "Ltd. Şti.", "VN": "Co., Ltd", "IN": "Pvt. Ltd.", "BD": "Ltd.", "PK": "(Pvt) Ltd."}.get(country, "Ltd.")
        name = f"{rng.choice(WESTERN_WORDS)} {industry} {suffix}"
    certs = [c for c, p in SUPPLIER_CERTS if rng.random() < p]
    if "BSCI" in cat.certs and rng.random() < 0.4:
        certs.append("BSCI")
    caps = [c for c, p in (("OEM", 0.7), ("ODM", 0.35), ("custom_logo", 0.6), ("custom_packaging", 0.45)) if rng.random() < p]
    years = max(1, int(rng.lognormvariate(2.1, 0.6)))
    return {
        "id": make_id("sup", SOURCE, f"S{n:06d}"), "external_id": f"S{n:06d}", "source": SOURCE,
        "name": name, "country": country, "city": city, "years_in_business": min(years, 60),
        "certifications": sorted(set(certs)), "capabilities": caps,
        "export_markets": sorted(rng.sample(EXPORT_MARKETS, rng.randint(2, 8))),
        "response_rate": round(rng.uniform(0.55, 1.0), 2), "on_time_delivery_rate": round(rng.uniform(0.7, 1.0), 3),
        "rating": round(min(5.0, rng.gauss(4.4, 0.35)), 1), "verified": rng.random() < 0.45, "synthetic": True,
        "_category": cat.key, "_port": _port,
    }


def _model_number(rng: random.Random) -> str:
    return f"{''.join(rng.choices(LATIN, k=rng.randint(2, 3)))}-{rng.randint(10, 9999)}{rng.choice(('', 'A', 'B', 'S', 'X', 'Pro'))}"


def _attributes(rng: random.Random, cat: Category) -> list[dict]:
    attrs = []
    for name, choices, unit in cat.attrs:
        value = rng.choice(choices)
        attrs.append({"name": name, "value": value, "unit": unit})
    if cat.materials:
        attrs.append({"name": "material", "value": rng.choice(cat.materials), "unit": None})
    return attrs


_COMPACT_UNITS = {"W", "V", "L", "ml", "mm", "cm", "kg", "g", "mAh", "gsm", "in", "oz", "K", "h", "kW", "TC"}


def format_attribute(a: dict) -> str:
    """How a seller would write the attribute in a title: 600W, 12 L? no: 12L; 2 groups."""
    v, unit = a["value"], a["unit"]
    if isinstance(v, bool):
        return a["name"] if v else ""
    if unit in _COMPACT_UNITS:
        return f"{v}{unit}"
    if unit:
        return f"{v} {unit}"
    if isinstance(v, (int, float)):
        name = a["name"][:-1] if v == 1 and a["name"].endswith("s") else a["name"]
        return f"{v} {name}"
    return str(v)


def _title(rng: random.Random, cat: Category, attrs: list[dict], model: str) -> tuple[str, str]:
    shown = [format_attribute(a) for a in rng.sample(attrs, k=min(len(attrs), rng.randint(1, 3)))]
    shown = [s for s in shown if s]
    mod = rng.choice(cat.modifiers) if cat.modifiers and rng.random() < 0.7 else ""
    r = rng.random()
    if r < 0.09 and cat.zh:
        return f"{' '.join(shown)} {mod} {rng.choice(cat.zh)} {model}".replace("  ", " ").strip(), "zh"
    if r < 0.15 and cat.es:
        return f"{rng.choice(cat.es).capitalize()} {' '.join(shown)} {model}".strip(), "es"
    noun = rng.choice(cat.nouns)
    parts = [mod.title() if mod else "", " ".join(shown), noun.title() if rng.random() < 0.5 else noun, model]
    if rng.random() < 0.3:
        parts.insert(0, rng.choice(("Wholesale", "Factory direct", "OEM", "Hot sale", "High quality", "2025 new")))
    return " ".join(p for p in parts if p).replace("  ", " "), "en"


def _description(rng: random.Random, cat: Category, attrs: list[dict], lang: str) -> str:
    specs = "; ".join(f"{a['name']}: {a['value']}{' ' + a['unit'] if a['unit'] else ''}" for a in attrs)
    if lang == "zh":
        return f"工厂直销，{cat.zh[0]}，支持定制。规格：{specs}。"
    if lang == "es":
        return f"{cat.es[0].capitalize()} directo de fábrica. Especificaciones: {specs}."
    noun = cat.nouns[0]
    extra = rng.choice(("Suitable for hotels, restaurants and cafes.", "Custom logo and packaging available.",
                        "Strict QC before shipment, third-party inspection welcome.", "Popular with importers in Europe and the Middle East.",
                        "Samples available within 7 days.", ""))
    return f"{noun.capitalize()} for wholesale and private label. Specifications: {specs}. {extra}".strip()


def _tiers(rng: random.Random, base: float, moq: int) -> list[dict]:
    tiers = [{"min_qty": moq, "unit_price": round(base, 2 if base >= 0.1 else 4)}]
    qty, price = moq, base
    for _ in range(rng.randint(1, 3)):
        qty = int(qty * rng.choice((2, 3, 5, 10)))
        price = price * rng.uniform(0.82, 0.96)
        tiers.append({"min_qty": qty, "unit_price": round(price, 2 if price >= 0.1 else 4)})
    return tiers


def generate(products: int = 20_000, *, seed: int = 7, batch_size: int = 5_000, suppliers_per_category: int | None = None) -> Iterator[DemoBatch]:
    """Yield the catalog in batches; suppliers come first, in the first batch."""
    rng = random.Random(seed)
    per_cat = suppliers_per_category or max(3, min(36, products // 130))
    suppliers: list[dict] = []
    by_cat: dict[str, list[dict]] = {}
    for cat in CATEGORIES:
        for _ in range(per_cat):
            s = _supplier(rng, len(suppliers), cat)
            suppliers.append(s)
            by_cat.setdefault(cat.key, []).append(s)
    # Some suppliers serve a neighbouring category as well (trading companies).
    for s in rng.sample(suppliers, len(suppliers) // 5):
        other = rng.choice(CATEGORIES).key
        if s not in by_cat[other]:
            by_cat[other].append(s)
            if s["country"] in ("CN", "TW"):
                s["name"] = f"{s['city']} {rng.choice(FIRST_WORDS)}{rng.choice(FIRST_WORDS).lower()} International Trading Co., Ltd."
            else:
                s["name"] = f"{rng.choice(WESTERN_WORDS)} {rng.choice(('Global', 'International', 'Sourcing'))} Trading {s['name'].split()[-1]}"
    first = [{k: v for k, v in s.items() if not k.startswith("_")} for s in suppliers]
    batch = DemoBatch(first, [], [])
    weights = [1.0 + (i % 5) * 0.3 for i in range(len(CATEGORIES))]
    for n in range(products):
        cat = rng.choices(CATEGORIES, weights=weights)[0]
        attrs = _attributes(rng, cat)
        model = _model_number(rng)
        title, lang = _title(rng, cat, attrs, model)
        pid = make_id("prd", SOURCE, f"P{n:07d}")
        prod_certs = [c for c in cat.certs if rng.random() < 0.45]
        batch.products.append({
            "id": pid, "external_id": f"P{n:07d}", "source": SOURCE, "title": title[:500],
            "description": _description(rng, cat, attrs, lang), "brand": None, "model_number": model,
            "attributes": attrs, "category": cat.path, "hs_code": cat.hs, "language": lang, "image_url": None,
            "synthetic": True,
        })
        lo, hi = cat.price
        base = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        for k, sup in enumerate(rng.sample(by_cat[cat.key], k=min(len(by_cat[cat.key]), rng.choices((1, 2, 3, 4, 5), (30, 28, 20, 12, 10))[0]))):
            moq = rng.choice(cat.moq)
            certs = sorted({c for c in prod_certs if rng.random() < 0.85})
            batch.offers.append({
                "id": make_id("off", SOURCE, f"P{n:07d}-{k}"), "external_id": f"P{n:07d}-{k}", "source": SOURCE,
                "product_id": pid, "supplier_id": sup["id"], "currency": "USD",
                "price_tiers": _tiers(rng, base * rng.uniform(0.85, 1.18), moq), "moq": moq,
                "lead_time_days": rng.randint(*cat.lead), "incoterm": _weighted(rng, INCOTERMS),
                "ship_from_port": sup["_port"], "ship_from_country": sup["country"],
                "sample_available": rng.random() < 0.7, "certifications": certs, "synthetic": True,
            })
        if len(batch.products) >= batch_size:
            yield batch
            batch = DemoBatch([], [], [])
    if batch.products or batch.suppliers:
        yield batch
