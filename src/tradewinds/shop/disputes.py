"""Card disputes (chargebacks) on the shop's payments, in the shape Stripe gives them, linked to the shop's orders.

``Dispute.from_stripe`` reads Stripe's dispute object (``id, amount`` in the currency's minor unit, ``currency, charge,
reason, status, network_reason_code, created, evidence_details.due_by``, the card brand, ``metadata.order_id``);
``DisputeStore`` keeps them per workspace (a dispute sent again replaces itself) and lists the open ones by how soon
their evidence is due. The only SQL for them. What is done with them (routing, evidence, the response) is the
after-sales agents' work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from ..catalog.reference import currency_minor_unit
from ..errors import BadInputError, NotFoundError
from .tables import DisputeRow

_DISPUTES = DisputeRow.__table__
OPEN = ("warning_needs_response", "needs_response", "warning_under_review", "under_review")


class Dispute(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=80)
    order_id: str | None = Field(None, max_length=80, description="the shop's order the disputed payment was for")
    charge: str | None = Field(None, max_length=80)
    amount: Decimal = Field(ge=0, description="in the currency's major unit")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reason: str = Field(max_length=60, description="Stripe's reason: fraudulent, product_not_received, duplicate, ...")
    status: str = Field(max_length=40)
    network_reason_code: str | None = Field(None, max_length=20)
    card_brand: str | None = Field(None, max_length=30)
    created_at: str
    due_by: str | None = Field(None, description="when the evidence must be submitted (ISO 8601, UTC)")
    evidence: dict[str, Any] = Field(default_factory=dict)

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, v: str) -> str:
        return str(v).upper()

    @classmethod
    def from_stripe(cls, obj: dict[str, Any], *, order_id: str | None = None) -> Dispute:
        """Stripe's dispute object -> a dispute (amount from the minor unit, Unix times to ISO 8601)."""
        try:
            currency = str(obj["currency"]).upper()
            minor = currency_minor_unit(currency)
            if minor is None:
                raise BadInputError(f"dispute {obj.get('id')!r}: currency {obj['currency']!r} is not an ISO 4217 code",
                                    hint="Stripe sends lower-case ISO 4217 codes, e.g. 'usd'")
            card = ((obj.get("payment_method_details") or {}).get("card") or {})
            return cls(id=obj["id"], order_id=order_id or (obj.get("metadata") or {}).get("order_id"), charge=obj.get("charge"),
                       amount=Decimal(int(obj["amount"])).scaleb(-minor), currency=currency, reason=obj["reason"], status=obj["status"],
                       network_reason_code=obj.get("network_reason_code") or card.get("network_reason_code"),
                       card_brand=card.get("brand"), created_at=_iso(obj["created"]),
                       due_by=_iso(due) if (due := (obj.get("evidence_details") or {}).get("due_by")) else None,
                       evidence={k: v for k, v in (obj.get("evidence") or {}).items() if v not in (None, "")})
        except KeyError as exc:
            raise BadInputError(f"dispute {obj.get('id')!r}: the field {exc.args[0]!r} is missing",
                                hint="a Stripe dispute object has id, amount, currency, reason, status and created") from None


def _iso(unix: int | float) -> str:
    return datetime.fromtimestamp(int(unix), tz=UTC).isoformat()


class DisputeStore:
    def __init__(self, engine: Engine, workspace_id: str) -> None:
        self.engine, self.workspace_id = engine, workspace_id

    def put(self, dispute: Dispute, source: dict[str, Any] | None = None, *, conn: Connection | None = None) -> None:
        """Store a dispute; the same id again replaces it (a webhook retried, a status changed). ``conn``: inside the
        caller's transaction (the ledger's)."""
        if conn is None:
            with self.engine.begin() as own:
                return self.put(dispute, source, conn=own)
        values = dict(workspace_id=self.workspace_id, **dispute.model_dump(), source=source or {})
        conn.execute(_DISPUTES.delete().where(_DISPUTES.c.workspace_id == self.workspace_id, _DISPUTES.c.id == dispute.id))
        conn.execute(_DISPUTES.insert().values(**values))

    def get(self, dispute_id: str) -> Dispute:
        with self.engine.connect() as conn:
            row = conn.execute(select(_DISPUTES).where(_DISPUTES.c.workspace_id == self.workspace_id, _DISPUTES.c.id == dispute_id)).first()
        if row is None:
            raise NotFoundError(f"no dispute {dispute_id!r} in this workspace", hint="import disputes first")
        return _dispute(row)

    def by_urgency(self, *, open_only: bool = True, limit: int = 200) -> list[Dispute]:
        """Disputes whose evidence is due soonest first (those with no deadline last)."""
        query = select(_DISPUTES).where(_DISPUTES.c.workspace_id == self.workspace_id)
        if open_only:
            query = query.where(_DISPUTES.c.status.in_(OPEN))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return sorted((_dispute(r) for r in rows), key=lambda d: (d.due_by is None, d.due_by or "", d.id))[:limit]


def _dispute(row) -> Dispute:
    return Dispute(**{k: getattr(row, k) for k in Dispute.model_fields})
