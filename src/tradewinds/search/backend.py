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
    def index(self, docs: Iterable[SearchDocument], *, progress: Progress | None = None) -> int:
        """Insert or replace documents; returns how many were written."""

    @abstractmethod
    def delete(self, offer_ids: Iterable[str]) -> int: ...

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResponse:
        """Retrieve, filter and fuse; the learned re-ranker runs above, in ``ProductSearch``."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def clear(self) -> None: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files and threads."""
