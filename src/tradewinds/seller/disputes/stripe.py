"""Stripe's side of a dispute: the response as Stripe's ``evidence`` fields, the webhook's signature, and an adapter
that submits a response through Stripe's API (any base URL: tests use a local server that speaks its shape).

Webhook signatures follow Stripe's scheme: the ``Stripe-Signature`` header carries ``t=<unix time>`` and one or more
``v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint's secret>``; a signature older than the tolerance, or an
event id seen before, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx

from ...errors import BadInputError, ConfigError, UnauthenticatedError
from .evidence import Evidence
from .letter import Letter

TOLERANCE_S = 300


def evidence_fields(evidence: Evidence, letter: Letter, *, pack_file_id: str | None = None) -> dict[str, Any]:
    """The response as Stripe's evidence object: the text fields, the letter as ``uncategorized_text``, the evidence
    pack (once uploaded) in every file field it answers, and Visa CE 3.0's enhanced evidence when it is met."""
    out: dict[str, Any] = {k: v[:20000] for k, v in evidence.fields.items()}
    out["uncategorized_text"] = letter.text[:20000]
    if pack_file_id:
        out["uncategorized_file"] = pack_file_id
        for f in evidence.files:
            out[f] = pack_file_id
    if evidence.ce3.eligible:
        order = evidence.item("order")
        out["enhanced_evidence"] = {"visa_compelling_evidence_3": {
            "disputed_transaction": {"customer_account_id": evidence.item("customer").facts.get("account"),
                                     "customer_purchase_ip": order.facts.get("customer IP"), "customer_device_id": order.facts.get("device"),
                                     "customer_email_address": evidence.fields.get("customer_email_address"),
                                     "merchandise_or_services": "merchandise", "product_description": evidence.fields.get("product_description"),
                                     "shipping_address": evidence.fields.get("shipping_address")},
            "prior_undisputed_transactions": [{"charge": q.split(" ", 1)[0]} for q in evidence.ce3.qualifying]}}
    return out


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """A Stripe-Signature header value for ``payload`` (what Stripe sends; tests and local replays use it)."""
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(payload: bytes, header: str | None, secret: str, *, now: float | None = None, tolerance: int = TOLERANCE_S) -> None:
    """Raise unless ``header`` is a valid signature of ``payload`` made within ``tolerance`` seconds."""
    if not header:
        raise UnauthenticatedError("no Stripe-Signature header", hint="the webhook endpoint only takes events Stripe signed")
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    signatures = [v.strip() for k, v in parts if k.strip() == "v1"]
    if not stamps or not stamps[0].strip().isdigit() or not signatures:
        raise UnauthenticatedError("the Stripe-Signature header has no timestamp or no v1 signature")
    t = int(stamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance:
        raise UnauthenticatedError(f"the signature's timestamp is more than {tolerance} s away from now",
                                   hint="a replayed or delayed event; Stripe retries with a fresh signature")
    expected = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise UnauthenticatedError("the Stripe-Signature does not match the payload", hint="check the endpoint's signing secret")


class StripeClient:
    """The two calls a response needs: upload the evidence pack (``POST /v1/files``, purpose ``dispute_evidence``)
    and update the dispute with its evidence and ``submit=true`` (``POST /v1/disputes/{id}``)."""

    def __init__(self, api_key: str, base_url: str = "https://api.stripe.com", *, files_url: str | None = None, timeout: float = 30) -> None:
        if not api_key:
            raise ConfigError("no Stripe API key", hint="set TRADEWINDS_STRIPE_API_KEY (a restricted key with Disputes write)")
        self.base, self.files_base = base_url.rstrip("/"), (files_url or ("https://files.stripe.com" if "api.stripe.com" in base_url else base_url)).rstrip("/")
        self.http = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {api_key}"})

    def upload(self, name: str, content: bytes) -> str:
        r = self.http.post(f"{self.files_base}/v1/files", data={"purpose": "dispute_evidence"}, files={"file": (name, content, "application/pdf")})
        return self._ok(r)["id"]

    def submit(self, dispute_id: str, evidence: dict[str, Any], idempotency_key: str) -> dict:
        r = self.http.post(f"{self.base}/v1/disputes/{dispute_id}", data={**_form("evidence", evidence), "submit": "true"},
                           headers={"Idempotency-Key": idempotency_key})
        return self._ok(r)

    @staticmethod
    def _ok(r: httpx.Response) -> dict:
        if r.status_code >= 400:
            try:
                message = r.json()["error"]["message"]
            except Exception:  # noqa: BLE001 - any body: say the status
                message = f"HTTP {r.status_code}"
            raise BadInputError(f"Stripe refused the call: {message}", hint="see the dispute in the Stripe dashboard")
        return r.json()


def _form(prefix: str, value: Any) -> dict[str, str]:
    """Stripe's form encoding of nested objects: evidence[enhanced_evidence][...][0][charge]=..."""
    out: dict[str, str] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_form(f"{prefix}[{k}]", v))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(_form(f"{prefix}[{i}]", v))
    elif value is not None:
        out[prefix] = str(value)
    return out
