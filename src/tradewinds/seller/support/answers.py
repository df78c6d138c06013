"""Product questions answered from the shop's records, never from a model: how many options a product has now,
which values an option comes in, whether it comes in one, the cheapest one available, an attribute of the product,
and what the customer's own items of it are. A question the records cannot answer gets "I don't know" and an offer
to ask the merchant (``guided.py`` says it), never an invented spec.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ...shop.schemas import Order, Product
from . import cues
from .matching import _has, _ordered_values, norm, option_hits, product_mentions

MAX_LISTED = 12


class _Named:
    """A shop product as ``product_mentions`` takes an item: its id and name."""

    def __init__(self, product: Product) -> None:
        self.product_id, self.name, self.options = product.id, product.name, {}


def named_products(text: str, products: list[Product]) -> list[Product]:
    """The shop's products a question names ('how many tshirt options', 'la Mechanical Keyboard más barata')."""
    by_id = {p.id: p for p in products}
    seen = dict.fromkeys(m.product_id for m in product_mentions(norm(text), [_Named(p) for p in products]))
    return [by_id[pid] for pid in seen][:3]


def answer(text: str, products: list[Product], say: Callable[..., str], orders: list[Order] = ()) -> list[str]:
    """What the records say to a product question, one line per fact; [] when they say nothing to it."""
    said = norm(text)
    lines: list[str] = []
    for product in named_products(text, products):
        available = [v for v in product.variants if v.available]
        options = sorted({k for v in product.variants for k in v.options})
        asked = [o for o in options if _has(norm(o), said) or _has(norm(o) + "s", said)]
        values = {o: [v for v, _ in found] for o, found in option_hits(said, product).items()}
        if cues.present("cheapest", said) and available:
            v = min(available, key=lambda x: x.price)
            lines.append(say("product_cheapest", product=product.name, price=_money(v.price, v.currency),
                             options=", ".join(v.options.values())))
        elif asked:
            for option in asked:
                seen = _in_order({v.options[option] for v in available if option in v.options})
                lines.append(say("product_values", product=product.name, option=option, values=", ".join(seen[:MAX_LISTED])))
        elif values:
            for option, wanted in values.items():
                for value in wanted:
                    has = any(v.options.get(option) == value for v in available)
                    others = _in_order({v.options[option] for v in available if option in v.options})
                    lines.append(say("product_has" if has else "product_has_not", product=product.name, value=value,
                                     values=", ".join(others[:MAX_LISTED])))
        else:
            attribute = next((k for k in product.attributes if _has(norm(k), said)), None)
            if attribute is not None:
                lines.append(say("product_fact", product=product.name, attribute=attribute, value=product.attributes[attribute]))
            elif cues.present("product_question", said):
                listed = "; ".join(", ".join(v.options.values()) for v in available[:MAX_LISTED])
                lines.append(say("product_count", product=product.name, count=len(available), choices=listed))
        for order in orders if cues.present("mine", said) else ():  # 'which t-shirts did I order, what material are they'
            for item in order.items:
                if item.product_id == product.id:
                    lines.append(say("item_fact", order=order.id, product=item.name, options=", ".join(
                        f"{k} {v}" for k, v in item.options.items())))
    return lines


def _in_order(values: set[str]) -> list[str]:
    """Sizes and numbers smallest first ('1L, 1.5L', 'S, M, L'), anything else alphabetically."""
    return _ordered_values(sorted(values)) or sorted(values)


def _money(amount: Decimal, currency: str) -> str:
    return f"{Decimal(amount):.2f} {currency}"
