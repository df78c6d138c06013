"""Real wiring in one place: settings -> database, repository, search backend, search service,
model gateway and the sourcing loop."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .db import open_database
from .catalog.repository import CatalogRepository
from .errors import ConfigError
from .models.embeddings import VectorCache, get_embedder
from .models.gateway import Gateway
from .plugins import Registry
from .search.backend import SearchBackend
from .search.service import ProductSearch
from .settings import Settings, get_settings
from .sourcing.run import Budgets, RunStore, Sourcer


_GATEWAY_LOCK = threading.Lock()


@dataclass
class Services:
    settings: Settings
    repo: CatalogRepository
    backend: SearchBackend
    search: ProductSearch
    _gateway: Gateway | None = field(default=None, init=False, repr=False, compare=False)

    def gateway(self) -> Gateway:
        """One gateway per process: its cache, per-model concurrency slots and worker pool are shared by every request."""
        if self._gateway is None:
            with _GATEWAY_LOCK:
                if self._gateway is None:
                    self._gateway = Gateway(self.settings)
        return self._gateway

    def sourcer(self, budgets: Budgets | None = None, *, model: bool = True) -> Sourcer:
        """The sourcing loop on this catalog; ``model=False`` runs extractors and templates only."""
        return Sourcer(self.repo, self.search, self.gateway() if model else None, fx_rates=self.settings.fx_rates,
                       store=RunStore(self.settings.data_dir / "sourcing"), budgets=budgets)


BACKENDS: Registry[Callable[[str, str, Settings], SearchBackend]] = Registry(
    "search backend", "tradewinds.search_backends",
    hint="set TRADEWINDS_SEARCH_URL to embedded:/path/to/index, milvus://host:19530 or milvus:path/to/offers.db")


@BACKENDS.register("embedded")
def _embedded(url: str, rest: str, settings: Settings) -> SearchBackend:
    from .search.embedded import EmbeddedBackend

    return EmbeddedBackend(Path(rest), embedder=get_embedder(settings.embedding_model, settings),
                           vector_cache=VectorCache(settings.vector_cache_path), fx_rates=settings.fx_rates,
                           batch_size=settings.embedding_batch_size)


@BACKENDS.register("milvus")
def _milvus(url: str, rest: str, settings: Settings) -> SearchBackend:
    from .search.milvus import MilvusBackend

    if rest in ("", "//"):  # bare "milvus:" -> a milvus-lite file in the data directory
        url = f"milvus:{settings.data_dir / 'search-milvus.db'}"
    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusBackend(url, embedder=get_embedder(settings.embedding_model, settings), token=token,
                         vector_cache=VectorCache(settings.vector_cache_path), fx_rates=settings.fx_rates,
                         batch_size=settings.embedding_batch_size)


def make_backend(settings: Settings) -> SearchBackend:
    """The backend TRADEWINDS_SEARCH_URL names, by its scheme."""
    url = settings.resolved_search_url
    scheme, _, rest = url.partition(":")
    try:
        build = BACKENDS.get(scheme)
    except ConfigError:
        raise ConfigError(f"unsupported search backend {url!r}", hint=BACKENDS.hint) from None
    return build(url, rest, settings)


def bootstrap(settings: Settings | None = None) -> Services:
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    repo = CatalogRepository(open_database(settings.resolved_database_url))
    backend = make_backend(settings)
    return Services(settings=settings, repo=repo, backend=backend, search=ProductSearch(backend))
