"""One workspace's refund desk: learn the merchant's policy, decide cases, carry decisions out through the action
ledger, and the queue of cases a person must look at. The CLI, the API and the web pages all call this."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from ...accounts import Actor
from ...actions import ActionLedger, ActionRequest
from ...actions.schemas import derived_key
from ...errors import BadInputError, ConflictError, RefusedError
from ...shop.policy import PolicyStore
from .agent import AbuseRules, RefundAgent
from .learn import LearnedPolicy
from .messages import check, language, render
from .policy import RefundRules
from .schemas import DECISIONS, REFUNDING, Factor, PastDecision, RefundCase, RefundDecision, quantum
from .store import QUEUE, RefundStore, StoredCase

AGENT = Actor(kind="agent", id="refund-agent", role="operator")


class Refunds:
    def __init__(self, engine: Engine, workspace_id: str, *, ledger: ActionLedger, policies: PolicyStore, folder: Path,
                 abuse: AbuseRules | None = None) -> None:
        self.engine, self.workspace_id, self.ledger, self.policies, self.folder = engine, workspace_id, ledger, policies, folder
        self.store = RefundStore(engine, workspace_id)
        self.abuse = abuse or AbuseRules()

    # the policy ----------------------------------------------------------------------------------------------------
    def rules(self) -> RefundRules:
        """The written rules in force: the shop's after-sales policy (its windows and categories)."""
        return RefundRules.from_shop(self.policies.current(self.workspace_id)[1])

    def learn(self, history: list[PastDecision], *, target_accuracy: float = 0.95, source: str = "") -> LearnedPolicy:
        policy = LearnedPolicy.learn(history, target_accuracy=target_accuracy, source=source)
        policy.save(self.folder)
        return policy

    def learned(self) -> LearnedPolicy:
        return LearnedPolicy.load(self.folder)

    # deciding ------------------------------------------------------------------------------------------------------
    def decide(self, cases: list[RefundCase], *, execute: bool = False) -> list[tuple[RefundDecision, str]]:
        """Decide each case and store it; with ``execute``, carry out every decision the agent made alone through
        the ledger, as the agent (applied inside the limits, else waiting for approval; a limit or a kill switch
        that refuses sends the case to a person). A case already carried out, or waiting for approval, is not
        decided again: its stored decision comes back; a preview stores new cases only. Returns (decision, status)
        per case."""
        agent = RefundAgent(self.learned(), self.rules(), self.abuse)
        stored = self.store.find([c.case_id for c in cases])
        fresh = [c for c in cases if c.case_id not in stored or stored[c.case_id].status not in ("executed", "pending_approval")]
        made = {d.case_id: d for d in agent.decide(fresh, refunded=self.store.refunded())}
        out = []
        for case in cases:
            if case.case_id not in made:
                s = stored[case.case_id]
                out.append((s.decision, s.status))
                continue
            decision = made[case.case_id]
            status = "escalated" if decision.escalated else "proposed"
            if not execute and case.case_id in stored:  # a preview leaves a stored case (in the queue, say) as it is
                out.append((decision, status))
                continue
            self.store.put(case, decision, status, decided_by=AGENT.id)
            if execute and not decision.escalated:
                try:
                    status = self.execute(case.case_id, actor=AGENT)
                except RefusedError as exc:  # a limit or a kill switch: a person takes the case, told why
                    decision = decision.model_copy(update={"reasons": [*decision.reasons, Factor(fact="ledger", value="refused", text=exc.message)]})
                    self.store.put(case, decision, "escalated", decided_by=AGENT.id)
                    status = "escalated"
            out.append((decision, status))
        return out

    def request(self, request, *, execute: bool = False) -> tuple[RefundDecision, str]:
        """A buyer's request about an item of one of the shop's orders: the case made from the shop's records, then
        decided (and carried out) like any other."""
        from ...shop.repository import ShopRepository
        from .shop import case_from_shop

        return self.decide([case_from_shop(ShopRepository(self.engine, self.workspace_id), request)], execute=execute)[0]

    def execute(self, case_id: str, *, actor: Actor, reason: str = "") -> str:
        """Carry out the stored decision of a case through the ledger; returns the case's status after."""
        s = self.store.get(case_id)
        d = s.decision
        if d.escalated:
            raise ConflictError(f"case {case_id} is escalated: a person decides it first", hint="resolve it in the refund queue")
        request = ActionRequest(workspace_id=self.workspace_id, type="refund.execute", actor=actor,
                                idempotency_key=derived_key("refund", case_id, d.decision, d.refund_amount),
                                params={"case_id": case_id, "decision": d.decision, "amount": str(d.refund_amount), "currency": d.currency},
                                reason=reason or "; ".join(f.text for f in d.reasons)[:2000])
        record = self.ledger.submit(request)
        status = "executed" if record.status == "applied" else "pending_approval" if record.status == "pending_approval" else "refused"
        self.store.set_status(case_id, status, action_id=record.id)
        return status

    # a person's queue ----------------------------------------------------------------------------------------------
    def _refresh(self, s: StoredCase) -> StoredCase:
        """A case waiting for approval, brought up to date with its action: approved means carried out, rejected by
        the approver means back to a person."""
        if s.status == "pending_approval" and s.action_id:
            record = self.ledger.get(self.workspace_id, s.action_id)
            if record.status != "pending_approval":
                self.store.set_status(s.case.case_id, "executed" if record.status == "applied" else "escalated")
                return self.store.get(s.case.case_id)
        return s

    def queue(self, limit: int = 200) -> list[StoredCase]:
        """Cases a person must look at: escalated, or waiting for approval."""
        fresh = [self._refresh(s) for s in self.store.list(QUEUE, limit=limit)]
        return [s for s in fresh if s.status in QUEUE]

    def resolve(self, case_id: str, decision: str, amount: Decimal | None, *, actor: Actor, note: str = "") -> tuple[RefundDecision, str]:
        """A person decides a case: stored as theirs, then carried out through the ledger as them (their limits, their
        approvals). The written rules bind them too."""
        if decision not in DECISIONS or decision == "escalate":
            raise BadInputError(f"{decision!r} is not a decision a person can make", hint="one of " + ", ".join(d for d in DECISIONS if d != "escalate"))
        s = self._refresh(self.store.get(case_id))
        if s.status == "executed":
            raise ConflictError(f"case {case_id} was already carried out", hint="a case is carried out once")
        if s.status == "pending_approval":
            raise ConflictError(f"case {case_id} waits for approval of action {s.action_id}",
                                hint="approve or reject that action first (a rejected one comes back here to decide)")
        case = s.case
        amount = Decimal(0) if decision not in REFUNDING else (case.refundable if amount is None else Decimal(amount))
        if amount != amount.quantize(quantum(case.currency)):
            raise BadInputError(f"{amount} {case.currency} has more decimals than the currency has", hint=f"round it to {quantum(case.currency)}")
        breaches = self.rules().breaches(case, decision, amount, refunded_before=(case.order_id, case.item_id) in self.store.refunded(but=case_id))
        if breaches:
            raise BadInputError(f"case {case_id}: {breaches[0].text}", hint="the merchant's written refund rules bind every decision")
        lang = language(case)
        message = render(decision, amount, case.currency, lang)
        if problems := check(message, decision, amount, lang):
            raise BadInputError(f"case {case_id}: the reply would read {message!r}: {problems[0]}", hint="write to the buyer yourself")
        made = RefundDecision(case_id=case_id, decision=decision, refund_amount=amount, currency=case.currency, confidence=1.0, source="person",
                              predicted=s.decision.predicted, lang=lang, message=message,
                              reasons=[Factor(fact="person", value=actor.id, text=note or f"decided by {actor.id}", weight=1.0)])
        self.store.put(case, made, "proposed", decided_by=actor.id)
        return made, self.execute(case_id, actor=actor, reason=note)

    def history(self) -> list[PastDecision]:
        """The cases people resolved and the agent's executed decisions, as past decisions to learn from again."""
        return [PastDecision(**s.case.model_dump(), decision=s.decision.decision, refund_amount=s.decision.refund_amount)
                for s in self.store.list(("executed",), limit=100000) if s.decision.source == "person"]
