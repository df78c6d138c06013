"""One workspace's dispute desk: import disputes, list them by deadline, prepare each response (route, evidence,
letter, recommendation, Stripe fields), write its evidence pack, and submit it through the ledger."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from ...accounts import Actor
from ...actions import ActionLedger, ActionRequest
from ...actions.schemas import ActionRecord, derived_key
from ...errors import BadInputError
from ...shop.conversations import ConversationStore
from ...shop.disputes import Dispute, DisputeStore
from ...shop.policy import PolicyStore
from ...shop.repository import ShopRepository
from ...trade.fx import default_rates
from ..refunds.store import RefundStore
from . import letter as letters
from . import pack
from .evidence import Evidence, gather
from .recommend import FightRules, Recommendation, recommend
from .routing import Route, route
from .stripe import evidence_fields


@dataclass
class Prepared:
    dispute: Dispute
    route: Route
    evidence: Evidence
    letter: letters.Letter
    problems: list[str]  # grounding: empty means every claim of the letter is in what it cites
    advice: Recommendation
    fields: dict[str, Any]

    @property
    def digest(self) -> str:
        """What a person approves: the response's fields and letter, hashed (a changed record changes it)."""
        return hashlib.sha256(json.dumps(self.fields, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def hours_left(self, now: datetime | None = None) -> float | None:
        if not self.dispute.due_by:
            return None
        due = datetime.fromisoformat(self.dispute.due_by)
        return ((due if due.tzinfo else due.replace(tzinfo=UTC)) - (now or datetime.now(UTC))).total_seconds() / 3600


class Disputes:
    def __init__(self, engine: Engine, workspace_id: str, *, ledger: ActionLedger | None = None, rules: FightRules | None = None) -> None:
        self.engine, self.workspace_id, self.ledger = engine, workspace_id, ledger
        self.store = DisputeStore(engine, workspace_id)
        self.shop = ShopRepository(engine, workspace_id)
        self.rules = rules or FightRules()

    def import_objects(self, objects: list[dict]) -> list[Dispute]:
        """Stripe dispute objects (an export, or the data.object of webhook events) into the store; again: replaced."""
        out = []
        for n, obj in enumerate(objects, 1):
            if not isinstance(obj, dict):
                raise BadInputError(f"dispute {n}: expected a Stripe dispute object, got {type(obj).__name__}")
            d = Dispute.from_stripe(obj)
            self.store.put(d, source=obj)
            out.append(d)
        return out

    def take_event(self, event: dict) -> Dispute | None:
        """A verified Stripe webhook event: a dispute event stores its dispute; the same event id again is refused
        (a replay); other event types are acknowledged and ignored (None)."""
        from sqlalchemy.exc import IntegrityError

        from ...errors import ConflictError
        from .tables import StripeEventRow

        event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
        if not event_id.startswith("evt_"):
            raise BadInputError("the webhook body is not a Stripe event (no evt_ id)")
        dispute = obj = None
        if kind.startswith("charge.dispute."):
            obj = (event.get("data") or {}).get("object")
            if not isinstance(obj, dict):
                raise BadInputError(f"event {event_id} has no dispute object")
            dispute = Dispute.from_stripe(obj)  # a bad object is refused before the event counts as taken
        try:
            with self.engine.begin() as conn:
                conn.execute(StripeEventRow.__table__.insert().values(workspace_id=self.workspace_id, event_id=event_id[:120], type=kind[:80],
                                                                       received_at=datetime.now(UTC).isoformat(timespec="seconds")))
        except IntegrityError:
            raise ConflictError(f"event {event_id} was already taken", hint="a replayed event is ignored") from None
        if dispute is not None:
            self.store.put(dispute, source=obj)
        return dispute

    def prepare(self, dispute_id: str) -> Prepared:
        d = self.store.get(dispute_id)
        r = route(d)
        ev = gather(d, r, shop=self.shop, policies=PolicyStore(self.engine), disputes=self.store,
                    conversations=ConversationStore(self.engine, self.workspace_id), refund_store=RefundStore(self.engine, self.workspace_id))
        lt = letters.compose(d, ev)
        advice = recommend(ev, d.amount, d.currency, self.rules, fx=default_rates())
        return Prepared(dispute=d, route=r, evidence=ev, letter=lt, problems=letters.check(lt, ev), advice=advice,
                        fields=evidence_fields(ev, lt))

    def messages(self, evidence: Evidence) -> dict[str, list]:
        store = ConversationStore(self.engine, self.workspace_id)
        return {i.source.split(" ", 1)[1]: store.messages(i.source.split(" ", 1)[1]) for i in evidence.items if i.kind == "communication"}

    def write_pack(self, p: Prepared, folder: Path, formats: tuple[str, ...] = ("pdf", "md")) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        blocks = pack.layout(p.dispute, p.evidence, p.letter, self.messages(p.evidence))
        paths = []
        for fmt in formats:
            path = folder / f"{p.dispute.id}.{fmt}"
            pack.write(blocks, path, fmt, f"Dispute {p.dispute.id}")
            paths.append(path)
        ev = folder / f"{p.dispute.id}.evidence.json"  # the response as Stripe's evidence fields
        ev.write_text(json.dumps(p.fields, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        return [*paths, ev]

    def by_urgency(self, *, open_only: bool = True) -> list[Dispute]:
        return self.store.by_urgency(open_only=open_only)

    def submit(self, dispute_id: str, *, actor: Actor, reason: str = "") -> ActionRecord:
        """Ask the ledger to submit the response; it always waits for a person's approval, then goes to Stripe."""
        if self.ledger is None:
            raise BadInputError("no action ledger to submit through")
        p = self.prepare(dispute_id)
        if not needs_response(p.dispute):
            from ...errors import ConflictError

            raise ConflictError(f"dispute {dispute_id} is {p.dispute.status}: nothing to respond to", hint="only open disputes take a response")
        if p.problems:
            raise BadInputError(f"the letter for {dispute_id} has claims its evidence does not support: {p.problems[0]}",
                                hint="fix the records or the letter; nothing unsupported is submitted")
        return self.ledger.submit(ActionRequest(workspace_id=self.workspace_id, type="dispute.submit", actor=actor,
                                                idempotency_key=derived_key("dispute", dispute_id, p.digest),
                                                params={"dispute_id": dispute_id, "digest": p.digest},
                                                reason=reason or f"{p.advice.action}: " + "; ".join(p.advice.reasons[-2:])))


RESPONDABLE = ("needs_response", "warning_needs_response")


def needs_response(d: Dispute) -> bool:
    """Only a dispute waiting for evidence takes a response (one under review already has it)."""
    return d.status in RESPONDABLE
