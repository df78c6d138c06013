"""Near misses: when MOQ, a price cap, a certification, a country rule or 'verified only' excludes
offers that are the product, say how many, which constraint and what would admit them.

Every offer of the line's kind is read from the catalog (not the search index: counts are exact),
kept when it is the product (the same identity check as scoring), and tested on every hard
constraint: an offer that fails exactly one constraint is a near miss of that constraint.
"""

from __future__ import annotations

from ..catalog.repository import CatalogRepository
from ..trade.pricing import price_at
from .kinds import line_words, same_kind
from .lexicon import concepts
from .schemas import Ledger, LedgerLine, NearMiss
from .score import convert, line_kind


def _fails(r: dict, line: LedgerLine, ledger: Ledger, fx: dict[str, float]) -> tuple[list[str], float | None]:
    """(constraints failed, unit price in the line's currency at the quantity the offer could be bought at)."""
    out = []
    at = price_at([(t["min_qty"], t["unit_price"]) for t in r["price_tiers"]], max(line.quantity, r["moq"]))
    price = None if at is None else convert(at, r["currency"], line.currency, fx)
    if r["moq"] > line.quantity:
        out.append("moq")
    if line.max_unit_price is not None and (price is None or price > line.max_unit_price * (1 + 1e-9)):
        out.append("price")
    held = {c.lower() for c in (r["offer_certifications"] or []) + (r["supplier_certifications"] or [])}
    if any(c.lower() not in held for c in line.certifications):
        out.append("certification")
    country = r["supplier_country"]
    if (ledger.supplier_countries and country not in ledger.supplier_countries) or country in ledger.exclude_countries:
        out.append("country")
    if ledger.verified_only and not r["verified"]:
        out.append("verified")
    return out, price


def near_misses(line: LedgerLine, ledger: Ledger, repo: CatalogRepository, fx: dict[str, float]) -> list[NearMiss]:
    if not line.categories:
        return []
    kind = line_kind(line)
    concept = concepts().get(line.concept) if line.concept else None
    single: dict[str, list[tuple[dict, float | None]]] = {}
    for r in repo.offers_in_categories(line.categories):
        if not same_kind(kind, line_words(concept, r["language"], line.native) + [line.name], r["title"], r["language"], r["category"])[0]:
            continue
        fails, price = _fails(r, line, ledger, fx)
        if len(fails) == 1:
            single.setdefault(fails[0], []).append((r, price))
    what = line.concept or line.name
    out = []
    for constraint, found in single.items():
        n, ids = len(found), [r["id"] for r, _ in found[:5]]
        offers = f"{n} offer{'s' if n > 1 else ''} of {what}"
        if constraint == "moq":
            low = min(r["moq"] for r, _ in found)
            msg, admit = f"{offers} exist, but their MOQ is {low:,} or more > {line.quantity:,}", f"order at least {low:,}, or ask for a sample order"
        elif constraint == "price":
            prices = [p for _, p in found if p is not None]
            msg = f"{offers} exist above the unit price cap of {line.max_unit_price:g} {line.currency}"
            admit = f"a cap of {min(prices):,.2f} {line.currency} would admit the cheapest" if prices else "raise the cap"
        elif constraint == "certification":
            msg = f"{offers} exist without {', '.join(line.certifications)} on record"
            admit = "ask these suppliers for the certificates, or drop the requirement"
        elif constraint == "country":
            countries = sorted({r["supplier_country"] for r, _ in found})
            msg, admit = f"{offers} exist from suppliers in {', '.join(countries)}", "allow suppliers from these countries"
        else:
            msg, admit = f"{offers} exist from suppliers that are not verified", "allow unverified suppliers, or ask for an audit"
        out.append(NearMiss(constraint=constraint, offers=n, message=msg, admit=admit, offer_ids=ids))
    return sorted(out, key=lambda x: -x.offers)
