"""Product search: engine-neutral contracts, the embedded backend and the re-ranking service."""

from .backend import SearchBackend
from .schemas import FacetCount, SearchDocument, SearchFilters, SearchHit, SearchRequest, SearchResponse
from .service import ProductSearch

__all__ = ["FacetCount", "ProductSearch", "SearchBackend", "SearchDocument", "SearchFilters", "SearchHit",
           "SearchRequest", "SearchResponse"]
