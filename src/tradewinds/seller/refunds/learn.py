"""The policy learned from a merchant's past decisions: what its people would decide for a case, and how much.

One classifier (scikit-learn's histogram gradient-boosted trees) predicts a decision together with its amount rule
(``refund_with_return|less_shipping``, ``partial_refund|share:0.30``): the rules are found in the history itself (the
full price, the price less the return shipping, the shares the merchant gives often), so an amount is the merchant's
own arithmetic, never a regression's guess. Confidence is the top probability calibrated on out-of-fold
predictions (isotonic regression of "was the top label right"), and the abstention threshold is the lowest
confidence at which the out-of-fold decisions reach the target accuracy: below it the case goes to a person.
Each decision is explained by its strongest factors: how much the decided label's probability falls when one fact
of the case is set to its typical value.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import BadInputError, NotFoundError
from ...files import atomic_write
from .features import Featurizer, usd
from .schemas import REFUNDING, Factor, PastDecision, RefundCase, quantum

MIN_HISTORY = 50
BACKGROUND = 24  # past cases an explanation compares with
VERSION = 1


def amount_rule(d: PastDecision) -> str:
    """The arithmetic behind a past amount: ``none``, ``full``, ``less_shipping`` or ``share:<s>``."""
    if d.decision not in REFUNDING:
        return "none"
    q = quantum(d.currency)
    if abs(d.refund_amount - d.refundable) <= q:
        return "full"
    if d.return_shipping_cost and abs(d.refund_amount - max(Decimal(0), d.item_price - d.return_shipping_cost)) <= q:
        return "less_shipping"
    share = float(d.refund_amount / d.item_price) if d.item_price else 0.0
    return f"share:{round(share, 2):.2f}"


def apply_rule(case: RefundCase, rule: str) -> Decimal | None:
    """The amount a rule gives for a case (never more than is refundable); None when the case lacks what it needs."""
    if rule == "none":
        return Decimal(0)
    if rule == "full":
        amount = case.refundable
    elif rule == "less_shipping":
        if case.return_shipping_cost is None:
            return None
        amount = case.item_price - case.return_shipping_cost
    else:
        amount = (case.item_price * Decimal(rule.split(":", 1)[1])).quantize(quantum(case.currency), rounding=ROUND_HALF_UP)
    return min(max(Decimal(0), amount), case.refundable)


def _labels(history: list[PastDecision]) -> list[str]:
    raw = [amount_rule(d) for d in history]
    shares = Counter(r for r in raw if r.startswith("share:"))
    refunding = sum(1 for d in history if d.decision in REFUNDING)
    kept = {r for r, n in shares.items() if n >= max(5, 0.01 * refunding)}
    kept_values = sorted(float(r.split(":")[1]) for r in kept)

    def snap(rule: str) -> str:  # a rare share joins the nearest common one (or counts as the full price)
        if not rule.startswith("share:") or rule in kept:
            return rule
        if not kept_values:
            return "full"
        s = float(rule.split(":")[1])
        return f"share:{min(kept_values, key=lambda k: abs(k - s)):.2f}"

    return [f"{d.decision}|{snap(r)}" for d, r in zip(history, raw)]


def _classifier(seed: int):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, max_leaf_nodes=31, l2_regularization=1.0,
                                          early_stopping=True, validation_fraction=0.15, n_iter_no_change=20, random_state=seed)


@dataclass
class Fit:
    """How the learned policy did on the history, out of fold (decisions it never saw while learning)."""

    rows: int
    labels: dict[str, int]
    accuracy: float
    threshold: float
    coverage: float
    accuracy_at_threshold: float
    target: float


class LearnedPolicy:
    def __init__(self, featurizer: Featurizer, model, calibrator, threshold: float, fit: Fit, background: np.ndarray, meta: dict) -> None:
        self.featurizer, self.model, self.calibrator = featurizer, model, calibrator
        self.threshold, self.fit, self.background, self.meta = threshold, fit, background, meta

    # learning ----------------------------------------------------------------------------------------------------
    @classmethod
    def learn(cls, history: list[PastDecision], *, target_accuracy: float = 0.95, folds: int = 5, seed: int = 0,
              source: str = "") -> LearnedPolicy:
        """Learn from past decisions. ``target_accuracy``: the accuracy the decisions the agent makes alone must
        reach on decisions it did not learn from; the threshold is chosen for it."""
        from sklearn.isotonic import IsotonicRegression
        from sklearn.model_selection import KFold

        history = [d for d in history if d.decision != "escalate"]  # a person passing a case on teaches no decision
        if len(history) < MIN_HISTORY:
            raise BadInputError(f"a history of {len(history)} decided case(s) is too short to learn a policy from",
                                hint=f"give at least {MIN_HISTORY} past decisions (a few hundred or more is better)")
        featurizer = Featurizer.learn(history)
        X = featurizer.matrix(history)
        y = np.array(_labels(history))
        if len(set(y)) < 2:
            raise BadInputError(f"every past decision in the history is {y[0]!r}: there is nothing to learn",
                                hint="give a history with more than one kind of decision")
        oof_top = np.zeros(len(y))
        oof_right = np.zeros(len(y), dtype=bool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a fold without one of the rare labels is expected
            for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(X):
                m = _classifier(seed).fit(X[train], y[train])
                p = m.predict_proba(X[test])
                oof_top[test] = p.max(axis=1)
                oof_right[test] = m.classes_[p.argmax(axis=1)] == y[test]
            model = _classifier(seed).fit(X, y)
        calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof_top, oof_right.astype(float))
        conf = calibrator.predict(oof_top)
        threshold, coverage, acc = choose_threshold(conf, oof_right, target_accuracy)
        fit = Fit(rows=len(y), labels=dict(Counter(y.tolist()).most_common()), accuracy=float(oof_right.mean()), threshold=threshold,
                  coverage=coverage, accuracy_at_threshold=acc, target=target_accuracy)
        meta = {"version": VERSION, "learned_at": datetime.now(UTC).isoformat(timespec="seconds"), "source": source,
                "history_sha256": hashlib.sha256("\n".join(d.model_dump_json() for d in history).encode()).hexdigest()}
        background = X[np.random.default_rng(seed).choice(len(X), size=min(BACKGROUND, len(X)), replace=False)]
        return cls(featurizer, model, calibrator, threshold, fit, background, meta)

    # deciding ----------------------------------------------------------------------------------------------------
    def predict(self, cases: list[RefundCase]) -> list[tuple[str, str, float, dict[str, float]]]:
        """Per case: (decision, amount rule, calibrated confidence, probability of each label)."""
        if not cases:
            return []
        P = self.model.predict_proba(self.featurizer.matrix(cases))
        conf = self.calibrator.predict(P.max(axis=1))
        out = []
        for p, c in zip(P, conf):
            label = self.model.classes_[p.argmax()]
            decision, rule = label.split("|", 1)
            out.append((decision, rule, float(c), {k: float(v) for k, v in zip(self.model.classes_, p)}))
        return out

    def explain(self, case: RefundCase, label: str, top: int = 3) -> list[Factor]:
        """The case's facts that most raised the probability of ``label``. A fact's weight is the mean of two
        readings against past cases drawn from the history (a two-point Shapley estimate): how much the probability
        falls when that fact alone takes the past cases' values, and how much it rises when that fact alone is put
        into the past cases. The first misses facts that each suffice alone (a late claim *and* no photos), the
        second facts that only act together."""
        x = np.array(self.featurizer.row(case))
        B = self.background
        groups = list(self.featurizer.groups.items())
        blocks = [x[None, :], B]
        for _, cols in groups:
            without, alone = np.repeat(x[None, :], len(B), axis=0), B.copy()
            without[:, cols], alone[:, cols] = B[:, cols], x[cols]
            blocks += [without, alone]
        k = list(self.model.classes_).index(label)
        p = self.model.predict_proba(np.vstack(blocks))[:, k]
        n = len(B)
        p_x, p_b = p[0], p[1:1 + n].mean()
        weights = []
        for i, (name, _) in enumerate(groups):
            start = 1 + n + 2 * i * n
            without, alone = p[start:start + n].mean(), p[start + n:start + 2 * n].mean()
            weights.append((float((p_x - without) + (alone - p_b)) / 2, name))
        weights.sort(reverse=True)
        kept = [(w, name) for w, name in weights[:top] if w > 0.01] or weights[:1]
        return [Factor(fact=name, value=value_of(case, name), text=describe(case, name), weight=round(w, 3)) for w, name in kept]

    # storage -----------------------------------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """The model as a joblib file (written only by this code, read back only from the workspace's own folder)
        beside a JSON summary a person can read."""
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "refund_policy.joblib"
        atomic_write(path, lambda f: joblib.dump({"featurizer": self.featurizer.state(), "model": self.model, "calibrator": self.calibrator,
                                                  "threshold": self.threshold, "fit": self.fit.__dict__, "background": self.background,
                                                  "meta": self.meta}, f))
        atomic_write(folder / "refund_policy.json", json.dumps(self.summary(), indent=2, ensure_ascii=False))
        return path

    @classmethod
    def load(cls, folder: Path) -> LearnedPolicy:
        import joblib

        path = folder / "refund_policy.joblib"
        if not path.exists():
            raise NotFoundError("no refund policy has been learned in this workspace yet",
                                hint="learn one first: tradewinds refunds learn --history past.csv")
        state: dict[str, Any] = joblib.load(path)
        if state["meta"].get("version") != VERSION:
            raise BadInputError("the learned refund policy was made by another version of Tradewinds", hint="learn it again from the history")
        return cls(Featurizer(**state["featurizer"]), state["model"], state["calibrator"], state["threshold"], Fit(**state["fit"]),
                   state["background"], state["meta"])

    def summary(self) -> dict:
        return {**self.meta, **self.fit.__dict__, "threshold": self.threshold}


def choose_threshold(conf: np.ndarray, right: np.ndarray, target: float, min_cases: int = 20, z: float = 1.2816) -> tuple[float, float, float]:
    """The lowest confidence at which the cases at or above it are right at least ``target`` of the time, with 90%
    confidence (the Wilson lower bound of their accuracy, one-sided, clears the target): (threshold, coverage,
    accuracy there). 1.01 (decide nothing alone) when no threshold reaches the target on ``min_cases`` or more."""
    order = np.argsort(-conf, kind="stable")
    c, r = conf[order], right[order].astype(float)
    n = np.arange(1, len(r) + 1)
    acc = np.cumsum(r) / n
    lower = (acc + z * z / (2 * n) - z * np.sqrt(acc * (1 - acc) / n + z * z / (4 * n * n))) / (1 + z * z / n)
    best = None
    for i in range(min(min_cases, len(c)) - 1, len(c)):
        if (i + 1 == len(c) or c[i + 1] < c[i]) and lower[i] >= target:  # only cut between distinct confidences
            best = i
    if best is None:
        return 1.01, 0.0, 0.0
    return float(c[best]), (best + 1) / len(c), float(acc[best])


def value_of(case: RefundCase, group: str) -> str:
    if group == "buyer_history":
        return f"{case.buyer_refunds}/{case.buyer_orders}"
    v = getattr(case, group, None)
    return "unknown" if v is None else str(v)


def describe(case: RefundCase, group: str) -> str:
    """A fact of the case in words, for a reason."""
    unknown = "not known"
    match group:
        case "reason":
            return f"the buyer's reason is {case.reason.replace('_', ' ')}"
        case "delivery_status":
            return f"the parcel is {case.delivery_status.replace('_', ' ')}" if case.delivery_status else f"the delivery status is {unknown}"
        case "category":
            return f"the item is in {case.category}" if case.category else f"the category is {unknown}"
        case "item_price":
            return f"the item cost {case.item_price} {case.currency} (about {usd(case, case.item_price):.0f} USD)"
        case "return_shipping_cost":
            return (f"return shipping would cost {case.return_shipping_cost} {case.currency}" if case.return_shipping_cost is not None
                    else f"the return shipping cost is {unknown}")
        case "order_total":
            return f"the order came to {case.order_total} {case.currency}" if case.order_total is not None else f"the order total is {unknown}"
        case "days_since_delivery":
            return (f"it was delivered {case.days_since_delivery} day(s) ago" if case.days_since_delivery is not None and case.delivery_status == "delivered"
                    else "it has not been delivered" if case.delivery_status not in (None, "delivered") else f"the delivery date is {unknown}")
        case "tracking_signed":
            return {True: "the carrier has a signed delivery scan", False: "there is no signed delivery scan", None: f"a delivery signature is {unknown}"}[case.tracking_signed]
        case "evidence_photos":
            return f"the buyer sent {case.evidence_photos} photo(s)" if case.evidence_photos is not None else f"photos are {unknown}"
        case "buyer_history":
            return (f"the buyer had {case.buyer_refunds} refund(s) in {case.buyer_orders} order(s)" if case.buyer_orders is not None
                    else f"the buyer's history is {unknown}")
    return group
