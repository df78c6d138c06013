"""The shop's action types against tau-bench's retail tasks: does every expected write replay through the ledger?

    python benchmarks/shop_replay.py [--data-dir ../shared/data/tau-bench-retail] [--tasks tasks_dev.json,tasks_train.json] [--limit N]

The shop is imported once (tau-bench's users/orders/products.json) and every task gets a fresh copy in its own
workspace. Each expected write action (cancel, modify address/payment/items, return, exchange, user address) goes
through ActionLedger.submit as an agent would send it, under limits high enough that nothing waits for approval.
Printed per action type: applied, and refused with the rule that refused it. tau-bench's own tools answer some of
its expected actions with an error (a gift card too small for the difference, say), which leaves the shop as it
was; a refusal here is the same outcome only when the rule is the same, so each refusal is listed for reading.
Also: the import and the export round trip (export == source JSON), and their times.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest
from tradewinds.actions.schemas import Limits, Policy
from tradewinds.db import open_database
from tradewinds.errors import TradewindsError
from tradewinds.shop import ShopRepository
from tradewinds.shop.importers import read_shop

TAU_TO_OURS = {"cancel_pending_order": "order.cancel", "modify_pending_order_address": "order.change_address",
               "modify_pending_order_payment": "order.change_payment", "modify_pending_order_items": "order.modify_items",
               "return_delivered_order_items": "order.return", "exchange_delivered_order_items": "order.exchange",
               "modify_user_address": "customer.change_address"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", type=Path, default=Path("../shared/data/tau-bench-retail"))
    p.add_argument("--tasks", default="tasks_dev.json,tasks_train.json")
    p.add_argument("--limit", type=int, default=0, help="tasks per file (0: all)")
    args = p.parse_args()
    if not (args.data_dir / "orders.json").exists():
        print(f"skipped: {args.data_dir} not found (tau-bench's retail shop lives in ../shared/data; pass --data-dir)", file=sys.stderr)
        return 0
    engine = open_database(f"sqlite:///{tempfile.mkdtemp()}/replay.db")
    t0 = time.perf_counter()
    customers, products, orders, positions, errors, _ = read_shop(args.data_dir)
    shop = ShopRepository(engine, "source")
    shop.write(customers=customers, products=products, orders=orders, order_positions=positions)
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    exported = shop.export_tau()
    t_export = time.perf_counter() - t0
    source = {k: json.loads((args.data_dir / f"{k}.json").read_text()) for k in ("users", "orders", "products")}
    print(f"import: {len(customers)} customers, {len(products)} products, {len(orders)} orders, {len(errors)} errors in {t_import:.2f} s; "
          f"export {t_export:.2f} s; export == source: {exported == source}")

    ledger, big = ActionLedger(engine), Limits(per_action=Decimal(10 ** 7), per_day=Decimal(10 ** 9), per_counterparty_day=Decimal(10 ** 9),
                                               per_agent_day=Decimal(10 ** 9), approval_above=None)
    owner, agent = Actor(kind="user", id="bench", role=Role.owner), Actor(kind="agent", id="replay", role=Role.operator)
    for file in args.tasks.split(","):
        tasks = json.loads((args.data_dir / file).read_text())
        tasks = tasks[: args.limit] if args.limit else tasks
        applied, refused, why = Counter(), Counter(), defaultdict(Counter)
        t0 = time.perf_counter()
        for k, task in enumerate(tasks):
            ws = f"{Path(file).stem.replace('_', '-')}-{k}"
            ShopRepository(engine, ws).write(customers=customers, products=products, orders=orders, order_positions=positions)
            ledger.set_policy(ws, Policy(money=big, write=Limits(count_per_day=10 ** 6)), owner)
            for j, action in enumerate(task["actions"]):
                if action["name"] not in TAU_TO_OURS:
                    continue
                kind, params = TAU_TO_OURS[action["name"]], dict(action["kwargs"])
                if "user_id" in params:
                    params["customer_id"] = params.pop("user_id")
                try:
                    record = ledger.submit(ActionRequest(workspace_id=ws, type=kind, params=params, idempotency_key=f"task-{k}-{j}", actor=agent))
                    (applied if record.status == "applied" else refused)[kind] += 1
                except TradewindsError as exc:
                    refused[kind] += 1
                    why[kind][exc.message.split(":")[0][:60] if "gift card" not in exc.message else "gift card too small"] += 1
        seconds = time.perf_counter() - t0
        print(f"\n{file}: {len(tasks)} tasks, {sum(applied.values()) + sum(refused.values())} write actions in {seconds:.0f} s")
        print(f"{'action type':26} {'applied':>8} {'refused':>8}  refused by")
        for kind in sorted(set(applied) | set(refused)):
            print(f"{kind:26} {applied[kind]:8} {refused[kind]:8}  {'; '.join(f'{w} x{n}' for w, n in why[kind].items())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
