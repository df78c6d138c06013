"""The price of an offer at a quantity, from its price tiers: the one implementation everything uses (search results,
scoring, grounding checks, near misses, pages); the column store holds a vectorised copy of the same rule."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Tier(Protocol):
    min_qty: int
    unit_price: float


def price_at(tiers: Iterable[Tier | tuple[int, float]], quantity: int) -> float | None:
    """Unit price of the highest tier whose min_qty <= quantity; None below the first tier.
    Tiers as objects with ``min_qty`` and ``unit_price`` or as ``(min_qty, unit_price)`` pairs, in any order."""
    pairs = sorted((t if isinstance(t, tuple) else (t.min_qty, t.unit_price)) for t in tiers)
    price = None
    for min_qty, unit_price in pairs:
        if min_qty <= quantity:
            price = unit_price
    return price
