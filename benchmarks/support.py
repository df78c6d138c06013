"""The support agent on tau-bench's retail tasks: reward, pass^k, policy violations, and a plain tool loop beside it.

    python benchmarks/support.py --tasks ../shared/data/tau-bench-retail/tasks_dev.json --db ../shared/data/tau-bench-retail \
        [--trials K] [--model M] [--protocol oneshot|simulated] [--strategy guided|tools|auto] [--baseline-limit N] [--limit N] [--json]

Each trial of each task gets a fresh copy of the shop in its own workspace. ``oneshot``: the customer's first message
is the task's instruction in the first person (tradewinds.seller.support.evaluation.first_person; a task may carry
its own ``message``, as the translated sets do); every request for confirmation is answered "yes"; any other reply
ends the conversation; at most --max-turns turns. ``simulated``: a user-simulator model through the gateway (task
``support.user``; route it to a served model) writes each customer message from the instruction and the chat so far
(tradewinds.seller.support.evaluation.SimulatedCustomer). The reward is tau-bench's: the customer records after the
conversation equal those after replaying the task's expected write actions on a fresh copy through the same ledger
(checked against tau-bench's own tools in shop_replay.py), and every required output was said. Only ledger actions
change a shop, so the customers compared are the task's, the ones any action touched, and the verified one.
Printed: pass^1..pass^K, accuracy per expected action type, policy violations (judged from the conversation's record,
not by the action types), handoffs, turns and reply latency; then the baseline, a plain tool-calling loop (no code
gates) on the same model and tasks. The model cache is off, so every trial calls the model afresh.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

from tradewinds.accounts import Actor, Role
from tradewinds.actions import ActionLedger, ActionRequest
from tradewinds.actions.schemas import Limits, Policy
from tradewinds.db import open_database
from tradewinds.errors import TradewindsError
from tradewinds.models.gateway import Gateway
from tradewinds.seller.support import SupportAgent
from tradewinds.seller.support.agent import pick_strategy
from tradewinds.seller.support.evaluation import OneShotCustomer, SimulatedCustomer, load_tasks, outputs_said, pass_hat_k, violations
from tradewinds.seller.support.guided import yes_or_no
from tradewinds.seller.support.toolloop import ToolLoopStrategy
from tradewinds.settings import Settings
from tradewinds.shop import ShopRepository
from tradewinds.shop.importers import read_shop
from tradewinds.shop.policy import PolicyStore

BIG = Limits(per_action=Decimal(10 ** 7), per_day=Decimal(10 ** 9), per_counterparty_day=Decimal(10 ** 9),
             per_agent_day=Decimal(10 ** 9), approval_above=None)
OWNER = Actor(kind="user", id="bench", role=Role.owner)


class Bench:
    def __init__(self, db: Path, gateway: Gateway | None) -> None:
        # every trial copies the shop into a workspace of its own: gigabytes over a run, removed with the bench
        self._tmp = tempfile.TemporaryDirectory(prefix="tw-support-", ignore_cleanup_errors=True)
        self.engine = open_database(f"sqlite:///{self._tmp.name}/support.db")
        self.records = read_shop(db)[:4]
        self.ledger, self.policies, self.gateway = ActionLedger(self.engine), PolicyStore(self.engine), gateway
        self.n = 0
        source = self.fresh()
        self.before = ShopRepository(self.engine, source).export_tau()

    def fresh(self) -> str:
        self.n += 1
        ws = f"w{self.n}"
        customers, products, orders, positions = self.records
        ShopRepository(self.engine, ws).write(customers=customers, products=products, orders=orders, order_positions=positions)
        self.ledger.set_policy(ws, Policy(money=BIG, write=Limits(count_per_day=10 ** 6)), OWNER)
        return ws

    def expected(self, task) -> tuple[str, list[dict]]:
        ws = self.fresh()
        agent = Actor(kind="agent", id="replay", role=Role.operator)
        for j, a in enumerate(task.actions):
            try:  # an expected action the shop's rules refuse leaves the shop as it was, as tau-bench's tools do
                self.ledger.submit(ActionRequest(workspace_id=ws, type=a.type, params=a.params, idempotency_key=f"expected-{j}", actor=agent))
            except TradewindsError:
                pass
        return ws, [r.model_dump(mode="json") for r in reversed(self.ledger.list(ws, status="applied"))]

    def owners(self, ws: str) -> set[str]:
        out = set()
        for r in self.ledger.list(ws, status="applied", limit=1000):
            cid = r.params.get("customer_id") or self.before["orders"].get(r.params.get("order_id"), {}).get("user_id")
            if cid:
                out.add(cid)
        return out

    def converse(self, task, strategy, max_turns: int, protocol: str = "oneshot") -> dict:
        ws = self.fresh()
        agent = SupportAgent(self.engine, ws, ledger=self.ledger, policies=self.policies, gateway=self.gateway, strategy=strategy)
        conversation = agent.start(channel="bench")
        customer = SimulatedCustomer(task, self.gateway) if protocol == "simulated" else OneShotCustomer(task)
        message = customer.first()
        replies, latencies, confirmed, handoff = [], [], [], False
        asked_confirmation = False
        for _ in range(max_turns):
            started = time.perf_counter()
            reply = agent.send(conversation.id, message)
            latencies.append(time.perf_counter() - started)
            replies.append(reply.text)
            confirmed += [asked_confirmation and yes_or_no(message) == "yes"] * len(reply.applied)
            handoff = handoff or reply.handoff is not None
            awaiting = reply.awaiting or ("confirmation" if strategy.name == "plain-tools" and "?" in reply.text and not reply.done else None)
            asked_confirmation = awaiting == "confirmation"
            if reply.handoff is not None or (message := customer.next(reply.text, awaiting)) is None:
                break
        writes = [r.model_dump(mode="json") for r in reversed(self.ledger.list(ws, status="applied", limit=1000))]
        state = agent.store.get(conversation.id).state
        return {"ws": ws, "replies": replies, "latencies": latencies, "writes": writes, "turns": len(replies),
                "handoff": handoff, "verified": state.get("customer_id"), "confirmed": confirmed}

    def grade(self, task, run: dict, expected_ws: str, expected_writes: list[dict]) -> dict:
        people = self.owners(run["ws"]) | self.owners(expected_ws) | ({task.user_id} if task.user_id else set())
        people |= {run["verified"]} if run["verified"] else set()
        people = sorted(p for p in people if p in self.before["users"])
        same = ShopRepository(self.engine, run["ws"]).export_tau(people) == ShopRepository(self.engine, expected_ws).export_tau(people)
        said = outputs_said(task.outputs, run["replies"])
        bad = violations(run["writes"], self.before, verified_customer=run["verified"], confirmed=run["confirmed"])
        got = [(w["type"], w["params"]) for w in run["writes"]]
        per_type = [(w["type"], (w["type"], w["params"]) in got) for w in expected_writes]
        return {"reward": int(same and said), "violations": bad, "per_type": per_type}


def run_strategy(bench: Bench, tasks, strategy, trials: int, max_turns: int, progress: str, protocol: str = "oneshot") -> dict:
    successes, per_type, violations_found, handoffs, turns, latencies = [], Counter(), [], 0, [], []
    total = Counter()
    started = time.perf_counter()
    for k, task in enumerate(tasks):
        expected_ws, expected_writes = bench.expected(task)
        wins = 0
        for t in range(trials):
            run = bench.converse(task, strategy, max_turns, protocol)
            g = bench.grade(task, run, expected_ws, expected_writes)
            wins += g["reward"]
            violations_found += [f"task {task.id} trial {t + 1}: {v}" for v in g["violations"]]
            handoffs += run["handoff"]
            turns.append(run["turns"])
            latencies += run["latencies"]
            if t == 0:
                for kind, ok in g["per_type"]:
                    total[kind] += 1
                    per_type[kind] += ok
        successes.append(wins)
        tty = sys.stderr.isatty()
        if tty or (k + 1) % 25 == 0 or k + 1 == len(tasks):
            print(f"{chr(13) if tty else ''}{progress}: {k + 1}/{len(tasks)} tasks, pass^1 so far {sum(successes) / (trials * (k + 1)):.3f}",
                  end="\n" if k + 1 == len(tasks) or not tty else "", file=sys.stderr, flush=True)
    return {"strategy": strategy.name, "tasks": len(tasks), "trials": trials,
            "pass_hat": {k: round(pass_hat_k(successes, trials, k), 3) for k in range(1, trials + 1)},
            "per_action_type": {kind: f"{per_type[kind]}/{total[kind]}" for kind in sorted(total)},
            "violations": len(violations_found), "violation_examples": violations_found[:10],
            "handoffs": handoffs, "turns_median": statistics.median(turns) if turns else 0,
            "reply_s_median": round(statistics.median(latencies), 3) if latencies else 0,
            "reply_s_p95": round(sorted(latencies)[int(0.95 * (len(latencies) - 1))], 3) if latencies else 0,
            "failed_tasks": [task.id for task, s in zip(tasks, successes) if s < trials][:40],
            "seconds": round(time.perf_counter() - started, 1)}


def table(result: dict) -> str:
    hats = "  ".join(f"pass^{k} {v:.3f}" for k, v in result["pass_hat"].items())
    lines = [f"{result['strategy']:12} {result['tasks']} tasks x {result['trials']} trials: {hats}",
             f"{'':12} policy violations {result['violations']}, handoffs {result['handoffs']}, turns median {result['turns_median']}, "
             f"reply {result['reply_s_median']} s median / {result['reply_s_p95']} s p95, {result['seconds']} s in all"]
    lines.append(f"{'':12} expected actions done: " + ", ".join(f"{k} {v}" for k, v in result["per_action_type"].items()))
    lines += [f"{'':12} violation: {v}" for v in result["violation_examples"]]
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=Path, required=True, help="tau-bench tasks_*.json, tau2 tasks.json, or a translated set")
    p.add_argument("--db", type=Path, required=True, help="tau-bench's retail folder (users/orders/products.json) or tau2's db.json")
    p.add_argument("--trials", type=int, default=1)
    p.add_argument("--model", default=None, help="provider:model for the support tasks (default: the settings' route)")
    p.add_argument("--protocol", choices=["oneshot", "simulated"], default="oneshot")
    p.add_argument("--strategy", choices=["auto", "guided", "tools"], default="auto")
    p.add_argument("--limit", type=int, default=0, help="the first N tasks (0: all)")
    p.add_argument("--baseline-limit", type=int, default=10, help="tasks the baseline runs on, one trial (0: none)")
    p.add_argument("--max-turns", type=int, default=30)
    p.add_argument("--translations", type=Path, default=None,
                   help="the same tasks with the customer's message in other languages (benchmarks/data/support_dev_translations.json): "
                        "each language is run too and compared with English")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if not args.tasks.exists() or not args.db.exists():
        print(f"skipped: {args.tasks if not args.tasks.exists() else args.db} not found (tau-bench's retail data lives in "
              "../shared/data/tau-bench-retail; pass --tasks and --db)", file=sys.stderr)
        return 0
    settings = Settings(**({"model_routes": {"default": [args.model]}} if args.model else {}))
    gateway = Gateway(settings, cache=False)
    tasks = load_tasks(args.tasks)
    tasks = tasks[: args.limit] if args.limit else tasks
    translated = json.loads(args.translations.read_text(encoding="utf-8")) if args.translations else None
    if translated:  # the same tasks in every language: the translated ones
        tasks = [t for t in tasks if t.id in translated["tasks"]]
    bench = Bench(args.db, gateway)
    results = [run_strategy(bench, tasks, pick_strategy(args.strategy, gateway), args.trials, args.max_turns, "agent", args.protocol)]
    if translated:
        for lang in translated["languages"]:
            in_lang = [t.model_copy(update={"message": translated["tasks"][t.id][lang]}) for t in tasks if t.id in translated["tasks"]]
            r = run_strategy(bench, in_lang, pick_strategy(args.strategy, gateway), args.trials, args.max_turns, f"agent {lang}",
                             args.protocol)
            r["strategy"] = f"{r['strategy']} {lang}"
            results.append(r)
    if args.baseline_limit:
        results.append(run_strategy(bench, tasks[: args.baseline_limit], ToolLoopStrategy(gated=False), 1, args.max_turns, "baseline",
                                    args.protocol))
    model = args.model or settings.model_routes["default"][0]
    if args.json:
        print(json.dumps({"tasks_file": str(args.tasks), "model": model, "protocol": args.protocol, "results": results}, indent=1))
    else:
        print(f"support benchmark: {args.tasks.name}, model {model}, protocol {args.protocol}")
        for r in results:
            print(table(r))
            if r["failed_tasks"]:
                print(f"{'':12} failed tasks: {', '.join(r['failed_tasks'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
