"""A case as numbers for the learned policy, and the groups of columns that stand for one fact of the case (what an
explanation names). Unknown values stay unknown (NaN): the trees learn where an unknown goes."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from ...trade.fx import default_rates
from .schemas import DELIVERY, REASONS, RefundCase

NAN = float("nan")


def usd(case: RefundCase, amount) -> float:
    """An amount of the case's currency in US dollars (reference rates; NaN without one): price thresholds are the
    same across currencies."""
    rate = default_rates().get(case.currency)
    return NAN if amount is None or rate is None else float(amount) * rate


def _num(v) -> float:
    return NAN if v is None else float(v)


class Featurizer:
    """Columns learned from a history (the categories it saw); the same columns for every case decided later."""

    def __init__(self, categories: Sequence[str], tops: Sequence[str]) -> None:
        self.categories, self.tops = list(categories), list(tops)
        self.groups: dict[str, list[int]] = {}
        names: list[str] = []

        def add(group: str, *cols: str) -> None:
            self.groups[group] = list(range(len(names), len(names) + len(cols)))
            names.extend(cols)

        add("reason", *(f"reason={r}" for r in REASONS))
        add("delivery_status", *(f"status={s}" for s in DELIVERY))
        add("category", *(f"category={c}" for c in self.categories), *(f"top={t}" for t in self.tops))
        add("item_price", "price_usd", "log_price_usd")
        add("return_shipping_cost", "return_shipping_usd", "return_shipping_share")
        add("order_total", "order_total_usd", "item_share_of_order")
        add("days_since_delivery", "days_since_delivery")
        add("tracking_signed", "tracking_signed")
        add("evidence_photos", "evidence_photos")
        add("buyer_history", "buyer_orders", "buyer_refunds", "buyer_refund_rate")
        self.names = names

    @classmethod
    def learn(cls, cases: Sequence[RefundCase], min_count: int = 5) -> Featurizer:
        cats = Counter(c.category for c in cases if c.category)
        tops = Counter(c.category.split(">")[0].strip() for c in cases if c.category)
        return cls(sorted(k for k, n in cats.items() if n >= min_count), sorted(k for k, n in tops.items() if n >= min_count))

    def row(self, c: RefundCase) -> list[float]:
        out = [float(c.reason == r) for r in REASONS]
        out += [NAN] * len(DELIVERY) if c.delivery_status is None else [float(c.delivery_status == s) for s in DELIVERY]
        top = c.category.split(">")[0].strip() if c.category else None
        out += [NAN if c.category is None else float(c.category == k) for k in self.categories]
        out += [NAN if top is None else float(top == t) for t in self.tops]
        price = usd(c, c.item_price)
        ship = usd(c, c.return_shipping_cost)
        total = usd(c, c.order_total)
        out += [price, math.log1p(price) if not math.isnan(price) else NAN]
        out += [ship, ship / price if price > 0 else NAN]
        out += [total, price / total if total and total > 0 else NAN]
        out += [NAN if c.days_since_delivery is None or c.delivery_status != "delivered" else float(c.days_since_delivery)]
        out += [NAN if c.tracking_signed is None else float(c.tracking_signed)]
        out += [_num(c.evidence_photos)]
        orders, refunds = _num(c.buyer_orders), _num(c.buyer_refunds)
        out += [orders, refunds, refunds / orders if orders and orders > 0 else (NAN if math.isnan(refunds) else 0.0)]
        return out

    def matrix(self, cases: Sequence[RefundCase]) -> np.ndarray:
        return np.array([self.row(c) for c in cases], dtype=float).reshape(len(cases), len(self.names))

    def state(self) -> dict:
        return {"categories": self.categories, "tops": self.tops}
