"""ProductSearch: a backend's candidates, re-ranked, trimmed to the requested page."""

from __future__ import annotations

from .backend import SearchBackend
from .rerank import LearnedRanker, default_ranker
from .schemas import SearchRequest, SearchResponse

RERANK_POOL = 50


class ProductSearch:
    def __init__(self, backend: SearchBackend, *, ranker: LearnedRanker | None = None, use_default_ranker: bool = True) -> None:
        self.backend = backend
        self.ranker = ranker or (default_ranker() if use_default_ranker else None)

    def search(self, request: SearchRequest) -> SearchResponse:
        pool = max(request.limit, RERANK_POOL) if request.rerank and self.ranker else request.limit
        response = self.backend.search(request.model_copy(update={"limit": pool}))
        hits = response.hits[:pool]
        if request.rerank and self.ranker:
            hits = self.ranker.rerank(request.text, hits, reference_price=request.reference_price)
        return response.model_copy(update={"hits": hits[: request.limit]})
