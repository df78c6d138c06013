"""ProductSearch: a backend's candidates, re-ranked, trimmed to the requested page."""

from __future__ import annotations

from .backend import SearchBackend
from .rerank import LearnedRanker, default_ranker
from .schemas import SearchRequest, SearchResponse

RERANK_POOL = 50


class ProductSearch:
    def __init__(self, backend: SearchBackend, *, ranker: LearnedRanker | None = None, use_default_ranker: bool = True,
                 workspace_id: str | None = None) -> None:
        self.backend = backend
        self._ranker = ranker
        self._use_default = use_default_ranker and ranker is None
        self.workspace_id = workspace_id

    def scoped(self, workspace_id: str) -> ProductSearch:
        """Search as ``workspace_id`` does: the shared catalog and its own imports, whatever filters a caller sends."""
        return ProductSearch(self.backend, ranker=self.ranker, use_default_ranker=False, workspace_id=workspace_id)

    @property
    def ranker(self) -> LearnedRanker | None:
        if self._use_default:  # loaded on first search, so commands that never search never read it
            self._ranker, self._use_default = default_ranker(), False
        return self._ranker

    def search(self, request: SearchRequest) -> SearchResponse:
        if self.workspace_id is not None:
            request = request.model_copy(update={"filters": request.filters.model_copy(update={"workspace_id": self.workspace_id})})
        ranker = self.ranker if request.rerank else None
        pool = max(request.limit, RERANK_POOL) if ranker else request.limit
        response = self.backend.search(request.model_copy(update={"limit": pool}))
        hits = ranker.rerank(request.text, response.hits[:pool], reference_price=request.reference_price) if ranker else response.hits
        return response.model_copy(update={"hits": hits[: request.limit]})
