from collections import Counter

from tradewinds.catalog.demo.generator import generate
from tradewinds.catalog.schemas import Offer, Product, Supplier


def _all(n, seed=7):
    sup, prod, off = [], [], []
    for b in generate(n, seed=seed):
        sup += b.suppliers
        prod += b.products
        off += b.offers
    return sup, prod, off


def test_same_seed_same_catalog_other_seed_other_catalog():
    a, b, c = _all(300), _all(300), _all(300, seed=8)
    assert [p["title"] for p in a[1]] == [p["title"] for p in b[1]]
    assert [o["price_tiers"] for o in a[2]] == [o["price_tiers"] for o in b[2]]
    assert [p["title"] for p in a[1]] != [p["title"] for p in c[1]]


def test_breadth_realism_and_validity():
    sups, prods, offs = _all(5000)
    assert len({p["hs_code"][:2] for p in prods}) >= 40
    assert len(sups) >= 1500 and len({s["country"] for s in sups}) >= 15
    per_product = Counter(o["product_id"] for o in offs)
    assert set(per_product.values()) <= {1, 2, 3, 4, 5} and len(per_product) == len(prods)
    langs = Counter(p["language"] for p in prods)
    assert langs["zh"] > 100 and langs["es"] > 100 and langs["en"] > 3000
    assert all(p["synthetic"] for p in prods) and all(s["synthetic"] for s in sups) and all(o["synthetic"] for o in offs)
    titles = [p["title"] for p in prods]
    assert len(set(titles)) > 0.95 * len(titles)
    # Every record passes the same validation as imported data.
    for s in sups[:300]:
        Supplier.model_validate({k: v for k, v in s.items()})
    for p in prods[:500]:
        Product.model_validate(p)
    for o in offs[:500]:
        offer = Offer.model_validate(o)
        prices = [t.unit_price for t in offer.price_tiers]
        assert prices == sorted(prices, reverse=True) and offer.price_tiers[0].min_qty == offer.moq
