"""What every backend shares above its engines: reciprocal-rank fusion, tier prices, facets over hits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

from .schemas import FacetCount, SearchHit

RRF_K = 60


def rrf(*ranked: Sequence[tuple[Hashable, float]]) -> list[tuple[Hashable, float]]:
    """Reciprocal-rank fusion of ranked (key, score) lists: sum of 1 / (RRF_K + rank)."""
    score: dict[Hashable, float] = {}
    for ranking in ranked:
        for rank, (key, _) in enumerate(ranking):
            score[key] = score.get(key, 0.0) + 1.0 / (RRF_K + rank + 1)
    return sorted(score.items(), key=lambda kv: -kv[1])


def facets_of(hits: Sequence[SearchHit]) -> dict[str, list[FacetCount]]:
    """Facet counts over every candidate (not only the page shown), so they agree with the candidate total."""
    counters = {
        "supplier_country": Counter(h.supplier_country for h in hits if h.supplier_country),
        "incoterm": Counter(h.incoterm for h in hits if h.incoterm),
        "hs_chapter": Counter(h.hs_code[:2] for h in hits if h.hs_code and len(h.hs_code) >= 2),
        "certifications": Counter(c for h in hits for c in h.certifications),
    }
    return {name: [FacetCount(value=v, count=n) for v, n in c.most_common(20)] for name, c in counters.items()}
