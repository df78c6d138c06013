"""The refund agent: learn a merchant's policy from past decisions, decide new cases, compare with the written rules.

    python benchmarks/refunds.py                                   # every generator policy, train seed 1, test seed 2
    python benchmarks/refunds.py --policy heldout                  # the held-out merchant (train seed 1000, test 1001)
    python benchmarks/refunds.py --history past.csv --cases new.csv [--rules rules.json] [--json]

Histories from the generator (``tradewinds.seller.refunds.demo``) are synthetic: four merchant policies used while
building the agent, and ``heldout``, whose rules were written with the generator before the learning code and which
is measured, never tuned on. Each policy is learned from one seed and tested on another (other buyers, other staff
jitter, other label noise). Printed per policy: the learned agent at its chosen threshold (coverage, accuracy on
what it decides alone, the refund-amount error as a share of the item price), accuracy at 100/90/80% coverage and
the area under the risk–coverage curve, decisions outside the written rules (read independently of the agent), and
the two baselines on the same cases: the written rules alone, and the majority decision.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tradewinds.seller.refunds.cases import read_history
from tradewinds.seller.refunds.demo import DEV, POLICIES, WRITTEN, history
from tradewinds.seller.refunds.evaluation import run_policy
from tradewinds.seller.refunds.policy import RefundRules

SEEDS = {"heldout": (1000, 1001)}


def _row(s) -> str:
    at = " ".join(f"{s.acc_at.get(k, float('nan')):.3f}" for k in (100, 90, 80)) if s.acc_at else "    -       -       -  "
    aurc = f"{s.aurc:.4f}" if s.aurc is not None else "   -  "
    ms = f"{s.ms_per_case:.1f}" if s.ms_per_case is not None else "-"
    return (f"  {s.name:<20} {s.coverage:>8.3f} {s.accuracy_decided:>8.3f} {s.accuracy:>8.3f} {s.amount_error:>8.4f}   {at}   {aurc}"
            f" {s.outside_policy:>8} {ms:>7}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", default="dev", help="dev (the four development policies), heldout, all, or one policy name")
    p.add_argument("--history", type=Path, help="a CSV of past decisions (docs/refunds.md) instead of the generator")
    p.add_argument("--cases", type=Path, help="a CSV of decided cases to test on (with --history)")
    p.add_argument("--rules", type=Path, help="the merchant's written rules as JSON (RefundRules); default its defaults")
    p.add_argument("--rows", type=int, default=3000, help="past decisions to learn from (generator)")
    p.add_argument("--test-rows", type=int, default=2000)
    p.add_argument("--target", type=float, default=0.95, help="the accuracy the abstention threshold is chosen for")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    runs = []
    if a.history or a.cases:
        if not (a.history and a.cases):
            p.error("--history and --cases go together")
        rules = RefundRules.model_validate_json(a.rules.read_text()) if a.rules else RefundRules()
        runs.append((a.history.name, read_history(a.history), read_history(a.cases), rules))
    else:
        names = {"dev": DEV, "all": (*DEV, "heldout")}.get(a.policy, (a.policy,))
        for name in names:
            if name not in POLICIES:
                p.error(f"unknown policy {name!r}: one of {', '.join(POLICIES)}, dev or all")
            train, test = SEEDS.get(name, (1, 2))
            runs.append((f"{name} (seeds {train}->{test})", history(name, a.rows, seed=train), history(name, a.test_rows, seed=test), WRITTEN[name]))
    results = []
    if not a.json:
        print("refund benchmark: learn on past decisions, decide new cases (synthetic generator histories unless --history)")
    for label, past, cases, rules in runs:
        scores, info = run_policy(past, cases, rules, target=a.target)
        results.append({"policy": label, "history": len(past), "cases": len(cases), "fit": info, "scores": [s.__dict__ for s in scores]})
        if a.json:
            continue
        learned, rules_only, _ = scores
        print(f"\n{label}: {len(past)} past decisions, {len(cases)} new cases; learned in {info['learn_s']:.1f} s, "
              f"threshold {info['threshold']:.3f} (out-of-fold coverage {info['coverage']:.3f} at accuracy {info['accuracy_at_threshold']:.3f})")
        print(f"  {'':<20} {'coverage':>8} {'acc':>8} {'acc all':>8} {'amt err':>8}   acc@100 @90  @80    AURC  outside  ms/case")
        for s in scores:
            print(_row(s))
        print(f"  learned - rules only: {100 * (learned.accuracy - rules_only.accuracy):+.1f} points (every case; an escalation counts as wrong)"
              f"; decided by {', '.join(f'{k} {v}' for k, v in sorted(learned.by_source.items()))}")
    if a.json:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
