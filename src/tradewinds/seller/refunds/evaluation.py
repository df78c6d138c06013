"""The refund benchmark's measures (benchmarks/refunds.py), kept here so tests can show each one failing.

``outside_policy`` reads the written rules again, on its own, rather than asking the agent's rule layer: a decision
the agent lets through by mistake is caught here, not agreed with.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from .agent import RefundAgent
from .learn import LearnedPolicy
from .policy import RefundRules
from .schemas import REFUNDING, PastDecision, RefundCase


def outside_policy(case: RefundCase, decision: str, amount: Decimal, rules: RefundRules, refunded_before: bool = False) -> list[str]:
    """Which written rules a decision breaks, read independently of the agent."""
    out = []
    if amount > case.item_price - (case.already_refunded or 0):
        out.append("more than was paid")
    if decision not in REFUNDING and decision != "exchange":
        return out
    if refunded_before and decision in REFUNDING:
        out.append("refunded twice")
    if case.delivery_status != "delivered" or case.days_since_delivery is None:
        return out
    cat = (case.category or "").lower()
    matching = [r for r in rules.exceptions if cat.startswith(r.category.lower())]
    rule = max(matching, key=lambda r: len(r.category), default=None)
    if case.reason in ("changed_mind", "size_fit"):
        if rule is not None and not rule.returnable:
            out.append("category not returnable")
        elif case.days_since_delivery > (rule.return_window_days if rule and rule.return_window_days is not None else rules.return_window_days):
            out.append("past the return window")
    elif case.reason != "not_received" and case.days_since_delivery > rules.claim_window_days:
        out.append("past the claim window")
    return out


def risk_coverage(confidence: np.ndarray, right: np.ndarray) -> tuple[dict[int, float], float]:
    """Accuracy on the most confident 100/90/80% of cases, and the area under the risk–coverage curve (the mean
    error rate of the k most confident, over every k: lower is better)."""
    order = np.argsort(-confidence, kind="stable")
    r = right[order].astype(float)
    n = len(r)
    acc_at = {pct: float(r[: max(1, int(round(n * pct / 100)))].mean()) for pct in (100, 90, 80)}
    aurc = float((1 - np.cumsum(r) / np.arange(1, n + 1)).mean())
    return acc_at, aurc


@dataclass
class Scores:
    name: str
    cases: int
    accuracy: float                      # every case, the decision made (an escalation counts as wrong)
    decided: int                         # cases not escalated
    accuracy_decided: float              # accuracy on those
    coverage: float
    amount_error: float                  # mean |amount - truth| / item price, on decided cases
    outside_policy: int
    acc_at: dict[int, float] = field(default_factory=dict)
    aurc: float | None = None
    ms_per_case: float | None = None
    by_source: dict[str, int] = field(default_factory=dict)


def _amount_error(pairs) -> float:
    errs = [abs(float(a - c.refund_amount)) / float(c.item_price) for a, c in pairs if c.item_price]
    return float(np.mean(errs)) if errs else 0.0


def score(name: str, truth: list[PastDecision], decisions: list[tuple[str, Decimal]], rules: RefundRules, *,
          confidence: np.ndarray | None = None, ms: float | None = None, sources: list[str] | None = None) -> Scores:
    right = np.array([d == c.decision for (d, _), c in zip(decisions, truth)])
    decided = [(i, d, a) for i, (d, a) in enumerate(decisions) if d != "escalate"]
    acc_decided = float(np.mean([decisions[i][0] == truth[i].decision for i, _, _ in decided])) if decided else 0.0
    seen: set[tuple[str, str]] = set()
    outside = 0
    for (d, a), c in zip(decisions, truth):
        key = (c.order_id, c.item_id) if c.order_id and c.item_id else None
        outside += bool(outside_policy(c, d, a, rules, refunded_before=key in seen))
        if key and d in REFUNDING:
            seen.add(key)
    s = Scores(name=name, cases=len(truth), accuracy=float(right.mean()), decided=len(decided), accuracy_decided=acc_decided,
               coverage=len(decided) / len(truth), amount_error=_amount_error([(a, truth[i]) for i, _, a in decided]), outside_policy=outside,
               ms_per_case=ms, by_source=dict(Counter(sources or [])))
    if confidence is not None:
        s.acc_at, s.aurc = risk_coverage(confidence, right)
    return s


def run_policy(history: list[PastDecision], cases: list[PastDecision], rules: RefundRules, *, target: float = 0.95,
               progress: Callable[[str], None] = lambda _: None) -> tuple[list[Scores], dict]:
    """Learn on ``history``, decide ``cases``; the learned agent and the two baselines, scored alike."""
    t0 = time.perf_counter()
    policy = LearnedPolicy.learn(history, target_accuracy=target)
    learn_s = time.perf_counter() - t0
    progress(f"learned in {learn_s:.1f} s; threshold {policy.threshold:.3f}")
    agent = RefundAgent(policy, rules)
    t0 = time.perf_counter()
    made = agent.decide(cases)
    ms = (time.perf_counter() - t0) * 1000 / len(cases)
    # accuracy at a coverage ranks every case by the learned policy's confidence in what it would decide
    predicted = [(m.predicted if m.source in ("model", "abuse") and m.decision == "escalate" else m.decision, m.refund_amount) for m in made]
    conf = np.array([m.confidence for m in made])
    learned = score("learned", cases, [(m.decision, m.refund_amount) for m in made], rules, confidence=conf, ms=ms,
                    sources=[m.source for m in made])
    ranked = score("learned, every case", cases, predicted, rules, confidence=conf)
    learned.acc_at, learned.aurc = ranked.acc_at, ranked.aurc
    rules_only = score("written rules only", cases, [rules.rules_only(c) for c in cases], rules)
    majority, _ = Counter(d.decision for d in history).most_common(1)[0]
    share = float(np.median([float(d.refund_amount / d.item_price) for d in history if d.decision == majority and d.item_price] or [0]))
    base = score("majority decision", cases, [(majority, (c.item_price * Decimal(str(share))).quantize(Decimal("0.01")) if majority in REFUNDING else Decimal(0))
                                               for c in cases], rules)
    return [learned, rules_only, base], {"learn_s": learn_s, **policy.summary()}
