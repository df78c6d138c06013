"""Supplier ranking with buyer-set weights, and a shortlist that covers every line it can."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ..catalog.schemas import Capability, Supplier
from .schemas import LineResult, SupplierScore
from .score import adequate


class SupplierWeights(BaseModel):
    """How much each capability signal counts (non-negative numbers up to 100; normalised)."""

    certifications: float = Field(1.0, ge=0, le=100)
    years: float = Field(1.0, ge=0, le=100)
    rating: float = Field(1.0, ge=0, le=100)
    response_rate: float = Field(0.5, ge=0, le=100)
    on_time_rate: float = Field(1.5, ge=0, le=100)
    customization: float = Field(0.5, ge=0, le=100)
    verified: float = Field(1.0, ge=0, le=100)


def signals(s: Supplier) -> dict[str, float | None]:
    """Each signal on 0..1; None when the record is silent (it then counts as 0, and shows as unknown)."""
    return {
        "certifications": min(len(s.certifications), 5) / 5,
        "years": None if s.years_in_business is None else min(s.years_in_business, 20) / 20,
        "rating": None if s.rating is None else s.rating / 5,
        "response_rate": s.response_rate,
        "on_time_rate": s.on_time_delivery_rate,
        "customization": 1.0 if set(s.capabilities) & {Capability.OEM, Capability.ODM, Capability.CUSTOM_LOGO} else 0.0,
        "verified": 1.0 if s.verified else 0.0,
    }


def rank_suppliers(results: list[LineResult], suppliers: dict[str, Supplier], weights: SupplierWeights | None = None,
                   size: int = 8) -> list[SupplierScore]:
    weights = weights or SupplierWeights()
    w = weights.model_dump()
    total_w = sum(w.values()) or 1.0
    covers: dict[str, set[str]] = {}
    for r in results:
        for o in r.options:
            if adequate(o):
                covers.setdefault(o.supplier_id, set()).add(r.line_id)
    scored = {}
    for sid, lines in covers.items():
        s = suppliers.get(sid)
        if s is None:
            continue
        sig = signals(s)
        score = sum(w[k] * (v or 0.0) for k, v in sig.items()) / total_w
        scored[sid] = SupplierScore(supplier_id=sid, name=s.name, country=s.country, score=round(score, 4), lines=sorted(lines),
                                    signals={k: None if v is None else round(v, 3) for k, v in sig.items()})
    # Greedy cover: lines with few capable suppliers first get one; then the best by score fill the list.
    shortlist: list[SupplierScore] = []
    uncovered = {line for lines in covers.values() for line in lines}
    while uncovered and len(shortlist) < size:
        best = max((c for c in scored.values() if c not in shortlist),
                   key=lambda c: (len(set(c.lines) & uncovered), c.score), default=None)
        if best is None or not set(best.lines) & uncovered:
            break
        shortlist.append(best)
        uncovered -= set(best.lines)
    for c in sorted(scored.values(), key=lambda c: -c.score):
        if len(shortlist) >= size:
            break
        if c not in shortlist:
            shortlist.append(c)
    return shortlist
