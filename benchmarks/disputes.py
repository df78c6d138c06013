"""Chargeback defense on generated disputes over the demo shop, whose truth the generator knows.

    python benchmarks/disputes.py [--seed N] [--disputes 200] [--json]

Each run builds the demo shop (seeded) in a temporary database, generates disputes with ``seller.disputes.demo``
(the scenario drawn first, the network code from the generator's own table, noise: missing codes, brands spelled
differently; Visa 10.4 cases with earlier orders that meet CE 3.0 or miss it in one way; IP addresses, conversations
and twin orders present or not), then prepares every response in order of urgency, as the desk does. Printed:

- routing accuracy, beside a baseline that routes by Stripe's reason alone;
- Visa CE 3.0 eligibility accuracy on the 10.4 disputes;
- the share of the category's required evidence fields filled, of those the shop holds the data for (and fields
  filled without the data: must be 0);
- letters with an uncited or unsupported claim (the grounding check: target 0);
- deadlines missed: a pack finished after its dispute's ``due_by`` (disputes that arrived already overdue are
  counted apart);
- the time per dispute pack (prepare + PDF), median and p95.

Seeds 1-3 were used while building; seed 1001 is the held-out run (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from tradewinds.db import open_database
from tradewinds.seller.disputes.demo import generate
from tradewinds.seller.disputes.routing import STRIPE_REASONS
from tradewinds.seller.disputes.service import Disputes
from tradewinds.shop import ShopRepository
from tradewinds.shop.conversations import ConversationStore
from tradewinds.shop.demo import demo_shop


def fillable(field: str, truth, order, talked: set[str]) -> bool:
    """Whether the shop holds what a field needs: what the generator put there, and the customers with a conversation
    (read from the store, not from the evidence code)."""
    shipped = bool(order.shipments) and any(e.status in ("picked_up", "in_transit") for s in order.shipments for e in s.events)
    return {"customer_purchase_ip": "ip" in truth.has, "customer_communication": order.customer_id in talked,
            "duplicate_charge_id": "twin" in truth.has, "duplicate_charge_explanation": "twin" in truth.has,
            "shipping_carrier": bool(order.shipments), "shipping_tracking_number": any(s.tracking_numbers for s in order.shipments),
            "shipping_documentation": bool(order.shipments), "shipping_date": shipped}.get(field, True)


def run(seed: int, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'disputes.db'}")
        shop = ShopRepository(engine, "bench")
        people, products, orders = demo_shop(max(120, n), seed=seed)
        shop.write(customers=people, products=products, orders=orders)
        now = datetime.now(UTC)
        pairs = generate(shop, ConversationStore(engine, "bench"), n, seed=seed, now=now)
        desk = Disputes(engine, "bench")
        for d, _ in pairs:
            desk.store.put(d)
        truth = {d.id: t for d, t in pairs if t is not None}
        talks = ConversationStore(engine, "bench")
        talked = {c.customer_id for c in talks.list(limit=100_000) if c.customer_id and talks.messages(c.id)}
        routed = reason_only = ce3_n = ce3_right = 0
        have = filled = unfounded = 0
        ungrounded, missed, overdue, times = 0, 0, 0, []
        by_category = Counter()
        for d in desk.by_urgency():
            t = truth.get(d.id)
            if t is None:
                continue
            start = time.perf_counter()
            p = desk.prepare(d.id)
            desk.write_pack(p, Path(tmp) / "packs", ("pdf",))
            times.append(time.perf_counter() - start)
            due = datetime.fromisoformat(d.due_by) if d.due_by else None
            if due is not None and due <= now:
                overdue += 1
            elif due is not None and datetime.now(UTC) > due:
                missed += 1
            routed += p.route.category == t.category
            reason_only += (STRIPE_REASONS.get(d.reason) or "not_as_described") == t.category
            by_category[t.category] += 1
            if t.ce3_applicable:
                ce3_n += 1
                ce3_right += p.evidence.ce3.eligible == t.ce3_eligible
            order = shop.order(d.order_id)
            for f in p.evidence.required:
                can, did = fillable(f, t, order, talked), f in p.evidence.filled
                have += can
                filled += can and did
                unfounded += did and not can
            ungrounded += bool(p.problems)
        k = len(times)
        return {"seed": seed, "disputes": k, "categories": dict(by_category), "routing_accuracy": routed / k, "reason_only_accuracy": reason_only / k,
                "ce3_cases": ce3_n, "ce3_accuracy": ce3_right / ce3_n if ce3_n else None, "evidence_filled": filled / have if have else None,
                "filled_without_data": unfounded, "letters_with_unsupported_claims": ungrounded, "deadlines_missed": missed,
                "arrived_overdue": overdue, "pack_s_median": statistics.median(times), "pack_s_p95": sorted(times)[int(0.95 * (k - 1))]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, action="append", help="generator seed (again for more); default 1, 2, 3")
    p.add_argument("--disputes", type=int, default=200)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    results = [run(seed, a.disputes) for seed in (a.seed or [1, 2, 3])]
    if a.json:
        print(json.dumps(results, indent=2))
        return 0
    print("dispute benchmark: generated disputes over the demo shop (synthetic), prepared by urgency")
    print(f"{'seed':>6} {'n':>4} {'routing':>8} {'reason':>7} {'CE3 n':>6} {'CE3 acc':>8} {'fields':>7} {'no data':>8} {'unsupp.':>8} "
          f"{'missed':>7} {'overdue':>8} {'pack s p50':>11} {'p95':>6}")
    for r in results:
        print(f"{r['seed']:>6} {r['disputes']:>4} {r['routing_accuracy']:>8.3f} {r['reason_only_accuracy']:>7.3f} {r['ce3_cases']:>6} "
              f"{(r['ce3_accuracy'] if r['ce3_accuracy'] is not None else float('nan')):>8.3f} {r['evidence_filled']:>7.3f} {r['filled_without_data']:>8} "
              f"{r['letters_with_unsupported_claims']:>8} {r['deadlines_missed']:>7} {r['arrived_overdue']:>8} {r['pack_s_median']:>11.3f} {r['pack_s_p95']:>6.3f}")
    print("routing: by network code and reason; reason: the baseline by Stripe's reason alone; fields: required evidence fields filled,"
          " of those the shop has data for; no data: filled without it; unsupp.: letters failing the grounding check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
