"""The search backend interface. Engines (embedded tantivy+numpy today, Milvus later)
implement it; :mod:`tradewinds.search.testing` holds the contract every one must pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable

from .schemas import SearchDocument, SearchRequest, SearchResponse

Progress = Callable[[int], None]


class SearchBackend(ABC):
    """Stores offers as :class:`SearchDocument` and answers :class:`SearchRequest`.

    Guarantees every implementation keeps (and the contract tests check):
    * upsert by ``offer_id``: indexing a document twice leaves one copy;
    * hard filters are exact: no hit ever violates one;
    * ``mode`` selects lexical, dense or hybrid retrieval; hits carry the scores they got.
    """

    name: str = "backend"

    @abstractmethod
    def index(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None, vectors: bool = True) -> int:
        """Insert or replace documents; returns how many were written. ``vectors=False`` asks a backend that can
        to make the documents searchable by keywords now and embed them later (see :meth:`fill_vectors`);
        one that cannot embeds them now."""

    def vector_coverage(self) -> float:
        """The share of indexed products searchable by meaning (embedded); below 1 while vectors fill in."""
        return 1.0

    def fill_vectors(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None) -> int:
        """Embed the products of ``docs`` that were indexed without vectors; returns how many were embedded."""
        return 0

    @abstractmethod
    def delete(self, offer_ids: Iterable[str]) -> int: ...

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResponse:
        """Retrieve, filter and fuse; the learned re-ranker runs above, in ``ProductSearch``."""

    @abstractmethod
    def count(self, workspace_id: str | None = None) -> int:
        """Offers indexed; with a workspace, those it can find: the shared catalog and its own."""

    @abstractmethod
    def clear(self) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and threads."""
