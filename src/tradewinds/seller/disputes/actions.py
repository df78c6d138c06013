"""``dispute.submit``: send a dispute's response to Stripe, only after a person approves it (always).

The parameters name the dispute and the digest of the response the person saw. ``plan`` prepares the response again
from the records and refuses when it differs (records changed since), when the letter's claims fail the grounding
check, or when the dispute is closed or past its deadline. ``apply`` uploads the evidence pack to Stripe's Files API
and submits the evidence, with the action's key as Stripe's Idempotency-Key, then marks the dispute under review.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ...actions.schemas import Change
from ...actions.types import ActionType
from ...errors import ConflictError
from ...shop.actions import Refused


class SubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dispute_id: str = Field(min_length=1, max_length=80)
    digest: str = Field(pattern=r"^[0-9a-f]{16}$", description="the response as prepared and shown (Prepared.digest)")


class SubmitDispute(ActionType):
    name, effect = "dispute.submit", "write"
    params_model = SubmitIn
    always_approve = True

    def counterparty(self, params):
        return params.dispute_id

    def _prepared(self, conn, ws, params):
        from .service import Disputes, needs_response

        p = Disputes(conn.engine, ws).prepare(params.dispute_id)
        if not needs_response(p.dispute):
            raise ConflictError(f"dispute {p.dispute.id} is {p.dispute.status}: nothing to respond to", hint="only open disputes take a response")
        left = p.hours_left()
        if left is not None and left <= 0:
            raise Refused(f"dispute {p.dispute.id}: the evidence was due {p.dispute.due_by}", rule="past_due", dispute=p.dispute.id)
        if p.problems:
            raise Refused(f"dispute {p.dispute.id}: {p.problems[0]}", rule="ungrounded", dispute=p.dispute.id)
        if p.digest != params.digest:
            raise ConflictError(f"the response to {p.dispute.id} changed since it was prepared", hint="prepare it again and look at it")
        return p

    def plan(self, conn, ws, params):
        p = self._prepared(conn, ws, params)
        return Change(summary=f"submit the response to dispute {p.dispute.id} ({p.dispute.amount} {p.dispute.currency}, "
                              f"{p.route.category.replace('_', ' ')}; {p.advice.action}, chance {p.advice.chance:.0%}) to Stripe",
                      before={"status": p.dispute.status}, after={"status": "under_review", "digest": p.digest,
                                                                   "fields": sorted(p.fields)})

    def apply(self, conn, ws, params, change):
        from ...settings import get_settings
        from .service import Disputes
        from .stripe import StripeClient, evidence_fields

        settings = get_settings()
        desk = Disputes(conn.engine, ws)
        p = self._prepared(conn, ws, params)
        client = StripeClient(settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else "", settings.stripe_api_base)
        with tempfile.TemporaryDirectory() as tmp:
            [pdf] = [x for x in desk.write_pack(p, Path(tmp), ("pdf",)) if x.suffix == ".pdf"]
            file_id = client.upload(pdf.name, pdf.read_bytes())
        answer = client.submit(p.dispute.id, evidence_fields(p.evidence, p.letter, pack_file_id=file_id), f"tradewinds-{ws}-{p.dispute.id}-{p.digest}")
        desk.store.put(p.dispute.model_copy(update={"status": answer.get("status", "under_review"),
                                                    "evidence": {**p.fields, "uncategorized_file": file_id}}), source=answer, conn=conn)
        return {"status": answer.get("status"), "file": file_id, "submitted_at": datetime.now(UTC).isoformat(timespec="seconds")}
